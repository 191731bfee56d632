"""Read an export file into a table of strings: type check, decoding, delimiter sniffing, parsing, the real
header among several header rows; review files that are documents (JSON, Atom XML) and workbooks are read
by journey.ingest.documents and journey.ingest.workbook into the same table."""

from __future__ import annotations

import csv
import functools
import gc
import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from journey.errors import FileTooLarge, NoDataRows, UnreadableFile
from journey.ingest.decoding import SAVE_AS, decode
from journey.ingest.headers import clean_header, find_header

DELIMITERS = [",", "\t", ";", "|"]
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
DEFAULT_MAX_ROWS = 1_000_000
# No export cell is this long (Excel holds 32,767 characters, Google Sheets 50,000): a field beyond it is an
# open quote swallowing the rest of the file, or not a survey at all.
MAX_FIELD_CHARS = 50_000
_RAW_KEPT = 20_000           # characters of a rejected record kept for the owner to look at

_MAGIC = [
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel (.xls) or Word file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
]
_SAVE_AS = SAVE_AS


@dataclass
class Rejected:
    """A row that could not be loaded, with where and why."""

    line_no: int
    raw: str
    code: str
    reason: str
    column: str | None = None
    value: str | None = None


@dataclass
class Notice:
    """Something the owner should know about a file that is still read: `code` names it for translation
    (i18n key `notice.<code>`), `message` says it in English, `params` fill the translated text."""

    code: str
    message: str
    params: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, **self.params}


@dataclass
class RawTable:
    """An export as read: header, string rows with their line numbers, and rows rejected while parsing.

    `aliases` maps a tool's short codes (Qualtrics Q3) to column names; `hints` are roles a document reader
    already knows ({column: (role, scale, reason)}); `unit` is what a line number counts ("line", or
    "entry" for JSON and XML reviews); `file_date` is a date the file itself carries (its name, workbook
    properties, a feed's date), offered for rows without one.
    """

    file_name: str
    sha256: str
    file_format: str                  # "csv", "xlsx", "json" or "xml"
    encoding: str | None
    delimiter: str | None
    header: list[str]
    rows: list[list[str]]
    line_nos: list[int]
    rejected: list[Rejected] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    hints: dict[str, tuple[str, str | None, str]] = field(default_factory=dict)
    layout: str | None = None
    header_lines: list[int] = field(default_factory=list)
    unit: str = "line"
    file_date: date | None = None
    _columns: list[tuple[str, ...]] | None = field(default=None, repr=False, compare=False)

    def column(self, index: int) -> tuple[str, ...]:
        """All values of one column, in row order (the table is transposed once, on first use)."""
        if self._columns is None:
            self._columns = list(zip(*self.rows)) if self.rows else [() for _ in self.header]
        return self._columns[index]

    @property
    def records(self) -> int:
        """Data records in the file, loaded or rejected."""
        return len(self.rows) + len(self.rejected)


def without_gc(function: Callable) -> Callable:
    """Pause the cyclic garbage collector while `function` runs.

    Parsing a big export makes millions of small objects; each automatic collection walks them all
    (measured: 100k rows took 2–3 times longer). Nothing here makes reference cycles.
    """
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()
    return wrapper


