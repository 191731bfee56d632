"""Tagging speed: first-time tagging (embedding included) and re-tagging from the cache, peak memory.

    python bench/tagging.py --units 10000 [--embedder e5] [--keep PATH]
    python bench/tagging.py --retag PATH      # re-tag a database kept by an earlier run (no embedding)
    python bench/tagging.py --units 100000 --synthetic   # re-tag 100k real units with random cached vectors

Builds a database from the real exports (clothing reviews and the Fukui survey), keeps the first N units,
tags everything with a cold embedding cache, then re-tags from the cache (as after a taxonomy edit) three
times and reports the median. First-time tagging of 100k units takes most of an hour on two cores, so
`--keep` saves the database and `--retag` measures re-tagging on it alone.
Goal (issue 3): re-tagging 100k units from the cache in about a second.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from journey import tagging  # noqa: E402
from journey.embed import get_embedder  # noqa: E402
from journey.ingest import import_file  # noqa: E402
from journey.store import connection, embeddings  # noqa: E402

REAL = ROOT.parent / "shared" / "real-data"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(db: Path, units: int) -> int:
    for path in [REAL / "womens_ecommerce_clothing_reviews_en" / "womens_clothing_ecommerce_reviews.csv",
                 *sorted((REAL / "fukui_tourism_survey_ja").glob("2026*.csv"))]:
        import_file(path, db)
    with connection.Database(db).connect() as con:
        tagging.ensure_units(con)
        cutoff = connection.scalar(con, """SELECT max(comment_id) FROM (SELECT comment_id, sum(count(*)) OVER
                                      (ORDER BY comment_id) AS total FROM units GROUP BY comment_id)
                                      WHERE total <= ?""", [units])
        con.execute("DELETE FROM units WHERE comment_id > ?", [cutoff])
        con.execute("DELETE FROM comments WHERE id > ?", [cutoff])
        return int(connection.scalar(con, "SELECT count(*) FROM units"))


def retag(con, embedder, runs: int = 3) -> tuple[float, tagging.TagSummary]:
    """Median seconds of `runs` re-tags from the cache, and the last summary."""
    times, summary = [], None
    for _ in range(runs):
        t = time.perf_counter()
        summary = tagging.tag_database(con, embedder)
        times.append(time.perf_counter() - t)
    return statistics.median(times), summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--keep", type=Path, help="save the tagged database here")
    parser.add_argument("--retag", type=Path, help="only re-tag this database, kept by an earlier run")
    parser.add_argument("--synthetic", action="store_true",
                        help="re-tag only, on a database of N real units whose cached vectors are random unit "
                             "vectors under the model's id (no hour of embedding; the timing does not depend "
                             "on what the vectors mean)")
    args = parser.parse_args()
    embedder = get_embedder(args.embedder)
    if args.synthetic:
        args.retag = args.keep or Path(tempfile.mkdtemp()) / "synthetic.duckdb"
        n = build(args.retag, args.units)
        with connection.Database(args.retag).connect() as con:
            texts = con.execute("SELECT DISTINCT text_hash FROM units").fetchdf()["text_hash"].tolist()
            rng = np.random.default_rng(0)
            vectors = rng.normal(size=(len(texts), embedder.dim)).astype(np.float32)
            embeddings.save_embeddings(con, embedder.model_id, texts,
                                       vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    if args.retag:
        with connection.Database(args.retag).connect() as con:
            n = int(connection.scalar(con, "SELECT count(*) FROM units"))
            tagging.tag_database(con, embedder)  # warm: imports, first-call set-up
            seconds, again = retag(con, embedder)
        print(f"{n:,} units, {args.embedder} ({embedder.model_id}), 2-core machine")
        print(f"  re-tag from cache (median of 3): {seconds:6.2f} s = {n / seconds:7.0f} units/s")
        print(f"  unclassified comments: {again.unclassified_share:.1%}")
        print(f"  re-tag goal ~1 s per 100k units: {seconds * 100_000 / n:.2f} s per 100k")
        return
    db = args.keep or Path(tempfile.mkdtemp()) / "bench.duckdb"
    n = build(db, args.units)
    base = peak_mb()
    with connection.Database(db).connect() as con:
        t0 = time.perf_counter()
        first = tagging.tag_database(con, embedder, preset="retail")
        t1 = time.perf_counter()
        seconds, again = retag(con, embedder)
    print(f"{n:,} units, {args.embedder} ({embedder.model_id}), 2-core machine")
    print(f"  first tagging (embedding {first.embedded:,} texts): {t1 - t0:8.1f} s = {n / (t1 - t0):7.1f} units/s")
    print(f"  re-tag from cache (median of 3):         {seconds:8.2f} s = {n / seconds:7.0f} units/s")
    print(f"  unclassified comments: {again.unclassified_share:.1%}")
    print(f"  peak memory: {peak_mb():.0f} MB (after ingest {base:.0f} MB)")
    print(f"  re-tag goal ~1 s per 100k units: {seconds * 100_000 / n:.2f} s per 100k")


if __name__ == "__main__":
    main()
