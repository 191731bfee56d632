"""Funnel counts: a count table saved in one transaction, the counts in force (a newer import of the same
period and stage wins), the import history with rejected rows, delete; and customer keys for the repeat
rate read from the feedback itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from journey.store.connection import insert_frame, next_id
from journey.store.dashboard import _response_where


@dataclass
class FunnelBatch:
    """One count table, read and checked, ready to insert."""

    file_name: str
    sha256: str
    encoding: str | None
    delimiter: str | None
    mapping: list[dict[str, Any]]
    granularity: str          # month, week or day
    rows: int                 # data records in the file, loaded or rejected
    counts: pd.DataFrame      # line_no, period_start, period_end, stage, column_name, count
    rejected: pd.DataFrame    # line_no, raw, code, column_name, value, reason


@dataclass
class SavedFunnel:
    import_id: int
    rows: int
    loaded: int
    rejected: int


def save_funnel(con: duckdb.DuckDBPyConnection, batch: FunnelBatch) -> SavedFunnel:
    """Insert a count table in one transaction: all of it, or (on any error) none of it."""
    loaded = int(batch.counts["line_no"].nunique()) if not batch.counts.empty else 0
    con.execute("BEGIN TRANSACTION")
    try:
        import_id = next_id(con, "funnel_imports")
        con.execute(
            """INSERT INTO funnel_imports (id, file_name, sha256, encoding, delimiter, mapping, granularity,
                   rows, loaded, rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [import_id, batch.file_name, batch.sha256, batch.encoding, batch.delimiter,
             json.dumps(batch.mapping, ensure_ascii=False), batch.granularity, batch.rows, loaded,
             len(batch.rejected)])
        insert_frame(con, "funnel_counts", batch.counts.assign(import_id=import_id)[
            ["import_id", "line_no", "period_start", "period_end", "stage", "column_name", "count"]])
        insert_frame(con, "funnel_rejected", batch.rejected.assign(import_id=import_id)[
            ["import_id", "line_no", "raw", "code", "column_name", "value", "reason"]])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return SavedFunnel(import_id, batch.rows, loaded, len(batch.rejected))


def counts(con: duckdb.DuckDBPyConnection, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """The counts in force: period_start, period_end, stage, count, import_id; for each period and stage
    the newest import's count. With `start`/`end`, only periods overlapping [start, end]."""
    clauses, params = ["TRUE"], []
    if start is not None:
        clauses.append("period_end >= ?")
        params.append(start)
    if end is not None:
        clauses.append("period_start <= ?")
        params.append(end)
    return con.execute(
        f"""SELECT period_start, period_end, stage, count, import_id FROM funnel_counts
            WHERE {' AND '.join(clauses)}
            QUALIFY row_number() OVER (PARTITION BY period_start, stage ORDER BY import_id DESC) = 1
            ORDER BY period_start, stage""", params).fetchdf()


def history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every funnel import, newest first: id, file_name, granularity, rows, loaded, rejected, first and last
    period, created_at."""
    return con.execute(
        """SELECT i.id, i.file_name, i.granularity, i.rows, i.loaded, i.rejected,
                  min(c.period_start) AS first_period, max(c.period_start) AS last_period, i.created_at
           FROM funnel_imports i LEFT JOIN funnel_counts c ON c.import_id = i.id
           GROUP BY ALL ORDER BY i.id DESC""").fetchdf()


def rejected_rows(con: duckdb.DuckDBPyConnection, import_id: int) -> pd.DataFrame:
    """Rows of one funnel import that were not loaded: line_no, column_name, value, reason, raw."""
    return con.execute("""SELECT line_no, column_name, value, reason, raw FROM funnel_rejected
                          WHERE import_id = ? ORDER BY line_no""", [import_id]).fetchdf()


def delete_funnel(con: duckdb.DuckDBPyConnection, import_id: int) -> bool:
    """Delete one funnel import with its counts and rejected rows (an older import's counts come back in
    force); False when there is no such import."""
    con.execute("BEGIN TRANSACTION")
    try:
        found = con.execute("SELECT count(*) FROM funnel_imports WHERE id = ?", [import_id]).fetchall()[0][0]
        for table in ("funnel_counts", "funnel_rejected"):
            con.execute(f"DELETE FROM {table} WHERE import_id = ?", [import_id])
        con.execute("DELETE FROM funnel_imports WHERE id = ?", [import_id])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return bool(found)


def customer_keys(con: duckdb.DuckDBPyConnection, filters) -> pd.DataFrame:
    """response_id, responded_at, customer_key for the responses matching `filters` that carry a customer
    id; the key is a digest of the trimmed, lower-cased value, so the id itself never leaves the store."""
    where, params = _response_where(filters)
    return con.execute(
        f"""SELECT r.id AS response_id, r.responded_at, md5(lower(trim(r.customer))) AS customer_key
            FROM responses r WHERE {where} AND r.customer IS NOT NULL AND trim(r.customer) <> ''""",
        params).fetchdf()
