"""Units (a comment's sentences) and the embedding cache: (model, text hash) → vector, never computed
twice for one model."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from journey.store.connection import insert_frame, next_id


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
    first = next_id(con, "units")
    frame["id"] = range(first, first + len(frame))
    con.execute("BEGIN TRANSACTION")
    try:
        insert_frame(con, "units", frame[["id", "comment_id", "seq", "text", "text_hash"]])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(frame)


def texts_to_embed(con: duckdb.DuckDBPyConnection, model_id: str) -> pd.DataFrame:
    """Distinct unit texts this model has never embedded: text_hash, text, in the order their units were
    made (so an interrupted run picks up where it stopped)."""
    return con.execute(
        """SELECT u.text_hash, any_value(u.text) AS text FROM units u
           WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.model_id = ? AND e.text_hash = u.text_hash)
           GROUP BY u.text_hash ORDER BY min(u.id)""", [model_id]).fetchdf()


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
