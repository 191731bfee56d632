"""Turn a read export plus its column roles into rows for the store, and import files end to end.

Every data record ends up counted once: loaded, a duplicate of one already stored, skipped (a response with
nothing to analyse, or a partial session the owner left out; kept with the reason), or rejected (a row that
could not be read; kept with the reason). A bad value in a row that can be read (an NPS of 11) is left
empty and noted for that row; the row and its comment are loaded.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa

from journey.config import load_settings
from journey.errors import BadMapping
from journey.ingest import dates, scales
from journey.ingest.mapping import (COMPLETE_WORDS, NON_ANSWERS, PARTIAL_WORDS, ColumnRole, apply_overrides,
                                    suggest_mapping, validate)
from journey.ingest.read import Notice, RawTable, Rejected, read_export, without_gc
from journey.store import connection, imports
from journey.text import detect_lang, mask_pii

_SEP = "\x1f"
UNDATED_CHOICES = ("import", "file")


@dataclass
class DateFallback:
    """The date given to rows without one: the file's own date, the import date, or one the owner chose."""

    source: str          # "file", "import" or "chosen"
    day: date


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
    skipped: int = 0
    partial: int = 0
    values_left_empty: int = 0
    undated: int = 0
    undated_date: str | None = None
    undated_source: str | None = None
    file_format: str = "csv"
    layout: str | None = None
    header_lines: list[int] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"file": self.file, "import_id": self.import_id, "rows": self.rows, "loaded": self.loaded,
                "duplicates": self.duplicates, "skipped": self.skipped, "rejected": self.rejected,
                "partial": self.partial, "values_left_empty": self.values_left_empty,
                "undated": self.undated, "undated_date": self.undated_date, "undated_source": self.undated_source,
                "encoding": self.encoding, "delimiter": self.delimiter, "format": self.file_format,
                "layout": self.layout, "header_lines": self.header_lines, "mapping": self.mapping,
                "warnings": [n.to_dict() for n in self.notices]}


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


def resolve_undated(choice: str | date | None, table: RawTable, path: str | Path | None = None,
                    today: date | None = None) -> DateFallback:
    """The date for rows without one: 'import' (today), 'file' (the date in the file's name, its workbook or
    feed date, else the file's modification time), or a date. Raises BadMapping when the file has no date."""
    today = today or date.today()
    if isinstance(choice, date):
        return DateFallback("chosen", choice)
    if choice in (None, "", "import"):
        return DateFallback("import", today)
    if choice == "file":
        day = table.file_date
        if day is None and path is not None and Path(path).exists():
            day = datetime.fromtimestamp(Path(path).stat().st_mtime).date()
        if day is None:
            raise BadMapping("this file carries no date of its own (none in its name or contents).",
                             file=table.file_name, hint="Use the import date (--undated import) or give a date "
                                                         "(--undated 2026-04-30).")
        return DateFallback("file", day)
    try:
        return DateFallback("chosen", date.fromisoformat(str(choice)))
    except ValueError:
        raise BadMapping(f"'{choice}' is not a date for undated rows.", file=table.file_name,
                         hint="Use --undated import, --undated file or --undated YYYY-MM-DD.") from None


@dataclass
class _Outcomes:
    """Rows rejected and skipped so far, and values left empty, as build_batch works through a file."""

    table: RawTable
    frame: pd.DataFrame
    index_of: dict[str, int]
    lines: pd.Series
    rejected: list[Rejected]
    skipped: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bad = pd.Series(False, index=self.frame.index)
        self.left_out = pd.Series(False, index=self.frame.index)

    def where(self, i: int) -> str:
        return f"{self.table.unit} {self.lines[i]}"

    def raw(self, i: int) -> str:
        return (self.table.delimiter or "\t").join(self.table.rows[i])

    def reject(self, mask: pd.Series, code: str, column: str, describe: Callable[[str], str]) -> None:
        for i in self.frame.index[mask & ~self.bad]:
            value = self.table.rows[i][self.index_of[column]]
            self.rejected.append(Rejected(int(self.lines[i]), self.raw(i), code,
                                          f"{self.where(i)}: column '{column}': {describe(value)}", column, value))
        self.bad |= mask

    def skip(self, mask: pd.Series, code: str, describe: Callable[[str], str]) -> None:
        for i in self.frame.index[mask & ~self.bad & ~self.left_out]:
            self.skipped.append({"line_no": int(self.lines[i]), "outcome": "skipped", "code": code,
                                 "column_name": None, "value": None, "raw": self.raw(i),
                                 "reason": f"{self.where(i)}: {describe(self.where(i))}"})
        self.left_out |= mask & ~self.bad

    def note(self, mask: pd.Series, code: str, column: str, describe: Callable[[str], str]) -> None:
        for i in self.frame.index[mask & ~self.bad]:
            value = self.table.rows[i][self.index_of[column]]
            self.notes.append({"line_no": int(self.lines[i]), "outcome": "value_left_empty", "code": code,
                               "column_name": column, "value": value, "raw": self.raw(i),
                               "reason": f"{self.where(i)}: column '{column}': {describe(value)}"})


