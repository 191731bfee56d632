"""Turn a read export plus its column roles into rows for the store, and import files end to end."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from journey.config import load_settings
from journey.ingest import dates, scales
from journey.ingest.mapping import ColumnRole, apply_overrides, suggest_mapping, validate
from journey.ingest.read import Rejected, RawTable, read_export, without_gc
from journey.store import connection, imports
from journey.text import detect_lang, mask_pii

_SEP = "\x1f"


@dataclass
class ImportResult:
    """What one imported file did; `to_dict()` is the CLI's --json record."""

    file: str
    import_id: int
    rows: int
    loaded: int
    duplicates: int
    rejected: int
    encoding: str | None
    delimiter: str | None
    mapping: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"file": self.file, "import_id": self.import_id, "rows": self.rows, "loaded": self.loaded,
                "duplicates": self.duplicates, "rejected": self.rejected, "encoding": self.encoding,
                "delimiter": self.delimiter, "mapping": self.mapping}


def mapping_summary(roles: list[ColumnRole]) -> dict[str, list[str]]:
    """Role → columns (ignored columns left out), e.g. {'comment': ['ご意見', '改善点'], 'date': [...]}."""
    out: dict[str, list[str]] = {}
    for col in roles:
        if col.role != "ignore":
            label = f"{col.column} ({col.scale})" if col.role == "score" else col.column
            out.setdefault(col.role, []).append(label)
    return out


def source_key(header: list[str]) -> str:
    """The export's shape: files with the same columns share de-duplication keys."""
    return hashlib.sha1(_SEP.join(header).encode()).hexdigest()[:16]


