"""Improvement-cycle page data speed at 10k and 100k comments: the funnel page (counts, steps, satisfaction,
the top pain theme per funnel stage), the actions page (each action's read and weekly pain series, for 10
actions), the personas page (5 personas: facts, curve and grid each), and the report's monitoring checks.

    python bench/cycle.py [--comments 10000 100000]

The database is built like bench/pages.py (repeated real Fukui rows, tags from random vectors); the funnel
has 24 months of counts for five stages. Goal as for every page: under 1 s at 100k comments.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synthetic import tagged_survey  # noqa: E402  (bench/synthetic.py)
from timing import timed  # noqa: E402  (bench/timing.py)

from journey import actions, funnel, metrics, monitoring, personas, themes  # noqa: E402
from journey.filters import Filters  # noqa: E402
from journey.store import actions as action_store  # noqa: E402
from journey.store import connection, dashboard, overview  # noqa: E402
from journey.store import funnel as funnel_store  # noqa: E402
from journey.taxonomy import load_preset  # noqa: E402

TAXONOMY = load_preset("hotel")


def build(comments: int, folder: Path) -> Path:
    """A tagged survey database of about `comments` comments, with funnel counts and 10 actions."""
    db = tagged_survey(comments, folder / "cycle.duckdb", TAXONOMY)
    rng = np.random.default_rng(1)
    with connection.Database(db).connect() as con:
        window = dashboard.data_window(con)
        months = pd.date_range(window.first.replace(day=1), window.last, freq="MS")
        rows = [{"line_no": i + 2, "period_start": m.date(), "period_end": (m + pd.offsets.MonthEnd(0)).date(),
                 "stage": stage, "column_name": stage, "count": int(base * rng.uniform(0.9, 1.1))}
                for i, m in enumerate(months)
                for stage, base in (("awareness", 50_000), ("interest", 20_000), ("consideration", 6_000),
                                    ("purchase", 2_000), ("loyalty", 500))]
        funnel_store.save_funnel(con, funnel_store.FunnelBatch(
            "bench.csv", "0", None, None, [], "month", len(months), pd.DataFrame(rows),
            pd.DataFrame(columns=["line_no", "raw", "code", "column_name", "value", "reason"])))
        span = (window.last - window.first).days
        for i in range(10):
            action_store.add_action(con, window.first + timedelta(days=int(span * (i + 1) / 11)), f"action {i}",
                                    stage=TAXONOMY.stage_keys()[i % 7], touchpoint="web" if i % 2 else None)
    return db



def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    stages, touchpoints = TAXONOMY.stage_keys(), TAXONOMY.touchpoint_keys()
    for target in args.comments:
        db = build(target, Path(tempfile.mkdtemp()))
        with connection.Database(db).connect() as con:
            n = overview.counts(con)["comments"]
            window = dashboard.data_window(con)
            last_month = Filters(start=window.last - timedelta(days=29), end=window.last)
            segments = dashboard.filter_options(con)["segments"]
            columns = list(segments)[:2]
            made = [personas.check_persona(f"p{i}", "", {c: segments[c][i % len(segments[c]):][:2] for c in columns},
                                           segments) for i in range(5)]

            def funnel_page(f: Filters = last_month, with_themes: bool = True) -> None:
                steps = funnel.steps(funnel_store.counts(con, f.start, f.end), stages)
                comments = dashboard.comment_facts(con, f)
                metrics.stage_curve(comments, stages, "satisfaction")
                if with_themes:
                    for key in steps["stage"]:
                        themes.themes_for_stage(con, f, key, "negative", max_themes=1)
                funnel.repeat_rate(funnel_store.customer_keys(con, f)["customer_key"])
                funnel.step_series(funnel_store.counts(con), stages)

            def actions_page() -> None:
                comments = dashboard.comment_facts(con, Filters())
                counts = funnel_store.counts(con)
                recorded = actions.from_frame(action_store.list_actions(con))
                for action in recorded:
                    actions.measure(action, comments, counts, stages, recorded)
                    actions.pain_series(comments, action, "W")

            def personas_page() -> None:
                for persona in made:
                    mine = dashboard.comment_facts(con, personas.with_persona(Filters(), persona))
                    metrics.stage_curve(mine, stages)
                    metrics.heatmap(mine, stages, touchpoints, "negative_share")

            def monitoring_checks() -> None:
                now = (window.last - timedelta(days=6), window.last)
                base = (now[0] - timedelta(days=7), now[0] - timedelta(days=1))
                results = monitoring.checks(dashboard.comment_facts(con, Filters(start=now[0], end=now[1])),
                                            dashboard.comment_facts(con, Filters(start=base[0], end=base[1])),
                                            funnel_store.counts(con), stages, touchpoints, now, base)
                monitoring.flags(results)

            for page in (funnel_page, actions_page, personas_page, monitoring_checks):
                page()  # warm imports and Sudachi once, as in a running app
            results = {"funnel (last 30 days, themes per stage)": timed(funnel_page),
                       "funnel (all dates, themes per stage)": timed(lambda: funnel_page(Filters())),
                       "funnel (all dates, without themes)": timed(lambda: funnel_page(Filters(), False)),
                       "actions (10 actions)": timed(actions_page),
                       "personas (5 compared)": timed(personas_page),
                       "report monitoring checks": timed(monitoring_checks)}
        print(f"{n:,} comments (2-core machine):")
        for name, seconds in results.items():
            print(f"  {name:42s} {seconds:6.2f} s  ({'ok' if seconds < 1 else 'over'} the 1 s goal: ratio {seconds:.2f})")


if __name__ == "__main__":
    main()