@without_gc
def read_export(source: str | Path | bytes, file_name: str | None = None, max_bytes: int | None = None,
                max_rows: int | None = None) -> RawTable:
    """Read a CSV/TSV/XLSX export, or a JSON/Atom review file, from a path or bytes.

    Raises UnreadableFile (empty, binary, wrong type, undecodable, a document we do not know), FileTooLarge
    (over `max_bytes`, or more than `max_rows` rows), NoDataRows.
    """
    max_rows = max_rows or DEFAULT_MAX_ROWS
    if isinstance(source, (str, Path)):
        path = Path(source)
        file_name = file_name or path.name
        if max_bytes is not None and path.stat().st_size > max_bytes:
            raise _too_large(file_name, path.stat().st_size, max_bytes)
        raw = path.read_bytes()
    else:
        raw = source
        file_name = file_name or "upload"
    if max_bytes is not None and len(raw) > max_bytes:
        raise _too_large(file_name, len(raw), max_bytes)
    if not raw.strip():
        raise UnreadableFile("the file is empty.", file=file_name,
                             hint="Export the survey or reviews again; the file has no bytes.")
    sha = hashlib.sha256(raw).hexdigest()
    if raw.startswith(b"PK\x03\x04"):
        from journey.ingest.workbook import read_xlsx  # only Excel uploads pay for openpyxl

        table = read_xlsx(raw, file_name, sha, max_rows, max_bytes)
    else:
        for magic, kind in _MAGIC:
            if raw.startswith(magic):
                raise UnreadableFile(f"this is {kind}, not a survey or review export.", file=file_name,
                                     hint=_SAVE_AS)
        decoded = decode(raw, file_name)
        from journey.ingest import documents

        kind = documents.document_kind(decoded.text)
        if kind:
            table = documents.read_document(decoded.text, kind, file_name, sha, decoded.encoding, max_rows)
        else:
            table = _read_delimited(decoded.text, decoded.encoding, file_name, sha, max_rows)
        if decoded.stray_lines:
            shown = ", ".join(str(n) for n in decoded.stray_lines[:10])
            table.notices.append(Notice(
                "stray_bytes", f"{len(decoded.stray_lines)} line(s) held bytes that are not UTF-8 (line {shown}); "
                "they show as '\ufffd'. Check those lines, or save the file again as UTF-8.",
                {"lines": shown, "count": len(decoded.stray_lines)}))
    table.file_date = table.file_date or date_in_name(file_name)
    return table


def _too_large(name: str, size: int, limit: int) -> FileTooLarge:
    return FileTooLarge(f"the file is {size / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit.", file=name,
                        hint="Split the export by date range, or raise JOURNEY_MAX_UPLOAD_MB.")


def too_many_rows(name: str, limit: int, counted: int | None = None) -> FileTooLarge:
    """The error for a file over the row limit (`counted` when known)."""
    what = f"{counted:,} rows" if counted else f"more than {limit:,} rows"
    return FileTooLarge(f"the file has {what}, over the {limit:,}-row limit.", file=name,
                        hint="Split the export by date range, or raise JOURNEY_MAX_ROWS.")


_NAME_DATE = re.compile(r"(?<!\d)(20\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")


