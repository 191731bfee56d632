"""Command line: python -m journey ingest|funnel|action|tag|export|report|demo|purge-raw|hash-password."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from journey import exporting, failures
from journey.config import DEMO_DIR, load_settings
from journey.errors import EmptyPeriod, JourneyError
from journey.i18n import t, terminal_lang
from journey.ingest import import_file
from journey.store import actions as action_store
from journey.store import connection, dashboard, reports, tags
from journey.store import funnel as funnel_store
from journey.taxonomy import PRESET_KEYS


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the process exit status (0 ok, 1 some file failed or the database, disk or
    a path stopped the command, 2 usage).

    A busy database, a full disk or a path that cannot be used ends in one translated line on stderr
    (JOURNEY_LANG or the locale picks the language), never a traceback.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except Exception as err:
        failure = failures.classify(err, getattr(args, "db", None) or load_settings().db_path)
        if failure is None:
            raise
        lang = terminal_lang(dict(os.environ))
        print(f"{t('failure.prefix', lang)}: {failures.user_line(failure, lang)}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m journey",
                                     description="Journey Lens: customer feedback on the customer journey.")
    sub = parser.add_subparsers(dest="command")

    ingest = sub.add_parser("ingest", help="import survey or review exports (CSV, TSV, XLSX; Google Takeout, "
                                           "Business Profile and App Store review files in JSON or XML)")
    ingest.add_argument("files", nargs="+", type=Path, metavar="FILE")
    ingest.add_argument("--db", type=Path, help="DuckDB file (default: JOURNEY_DB or data/journey.duckdb)")
    ingest.add_argument("--map", action="append", default=[], metavar="ROLE=COLUMN",
                        help="set a column's role, e.g. --map comment=ご意見 --map score:nps_0_10=Q3 "
                             "(roles: id, date, comment, title, score, customer, segment, touchpoint, status, "
                             "ignore; COLUMN may also be a survey tool's code such as Qualtrics' Q3)")
    ingest.add_argument("--skip-partial", action="store_true",
                        help="leave partial sessions out (counted as skipped); by default they are kept and marked")
    ingest.add_argument("--undated", default="import", metavar="import|file|YYYY-MM-DD",
                        help="date for rows without one: the import date (default), the file's own date (its "
                             "name, contents or modification time), or a given date")
    ingest.add_argument("--no-mask", action="store_true", help="keep personal data unmasked in display text")
    ingest.add_argument("--json", action="store_true", help="print one JSON object per file")
    ingest.set_defaults(run=_ingest)

    funnel = sub.add_parser("funnel", help="import a funnel count table (月, 訪問者, 問い合わせ, 予約, …): one row per "
                                           "period, one column per stage")
    funnel.add_argument("files", nargs="+", type=Path, metavar="FILE")
    funnel.add_argument("--db", type=Path)
    funnel.add_argument("--map", action="append", default=[], metavar="ROLE=COLUMN",
                        help="set a column's role: period=月, a stage key (purchase=予約) or ignore=メモ")
    funnel.add_argument("--json", action="store_true", help="print one JSON object per file")
    funnel.set_defaults(run=_funnel)

    action = sub.add_parser("action", help="record, list or delete improvement actions")
    action_sub = action.add_subparsers(dest="action_command", required=True)
    add = action_sub.add_parser("add", help="record what was changed, when, at which stage and/or touchpoint")
    add.add_argument("--date", required=True, help="the day of the change (YYYY-MM-DD)")
    add.add_argument("--what", required=True, help="what was changed")
    add.add_argument("--stage", help="stage key (e.g. purchase)")
    add.add_argument("--touchpoint", help="touchpoint key (e.g. app)")
    add.add_argument("--owner")
    add.add_argument("--note")
    add.add_argument("--db", type=Path)
    add.add_argument("--json", action="store_true")
    add.set_defaults(run=_action_add)
    listing = action_sub.add_parser("list", help="every action with its before/after read")
    listing.add_argument("--db", type=Path)
    listing.add_argument("--lang", choices=["ja", "en"], default="ja")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_action_list)
    delete = action_sub.add_parser("delete", help="delete an action by its id")
    delete.add_argument("id", type=int)
    delete.add_argument("--db", type=Path)
    delete.set_defaults(run=_action_delete)

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
    report.add_argument("--flags", action="store_true",
                        help="also write flags.json: what moved significantly since the last report, for a script "
                             "to forward")
    report.add_argument("--no-record", action="store_true",
                        help="do not record this run (the next report then compares with the one before)")
    report.set_defaults(run=_report)

    password = sub.add_parser("hash-password", help="print a password hash for .streamlit/secrets.toml; the "
                                                    "password is asked for (not echoed) or read from stdin")
    # Refused: a password on the command line shows in the process list and the shell's history.
    password.add_argument("--password", help=argparse.SUPPRESS)
    password.set_defaults(run=_hash_password)

    purge = sub.add_parser("purge-raw", help="keep only the masked text of imports: raw comments, customer "
                                             "values and rejected lines leave the database file")
    purge.add_argument("--import", dest="imports", type=int, action="append", default=[], metavar="ID",
                       help="an import's id (see the Import page's history); repeat for several")
    purge.add_argument("--all", action="store_true", help="every import")
    purge.add_argument("--db", type=Path)
    purge.add_argument("--json", action="store_true")
    purge.set_defaults(run=_purge)

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
            result = import_file(path, _db(args), overrides=args.map, mask=False if args.no_mask else None,
                                 include_partial=not getattr(args, "skip_partial", False),
                                 undated=getattr(args, "undated", "import"))
        except Exception as err:
            _file_failed(args, path, err)
            status = 1
            continue
        for notice in result.notices:
            print(f"warning: {result.file}: {notice.message}", file=sys.stderr)
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            partial = f" ({result.partial} partial)" if result.partial else ""
            print(f"{result.file}: {result.loaded} loaded{partial}, {result.duplicates} duplicates, "
                  f"{result.skipped} skipped, {result.rejected} rejected of {result.rows} rows "
                  f"(import {result.import_id}, {result.encoding or result.file_format})")
            if result.values_left_empty:
                print(f"  {result.values_left_empty} unreadable value(s) left empty; their rows were loaded")
            for role, columns in result.mapping.items():
                print(f"  {role}: {', '.join(columns)}")
    return status


def _file_failed(args: argparse.Namespace, path: Path, err: Exception) -> None:
    """Say why one file of a several-file command failed (a line on stderr, a JSON record with --json) and
    let the command go on with the next; an error that is neither ours, the OS's nor a busy database, a
    full disk or a path problem is a bug and is raised."""
    failure = failures.classify(err, _db(args))
    if failure is None and not isinstance(err, (JourneyError, OSError)):
        raise err
    if failure is not None:
        err, message = failure, f"{path}: {failures.user_line(failure, terminal_lang(dict(os.environ)))}"
    else:
        message = str(err) if isinstance(err, JourneyError) else f"{path}: {err.strerror or err}"
    if args.json:
        print(json.dumps({"file": str(path), "error": message, "error_type": type(err).__name__},
                         ensure_ascii=False))
    print(f"error: {message}", file=sys.stderr)


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
        baseline = reports.last_run_before(con, since)
        try:
            pack = build_pack(con, since, until, args.lang, baseline=baseline)
        except EmptyPeriod as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        if not args.no_record:
            base = pack.monitor["baseline"]
            reports.record_run(con, since, until, (date.fromisoformat(base["since"]), date.fromisoformat(base["until"])),
                               pack.monitor["flags"])
    paths = pack.write(args.out)
    if args.flags:
        from journey.monitoring import write_flags

        paths.append(args.out / "flags.json")
        write_flags(pack.monitor, paths[-1])
    flagged = len(pack.monitor["flags"])
    if args.json:
        print(json.dumps({"period": pack.period, "files": [str(p) for p in paths], "flags": flagged},
                         ensure_ascii=False))
    else:
        print(f"weekly review {pack.period}: " + ", ".join(str(p) for p in paths))
        print(f"{flagged} significant move(s) since {pack.monitor['baseline']['since']} – "
              f"{pack.monitor['baseline']['until']} ({pack.monitor['checks']} checks)")
    return 0


def _taxonomy(con):
    from journey.taxonomy import Taxonomy, load_preset

    active = tags.active_taxonomy(con)
    return Taxonomy.from_json(active[2]) if active else load_preset("default")


def _funnel(args: argparse.Namespace) -> int:
    from journey.ingest.funnel import import_funnel

    status = 0
    for path in args.files:
        try:
            result = import_funnel(path, _db(args), overrides=args.map)
        except Exception as err:
            _file_failed(args, path, err)
            status = 1
            continue
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            print(f"{result.file}: {result.loaded} {result.granularity} periods loaded, {result.rejected} rejected of "
                  f"{result.rows} rows (funnel import {result.import_id})")
            for stage, column in result.stages.items():
                print(f"  {stage}: {column}")
            if result.rejected:
                with connection.Database(_db(args)).connect() as con:
                    for reason in funnel_store.rejected_rows(con, result.import_id)["reason"]:
                        print(f"  rejected: {reason}")
    return status


def _action_add(args: argparse.Namespace) -> int:
    from journey.actions import check_action

    with connection.Database(_db(args)).connect() as con:
        try:
            action = check_action(args.date, args.what, args.stage, args.touchpoint, _taxonomy(con), args.owner,
                                  args.note)
        except JourneyError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        action_id = action_store.add_action(con, action.acted_on, action.title, action.stage, action.touchpoint,
                                            action.owner, action.note)
    if args.json:
        print(json.dumps({"id": action_id, "date": str(action.acted_on), "stage": action.stage,
                          "touchpoint": action.touchpoint, "what": action.title}, ensure_ascii=False))
    else:
        print(f"recorded action {action_id}: {action.acted_on} {action.title}")
    return 0


def _action_list(args: argparse.Namespace) -> int:
    from journey import actions
    from journey.filters import Filters

    with connection.Database(_db(args)).connect() as con:
        taxonomy = _taxonomy(con)
        recorded = actions.from_frame(action_store.list_actions(con))
        comments = dashboard.comment_facts(con, Filters())
        counts = funnel_store.counts(con)
    stage_labels = {k: taxonomy.stage_label(k, args.lang) for k in taxonomy.stage_keys()}
    touch_labels = {k: taxonomy.touchpoint_label(k, args.lang) for k in taxonomy.touchpoint_keys()}
    for action in recorded:
        effect = actions.measure(action, comments, counts, taxonomy.stage_keys(), recorded)
        line = actions.sentence(effect, stage_labels, touch_labels, args.lang)
        if args.json:
            print(json.dumps({"id": action.id, "date": str(action.acted_on), "stage": action.stage,
                              "touchpoint": action.touchpoint, "what": action.title, "owner": action.owner,
                              "status": effect.status, "sentence": line,
                              "metrics": [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
                                          for row in actions.effect_table(effect, args.lang, stage_labels).drop(
                                              columns=["name", "verdict"]).to_dict("records")]},
                             ensure_ascii=False))
        else:
            print(f"{action.id}\t{line}")
    return 0


def _action_delete(args: argparse.Namespace) -> int:
    with connection.Database(_db(args)).connect() as con:
        if not action_store.delete_action(con, args.id):
            print(f"error: there is no action {args.id} (see: python -m journey action list)", file=sys.stderr)
            return 1
    print(f"deleted action {args.id}")
    return 0


def _hash_password(args: argparse.Namespace) -> int:
    """Read the password from a prompt (twice, not echoed) or, when stdin is not a terminal, its first
    line; print the hash."""
    import getpass

    from journey.auth import hash_password

    if args.password is not None:
        print("error: --password would show the password to anyone who lists this computer's processes; "
              "type it at the prompt, or pipe it in: python -m journey hash-password < file", file=sys.stderr)
        return 2
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        print("error: use at least 8 characters", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


def _purge(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from journey.privacy import purge_raw_text
    from journey.store import imports

    if not args.imports and not args.all:
        print("error: name the imports (--import ID, repeatable) or give --all", file=sys.stderr)
        return 2
    ids = args.imports
    if args.all:
        with connection.Database(_db(args)).connect() as con:
            ids = imports.list_imports(con)["id"].astype(int).tolist()
    done = purge_raw_text(_db(args), ids)
    missing = sorted(set(ids) - {p.import_id for p in done})
    for purged in done:
        if args.json:
            print(json.dumps(asdict(purged), ensure_ascii=False))
        else:
            print(f"import {purged.import_id} ({purged.file_name}): raw text purged from {purged.comments} comments "
                  f"({purged.remasked} masked anew), {purged.customers} customers now pseudonyms, "
                  f"{purged.rejected} rejected rows without their raw line")
    if missing:
        print(f"error: no import with id {', '.join(map(str, missing))}", file=sys.stderr)
        return 1
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
        if state.phase in ("", "preparing"):
            return  # nothing to tell yet (and a run that cannot start says why in one line)
        if live or state.phase != "embedding" or state.done in (0, state.total) or now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            echo(state)

    try:
        summary = jobs.run_tagging(_db(args), args.embedder, args.preset, echo=throttled, origin="cli")
    except JourneyError as err:
        if failures.classify(err, _db(args)) is not None:
            raise  # a busy database, a full disk, a path: main() says so in one translated line
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
    args.files, args.map, args.no_mask, args.skip_partial, args.undated = demo_files(), [], False, False, "import"
    status = _ingest(args)
    if status == 0:
        status = _demo_cycle(args)
    if status == 0 and args.tag:
        args.preset, args.embedder, args.json = DEMO_PRESET, None, False
        status = _tag(args)
    return status


from journey.demo import DEMO_CYCLE, DEMO_FUNNEL  # noqa: E402


def _demo_cycle(args: argparse.Namespace) -> int:
    """The rest of the demo's improvement cycle: its funnel counts, two recorded actions and two personas;
    what an earlier run already loaded is left as it is."""
    import hashlib

    from journey import personas
    from journey.actions import check_action
    from journey.store import personas as persona_store

    counts_file = DEMO_DIR / DEMO_FUNNEL
    with connection.Database(_db(args)).connect() as con:
        known = connection.scalar(con, "SELECT count(*) FROM funnel_imports WHERE sha256 = ?",
                                  [hashlib.sha256(counts_file.read_bytes()).hexdigest()])
    status = 0
    if not known:
        args.files, args.map = [counts_file], []
        status = _funnel(args)
    cycle = json.loads((DEMO_DIR / DEMO_CYCLE).read_text(encoding="utf-8"))
    with connection.Database(_db(args)).connect() as con:
        taxonomy, segments = _taxonomy(con), dashboard.filter_options(con)["segments"]
        recorded = {(str(r.acted_on)[:10], r.title) for r in action_store.list_actions(con).itertuples()}
        named = set(persona_store.list_personas(con)["name"])
        for item in cycle["actions"]:
            action = check_action(item["date"], item["what"], item.get("stage"), item.get("touchpoint"), taxonomy,
                                  item.get("owner"), item.get("note"))
            if (str(action.acted_on), action.title) not in recorded:
                action_store.add_action(con, action.acted_on, action.title, action.stage, action.touchpoint,
                                        action.owner, action.note)
        for item in cycle["personas"]:
            if item["name"] not in named:
                persona = personas.check_persona(item["name"], item["description"], item["rules"], segments)
                persona_store.save_persona(con, persona.name, persona.description, persona.rules_dict())
    return status
