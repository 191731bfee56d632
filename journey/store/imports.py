"""Imports: one file's rows saved in one transaction, the import history, rejected rows, and delete of an
import with everything it brought."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from journey.masking import mask_pii
from journey.store import keys
from journey.store.connection import insert_frame, next_id, scalar, transaction


@dataclass
class ImportBatch:
    """Everything one file adds, ready to insert; ids inside are local (0..n-1) until saved."""

    file_name: str
    sha256: str
    source_key: str
    file_format: str
    encoding: str | None
    delimiter: str | None
    mapping: list[dict[str, Any]]
    mask_pii: bool
    rows: int
    responses: pd.DataFrame   # local_id, line_no, external_id, dedup_key, content_hash, responded_at, customer, touchpoint
    scores: pd.DataFrame      # local_id, question, scale, value, raw
    segments: Any             # pyarrow Table: local_id plus one column per segment question (unpivoted on insert)
    comments: pd.DataFrame    # local_id, question, text, masked_text, lang
    rejected: pd.DataFrame    # line_no, raw, code, column_name, value, reason
    # line_no, outcome ('skipped' or 'value_left_empty'), code, column_name, value, reason, raw
    notes: pd.DataFrame | None = None
    undated: int = 0                    # rows given `undated_date` because they had none
    undated_source: str | None = None   # 'file', 'import' or 'chosen'
    undated_date: date | None = None
    warnings: list[dict] = field(default_factory=list)
    notices: list[Any] = field(default_factory=list)   # the warnings as objects, for the caller


@dataclass
class SavedImport:
    import_id: int
    rows: int
    loaded: int
    duplicates: int
    rejected: int
    skipped: int = 0
    partial: int = 0
    values_left_empty: int = 0


def save_import(con: duckdb.DuckDBPyConnection, batch: ImportBatch,
                progress: Callable[[float, str], None] | None = None) -> SavedImport:
    """Insert a whole import in one transaction: all of it, or (on any error) none of it.

    Responses whose dedup key is already stored, or repeated inside the file, count as duplicates and are
    skipped with their comments, scores and segments.
    """
    report = progress or (lambda fraction, stage: None)
    with transaction(con):
        import_id = next_id(con, "imports")
        responses = batch.responses.drop_duplicates("dedup_key", keep="first")
        con.register("_new_responses", responses)
        existing = con.execute(
            "SELECT n.dedup_key FROM _new_responses n JOIN responses r USING (dedup_key)").fetchdf()
        con.unregister("_new_responses")
        keep = responses[~responses["dedup_key"].isin(existing["dedup_key"])].copy()
        duplicates = len(batch.responses) - len(keep)
        report(0.1, "responses")

        first_id = next_id(con, "responses")
        keep["id"] = range(first_id, first_id + len(keep))
        id_of = pd.Series(keep["id"].to_numpy(), index=keep["local_id"].to_numpy())
        keep["import_id"] = import_id
        for column in ("partial", "date_assumed"):
            if column not in keep:
                keep[column] = False
        insert_frame(con, "responses", keep[["id", "import_id", "line_no", "external_id", "dedup_key",
                                              "content_hash", "responded_at", "customer", "touchpoint",
                                              "partial", "date_assumed"]])
        report(0.4, "scores")

        scores = batch.scores[batch.scores["local_id"].isin(id_of.index)].copy()
        scores["response_id"] = id_of.reindex(scores["local_id"]).to_numpy()
        insert_frame(con, "scores", scores[["response_id", "question", "scale", "value", "raw"]])
        _insert_segments(con, batch.segments, keep[["local_id", "id"]])
        report(0.6, "comments")

        comments = batch.comments[batch.comments["local_id"].isin(id_of.index)].copy()
        comments["response_id"] = id_of.reindex(comments["local_id"]).to_numpy()
        first_comment = next_id(con, "comments")
        comments["id"] = range(first_comment, first_comment + len(comments))
        insert_frame(con, "comments", comments[["id", "response_id", "question", "text", "masked_text", "lang"]])
        report(0.85, "rejected")

        rejected = _masked_rejected(batch.rejected) if batch.mask_pii else batch.rejected.copy()
        rejected["import_id"] = import_id
        insert_frame(con, "rejected_rows",
                     rejected[["import_id", "line_no", "raw", "code", "column_name", "value", "reason"]])
        notes = batch.notes if batch.notes is not None else pd.DataFrame(columns=_NOTE_COLUMNS[1:])
        # Values left empty count only in rows that were stored (not in a duplicate of a stored row).
        kept_lines = set(keep["line_no"].tolist())
        notes = notes[(notes["outcome"] == "skipped") | notes["line_no"].isin(kept_lines)].copy()
        notes = _masked_rejected(notes) if batch.mask_pii else notes.copy()
        notes["import_id"] = import_id
        insert_frame(con, "row_notes", notes[_NOTE_COLUMNS])
        skipped = int((notes["outcome"] == "skipped").sum())
        left_empty = int((notes["outcome"] == "value_left_empty").sum())
        partial = int(keep["partial"].sum())
        con.execute(
            """INSERT INTO imports (id, file_name, sha256, source_key, file_format, encoding, delimiter,
                   mapping, rows, loaded, duplicates, rejected, mask_pii, skipped, partial, values_left_empty,
                   undated, undated_source, undated_date, warnings)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [import_id, batch.file_name, batch.sha256, batch.source_key, batch.file_format, batch.encoding,
             batch.delimiter, json.dumps(batch.mapping, ensure_ascii=False), batch.rows, len(keep),
             duplicates, len(batch.rejected), batch.mask_pii, skipped, partial, left_empty,
             int(keep["date_assumed"].sum()), batch.undated_source, batch.undated_date,
             json.dumps(batch.warnings, ensure_ascii=False)])
        report(1.0, "commit")
    return SavedImport(import_id, batch.rows, len(keep), duplicates, len(batch.rejected), skipped, partial,
                       left_empty)