@without_gc
def build_batch(table: RawTable, roles: list[ColumnRole], mask: bool = True, include_partial: bool = True,
                undated: DateFallback | None = None, today: date | None = None) -> imports.ImportBatch:
    """Validate and normalise every row: rejected rows (unreadable) and skipped rows (nothing to analyse, or a
    partial session left out) are kept with line and reason; a bad score is left empty and noted.

    Rows without a date get `undated`'s date (default: today, the import date). Raises NoTextColumn /
    BadMapping when the roles cannot work.
    """
    validate(roles, table.file_name)
    # Only the columns that carry meaning become a frame (segments stay lists): an export can have 90.
    index_of = {name: i for i, name in enumerate(table.header)}
    wanted = [c.column for c in roles if c.role not in ("ignore", "segment")]
    frame = pd.DataFrame({name: table.column(index_of[name]) for name in wanted}, dtype="str")
    n = len(table.rows)
    lines = pd.Series(table.line_nos, dtype="int64")
    out = _Outcomes(table, frame, index_of, lines, list(table.rejected))
    by_role: dict[str, list[ColumnRole]] = {}
    for col in roles:
        by_role.setdefault(col.role, []).append(col)

    responded_at = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    first, last = dates.window(today)
    for col in by_role.get("date", []):
        responded_at, invalid = dates.parse_dates(frame[col.column])
        out.reject(invalid, "bad_date", col.column,
                   lambda v: f"'{v}' is not a date we can read (e.g. 2026-03-01 or 2026/03/01 14:05).")
        out.reject(dates.outside_window(responded_at, today), "date_out_of_range", col.column,
                   lambda v: f"'{v}' is outside the dates an answer can have ({first} to {last}); "
                             "fix the date in the export.")

    score_parts = []
    for col in by_role.get("score", []):
        values, invalid = scales.normalise_scores(frame[col.column], col.scale)
        low, high = scales.SCALES[col.scale]
        out.note(invalid, "bad_score", col.column,
                 lambda v, lo=low, hi=high: f"'{v}' is not a score from {lo} to {hi}; the row is kept without it.")
        keep = values.notna()
        score_parts.append(pd.DataFrame({
            "local_id": frame.index[keep], "question": col.column, "scale": col.scale,
            "value": values[keep].to_numpy(), "raw": frame.loc[keep, col.column].to_numpy()}))

    title_col = by_role.get("title", [None])[0]
    titles = _clean_text(frame[title_col.column]) if title_col else None
    comment_parts = []
    for col in by_role.get("comment", []):
        text = _clean_text(frame[col.column])
        if titles is not None and col is by_role["comment"][0]:
            text = (titles + "\n" + text).str.strip()
        keep = text != ""
        comment_parts.append(pd.DataFrame({"local_id": frame.index[keep], "question": col.column,
                                           "text": text[keep].to_numpy()}))
    comments = _concat(comment_parts, ["local_id", "question", "text"])

    partial = _partial_sessions(frame, by_role.get("status", []))
    scored = pd.Series(False, index=frame.index)
    for part in score_parts:
        scored.loc[part["local_id"].unique()] = True
    commented = pd.Series(False, index=frame.index)
    commented.loc[comments["local_id"].unique()] = True
    said = pd.Series(False, index=frame.index)
    meaningful = ~comments["text"].str.lower().str.rstrip(".。!！").isin(NON_ANSWERS)
    said.loc[comments.loc[meaningful, "local_id"].unique()] = True
    out.skip(~scored & ~commented & partial, "no_answer_partial",
             lambda where: "a partial session with no comment and no score; nothing to analyse.")
    out.skip(~scored & ~commented, "no_answer", lambda where: "no comment and no score; nothing to analyse in this "
                                                              "response.")
    out.skip(~scored & ~said, "only_non_answers", lambda where: "no score, and every comment says nothing "
                                                                "(N/A, none, 特になし); nothing to analyse.")
    if not include_partial:
        out.skip(partial, "partial_left_out", lambda where: "a partial session, left out as chosen.")

    good = ~out.bad & ~out.left_out
    undated_rows = good & responded_at.isna()
    fallback = undated or DateFallback("import", today or date.today())
    if undated_rows.any():
        responded_at = responded_at.where(~undated_rows, pd.Timestamp(fallback.day))
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
        "customer": customer, "touchpoint": touchpoint, "partial": partial,
        "date_assumed": undated_rows})[good]

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
                              "value": p.value, "reason": p.reason} for p in out.rejected],
                            columns=["line_no", "raw", "code", "column_name", "value", "reason"])
    notes_columns = ["line_no", "outcome", "code", "column_name", "value", "reason", "raw"]
    good_lines = set(lines[good].tolist())
    notes = pd.DataFrame(out.skipped + [n for n in out.notes if n["line_no"] in good_lines], columns=notes_columns)
    notices = list(table.notices) + _date_notices(table, by_role, int(undated_rows.sum()), int(good.sum()), fallback)
    return imports.ImportBatch(
        file_name=table.file_name, sha256=table.sha256, source_key=key, file_format=table.file_format,
        encoding=table.encoding, delimiter=table.delimiter, mapping=[c.to_dict() for c in roles],
        mask_pii=mask, rows=table.records, responses=responses.reset_index(drop=True),
        scores=scores_frame[scores_frame["local_id"].isin(good_ids)],
        segments=segments,
        comments=comments, rejected=rejected.sort_values("line_no", kind="stable"),
        notes=notes.sort_values("line_no", kind="stable"),
        undated=int(undated_rows.sum()), undated_source=fallback.source if undated_rows.any() else None,
        undated_date=fallback.day if undated_rows.any() else None,
        warnings=[n.to_dict() for n in notices], notices=notices)


