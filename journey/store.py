"""The only module that talks to DuckDB: connections, migrations and queries.

Connections are short-lived (one per unit of work) so the Streamlit app and the CLI can take turns on
the same file; DuckDB lets one process hold a file read-write, so opening retries on the lock error.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from journey.errors import DatabaseBusy

LOCK_RETRIES = 12
LOCK_FIRST_WAIT_S = 0.05

# Numbered migrations: append only, never edit an applied one.
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "imports, responses, scores, segments, comments, rejected rows", """
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            file_name VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            source_key VARCHAR NOT NULL,
            file_format VARCHAR NOT NULL,
            encoding VARCHAR,
            delimiter VARCHAR,
            mapping JSON NOT NULL,
            rows INTEGER NOT NULL,
            loaded INTEGER NOT NULL,
            duplicates INTEGER NOT NULL,
            rejected INTEGER NOT NULL,
            mask_pii BOOLEAN NOT NULL DEFAULT TRUE,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        CREATE TABLE responses (
            id BIGINT PRIMARY KEY,
            import_id INTEGER NOT NULL,
            line_no INTEGER NOT NULL,
            external_id VARCHAR,
            dedup_key VARCHAR NOT NULL,
            content_hash VARCHAR NOT NULL,
            responded_at TIMESTAMP,
            customer VARCHAR,
            touchpoint VARCHAR
        );
        CREATE INDEX responses_import ON responses(import_id);
        CREATE TABLE scores (
            response_id BIGINT NOT NULL,
            question VARCHAR NOT NULL,
            scale VARCHAR NOT NULL,
            value DOUBLE NOT NULL,
            raw VARCHAR
        );
        CREATE TABLE segments (
            response_id BIGINT NOT NULL,
            name VARCHAR NOT NULL,
            value VARCHAR NOT NULL
        );
        CREATE TABLE comments (
            id BIGINT PRIMARY KEY,
            response_id BIGINT NOT NULL,
            question VARCHAR NOT NULL,
            text VARCHAR NOT NULL,
            masked_text VARCHAR NOT NULL,
            lang VARCHAR NOT NULL
        );
        CREATE TABLE rejected_rows (
            import_id INTEGER NOT NULL,
            line_no INTEGER NOT NULL,
            raw VARCHAR,
            code VARCHAR NOT NULL,
            column_name VARCHAR,
            value VARCHAR,
            reason VARCHAR NOT NULL
        );
    """),
    (2, "units, embedding cache, taxonomy versions, tags, human tags", """
        CREATE TABLE units (
            id BIGINT PRIMARY KEY,
            comment_id BIGINT NOT NULL,
            seq INTEGER NOT NULL,
            text VARCHAR NOT NULL,
            text_hash VARCHAR NOT NULL
        );
        CREATE INDEX units_comment ON units(comment_id);
        CREATE TABLE embeddings (
            model_id VARCHAR NOT NULL,
            text_hash VARCHAR NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (model_id, text_hash)
        );
        CREATE TABLE taxonomy (
            version INTEGER PRIMARY KEY,
            preset VARCHAR NOT NULL,
            data JSON NOT NULL,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        CREATE TABLE tags (
            unit_id BIGINT NOT NULL,
            taxonomy_version INTEGER NOT NULL,
            model_id VARCHAR NOT NULL,
            stage VARCHAR NOT NULL,
            stage_score DOUBLE NOT NULL,
            stage_margin DOUBLE NOT NULL,
            touchpoint VARCHAR NOT NULL,
            touchpoint_score DOUBLE NOT NULL,
            touchpoint_margin DOUBLE NOT NULL,
            sentiment VARCHAR NOT NULL,
            sentiment_score DOUBLE NOT NULL,
            PRIMARY KEY (unit_id, taxonomy_version)
        );
        CREATE TABLE comment_tags (
            comment_id BIGINT NOT NULL,
            taxonomy_version INTEGER NOT NULL,
            model_id VARCHAR NOT NULL,
            stage VARCHAR NOT NULL,
            stage_score DOUBLE NOT NULL,
            stage_margin DOUBLE NOT NULL,
            stages VARCHAR NOT NULL,
            touchpoint VARCHAR NOT NULL,
            touchpoint_score DOUBLE NOT NULL,
            sentiment VARCHAR NOT NULL,
            sentiment_score DOUBLE NOT NULL,
            PRIMARY KEY (comment_id, taxonomy_version)
        );
        CREATE TABLE human_tags (
            comment_id BIGINT PRIMARY KEY,
            stage VARCHAR,
            touchpoint VARCHAR,
            sentiment VARCHAR,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
    """),
    # Every re-tag replaces all automatic tags at once (save_tags), so their keys are unique by
    # construction; the primary-key indexes only cost time (a third of a 100k-unit re-tag).
    (3, "automatic tags without primary-key indexes", """
        ALTER TABLE tags RENAME TO tags_old;
        CREATE TABLE tags (
            unit_id BIGINT NOT NULL,
            taxonomy_version INTEGER NOT NULL,
            model_id VARCHAR NOT NULL,
            stage VARCHAR NOT NULL,
            stage_score DOUBLE NOT NULL,
            stage_margin DOUBLE NOT NULL,
            touchpoint VARCHAR NOT NULL,
            touchpoint_score DOUBLE NOT NULL,
            touchpoint_margin DOUBLE NOT NULL,
            sentiment VARCHAR NOT NULL,
            sentiment_score DOUBLE NOT NULL
        );
        INSERT INTO tags SELECT * FROM tags_old;
        DROP TABLE tags_old;
        ALTER TABLE comment_tags RENAME TO comment_tags_old;
        CREATE TABLE comment_tags (
            comment_id BIGINT NOT NULL,
            taxonomy_version INTEGER NOT NULL,
            model_id VARCHAR NOT NULL,
            stage VARCHAR NOT NULL,
            stage_score DOUBLE NOT NULL,
            stage_margin DOUBLE NOT NULL,
            stages VARCHAR NOT NULL,
            touchpoint VARCHAR NOT NULL,
            touchpoint_score DOUBLE NOT NULL,
            sentiment VARCHAR NOT NULL,
            sentiment_score DOUBLE NOT NULL
        );
        INSERT INTO comment_tags SELECT * FROM comment_tags_old;
        DROP TABLE comment_tags_old;
    """),
]


@dataclass
class Database:
    """A DuckDB file; `connect()` opens a short-lived connection with migrations applied."""

    path: Path

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = open_connection(self.path)
        try:
            yield con
        finally:
            con.close()


def open_connection(path: Path | str) -> duckdb.DuckDBPyConnection:
    """Open `path` read-write, retrying while another process holds the lock; apply migrations.

    Raises DatabaseBusy when the file stays locked.
    """
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    wait = LOCK_FIRST_WAIT_S
    for attempt in range(LOCK_RETRIES):
        try:
            con = duckdb.connect(str(path), config={"autoinstall_known_extensions": False})
            break
        except duckdb.IOException as err:
            if "lock" not in str(err).lower() or attempt == LOCK_RETRIES - 1:
                if "lock" in str(err).lower():
                    raise DatabaseBusy(
                        "the database is in use by another program.", file=str(path),
                        hint="Close the other Journey Lens process (app or CLI) or try again in a moment.",
                    ) from err
                raise
            time.sleep(wait)
            wait = min(wait * 2, 1.0)
    migrate(con)
    return con


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations, each in its own transaction; return the versions applied."""
    con.execute("""CREATE TABLE IF NOT EXISTS _journey_migrations (
        version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,
        applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)""")
    done = {row[0] for row in con.execute("SELECT version FROM _journey_migrations").fetchall()}
    applied = []
    for version, name, sql in MIGRATIONS:
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO _journey_migrations (version, name) VALUES (?, ?)", [version, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied


# ---------------------------------------------------------------------------------------------
# Imports


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


@dataclass
class SavedImport:
    import_id: int
    rows: int
    loaded: int
    duplicates: int
    rejected: int


def save_import(con: duckdb.DuckDBPyConnection, batch: ImportBatch,
                progress: Callable[[float, str], None] | None = None) -> SavedImport:
    """Insert a whole import in one transaction: all of it, or (on any error) none of it.

    Responses whose dedup key is already stored, or repeated inside the file, count as duplicates and are
    skipped with their comments, scores and segments.
    """
    report = progress or (lambda fraction, stage: None)
    con.execute("BEGIN TRANSACTION")
    try:
        import_id = _next_id(con, "imports")
        responses = batch.responses.drop_duplicates("dedup_key", keep="first")
        con.register("_new_responses", responses)
        existing = con.execute(
            "SELECT n.dedup_key FROM _new_responses n JOIN responses r USING (dedup_key)").fetchdf()
        con.unregister("_new_responses")
        keep = responses[~responses["dedup_key"].isin(existing["dedup_key"])].copy()
        duplicates = len(batch.responses) - len(keep)
        report(0.1, "responses")

        first_id = _next_id(con, "responses")
        keep["id"] = range(first_id, first_id + len(keep))
        id_of = pd.Series(keep["id"].to_numpy(), index=keep["local_id"].to_numpy())
        keep["import_id"] = import_id
        _insert(con, "responses", keep[["id", "import_id", "line_no", "external_id", "dedup_key",
                                         "content_hash", "responded_at", "customer", "touchpoint"]])
        report(0.4, "scores")

        scores = batch.scores[batch.scores["local_id"].isin(id_of.index)].copy()
        scores["response_id"] = id_of.reindex(scores["local_id"]).to_numpy()
        _insert(con, "scores", scores[["response_id", "question", "scale", "value", "raw"]])
        _insert_segments(con, batch.segments, keep[["local_id", "id"]])
        report(0.6, "comments")

        comments = batch.comments[batch.comments["local_id"].isin(id_of.index)].copy()
        comments["response_id"] = id_of.reindex(comments["local_id"]).to_numpy()
        first_comment = _next_id(con, "comments")
        comments["id"] = range(first_comment, first_comment + len(comments))
        _insert(con, "comments", comments[["id", "response_id", "question", "text", "masked_text", "lang"]])
        report(0.85, "rejected")

        rejected = batch.rejected.copy()
        rejected["import_id"] = import_id
        _insert(con, "rejected_rows",
                rejected[["import_id", "line_no", "raw", "code", "column_name", "value", "reason"]])
        con.execute(
            """INSERT INTO imports (id, file_name, sha256, source_key, file_format, encoding, delimiter,
                   mapping, rows, loaded, duplicates, rejected, mask_pii)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [import_id, batch.file_name, batch.sha256, batch.source_key, batch.file_format, batch.encoding,
             batch.delimiter, json.dumps(batch.mapping, ensure_ascii=False), batch.rows, len(keep),
             duplicates, len(batch.rejected), batch.mask_pii])
        report(1.0, "commit")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return SavedImport(import_id, batch.rows, len(keep), duplicates, len(batch.rejected))


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> Any:
    """First value of a query's only row. fetchall, not fetchone: DuckDB 2 keeps a result open until
    a fetch returns nothing, and an open result blocks register() on the same connection."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def _next_id(con: duckdb.DuckDBPyConnection, table: str) -> int:
    # Table names come from this module only, never from input.
    return int(scalar(con, f"SELECT coalesce(max(id), 0) + 1 FROM {table}"))


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


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    con.register("_frame", frame)
    try:
        columns = ", ".join(frame.columns)
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _frame")
    finally:
        con.unregister("_frame")


def delete_import(con: duckdb.DuckDBPyConnection, import_id: int) -> bool:
    """Delete an import and every row it brought; return False when there was no such import."""
    if scalar(con, "SELECT count(*) FROM imports WHERE id = ?", [import_id]) == 0:
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        for statement in _DELETE_IMPORT:
            con.execute(statement, [import_id])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True


# A comment's stages with the owner's correction merged in (t: comment_tags, h: human_tags): the
# corrected stage leads unless the automatic list already has it.
_EFFECTIVE_STAGES = """CASE WHEN h.stage IS NULL THEN t.stages
                            WHEN t.stages IS NULL OR t.stages = '' THEN h.stage
                            WHEN list_contains(string_split(t.stages, '|'), h.stage) THEN t.stages
                            ELSE h.stage || '|' || t.stages END AS stages"""

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
    "DELETE FROM responses WHERE import_id = ?",
    "DELETE FROM imports WHERE id = ?",
]


def list_imports(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Imports, newest first."""
    return con.execute(
        """SELECT id, file_name, created_at, file_format, encoding, rows, loaded, duplicates, rejected
           FROM imports ORDER BY id DESC""").fetchdf()


def get_import(con: duckdb.DuckDBPyConnection, import_id: int) -> dict[str, Any] | None:
    """One import's row as a dict (mapping decoded), or None."""
    cur = con.execute("SELECT * FROM imports WHERE id = ?", [import_id])
    rows = cur.fetchall()
    if not rows:
        return None
    record = dict(zip([d[0] for d in cur.description], rows[0]))
    record["mapping"] = json.loads(record["mapping"])
    return record


def rejected_rows(con: duckdb.DuckDBPyConnection, import_id: int) -> pd.DataFrame:
    """Rejected rows of one import, in file order."""
    return con.execute(
        """SELECT line_no, code, reason, column_name, value, raw FROM rejected_rows
           WHERE import_id = ? ORDER BY line_no""", [import_id]).fetchdf()


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of the main tables (for status lines and tests)."""
    out = {}
    for table in ("imports", "responses", "comments", "scores", "segments", "rejected_rows"):
        out[table] = int(scalar(con, f"SELECT count(*) FROM {table}"))
    return out


def export_comments(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per comment: response fields, masked text, tags (a human correction wins; empty before
    tagging), scores (one column per question) and segments."""
    base = con.execute(
        f"""SELECT c.id AS comment_id, r.import_id, i.file_name AS source_file, r.external_id,
                  r.responded_at, r.customer, r.touchpoint AS touchpoint_column, c.question,
                  c.masked_text AS text, c.lang,
                  coalesce(h.stage, t.stage) AS stage, t.stage_score,
                  {_EFFECTIVE_STAGES},
                  coalesce(h.touchpoint, t.touchpoint) AS touchpoint, t.touchpoint_score,
                  coalesce(h.sentiment, t.sentiment) AS sentiment, t.sentiment_score,
                  r.id AS response_id
           FROM comments c JOIN responses r ON r.id = c.response_id JOIN imports i ON i.id = r.import_id
           LEFT JOIN comment_tags t ON t.comment_id = c.id LEFT JOIN human_tags h ON h.comment_id = c.id
           ORDER BY r.import_id, r.line_no, c.id""").fetchdf()
    # The customer column can hold e-mail addresses or names: exports carry a stable pseudonym instead,
    # which still groups one customer's comments.
    base["customer"] = base["customer"].map(
        lambda c: hashlib.sha256(c.encode()).hexdigest()[:12] if isinstance(c, str) and c else None)
    base = base.rename(columns={"customer": "customer_ref"})
    if base.empty:
        return base.drop(columns=["response_id"])
    scores = con.execute(
        """SELECT response_id, 'score: ' || question || ' (' || scale || ')' AS key, value
           FROM scores WHERE response_id IN (SELECT response_id FROM comments)""").fetchdf()
    segments = con.execute(
        """SELECT response_id, 'segment: ' || name AS key, value
           FROM segments WHERE response_id IN (SELECT response_id FROM comments)""").fetchdf()
    for frame in (scores, segments):
        if not frame.empty:
            wide = frame.pivot_table(index="response_id", columns="key", values="value", aggfunc="first")
            base = base.merge(wide, left_on="response_id", right_index=True, how="left")
    return base.drop(columns=["response_id"])


# ---------------------------------------------------------------------------------------------
# Reads for the overview


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


# ---------------------------------------------------------------------------------------------
# Units, embeddings, taxonomy, tags


def comments_without_units(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Comments not yet split into units: id, masked_text, lang."""
    return con.execute(
        """SELECT c.id, c.masked_text, c.lang FROM comments c
           WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.comment_id = c.id) ORDER BY c.id""").fetchdf()


def save_units(con: duckdb.DuckDBPyConnection, units: pd.DataFrame) -> int:
    """Insert units (comment_id, seq, text, text_hash) with fresh ids; returns how many."""
    if units.empty:
        return 0
    frame = units.copy()
    first = _next_id(con, "units")
    frame["id"] = range(first, first + len(frame))
    con.execute("BEGIN TRANSACTION")
    try:
        _insert(con, "units", frame[["id", "comment_id", "seq", "text", "text_hash"]])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(frame)


def load_embeddings(con: duckdb.DuckDBPyConnection, model_id: str, hashes: Sequence[str]):
    """Cached vectors of this model for `hashes`: (positions in `hashes` that were found, in no particular
    order, and a float32 matrix with the vector of each of those positions)."""
    import numpy as np
    import pyarrow as pa

    empty = np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    if len(hashes) == 0:
        return empty
    con.register("_hashes", pa.table({"pos": np.arange(len(hashes), dtype=np.int64),
                                      "text_hash": pa.array(hashes, pa.string())}))
    try:
        table = con.sql("""SELECT h.pos, e.vector FROM _hashes h JOIN embeddings e
                             ON e.text_hash = h.text_hash AND e.model_id = ?""", params=[model_id]).to_arrow_table()
    finally:
        con.unregister("_hashes")
    if table.num_rows == 0:
        return empty
    return table.column("pos").to_numpy(), _blob_rows(table.column("vector")).reshape(table.num_rows, -1)


def unit_vectors(con: duckdb.DuckDBPyConnection, model_id: str, comment_ids: Sequence[int]):
    """Cached vectors of the units of these comments: (each unit's comment id, float32 matrix), ordered by
    comment and sentence; units this model never embedded are left out."""
    import numpy as np

    table = con.sql(
        """SELECT u.comment_id, e.vector FROM units u JOIN embeddings e
             ON e.text_hash = u.text_hash AND e.model_id = ?
           WHERE u.comment_id IN (SELECT unnest(?::BIGINT[])) ORDER BY u.comment_id, u.seq""",
        params=[model_id, [int(c) for c in comment_ids]]).to_arrow_table()
    if table.num_rows == 0:
        return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    return table.column("comment_id").to_numpy(), _blob_rows(table.column("vector")).reshape(table.num_rows, -1)


def _blob_rows(column) -> "np.ndarray":
    """A column of equal-length float32 BLOBs as one flat float32 array, read straight from the Arrow
    buffers (100k Python bytes objects would take longer than the query)."""
    import numpy as np
    import pyarrow as pa

    parts = []
    for chunk in column.chunks:
        wide = pa.types.is_large_binary(chunk.type)
        offsets = np.frombuffer(chunk.buffers()[1], np.int64 if wide else np.int32)
        start, stop = offsets[chunk.offset], offsets[chunk.offset + len(chunk)]
        parts.append(np.frombuffer(chunk.buffers()[2], np.uint8)[start:stop])
    return (np.concatenate(parts) if len(parts) != 1 else parts[0]).view(np.float32)


def save_embeddings(con: duckdb.DuckDBPyConnection, model_id: str, hashes: list[str], vectors) -> None:
    """Store vectors (float32 rows) under (model_id, hash); hashes already stored are skipped."""
    frame = pd.DataFrame({"model_id": model_id, "text_hash": hashes,
                          "vector": [bytes(memoryview(v.astype("float32"))) for v in vectors]})
    frame = frame.drop_duplicates("text_hash")
    con.register("_frame", frame)
    try:
        con.execute("""INSERT INTO embeddings SELECT f.model_id, f.text_hash, f.vector FROM _frame f
                       WHERE NOT EXISTS (SELECT 1 FROM embeddings e
                                         WHERE e.model_id = f.model_id AND e.text_hash = f.text_hash)""")
    finally:
        con.unregister("_frame")


def active_taxonomy(con: duckdb.DuckDBPyConnection) -> tuple[int, str, str] | None:
    """(version, preset, JSON data) of the newest taxonomy, or None before the first save."""
    rows = con.execute("SELECT version, preset, data FROM taxonomy ORDER BY version DESC LIMIT 1").fetchall()
    return tuple(rows[0]) if rows else None


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
        _insert(con, "tags", unit_tags.assign(taxonomy_version=version)[
            ["unit_id", "taxonomy_version", "model_id", "stage", "stage_score", "stage_margin", "touchpoint",
             "touchpoint_score", "touchpoint_margin", "sentiment", "sentiment_score"]])
        _insert(con, "comment_tags", comment_tags.assign(taxonomy_version=version)[
            ["comment_id", "taxonomy_version", "model_id", "stage", "stage_score", "stage_margin", "stages",
             "touchpoint", "touchpoint_score", "sentiment", "sentiment_score"]])
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
                  {_EFFECTIVE_STAGES},
                  coalesce(h.touchpoint, t.touchpoint) AS touchpoint, t.touchpoint_score,
                  coalesce(h.sentiment, t.sentiment) AS sentiment, t.sentiment_score,
                  (h.comment_id IS NOT NULL) AS corrected
           FROM comments c JOIN responses r ON r.id = c.response_id
           LEFT JOIN comment_tags t ON t.comment_id = c.id
           LEFT JOIN human_tags h ON h.comment_id = c.id
           ORDER BY c.id""").fetchdf()


def unit_tags(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Automatic tags per unit (sentence), in comment order."""
    return con.execute(
        """SELECT u.id AS unit_id, u.comment_id, u.seq, u.text, t.stage, t.stage_score, t.stage_margin,
                  t.touchpoint, t.touchpoint_score, t.sentiment, t.sentiment_score
           FROM units u LEFT JOIN tags t ON t.unit_id = u.id ORDER BY u.comment_id, u.seq""").fetchdf()


# ---------------------------------------------------------------------------------------------
# Dashboard reads (all filtering in SQL, parameters only)


def data_window(con: duckdb.DuckDBPyConnection):
    """First and last response dates."""
    from journey.filters import Window

    row = con.execute("SELECT min(responded_at)::DATE, max(responded_at)::DATE FROM responses").fetchall()[0]
    return Window(row[0], row[1])


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Values the filter widgets offer: sources, questions, segment names and their values."""
    segments = con.execute("""SELECT name, list(DISTINCT value ORDER BY value) FROM segments
                              GROUP BY name HAVING count(DISTINCT value) BETWEEN 2 AND 200 ORDER BY name""").fetchall()
    return {
        "sources": [r[0] for r in con.execute("SELECT DISTINCT file_name FROM imports ORDER BY 1").fetchall()],
        "questions": [r[0] for r in con.execute("SELECT DISTINCT question FROM comments ORDER BY 1").fetchall()],
        "segments": {name: values for name, values in segments},
    }


def question_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every free-text question with its number of comments, most answered first."""
    return con.execute("""SELECT question, count(*) AS comments FROM comments
                          GROUP BY question ORDER BY comments DESC, question""").fetchdf()


def data_version(con: duckdb.DuckDBPyConnection) -> tuple:
    """Changes whenever data, tags or corrections change (a cache key for dashboard reads)."""
    return tuple(con.execute("""SELECT (SELECT count(*) FROM imports), (SELECT coalesce(max(id), 0) FROM imports),
                                       (SELECT count(*) FROM comment_tags), (SELECT coalesce(max(version), 0) FROM taxonomy),
                                       (SELECT count(*) FROM human_tags), (SELECT max(created_at) FROM human_tags)
                             """).fetchall()[0])


def _response_where(filters, alias: str = "r") -> tuple[str, list]:
    clauses, params = ["TRUE"], []
    if filters.start:
        clauses.append(f"{alias}.responded_at >= ?")
        params.append(filters.start)
    if filters.end:
        clauses.append(f"{alias}.responded_at < ? + INTERVAL 1 DAY")
        params.append(filters.end)
    if filters.sources:
        clauses.append(f"{alias}.import_id IN (SELECT id FROM imports WHERE list_contains(?, file_name))")
        params.append(list(filters.sources))
    if filters.segment and filters.segment_values:
        clauses.append(f"{alias}.id IN (SELECT response_id FROM segments WHERE name = ? AND list_contains(?, value))")
        params.extend([filters.segment, list(filters.segment_values)])
    return " AND ".join(clauses), params


def _comment_where(filters) -> tuple[str, list]:
    """WHERE clause over comments c / responses r / tags t / human tags h for all the filters."""
    where, params = _response_where(filters)
    clauses = [where]
    for column, values in (("c.question", filters.questions),
                           ("coalesce(h.touchpoint, t.touchpoint)", filters.touchpoints),
                           ("coalesce(h.sentiment, t.sentiment)", filters.sentiments)):
        if values:
            clauses.append(f"list_contains(?, {column})")
            params.append(list(values))
    if filters.stages:
        clauses.append("(list_has_any(?, string_split(coalesce(t.stages, ''), '|')) "
                       "OR list_contains(?, coalesce(h.stage, t.stage)))")
        params.extend([list(filters.stages), list(filters.stages)])
    return " AND ".join(clauses), params


_COMMENT_JOINS = """FROM comments c JOIN responses r ON r.id = c.response_id JOIN imports i ON i.id = r.import_id
            LEFT JOIN comment_tags t ON t.comment_id = c.id LEFT JOIN human_tags h ON h.comment_id = c.id"""


def comment_facts(con: duckdb.DuckDBPyConnection, filters) -> pd.DataFrame:
    """One row per comment matching `filters`, with its effective tags and its response's scores:
    comment_id, response_id, responded_at, source, question, lang, stage, stages, touchpoint, sentiment,
    sentiment_score, stage_margin, corrected, nps, rating (mean 1–5 of CSAT/stars answers).

    The text is left out (it is the heavy column); `comment_texts` fetches it for what is shown.
    """
    where, params = _comment_where(filters)
    return con.execute(
        f"""WITH nps AS (SELECT response_id, max(value) AS nps FROM scores WHERE scale = 'nps_0_10' GROUP BY 1),
                 rating AS (SELECT response_id, avg(value) AS rating FROM scores
                            WHERE scale IN ('csat_1_5', 'stars_1_5') GROUP BY 1)
            SELECT c.id AS comment_id, r.id AS response_id, r.responded_at, i.file_name AS source, c.question,
                   c.lang, coalesce(h.stage, t.stage) AS stage,
                   {_EFFECTIVE_STAGES},
                   coalesce(h.touchpoint, t.touchpoint) AS touchpoint,
                   coalesce(h.sentiment, t.sentiment) AS sentiment, t.sentiment_score, t.stage_margin,
                   (h.comment_id IS NOT NULL) AS corrected, nps.nps, rating.rating
            {_COMMENT_JOINS}
            LEFT JOIN nps ON nps.response_id = r.id LEFT JOIN rating ON rating.response_id = r.id
            WHERE {where}""", params).fetchdf()


def comment_texts(con: duckdb.DuckDBPyConnection, comment_ids: list[int]) -> pd.DataFrame:
    """comment_id → masked text, for the comments a page shows."""
    frame = pd.DataFrame({"comment_id": [int(i) for i in comment_ids]})
    con.register("_ids", frame)
    try:
        return con.execute("SELECT c.id AS comment_id, c.masked_text AS text FROM comments c "
                           "JOIN _ids i ON i.comment_id = c.id").fetchdf()
    finally:
        con.unregister("_ids")


def theme_units(con: duckdb.DuckDBPyConnection, filters, stage: str, sentiment: str) -> pd.DataFrame:
    """Sentences for themes: units of the filtered comments in `stage` whose own sentiment is `sentiment`,
    preferring units tagged with that stage (all of a comment's units when none is); with vectors."""
    where, params = _comment_where(filters)
    return con.execute(
        f"""WITH chosen AS (
                SELECT c.id AS comment_id, r.responded_at {_COMMENT_JOINS}
                WHERE {where} AND (list_contains(string_split(coalesce(t.stages, ''), '|'), ?)
                                   OR coalesce(h.stage, t.stage) = ?)),
                units_in AS (
                SELECT u.id AS unit_id, u.comment_id, u.text, ut.stage, ch.responded_at, e.vector,
                       bool_or(ut.stage = ?) OVER (PARTITION BY u.comment_id) AS comment_has_stage
                FROM chosen ch JOIN units u ON u.comment_id = ch.comment_id
                JOIN tags ut ON ut.unit_id = u.id
                JOIN embeddings e ON e.text_hash = u.text_hash AND e.model_id = ut.model_id
                WHERE ut.sentiment = ?)
            SELECT unit_id, comment_id, text, responded_at, vector FROM units_in
            WHERE stage = ? OR NOT comment_has_stage""",
        params + [stage, stage, stage, sentiment, stage]).fetchdf()


def response_facts(con: duckdb.DuckDBPyConnection, filters) -> pd.DataFrame:
    """One row per response matching the response-level filters: response_id, responded_at, nps,
    csat_n (CSAT 1–5 answers given; a survey can ask several), csat_top (of them, 4 or 5), stars."""
    where, params = _response_where(filters)
    return con.execute(
        f"""SELECT r.id AS response_id, r.responded_at,
                   max(s.value) FILTER (WHERE s.scale = 'nps_0_10') AS nps,
                   count(*) FILTER (WHERE s.scale = 'csat_1_5') AS csat_n,
                   count(*) FILTER (WHERE s.scale = 'csat_1_5' AND s.value >= 4) AS csat_top,
                   avg(s.value) FILTER (WHERE s.scale = 'stars_1_5') AS stars
            FROM responses r LEFT JOIN scores s ON s.response_id = r.id
            WHERE {where} GROUP BY r.id, r.responded_at""", params).fetchdf()


def segment_of(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """response_id → value of one segment column."""
    return con.execute("SELECT response_id, value AS segment FROM segments WHERE name = ?", [name]).fetchdf()


def comment_detail(con: duckdb.DuckDBPyConnection, comment_id: int) -> dict[str, Any] | None:
    """Everything about one comment for its detail view: text, question, date, source, scores, tags."""
    cur = con.execute(
        """SELECT c.id AS comment_id, c.masked_text AS text, c.question, r.responded_at, i.file_name AS source,
                  r.external_id, r.line_no, coalesce(h.stage, t.stage) AS stage, t.stages,
                  coalesce(h.touchpoint, t.touchpoint) AS touchpoint, coalesce(h.sentiment, t.sentiment) AS sentiment,
                  (SELECT list(s.question || ': ' || s.raw) FROM scores s WHERE s.response_id = r.id) AS scores
           FROM comments c JOIN responses r ON r.id = c.response_id JOIN imports i ON i.id = r.import_id
           LEFT JOIN comment_tags t ON t.comment_id = c.id LEFT JOIN human_tags h ON h.comment_id = c.id
           WHERE c.id = ?""", [comment_id])
    rows = cur.fetchall()
    return dict(zip([d[0] for d in cur.description], rows[0])) if rows else None
