"""Report runs: the period each scheduled report covered and the flags it raised, so the next run can
say what moved since the last report."""

from __future__ import annotations

import json
from datetime import date

import duckdb

from journey.store.connection import next_id


def record_run(con: duckdb.DuckDBPyConnection, since: date, until: date, baseline: tuple[date, date] | None,
               flags: list[dict]) -> int:
    """Record one report run with its baseline period and flags; returns its id."""
    run_id = next_id(con, "report_runs")
    con.execute("""INSERT INTO report_runs (id, since, until, baseline_since, baseline_until, flags)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [run_id, since, until, baseline[0] if baseline else None, baseline[1] if baseline else None,
                 json.dumps(flags, ensure_ascii=False)])
    return run_id


def last_run_before(con: duckdb.DuckDBPyConnection, since: date) -> tuple[date, date] | None:
    """(since, until) of the newest recorded run that ended before `since`, or None."""
    rows = con.execute("""SELECT since, until FROM report_runs WHERE until < ?
                          ORDER BY until DESC, id DESC LIMIT 1""", [since]).fetchall()
    return (rows[0][0], rows[0][1]) if rows else None
