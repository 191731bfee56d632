"""Page data speed: time to compute each dashboard page's data at 10k and 100k comments.

    python bench/pages.py [--comments 10000 100000]

Builds a survey database from repeated real Fukui rows, splits units, and writes tags from random
vectors (tag quality is irrelevant here; the shapes, counts and SQL are the real ones). Then times what
each page computes (without drawing). Goal (issue 4): under 1 s per page at 100k comments.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import timedelta
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synthetic import tagged_survey  # noqa: E402  (bench/synthetic.py)
from timing import timed  # noqa: E402  (bench/timing.py)

from journey import metrics, themes  # noqa: E402
from journey.filters import Filters  # noqa: E402
from journey.store import connection, dashboard, overview  # noqa: E402
from journey.taxonomy import load_preset  # noqa: E402



def build(comments: int, folder: Path) -> Path:
    return tagged_survey(comments, folder / "pages.duckdb", load_preset("hotel"))



def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    taxonomy = load_preset("hotel")
    stages, touchpoints = taxonomy.stage_keys(), taxonomy.touchpoint_keys()
    for target in args.comments:
        db = build(target, Path(tempfile.mkdtemp()))
        with connection.Database(db).connect() as con:
            n = overview.counts(con)["comments"]
            window = dashboard.data_window(con)
            everything = Filters()
            last_month = Filters(start=window.last - timedelta(days=29), end=window.last)

            def journey_map(f: Filters = everything) -> None:
                comments, responses = dashboard.comment_facts(con, f), dashboard.response_facts(con, f)
                prev = f.previous()
                if prev:
                    pc, pr = dashboard.comment_facts(con, prev), dashboard.response_facts(con, prev)
                    metrics.kpis(pc, pr)
                    metrics.stage_curve(pc, stages)
                metrics.kpis(comments, responses)
                metrics.heatmap(comments, stages, touchpoints, "negative_share")
                metrics.stage_curve(comments, stages)
                metrics.nps_impact(comments, responses, "stage", stages)
                metrics.nps_impact(comments, responses, "touchpoint", touchpoints)

            def stage_page() -> None:
                comments = dashboard.comment_facts(con, everything)
                metrics.explode_stages(comments)
                themes.themes_for_stage(con, everything, "usage", "negative")
                themes.themes_for_stage(con, everything, "usage", "positive")

            def trends_page() -> None:
                comments = dashboard.comment_facts(con, everything)
                responses = dashboard.response_facts(con, everything)
                metrics.series(comments, "W", "stage", stages)
                metrics.before_after(comments, responses, window.first + (window.last - window.first) / 2, stages)

            def overview_page() -> None:
                overview.counts(con)
                metrics.nps(overview.scores_frame(con).query("scale == 'nps_0_10'")["value"])
                overview.monthly_volume(con)
                overview.latest_comments(con)

            for page in (journey_map, stage_page, trends_page, overview_page):
                page()  # warm imports and Sudachi once, as in a running app
            results = {"journey map (all dates)": timed(journey_map),
                       "journey map (last 30 days + previous)": timed(lambda: journey_map(last_month)),
                       "stage detail (themes)": timed(stage_page), "trends (weekly + before/after)": timed(trends_page),
                       "overview": timed(overview_page)}
        print(f"{n:,} comments (2-core machine):")
        for name, seconds in results.items():
            print(f"  {name:40s} {seconds:6.2f} s  ({'ok' if seconds < 1 else 'over'} the 1 s goal: ratio {seconds:.2f})")


if __name__ == "__main__":
    main()
