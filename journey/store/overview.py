"""Reads for the Overview page: table counts, every score, monthly volume, the latest comments."""

from __future__ import annotations

import duckdb
import pandas as pd

from journey.store.connection import scalar


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of the main tables (for status lines and tests)."""
    out = {}
    for table in ("imports", "responses", "comments", "scores", "segments", "rejected_rows"):
        out[table] = int(scalar(con, f"SELECT count(*) FROM {table}"))
    return out



def scores_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every score with its response's date and import: response_id, import_id, responded_at, question,
    scale, value."""
    return con.execute(
        """SELECT s.response_id, r.import_id, r.responded_at, s.question, s.scale, s.value
           FROM scores s JOIN responses r ON r.id = s.response_id""").fetchdf()


def monthly_volume(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Responses per month and source file: month (first day), source, responses."""
    return con.execute(
        """SELECT date_trunc('month', r.responded_at)::DATE AS month, i.file_name AS source,
                  count(*) AS responses
           FROM responses r JOIN imports i ON i.id = r.import_id
           WHERE r.responded_at IS NOT NULL GROUP BY ALL ORDER BY month, source""").fetchdf()


def latest_comments(con: duckdb.DuckDBPyConnection, limit: int = 20) -> pd.DataFrame:
    """The newest comments (masked text) with their date, question and source."""
    return con.execute(
        """SELECT r.responded_at, c.masked_text AS text, c.question, i.file_name AS source
           FROM comments c JOIN responses r ON r.id = c.response_id JOIN imports i ON i.id = r.import_id
           ORDER BY r.responded_at DESC NULLS LAST, c.id DESC LIMIT ?""", [limit]).fetchdf()


def comment_sample(con: duckdb.DuckDBPyConnection, import_id: int | None = None, limit: int = 5000) -> list[str]:
    """The first `limit` comments' masked text, of one import or of all."""
    rows = con.execute("""SELECT c.masked_text FROM comments c JOIN responses r ON r.id = c.response_id
                          WHERE ? IS NULL OR r.import_id = ? ORDER BY c.id LIMIT ?""",
                       [import_id, import_id, limit]).fetchall()
    return [r[0] for r in rows]