_NOTE_COLUMNS = ["import_id", "line_no", "outcome", "code", "column_name", "value", "reason", "raw"]




def _insert_segments(con: duckdb.DuckDBPyConnection, wide: Any, ids: pd.DataFrame) -> None:
    """Unpivot the wide segment frame into (response_id, name, value) rows, skipping blanks."""
    if wide.num_columns <= 1 or ids.empty:
        return
    con.register("_segments", wide)
    con.register("_ids", ids)
    try:
        con.execute("""INSERT INTO segments (response_id, name, value)
                       SELECT i.id, u.name, trim(u.value)
                       FROM (UNPIVOT _segments ON COLUMNS(* EXCLUDE (local_id)) INTO NAME name VALUE value) u
                       JOIN _ids i USING (local_id)
                       WHERE trim(u.value) <> ''""")
    finally:
        con.unregister("_segments")
        con.unregister("_ids")


def delete_import(con: duckdb.DuckDBPyConnection, import_id: int) -> bool:
    """Delete an import and every row it brought; return False when there was no such import."""
    if scalar(con, "SELECT count(*) FROM imports WHERE id = ?", [import_id]) == 0:
        return False
    with transaction(con):
        for statement in _DELETE_IMPORT:
            con.execute(statement, [import_id])
    return True


# Children first; later migrations append their own tables here.
_UNITS_OF_IMPORT = ("SELECT u.id FROM units u JOIN comments c ON c.id = u.comment_id "
                    "JOIN responses r ON r.id = c.response_id WHERE r.import_id = ?")
_DELETE_IMPORT = [
    f"DELETE FROM tags WHERE unit_id IN ({_UNITS_OF_IMPORT})",
    "DELETE FROM comment_tags WHERE comment_id IN (SELECT c.id FROM comments c JOIN responses r "
    "ON r.id = c.response_id WHERE r.import_id = ?)",
    "DELETE FROM human_tags WHERE comment_id IN (SELECT c.id FROM comments c JOIN responses r "
    "ON r.id = c.response_id WHERE r.import_id = ?)",
    "DELETE FROM units WHERE comment_id IN (SELECT c.id FROM comments c JOIN responses r ON r.id = c.response_id "
    "WHERE r.import_id = ?)",
    "DELETE FROM comments WHERE response_id IN (SELECT id FROM responses WHERE import_id = ?)",
    "DELETE FROM scores WHERE response_id IN (SELECT id FROM responses WHERE import_id = ?)",
    "DELETE FROM segments WHERE response_id IN (SELECT id FROM responses WHERE import_id = ?)",
    "DELETE FROM rejected_rows WHERE import_id = ?",
    "DELETE FROM row_notes WHERE import_id = ?",
    "DELETE FROM responses WHERE import_id = ?",
    "DELETE FROM imports WHERE id = ?",
]


