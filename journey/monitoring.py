"""Monitoring for the scheduled report: what moved significantly since the last report: a stage's
satisfaction, a touchpoint's negative share, a funnel step. Many checks run at once, so their p-values
are adjusted (Benjamini–Hochberg false discovery rate) before anything is flagged; no per-response alerts."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date

import pandas as pd

from journey import funnel
from journey.i18n import t
from journey.metrics import SMALL_N, Comparison, compare_means, compare_shares, explode_stages

KINDS = ("stage_satisfaction", "touchpoint_negative_share", "funnel_step")
FDR = 0.05


@dataclass
class Flag:
    """One significant move: what (kind, key, next_key for a funnel step), before → after with n, the
    test's p-value and its FDR-adjusted q-value, and whether it is better or worse."""

    kind: str
    key: str
    next_key: str | None
    before: float
    after: float
    n_before: int
    n_after: int
    change: float
    p_value: float
    q_value: float
    verdict: str
    test: str

    def to_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}

    def describe(self, stage_labels: dict[str, str], touch_labels: dict[str, str], lang: str) -> str:
        """One line: "購入 → ロイヤルティ conversion 26% → 22%, worse (q = 0.01)"."""
        if self.kind == "funnel_step":
            what = t("monitor.kind.funnel_step", lang, stage=stage_labels.get(self.key, self.key),
                     next=stage_labels.get(self.next_key, self.next_key))
        elif self.kind == "stage_satisfaction":
            what = t("monitor.kind.stage_satisfaction", lang, stage=stage_labels.get(self.key, self.key))
        else:
            what = t("monitor.kind.touchpoint_negative_share", lang, touchpoint=touch_labels.get(self.key, self.key))
        number = "{:.2f}" if self.kind == "stage_satisfaction" else "{:.0f}%"
        return t(f"monitor.line.{self.verdict}", lang, what=what, before=number.format(self.before),
                 after=number.format(self.after), n_before=self.n_before, n_after=self.n_after, q=self.q_value)


def checks(comments: pd.DataFrame, baseline_comments: pd.DataFrame, counts: pd.DataFrame, stage_keys: list[str],
           touch_keys: list[str], now: tuple[date, date], baseline: tuple[date, date],
           min_n: int = SMALL_N) -> list[tuple[str, str, str | None, Comparison]]:
    """Every comparison the monitor makes between the baseline and now: (kind, key, next key, result)."""
    out = []
    now_x, old_x = explode_stages(comments), explode_stages(baseline_comments)
    for key in stage_keys:
        old = old_x[old_x["stage_key"] == key].drop_duplicates("response_id")["rating"]
        new = now_x[now_x["stage_key"] == key].drop_duplicates("response_id")["rating"]
        out.append(("stage_satisfaction", key, None, compare_means(old, new, True, min_n)))
    for key in touch_keys:
        old, new = baseline_comments[baseline_comments["touchpoint"] == key], comments[comments["touchpoint"] == key]
        out.append(("touchpoint_negative_share", key, None, compare_shares(
            int((old["sentiment"] == "negative").sum()), len(old), int((new["sentiment"] == "negative").sum()),
            len(new), False, min_n)))
    keys = funnel.funnel_stages(counts, stage_keys)
    for stage, next_stage in zip(keys, keys[1:]):
        out.append(("funnel_step", stage, next_stage, funnel.compare_step(counts, stage, next_stage, baseline, now,
                                                                          min_n)))
    return out


def flags(results: list[tuple[str, str, str | None, Comparison]], fdr: float = FDR) -> list[Flag]:
    """The checks that moved: Benjamini–Hochberg-adjusted q < `fdr` over every check that had enough
    answers to test; worst first."""
    from scipy.stats import false_discovery_control

    tested = [r for r in results if r[3].p_value is not None]
    if not tested:
        return []
    q_values = false_discovery_control([r[3].p_value for r in tested], method="bh")
    out = []
    for (kind, key, next_key, result), q in zip(tested, q_values):
        if q < fdr and result.verdict in ("improved", "worsened"):
            out.append(Flag(kind, key, next_key, result.before.value, result.after.value, result.before.n,
                            result.after.n, result.change, result.p_value, float(q), result.verdict, result.test))
    return sorted(out, key=lambda f: (f.verdict != "worsened", f.q_value))


def summary(flags_found: list[Flag], results: list, now: tuple[date, date], baseline: tuple[date, date],
            baseline_source: str) -> dict:
    """The JSON a script forwards: the periods compared, how many checks ran / were too small, the flags."""
    return {"period": {"since": str(now[0]), "until": str(now[1])},
            "baseline": {"since": str(baseline[0]), "until": str(baseline[1]), "source": baseline_source},
            "checks": len(results), "too_small": sum(r[3].verdict == "too_small" for r in results),
            "fdr": FDR, "flags": [f.to_dict() for f in flags_found]}


def write_flags(data: dict, path) -> None:
    """Write the monitoring summary as UTF-8 JSON."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