@without_gc
def build_batch(table: RawTable, roles: list[ColumnRole], mask: bool = True) -> imports.ImportBatch:
    """Validate and normalise every row; bad rows become rejected rows with line, column and reason.

    Raises NoTextColumn / BadMapping when the roles cannot work.
    """
    validate(roles, table.file_name)
    # Only the columns that carry meaning become a frame (segments stay lists): an export can have 90.
    index_of = {name: i for i, name in enumerate(table.header)}
    wanted = [c.column for c in roles if c.role not in ("ignore", "segment")]
    frame = pd.DataFrame({name: table.column(index_of[name]) for name in wanted}, dtype="str")
    n = len(frame)
    lines = pd.Series(table.line_nos, dtype="int64")
    problems: list[Rejected] = list(table.rejected)
    bad = pd.Series(False, index=frame.index)

    def reject(mask_: pd.Series, code: str, column: str, describe: Callable[[str], str]) -> None:
        nonlocal bad
        for i in frame.index[mask_ & ~bad]:
            value = table.rows[i][index_of[column]]
            problems.append(Rejected(int(lines[i]), _raw(table.rows[i], table.delimiter), code,
                                     f"line {lines[i]}: column '{column}': {describe(value)}", column, value))
        bad |= mask_

    by_role: dict[str, list[ColumnRole]] = {}
    for col in roles:
        by_role.setdefault(col.role, []).append(col)

    responded_at = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    for col in by_role.get("date", []):
        responded_at, invalid = dates.parse_dates(frame[col.column])
        reject(invalid, "bad_date", col.column,
               lambda v: f"'{v}' is not a date we can read (e.g. 2026-03-01 or 2026/03/01 14:05).")

    score_parts = []
    for col in by_role.get("score", []):
        values, invalid = scales.normalise_scores(frame[col.column], col.scale)
        low, high = scales.SCALES[col.scale]
        reject(invalid, "bad_score", col.column,
               lambda v, lo=low, hi=high: f"'{v}' is not a score from {lo} to {hi}.")
        keep = values.notna()
        score_parts.append(pd.DataFrame({
            "local_id": frame.index[keep], "question": col.column, "scale": col.scale,
            "value": values[keep].to_numpy(), "raw": frame.loc[keep, col.column].to_numpy()}))

    title_col = by_role.get("title", [None])[0]
    titles = frame[title_col.column].str.strip() if title_col else None
    comment_parts = []
    for col in by_role.get("comment", []):
        text = frame[col.column].str.replace("\r\n", "\n").str.strip()
        if titles is not None and col is by_role["comment"][0]:
            text = (titles + "\n" + text).str.strip()
        keep = text != ""
        comment_parts.append(pd.DataFrame({"local_id": frame.index[keep], "question": col.column,
                                           "text": text[keep].to_numpy()}))
    comments = _concat(comment_parts, ["local_id", "question", "text"])

    answered = pd.Series(False, index=frame.index)
    answered.loc[comments["local_id"].unique()] = True
    for part in score_parts:
        answered.loc[part["local_id"].unique()] = True
    reject(~answered, "empty_row", by_role["comment"][0].column,
           lambda v: "no comment and no score in this row.")

    good = ~bad
    external = _column_or_none(frame, by_role.get("id"))
    customer = _column_or_none(frame, by_role.get("customer"))
    touchpoint = _column_or_none(frame, by_role.get("touchpoint"))
    hashed_columns = [c.column for r in ("date", "customer", "comment", "title", "score")
                      for c in by_role.get(r, [])]
    # Hash only what the customer said and when: counters and replies that change between exports of
    # the same review must not make it look new.
    columns = [table.column(index_of[c]) for c in hashed_columns]
    content_hash = pd.Series([hashlib.sha1(_SEP.join(cells).encode()).hexdigest() for cells in zip(*columns)]
                             if columns else [hashlib.sha1(_raw(r, None).encode()).hexdigest() for r in table.rows],
                             index=frame.index, dtype="str")
    occurrence = content_hash.groupby(content_hash).cumcount().astype(str)
    key = source_key(table.header)
    use_id = external.notna() & (external.fillna("").str.strip() != "")
    dedup = (key + ":h:" + content_hash + "#" + occurrence).where(~use_id, key + ":id:" + external.fillna(""))

    responses = pd.DataFrame({
        "local_id": frame.index, "line_no": lines, "external_id": external.where(use_id),
        "dedup_key": dedup, "content_hash": content_hash, "responded_at": responded_at,
        "customer": customer, "touchpoint": touchpoint})[good]

    # Segments stay wide (one column each); the store unpivots them in SQL.
    # Arrow straight from the parsed strings: several times faster than a pandas string column.
    segments = pa.table({"local_id": pa.array(range(n), pa.int64()),
                         **{c.column: pa.array(table.column(index_of[c.column]), pa.string())
                            for c in by_role.get("segment", [])}})

    good_ids = set(frame.index[good])
    comments = comments[comments["local_id"].isin(good_ids)].reset_index(drop=True)
    comments["masked_text"] = comments["text"].map(mask_pii) if mask else comments["text"]
    comments["lang"] = comments["text"].map(detect_lang)
    scores_frame = _concat(score_parts, ["local_id", "question", "scale", "value", "raw"])
    rejected = pd.DataFrame([{"line_no": p.line_no, "raw": p.raw, "code": p.code, "column_name": p.column,
                              "value": p.value, "reason": p.reason} for p in problems],
                            columns=["line_no", "raw", "code", "column_name", "value", "reason"])
    return imports.ImportBatch(
        file_name=table.file_name, sha256=table.sha256, source_key=key, file_format=table.file_format,
        encoding=table.encoding, delimiter=table.delimiter, mapping=[c.to_dict() for c in roles],
        mask_pii=mask, rows=table.records, responses=responses.reset_index(drop=True),
        scores=scores_frame[scores_frame["local_id"].isin(good_ids)],
        segments=segments,
        comments=comments, rejected=rejected.sort_values("line_no", kind="stable"))


def _concat(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _column_or_none(frame: pd.DataFrame, cols: list[ColumnRole] | None) -> pd.Series:
    if not cols:
        return pd.Series(None, index=frame.index, dtype="str")
    values = frame[cols[0].column].str.strip()
    return values.where(values != "")


def _raw(row: list[str], delimiter: str | None) -> str:
    return (delimiter or "\t").join(row)


def import_file(path: str | Path, db_path: str | Path | None = None,
                overrides: list[str] | dict[str, str] | None = None, mask: bool | None = None,
                progress: Callable[[float, str], None] | None = None,
                file_name: str | None = None, data: bytes | None = None,
                roles: list[ColumnRole] | None = None) -> ImportResult:
    """Read, map and store one export in a single transaction; returns counts and the mapping used.

    Raises the ingest errors of journey.errors; on any error the database is left as it was.
    """
    settings = load_settings()
    name = file_name or Path(path).name
    table = read_export(data if data is not None else path, name, max_bytes=settings.max_upload_mb * 1_000_000)
    roles = roles or suggest_mapping(table)
    if overrides:
        roles = apply_overrides(roles, overrides, table)
    batch = build_batch(table, roles, settings.mask_pii if mask is None else mask)
    with connection.Database(Path(db_path or settings.db_path)).connect() as con:
        saved = imports.save_import(con, batch, progress)
    return ImportResult(name, saved.import_id, saved.rows, saved.loaded, saved.duplicates, saved.rejected,
                        table.encoding, table.delimiter, mapping_summary(roles))
