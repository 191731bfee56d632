"""Tagging speed: first-time tagging (embedding included) and re-tagging from the cache, peak memory.

    python bench/tagging.py --units 10000 [--embedder e5]

Builds a database from the real exports (clothing reviews and the Fukui survey), keeps the first N units,
tags everything with a cold embedding cache, then re-tags from the cache (as after a taxonomy edit).
Goal (issue 3): re-tagging 100k units from the cache in about a second.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from journey import store, tagging  # noqa: E402
from journey.embed import get_embedder  # noqa: E402
from journey.ingest import import_file  # noqa: E402

REAL = ROOT.parent / "shared" / "real-data"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(db: Path, units: int) -> int:
    for path in [REAL / "womens_ecommerce_clothing_reviews_en" / "womens_clothing_ecommerce_reviews.csv",
                 *sorted((REAL / "fukui_tourism_survey_ja").glob("2026*.csv"))]:
        import_file(path, db)
    with store.Database(db).connect() as con:
        tagging.ensure_units(con)
        cutoff = store.scalar(con, """SELECT max(comment_id) FROM (SELECT comment_id, sum(count(*)) OVER
                                      (ORDER BY comment_id) AS total FROM units GROUP BY comment_id)
                                      WHERE total <= ?""", [units])
        con.execute("DELETE FROM units WHERE comment_id > ?", [cutoff])
        con.execute("DELETE FROM comments WHERE id > ?", [cutoff])
        return int(store.scalar(con, "SELECT count(*) FROM units"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--embedder", default="e5")
    args = parser.parse_args()
    db = Path(tempfile.mkdtemp()) / "bench.duckdb"
    n = build(db, args.units)
    base = peak_mb()
    embedder = get_embedder(args.embedder)
    with store.Database(db).connect() as con:
        t0 = time.perf_counter()
        first = tagging.tag_database(con, embedder, preset="retail")
        t1 = time.perf_counter()
        again = tagging.tag_database(con, embedder)
        t2 = time.perf_counter()
    print(f"{n:,} units, {args.embedder} ({embedder.model_id}), 2-core machine")
    print(f"  first tagging (embedding {first.embedded:,} texts): {t1 - t0:8.1f} s = {n / (t1 - t0):7.1f} units/s")
    print(f"  re-tag from cache:                       {t2 - t1:8.2f} s = {n / (t2 - t1):7.0f} units/s")
    print(f"  unclassified comments: {again.unclassified_share:.1%}")
    print(f"  peak memory: {peak_mb():.0f} MB (after ingest {base:.0f} MB)")
    print(f"  re-tag goal ~1 s per 100k units: ratio {(t2 - t1) * 100_000 / n:.2f} s per 100k")


if __name__ == "__main__":
    main()
