"""Taxonomy versions, automatic tags (per unit and per comment) and the owner's corrections.

A correction (human_tags) always wins over the automatic tag and is never overwritten by re-tagging.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from journey.store.connection import insert_frame, scalar

# A comment's stages with the owner's correction merged in (t: comment_tags, h: human_tags): the
# corrected stage leads unless the automatic list already has it.
EFFECTIVE_STAGES = """CASE WHEN h.stage IS NULL THEN t.stages
                           WHEN t.stages IS NULL OR t.stages = '' THEN h.stage
                           WHEN list_contains(string_split(t.stages, '|'), h.stage) THEN t.stages
                           ELSE h.stage || '|' || t.stages END AS stages"""


def active_taxonomy(con: duckdb.DuckDBPyConnection) -> tuple[int, str, str] | None:
    """(version, preset, JSON data) of the newest taxonomy, or None before the first save."""
    rows = con.execute("SELECT version, preset, data FROM taxonomy ORDER BY version DESC LIMIT 1").fetchall()
    return tuple(rows[0]) if rows else None


def taxonomy_at(con: duckdb.DuckDBPyConnection, version: int) -> tuple[int, str, str] | None:
    """(version, preset, JSON data) of one taxonomy version, or None."""
    rows = con.execute("SELECT version, preset, data FROM taxonomy WHERE version = ?", [version]).fetchall()
    return tuple(rows[0]) if rows else None


def tagged_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The taxonomy version the current automatic tags were made with (None before any tagging)."""
    return scalar(con, "SELECT max(taxonomy_version) FROM comment_tags")


def save_taxonomy(con: duckdb.DuckDBPyConnection, preset: str, data_json: str) -> int:
    """Store a new taxonomy version; returns its number."""
    version = int(scalar(con, "SELECT coalesce(max(version), 0) + 1 FROM taxonomy"))
    con.execute("INSERT INTO taxonomy (version, preset, data) VALUES (?, ?, ?)", [version, preset, data_json])
    return version