def list_imports(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Imports, newest first."""
    return con.execute(
        """SELECT id, file_name, created_at, file_format, encoding, rows, loaded, duplicates, skipped, rejected,
                  raw_purged_at FROM imports ORDER BY id DESC""").fetchdf()


def get_import(con: duckdb.DuckDBPyConnection, import_id: int) -> dict[str, Any] | None:
    """One import's row as a dict (mapping decoded), or None."""
    cur = con.execute("SELECT * FROM imports WHERE id = ?", [import_id])
    rows = cur.fetchall()
    if not rows:
        return None
    record = dict(zip([d[0] for d in cur.description], rows[0]))
    record["mapping"] = json.loads(record["mapping"])
    record["warnings"] = json.loads(record["warnings"]) if record.get("warnings") else []
    return record


def rejected_rows(con: duckdb.DuckDBPyConnection, import_id: int) -> pd.DataFrame:
    """Rejected rows of one import, in file order; masked like comments when the import masks personal
    data (rows stored before rejected rows were masked on import are masked here)."""
    frame = con.execute(
        """SELECT line_no, code, reason, column_name, value, raw FROM rejected_rows
           WHERE import_id = ? ORDER BY line_no""", [import_id]).fetchdf()
    masks = scalar(con, "SELECT mask_pii FROM imports WHERE id = ?", [import_id])
    return _masked_rejected(frame) if masks else frame


def _masked_rejected(frame: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows with personal data masked in the raw line, the value and the reason (which quotes it)."""
    out = frame.copy()
    for column in ("raw", "value", "reason"):
        if column in out:
            out[column] = out[column].map(lambda v: mask_pii(v) if isinstance(v, str) else v)
    return out


def purge_raw(con: duckdb.DuckDBPyConnection, import_id: int) -> dict[str, int] | None:
    """Replace an import's raw text by its masked form, in one transaction: comments keep only their masked
    text (masked again with today's masker), customers become their pseudonyms, rejected rows lose their
    raw line. Sentences of comments whose text changed are dropped with their tags, so the next tagging
    splits them again. Returns what changed, or None when there is no such import.

    The old bytes stay in the file's freed blocks until Database.rewrite() (privacy.purge_raw_text does both).
    """
    if scalar(con, "SELECT count(*) FROM imports WHERE id = ?", [import_id]) == 0:
        return None
    comments = con.execute(
        """SELECT c.id, c.text, c.masked_text FROM comments c JOIN responses r ON r.id = c.response_id
           WHERE r.import_id = ?""", [import_id]).fetchdf()
    comments["masked"] = comments["text"].map(mask_pii)
    changed = comments[comments["masked"] != comments["masked_text"]]["id"].tolist()
    key = keys.secret(con, keys.PSEUDONYM_KEY)
    customers = con.execute("""SELECT DISTINCT customer FROM responses WHERE import_id = ? AND customer IS NOT NULL""",
                            [import_id]).fetchdf()
    customers["ref"] = customers["customer"].map(lambda c: keys.pseudonym(key, c))
    already = scalar(con, "SELECT raw_purged_at IS NOT NULL FROM imports WHERE id = ?", [import_id])
    with transaction(con):
        con.register("_purged", comments[["id", "masked"]])
        con.execute("UPDATE comments SET text = p.masked, masked_text = p.masked FROM _purged p "
                    "WHERE comments.id = p.id")
        con.unregister("_purged")
        if changed:
            con.execute("DELETE FROM tags WHERE unit_id IN (SELECT id FROM units WHERE list_contains(?, comment_id))",
                        [changed])
            con.execute("DELETE FROM units WHERE list_contains(?, comment_id)", [changed])
        if not already and not customers.empty:
            con.register("_refs", customers)
            con.execute("UPDATE responses SET customer = f.ref FROM _refs f "
                        "WHERE responses.customer = f.customer AND responses.import_id = ?", [import_id])
            con.unregister("_refs")
        rejected = _masked_rejected(con.execute(
            "SELECT import_id, line_no, code, column_name, value, reason FROM rejected_rows WHERE import_id = ?",
            [import_id]).fetchdf())
        con.execute("DELETE FROM rejected_rows WHERE import_id = ?", [import_id])
        insert_frame(con, "rejected_rows", rejected)  # raw left out: NULL
        notes = _masked_rejected(con.execute(
            "SELECT import_id, line_no, outcome, code, column_name, value, reason FROM row_notes WHERE import_id = ?",
            [import_id]).fetchdf())
        con.execute("DELETE FROM row_notes WHERE import_id = ?", [import_id])
        insert_frame(con, "row_notes", notes)  # skipped rows' raw lines left out: NULL
        con.execute("UPDATE imports SET raw_purged_at = current_timestamp, mask_pii = TRUE WHERE id = ?", [import_id])
    return {"comments": len(comments), "remasked": len(changed), "customers": len(customers),
            "rejected": len(rejected)}


def row_notes(con: duckdb.DuckDBPyConnection, import_id: int, outcome: str | None = None) -> pd.DataFrame:
    """Skipped rows ('skipped') and values left empty ('value_left_empty') of one import, in file order."""
    sql = """SELECT line_no, outcome, code, reason, column_name, value, raw FROM row_notes WHERE import_id = ?"""
    params: list = [import_id]
    if outcome:
        sql += " AND outcome = ?"
        params.append(outcome)
    return con.execute(sql + " ORDER BY line_no", params).fetchdf()