def _date_notices(table: RawTable, by_role: dict, undated: int, loaded: int, fallback: DateFallback) -> list[Notice]:
    if not undated:
        return []
    params = {"count": undated, "date": fallback.day.isoformat(), "source": fallback.source}
    if not by_role.get("date"):
        return [Notice("no_date_column", f"no column holds the date of each answer: all {undated} rows were dated "
                       f"{fallback.day} ({fallback.source} date), so they show under a date filter that covers it.",
                       params)]
    return [Notice("blank_dates", f"{undated} of {loaded} rows had no date: they were dated {fallback.day} "
                   f"({fallback.source} date).", params)]


def _clean_text(values: pd.Series) -> pd.Series:
    """Comment text as the customer wrote it: HTML entities (&amp; &#39; &hellip;) decoded, line ends unified."""
    text = values.str.replace("\r\n", "\n").str.strip()
    has_entity = text.str.contains("&", regex=False)
    if has_entity.any():
        text = text.where(~has_entity, text[has_entity].map(html.unescape))
    return text


def _partial_sessions(frame: pd.DataFrame, status: list[ColumnRole]) -> pd.Series:
    """True for rows the status column marks as not completed (Partial, Finished False, Progress under 100)."""
    partial = pd.Series(False, index=frame.index)
    if not status:
        return partial
    values = frame[status[0].column].str.strip().str.lower()
    numbers = pd.to_numeric(values.where(values != ""), errors="coerce")
    filled = numbers[values != ""]
    if len(filled) and filled.notna().all() and not set(filled.unique()) <= {0.0, 1.0}:
        return (numbers < 100).fillna(False)   # Progress in percent
    return values.isin(PARTIAL_WORDS) & ~values.isin(COMPLETE_WORDS)


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
                roles: list[ColumnRole] | None = None, include_partial: bool = True,
                undated: str | date | None = None) -> ImportResult:
    """Read, map and store one export in a single transaction; returns counts and the mapping used.

    `include_partial=False` leaves partial sessions out (counted as skipped); `undated` dates rows that have
    no date: 'import' (default), 'file' or a date. Raises the ingest errors of journey.errors; on any error
    the database is left as it was.
    """
    settings = load_settings()
    name = file_name or Path(path).name
    table = read_export(data if data is not None else path, name, max_bytes=settings.max_upload_mb * 1_000_000,
                        max_rows=settings.max_rows)
    roles = roles or suggest_mapping(table)
    if overrides:
        roles = apply_overrides(roles, overrides, table)
    fallback = resolve_undated(undated, table, path if data is None else None)
    batch = build_batch(table, roles, settings.mask_pii if mask is None else mask, include_partial, fallback)
    with connection.Database(Path(db_path or settings.db_path)).connect() as con:
        saved = imports.save_import(con, batch, progress)
    return ImportResult(name, saved.import_id, saved.rows, saved.loaded, saved.duplicates, saved.rejected,
                        table.encoding, table.delimiter, mapping_summary(roles), saved.skipped, saved.partial,
                        saved.values_left_empty, batch.undated,
                        batch.undated_date.isoformat() if batch.undated_date else None, batch.undated_source,
                        table.file_format, table.layout, table.header_lines, batch.notices)