def date_in_name(file_name: str) -> date | None:
    """A date written in a file name (reviews_2026-04-30.csv, export_20260430.xlsx), or None."""
    match = _NAME_DATE.search(file_name)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def sniff_delimiter(text: str, prefer_tab: bool = False) -> str:
    """Pick the delimiter whose first records have the most consistent, widest field count (padding rows
    above a table do not count against it: the width is the most common one, not the first record's)."""
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    best, best_score = ",", (-1.0, 0)
    for delimiter in DELIMITERS:
        records = [r for r in _first_records(sample, delimiter, 40) if any(cell.strip() for cell in r)]
        if not records:
            continue
        widths = Counter(len(r) for r in records)
        width, count = max(widths.items(), key=lambda item: (item[1], item[0]))
        if width < 2:
            continue
        consistency = count / len(records)
        score = (consistency + (0.01 if prefer_tab and delimiter == "\t" else 0.0), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _first_records(sample: str, delimiter: str, limit: int) -> list[list[str]]:
    out = []
    try:
        for record in csv.reader(io.StringIO(sample), delimiter=delimiter):
            out.append(record)
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    return out


@dataclass
class _Shape:
    """What a record of this file looks like, from its first lines: field count and first-field shape."""

    width: int
    first_field: str | None


def _shape_of(value: str) -> str:
    """A value's outline: digits → 9, letters → a, runs collapsed ("R-2006" → "a-9", "2026-03-05" → "9-9-9")."""
    value = re.sub(r"\d+", "9", value.strip().strip('"'))
    return re.sub(r"[^\W\d_]+", "a", value)


def _record_shape(text: str, delimiter: str) -> _Shape:
    lines = text[:200_000].splitlines()[:400]
    counts = Counter(line.count(delimiter) for line in lines if line.strip())
    if not counts:
        return _Shape(1, None)
    commas = counts.most_common(1)[0][0]
    firsts = Counter(_shape_of(line.split(delimiter, 1)[0]) for line in lines[1:] if line.count(delimiter) == commas)
    first = firsts.most_common(1)[0][0] if firsts else None
    return _Shape(commas + 1, first if first and any(ch in first for ch in "9") else None)


def _swallowed_lines(record: list[str], delimiter: str, shape: _Shape) -> int:
    """How many lines inside this record's cells look like records of their own (an unclosed quote)."""
    if shape.width < 2:
        return 0
    found = 0
    for cell in record:
        if "\n" not in cell and "\r" not in cell:
            continue
        for inner in cell.splitlines()[1:]:
            if inner.count(delimiter) < shape.width - 1:
                continue
            fields = next(csv.reader([inner], delimiter=delimiter), [])
            if len(fields) != shape.width:
                continue
            if shape.first_field is None or _shape_of(fields[0]) == shape.first_field:
                found += 1
    enough = 1 if shape.first_field is not None and shape.width >= 3 else 2
    return found if found >= enough else 0


def _read_delimited(text: str, encoding: str, file_name: str, sha: str, max_rows: int) -> RawTable:
    prefer_tab = file_name.lower().endswith((".tsv", ".tab"))
    delimiter = sniff_delimiter(text, prefer_tab)
    records, rejected = _parse_records(text, delimiter, file_name, max_rows)
    return table_from_records(records, rejected, file_name, sha, "csv", encoding, delimiter)


def table_from_records(records: list[tuple[list[str], int]], rejected: list[Rejected], file_name: str, sha: str,
                       file_format: str, encoding: str | None, delimiter: str | None) -> RawTable:
    """A table from parsed records (cells, line): the real header found, its rows named, every other record a
    row of the header's width or a rejected row. Raises UnreadableFile, NoDataRows."""
    if not records:
        raise UnreadableFile("the file has no header row.", file=file_name, hint=_SAVE_AS)
    found = find_header([r for r, _ in records])
    header = found.names
    if len(header) < 2:
        raise UnreadableFile("only one column was found; this does not look like a table export.",
                             file=file_name, hint=_SAVE_AS)
    notices = []
    header_lines = [records[i][1] for i in found.header_indexes]
    above = [i for i in found.header_indexes if i < found.first_data - 1 and found.layout is None]
    if found.layout in ("qualtrics", "qualtrics-legacy", "surveymonkey"):
        notices.append(Notice("header_rows", f"{len(found.header_indexes)} header rows ({found.layout} layout, "
                              f"lines {_lines(header_lines)}) were read as the header, not as responses.",
                              {"count": len(found.header_indexes), "lines": _lines(header_lines),
                               "layout": found.layout}))
    elif above:
        notices.append(Notice("padding_rows", f"{len(above)} line(s) above the table (line "
                              f"{_lines(header_lines[:-1])}) were skipped; the header is line {header_lines[-1]}.",
                              {"count": len(above), "lines": _lines(header_lines[:-1]),
                               "header": header_lines[-1]}))
    data = records[found.first_data:]
    header, data = _drop_empty_trailing(header, data)
    header = clean_header(header)
    width = len(header)
    separator = delimiter or "\t"
    good_rows, good_lines = [], []
    for row, line in data:
        if len(row) > width and not any(cell.strip() for cell in row[width:]):
            row = row[:width]
        elif len(row) < width and file_format == "xlsx":
            row = row + [""] * (width - len(row))  # a sheet leaves trailing empty cells out
        if len(row) != width:
            what = (f"a stray {DELIMITER_NAMES[delimiter]} or an unclosed quote?" if delimiter
                    else "values in columns without a header?")
            rejected.append(Rejected(line, separator.join(row)[:_RAW_KEPT], "field_count",
                                     f"line {line}: has {len(row)} fields but the header has {width} ({what})."))
            continue
        good_rows.append(row)
        good_lines.append(line)
    if not good_rows and not rejected:
        raise NoDataRows("the file has a header but no data rows.", file=file_name,
                         hint="Check that the export covers a period with responses.")
    rejected.sort(key=lambda r: r.line_no)
    return RawTable(file_name, sha, file_format, encoding, delimiter, header, good_rows, good_lines, rejected,
                    notices=notices, aliases=found.aliases, layout=found.layout, header_lines=header_lines)


def _lines(numbers: Iterable[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def _drop_empty_trailing(header: list[str], data: list[tuple[list[str], int]]):
    """Drop trailing header cells that are blank and blank in every row (a trailing delimiter)."""
    while len(header) > 1 and not header[-1].strip() and all(
            len(row) < len(header) or not row[len(header) - 1].strip() for row, _ in data):
        cut = len(header) - 1
        header = header[:cut]
        data = [(row[:cut] if len(row) == cut + 1 else row, line) for row, line in data]
    return header, data


def _parse_records(text: str, delimiter: str, file_name: str,
                   max_rows: int) -> tuple[list[tuple[list[str], int]], list[Rejected]]:
    """Records (cells, first line) with blank ones dropped, and the records rejected while parsing.

    A quote left open swallows the lines after it into one cell. When those lines look like records of their
    own, the record that opened the quote is rejected (its own line kept as raw) and reading starts again on
    the next line, so nothing after it is lost; a field longer than any export cell is rejected whole.
    """
    shape = _record_shape(text, delimiter)
    records: list[tuple[list[str], int]] = []
    rejected: list[Rejected] = []
    source: Iterable[str] = io.StringIO(text, newline="")
    lines: list[str] | None = None
    offset = 0
    limit = max_rows + 1  # the header row does not count
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS * 4))
    while True:
        reader = csv.reader(source, delimiter=delimiter)
        consumed, restart = 0, None
        try:
            for record in reader:
                start, end = offset + consumed + 1, offset + reader.line_num
                consumed = reader.line_num
                if end > start:
                    swallowed = _swallowed_lines(record, delimiter, shape)
                    if swallowed:
                        if lines is None:
                            lines = list(io.StringIO(text, newline=""))
                        rejected.append(Rejected(
                            start, lines[start - 1].rstrip("\r\n")[:_RAW_KEPT], "unclosed_quote",
                            f"line {start}: a quote (\") opened in this row is never closed, so it swallowed "
                            f"lines {start + 1}–{end}; those lines were read again as rows of their own. Fix "
                            f"the quote in line {start} and import this row again."))
                        restart = start
                        break
                    longest = max(len(cell) for cell in record)
                    if longest > MAX_FIELD_CHARS:
                        rejected.append(Rejected(
                            start, delimiter.join(record)[:_RAW_KEPT], "overlong_field",
                            f"lines {start}–{end}: one field is {longest:,} characters over {end - start + 1} "
                            f"lines, longer than any export cell; a quote left open? Fix line {start} and "
                            "import this row again."))
                        continue
                if not any(record) or (len(record) == 1 and not record[0].strip()):
                    continue
                records.append((record, start))
                if len(records) > limit:
                    raise too_many_rows(file_name, max_rows)
        except csv.Error as err:
            start = offset + consumed + 1
            if "field larger than field limit" not in str(err):
                raise UnreadableFile(f"the file could not be parsed as {DELIMITER_NAMES[delimiter]}-separated "
                                     f"text near line {start} ({err}).", file=file_name, hint=_SAVE_AS) from err
            if lines is None:
                lines = list(io.StringIO(text, newline=""))
            rejected.append(Rejected(start, lines[start - 1].rstrip("\r\n")[:_RAW_KEPT], "unclosed_quote",
                                     f"line {start}: a quote (\") opened in this row is never closed and runs past "
                                     f"{MAX_FIELD_CHARS:,} characters; the lines after it were read again as "
                                     f"rows of their own. Fix the quote in line {start} and import this row again."))
            restart = start
        if restart is None:
            return records, rejected
        offset = restart
        source = iter(lines[restart:])
