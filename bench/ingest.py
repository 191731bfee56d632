"""Ingest speed: a 100,000-row survey export made by repeating real Fukui rows.

    python bench/ingest.py [--rows 100000]

Prints the time of each phase (read, map, normalise, store), rows/s, and the ratio to the goal
(100k rows in under 10 s on the 2-core machine, embedding excluded).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from journey.ingest import build_batch, read_export, suggest_mapping  # noqa: E402
from journey.store import connection, imports  # noqa: E402

FUKUI = ROOT.parent / "shared" / "real-data" / "fukui_tourism_survey_ja"
GOAL_S = 10.0


def make_export(rows: int, path: Path) -> None:
    """Repeat the real rows, shifting the member id so each copy is a distinct response."""
    source = []
    for month in sorted(FUKUI.glob("2026*.csv")):
        with open(month, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            source.extend(reader)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for i in range(rows):
        row = list(source[i % len(source)])
        row[0] = f"{row[0]}-{i // len(source)}"
        writer.writerow(row)
    path.write_text(out.getvalue(), encoding="utf-8-sig")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    if not FUKUI.is_dir():
        sys.exit(f"real data not found at {FUKUI}")
    work = Path(tempfile.mkdtemp())
    export, db = work / "survey_100k.csv", work / "bench.duckdb"
    make_export(args.rows, export)
    size_mb = export.stat().st_size / 1e6

    t0 = time.perf_counter()
    table = read_export(export)
    t1 = time.perf_counter()
    roles = suggest_mapping(table)
    t2 = time.perf_counter()
    batch = build_batch(table, roles)
    t3 = time.perf_counter()
    with connection.Database(db).connect() as con:
        saved = imports.save_import(con, batch)
    t4 = time.perf_counter()

    total = t4 - t0
    print(f"file: {args.rows:,} rows, {len(table.header)} columns, {size_mb:.0f} MB, "
          f"{len(batch.comments):,} comments, {os.cpu_count()} CPUs")
    for name, seconds in [("read (decode, sniff, parse)", t1 - t0), ("map columns", t2 - t1),
                          ("normalise (dates, scores, hashes, masking)", t3 - t2), ("store (one transaction)", t4 - t3)]:
        print(f"  {name:45s} {seconds:6.2f} s")
    print(f"total {total:.2f} s = {saved.loaded / total:,.0f} rows/s; loaded {saved.loaded:,}, rejected {saved.rejected}")
    print(f"goal {GOAL_S:.0f} s for 100k rows: ratio {total * 100_000 / args.rows / GOAL_S:.2f} of the budget "
          f"({'met' if total * 100_000 / args.rows <= GOAL_S else 'NOT met'})")


if __name__ == "__main__":
    main()
