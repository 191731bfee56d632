"""Command line: python -m journey ingest|tag|export|report|demo|hash-password."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from journey import exporting
from journey.config import load_settings
from journey.errors import EmptyPeriod, JourneyError
from journey.ingest import import_file
from journey.store import connection, dashboard
from journey.taxonomy import PRESET_KEYS


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the process exit status (0 ok, 1 some file failed, 2 usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m journey",
                                     description="Journey Lens: customer feedback on the customer journey.")
    sub = parser.add_subparsers(dest="command")

    ingest = sub.add_parser("ingest", help="import survey or review exports (CSV, TSV, XLSX)")
    ingest.add_argument("files", nargs="+", type=Path, metavar="FILE")
    ingest.add_argument("--db", type=Path, help="DuckDB file (default: JOURNEY_DB or data/journey.duckdb)")
    ingest.add_argument("--map", action="append", default=[], metavar="ROLE=COLUMN",
                        help="set a column's role, e.g. --map comment=ご意見 --map score:nps_0_10=Q3 "
                             "(roles: id, date, comment, title, score, customer, segment, touchpoint, ignore)")
    ingest.add_argument("--no-mask", action="store_true", help="keep personal data unmasked in display text")
    ingest.add_argument("--json", action="store_true", help="print one JSON object per file")
    ingest.set_defaults(run=_ingest)

    export = sub.add_parser("export", help="write one row per comment with its tags: .csv (UTF-8 with BOM, "
                                           "formula-safe) or .parquet")
    export.add_argument("--out", type=Path, required=True, metavar="FILE.csv|FILE.parquet")
    export.add_argument("--db", type=Path)
    export.set_defaults(run=_export)

    report = sub.add_parser("report", help="weekly review pack: HTML, A4 PDF and chart PNGs")
    report.add_argument("--out", type=Path, required=True, metavar="DIR")
    report.add_argument("--since", type=date.fromisoformat, help="first day (YYYY-MM-DD); default: 7 days "
                                                                   "before --until")
    report.add_argument("--until", type=date.fromisoformat, help="last day (YYYY-MM-DD); default: the last day "
                                                                   "with data")
    report.add_argument("--lang", choices=["ja", "en"], default="ja")
    report.add_argument("--db", type=Path)
    report.add_argument("--json", action="store_true")
    report.set_defaults(run=_report)

    password = sub.add_parser("hash-password", help="print a password hash for .streamlit/secrets.toml")
    password.add_argument("--password", help="the password (default: asked for, not echoed)")
    password.set_defaults(run=_hash_password)

    tag = sub.add_parser("tag", help="tag every comment with journey stage, touchpoint and sentiment")
    tag.add_argument("--db", type=Path)
    tag.add_argument("--preset", choices=PRESET_KEYS,
                     help="taxonomy preset (a different one than the active taxonomy becomes a new version)")
    tag.add_argument("--embedder", help="e5 (default), sentence-transformers, st:<model folder> or hashing")
    tag.add_argument("--json", action="store_true")
    tag.set_defaults(run=_tag)

    demo = sub.add_parser("demo", help="load the bundled demo exports from data/demo into the demo's own database "
                                       "(JOURNEY_DEMO_DB, default data/demo.duckdb)")
    demo.add_argument("--db", type=Path, help="load the demo into this database instead")
    demo.add_argument("--json", action="store_true")
    demo.add_argument("--if-empty", action="store_true", help="only when the database has no imports yet")
    demo.add_argument("--tag", action="store_true", help="tag the demo comments after loading them")
    demo.set_defaults(run=_demo)
    return parser


def _db(args: argparse.Namespace) -> Path:
    return args.db or load_settings().db_path


def _ingest(args: argparse.Namespace) -> int:
    status = 0
    for path in args.files:
        try:
            result = import_file(path, _db(args), overrides=args.map, mask=False if args.no_mask else None)
        except (JourneyError, OSError) as err:
            status = 1
            message = str(err) if isinstance(err, JourneyError) else f"{path}: {err.strerror or err}"
            if args.json:
                print(json.dumps({"file": str(path), "error": message, "error_type": type(err).__name__},
                                 ensure_ascii=False))
            print(f"error: {message}", file=sys.stderr)
            continue
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            print(f"{result.file}: {result.loaded} loaded, {result.duplicates} duplicates, "
                  f"{result.rejected} rejected of {result.rows} rows (import {result.import_id}, "
                  f"{result.encoding or 'xlsx'})")
            for role, columns in result.mapping.items():
                print(f"  {role}: {', '.join(columns)}")
    return status


def _export(args: argparse.Namespace) -> int:
    with connection.Database(_db(args)).connect() as con:
        frame = dashboard.export_comments(con)
    if args.out.suffix.lower() == ".parquet":
        exporting.write_parquet(frame, args.out)
    else:
        exporting.write_csv(frame, args.out)
    print(f"wrote {len(frame)} comments to {args.out}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from journey.report import build_pack, default_period

    with connection.Database(_db(args)).connect() as con:
        if connection.scalar(con, "SELECT count(*) FROM responses") == 0:
            print("error: the database has no responses; import exports first (python -m journey ingest FILE)",
                  file=sys.stderr)
            return 1
        since, until = args.since, args.until
        if until is None:
            until = default_period(con)[1]
        if since is None:
            since = until - timedelta(days=6)
        if since > until:
            print(f"error: --since {since} is after --until {until}", file=sys.stderr)
            return 2
        try:
            pack = build_pack(con, since, until, args.lang)
        except EmptyPeriod as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
    paths = pack.write(args.out)
    if args.json:
        print(json.dumps({"period": pack.period, "files": [str(p) for p in paths]}, ensure_ascii=False))
    else:
        print(f"weekly review {pack.period}: " + ", ".join(str(p) for p in paths))
    return 0


def _hash_password(args: argparse.Namespace) -> int:
    import getpass

    from journey.auth import hash_password

    password = args.password or getpass.getpass("password: ")
    if len(password) < 8:
        print("error: use at least 8 characters", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


def _tag(args: argparse.Namespace) -> int:
    from journey import jobs

    def echo(state: jobs.JobState) -> None:
        print(progress_line(state), end="\r" if live and state.phase == "embedding" else "\n", file=sys.stderr,
              flush=True)

    # On a terminal the embedding line updates in place; in a log (a scheduler, a pipe) each report is
    # its own line, at most one per PROGRESS_EVERY_S.
    live = sys.stderr.isatty()
    last = [0.0]

    def throttled(state: jobs.JobState) -> None:
        now = time.monotonic()
        if live or state.phase != "embedding" or state.done in (0, state.total) or now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            echo(state)

    try:
        summary = jobs.run_tagging(_db(args), args.embedder, args.preset, echo=throttled, origin="cli")
    except JourneyError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if live:
        print(file=sys.stderr)
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False))
    else:
        print(f"tagged {summary.units} units ({summary.new_units} new, {summary.embedded} texts embedded) in "
              f"{summary.seconds:.1f} s = {summary.units_per_second:.0f} units/s; "
              f"{summary.unclassified_share:.0%} of comments unclassified; taxonomy v{summary.taxonomy_version}, "
              f"{summary.model_id}")
    return 0


PROGRESS_EVERY_S = 5.0


def progress_line(state) -> str:
    """One line of a tagging job's progress for a terminal or a log."""
    if state.phase == "embedding":
        left = state.seconds_left()
        eta = f", about {left:.0f} s left" if left is not None else ""
        share = f" ({state.done / state.total:.0%})" if state.total else ""
        return f"embedding: {state.done}/{state.total} new texts{share}{eta}"
    if state.phase in ("scoring", "saving"):
        return f"{state.phase}: {state.total} units"
    return f"{state.phase or 'starting'}…"


def _demo(args: argparse.Namespace) -> int:
    from journey.demo import DEMO_PRESET, demo_files

    args.db = args.db or load_settings().demo_db_path
    if args.if_empty:
        with connection.Database(args.db).connect() as con:
            if connection.scalar(con, "SELECT count(*) FROM imports"):
                return 0
    args.files, args.map, args.no_mask = demo_files(), [], False
    status = _ingest(args)
    if status == 0 and args.tag:
        args.preset, args.embedder, args.json = DEMO_PRESET, None, False
        status = _tag(args)
    return status
