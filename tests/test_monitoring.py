"""Monitoring: the checks the scheduled report makes, the Benjamini–Hochberg adjustment worked by hand, and
the JSON a script forwards."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from journey import monitoring
from journey.metrics import Comparison, Estimate


def comparison(p: float | None, verdict: str, before: float = 10.0, after: float = 30.0) -> Comparison:
    return Comparison(Estimate(before, 0, 0, 100, "share"), Estimate(after, 0, 0, 120, "share"), after - before, p,
                      verdict, "two-proportion z-test")


def test_flags_use_benjamini_hochberg_by_hand():
    results = [("touchpoint_negative_share", "app", None, comparison(0.001, "worsened")),
               ("touchpoint_negative_share", "web", None, comparison(0.02, "improved", 30, 10)),
               ("stage_satisfaction", "usage", None, comparison(0.04, "improved", 3.5, 3.9)),
               ("funnel_step", "consideration", "purchase", comparison(0.30, "no_change")),
               ("stage_satisfaction", "support", None, comparison(None, "too_small"))]
    # Four tested: sorted p 0.001, 0.02, 0.04, 0.30 -> q = p * 4 / rank, then the running minimum from the top:
    # 0.004, 0.04, 0.0533, 0.30.
    flags = monitoring.flags(results)
    assert [(f.key, round(f.q_value, 4)) for f in flags] == [("app", 0.004), ("web", 0.04)]
    assert flags[0].verdict == "worsened"  # worse moves first


def test_checks_compare_stage_satisfaction_touchpoint_negative_share_and_funnel_steps():
    def comments(n_neg: int, n: int, rating: float) -> pd.DataFrame:
        return pd.DataFrame({"comment_id": range(n), "response_id": range(n), "stages": ["usage"] * n,
                             "touchpoint": ["app"] * n, "sentiment": ["negative"] * n_neg + ["positive"] * (n - n_neg),
                             "rating": [rating] * (n - 1) + [rating + 1]})
    counts = pd.DataFrame([{"period_start": date(2026, m, 1), "period_end": date(2026, m, 28), "stage": s, "count": c}
                           for m, (a, b) in ((9, (1000, 300)), (10, (1000, 200))) for s, c in (("awareness", a),
                                                                                              ("purchase", b))])
    results = monitoring.checks(comments(40, 100, 3.0), comments(10, 100, 4.0), counts, ["awareness", "usage", "purchase"],
                                ["app"], (date(2026, 10, 1), date(2026, 10, 31)), (date(2026, 9, 1), date(2026, 9, 30)))
    kinds = {(kind, key, nxt): r for kind, key, nxt, r in results}
    assert set(kinds) == {("stage_satisfaction", "awareness", None), ("stage_satisfaction", "usage", None),
                          ("stage_satisfaction", "purchase", None), ("touchpoint_negative_share", "app", None),
                          ("funnel_step", "awareness", "purchase")}
    assert kinds[("touchpoint_negative_share", "app", None)].verdict == "worsened"
    step = kinds[("funnel_step", "awareness", "purchase")]
    assert (step.before.value, step.after.value, step.verdict) == (30.0, 20.0, "worsened")
    flags = monitoring.flags(results)
    assert {f.kind for f in flags} == {"touchpoint_negative_share", "stage_satisfaction", "funnel_step"}
    line = next(f for f in flags if f.kind == "funnel_step").describe({"awareness": "認知", "purchase": "購入"}, {}, "ja")
    assert line.startswith("転換率 認知 → 購入: 30% → 20%（n = 1000 → 1000）、悪化（q = ")


def test_summary_json(tmp_path):
    found = monitoring.flags([("touchpoint_negative_share", "app", None, comparison(0.001, "worsened"))])
    data = monitoring.summary(found, [("x", "y", None, comparison(None, "too_small"))], (date(2026, 10, 25),
                              date(2026, 10, 31)), (date(2026, 10, 18), date(2026, 10, 24)), "report")
    monitoring.write_flags(data, tmp_path / "flags.json")
    back = json.loads((tmp_path / "flags.json").read_text(encoding="utf-8"))
    assert back["baseline"] == {"since": "2026-10-18", "until": "2026-10-24", "source": "report"}
    assert back["too_small"] == 1 and back["flags"][0]["key"] == "app" and back["flags"][0]["q_value"] == pytest.approx(0.001)