def units_for_tagging(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every unit with its context: unit_id, comment_id, text, question, lang, the response's touchpoint
    column value, its NPS and its mean 1–5 rating."""
    return con.execute(
        """WITH nps AS (SELECT response_id, max(value) AS nps FROM scores WHERE scale = 'nps_0_10'
                        GROUP BY response_id),
                rating AS (SELECT response_id, avg(value) AS rating FROM scores
                           WHERE scale IN ('csat_1_5', 'stars_1_5') GROUP BY response_id)
           SELECT u.id AS unit_id, u.comment_id, u.text, u.text_hash, c.question, c.lang, r.touchpoint AS touchpoint_column,
                  nps.nps, rating.rating
           FROM units u JOIN comments c ON c.id = u.comment_id JOIN responses r ON r.id = c.response_id
           LEFT JOIN nps ON nps.response_id = r.id LEFT JOIN rating ON rating.response_id = r.id
           ORDER BY u.id""").fetchdf()


def save_tags(con: duckdb.DuckDBPyConnection, unit_tags: pd.DataFrame, comment_tags: pd.DataFrame,
              version: int) -> None:
    """Replace the automatic tags with those of taxonomy `version`, in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM tags")
        con.execute("DELETE FROM comment_tags")
        insert_frame(con, "tags", unit_tags.assign(taxonomy_version=version)[
            ["unit_id", "taxonomy_version", "model_id", "stage", "stage_score", "stage_margin", "touchpoint",
             "touchpoint_score", "touchpoint_margin", "sentiment", "sentiment_score"]])
        insert_frame(con, "comment_tags", comment_tags.assign(taxonomy_version=version)[
            ["comment_id", "taxonomy_version", "model_id", "stage", "stage_score", "stage_margin", "stages",
             "touchpoint", "touchpoint_score", "sentiment", "sentiment_score"]])
        # The tags were computed outside this transaction: an import deleted meanwhile leaves none behind.
        con.execute("DELETE FROM tags WHERE unit_id NOT IN (SELECT id FROM units)")
        con.execute("DELETE FROM comment_tags WHERE comment_id NOT IN (SELECT id FROM comments)")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def save_human_tag(con: duckdb.DuckDBPyConnection, comment_id: int, stage: str | None = None,
                   touchpoint: str | None = None, sentiment: str | None = None) -> None:
    """Record the owner's correction of a comment; fields left None keep an earlier correction.

    Human tags are never overwritten by re-tagging; they become labelled examples for the next run.
    """
    con.execute(
        """INSERT INTO human_tags (comment_id, stage, touchpoint, sentiment) VALUES (?, ?, ?, ?)
           ON CONFLICT (comment_id) DO UPDATE SET
             stage = coalesce(excluded.stage, human_tags.stage),
             touchpoint = coalesce(excluded.touchpoint, human_tags.touchpoint),
             sentiment = coalesce(excluded.sentiment, human_tags.sentiment),
             created_at = now()""", [comment_id, stage, touchpoint, sentiment])


def human_tag(con: duckdb.DuckDBPyConnection, comment_id: int) -> dict | None:
    """One comment's correction (stage, touchpoint, sentiment), or None when it has none."""
    rows = con.execute("SELECT stage, touchpoint, sentiment FROM human_tags WHERE comment_id = ?",
                       [comment_id]).fetchall()
    return dict(zip(("stage", "touchpoint", "sentiment"), rows[0])) if rows else None


def restore_human_tag(con: duckdb.DuckDBPyConnection, comment_id: int, fields: dict | None) -> None:
    """Put a comment's correction back exactly as `fields` (from human_tag); None removes it, so the
    comment goes back to its automatic tags (undo, and "back to automatic")."""
    if fields is None:
        con.execute("DELETE FROM human_tags WHERE comment_id = ?", [comment_id])
        return
    con.execute(
        """INSERT INTO human_tags (comment_id, stage, touchpoint, sentiment) VALUES (?, ?, ?, ?)
           ON CONFLICT (comment_id) DO UPDATE SET stage = excluded.stage, touchpoint = excluded.touchpoint,
             sentiment = excluded.sentiment, created_at = now()""",
        [comment_id, fields.get("stage"), fields.get("touchpoint"), fields.get("sentiment")])


def human_tags(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """All owner corrections: comment_id, question, stage, touchpoint, sentiment, created_at."""
    return con.execute(
        """SELECT h.comment_id, c.question, h.stage, h.touchpoint, h.sentiment, h.created_at
           FROM human_tags h JOIN comments c ON c.id = h.comment_id ORDER BY h.created_at""").fetchdf()


def comment_tags(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Effective tags per comment (the owner's correction wins) with the comment and its response."""
    return con.execute(
        f"""SELECT c.id AS comment_id, c.response_id, r.import_id, r.responded_at, c.question, c.masked_text AS text,
                  c.lang, coalesce(h.stage, t.stage) AS stage, t.stage_score, t.stage_margin,
                  {EFFECTIVE_STAGES},
                  coalesce(h.touchpoint, t.touchpoint) AS touchpoint, t.touchpoint_score,
                  coalesce(h.sentiment, t.sentiment) AS sentiment, t.sentiment_score,
                  (h.comment_id IS NOT NULL) AS corrected
           FROM comments c JOIN responses r ON r.id = c.response_id
           LEFT JOIN comment_tags t ON t.comment_id = c.id
           LEFT JOIN human_tags h ON h.comment_id = c.id
           ORDER BY c.id""").fetchdf()


def review_candidates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every tagged comment with what the review queue ranks it by: comment_id, effective stage,
    stage_margin, corrected (no text: at 100k comments the text alone took a second to read)."""
    return con.execute(
        """SELECT t.comment_id, coalesce(h.stage, t.stage) AS stage, t.stage_margin,
                  (h.comment_id IS NOT NULL) AS corrected
           FROM comment_tags t LEFT JOIN human_tags h ON h.comment_id = t.comment_id
           ORDER BY t.comment_id""").fetchdf()


def unit_tags(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Automatic tags per unit (sentence), in comment order."""
    return con.execute(
        """SELECT u.id AS unit_id, u.comment_id, u.seq, u.text, t.stage, t.stage_score, t.stage_margin,
                  t.touchpoint, t.touchpoint_score, t.sentiment, t.sentiment_score
           FROM units u LEFT JOIN tags t ON t.unit_id = u.id ORDER BY u.comment_id, u.seq""").fetchdf()
