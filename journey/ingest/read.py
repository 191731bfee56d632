"""Read an export file into a table of strings: type check, decoding, delimiter sniffing, parsing."""

from __future__ import annotations

import csv
import functools
import gc
import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import charset_normalizer

from journey.errors import FileTooLarge, NoDataRows, UnreadableFile

DELIMITERS = [",", "\t", ";", "|"]
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
# SurveyMonkey puts a second header row under the questions.
_SECOND_HEADER_WORDS = {"response", "open-ended response", "other (please specify)", "回答", "自由回答"}

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
_SAVE_AS = "Export or save it as CSV (UTF-8 or Shift_JIS), TSV or Excel .xlsx and try again."


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
class RawTable:
    """An export as read: header, string rows with their line numbers, and rows rejected while parsing."""

    file_name: str
    sha256: str
    file_format: str                  # "csv" or "xlsx"
    encoding: str | None
    delimiter: str | None
    header: list[str]
    rows: list[list[str]]
    line_nos: list[int]
    rejected: list[Rejected] = field(default_factory=list)
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
def read_export(source: str | Path | bytes, file_name: str | None = None,
                max_bytes: int | None = None) -> RawTable:
    """Read a CSV/TSV/XLSX export from a path or bytes.

    Raises UnreadableFile (empty, binary, wrong type, undecodable), FileTooLarge, NoDataRows.
    """
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
        return _read_xlsx(raw, file_name, sha)
    for magic, kind in _MAGIC:
        if raw.startswith(magic):
            raise UnreadableFile(f"this is {kind}, not a survey or review export.", file=file_name,
                                 hint=_SAVE_AS)
    text, encoding = decode(raw, file_name)
    return _read_delimited(text, encoding, file_name, sha)


def _too_large(name: str, size: int, limit: int) -> FileTooLarge:
    return FileTooLarge(f"the file is {size / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit.", file=name,
                        hint="Split the export by date range, or raise JOURNEY_MAX_UPLOAD_MB.")


def decode(raw: bytes, file_name: str = "file") -> tuple[str, str]:
    """Decode bytes as BOM → strict UTF-8 → cp932 → charset-normalizer; return (text, encoding name).

    cp932 rather than shift_jis: Windows exports use its extra characters (①, 髙). Raises UnreadableFile.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return _check_text(raw[3:].decode("utf-8", errors="strict"), file_name), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _check_text(raw.decode("utf-16"), file_name), "utf-16"
        except UnicodeDecodeError as err:
            raise UnreadableFile("the file starts like UTF-16 but does not decode as UTF-16.",
                                 file=file_name, hint=_SAVE_AS) from err
    if b"\x00" in raw[:4096]:
        guess = _utf16_without_bom(raw)
        if guess:
            return _check_text(raw.decode(guess), file_name), guess
        raise UnreadableFile("the file is binary, not text.", file=file_name, hint=_SAVE_AS)
    for encoding in ("utf-8", "cp932"):
        try:
            return _check_text(raw.decode(encoding), file_name), encoding
        except UnicodeDecodeError:
            continue
    best = charset_normalizer.from_bytes(raw).best()
    if best is None:
        raise UnreadableFile("the text encoding could not be recognised.", file=file_name,
                             hint="Save the file as UTF-8 CSV (Excel: 'CSV UTF-8') and try again.")
    return _check_text(str(best), file_name), best.encoding


def _utf16_without_bom(raw: bytes) -> str | None:
    sample = raw[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > len(sample) // 4 and even == 0:
        return "utf-16-le"
    if even > len(sample) // 4 and odd == 0:
        return "utf-16-be"
    return None


def _check_text(text: str, file_name: str) -> str:
    sample = text[:20000]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r")
    if control > max(2, len(sample) // 100):
        raise UnreadableFile("the file is binary, not text.", file=file_name, hint=_SAVE_AS)
    return text


def sniff_delimiter(text: str, prefer_tab: bool = False) -> str:
    """Pick the delimiter whose first records have the most consistent, widest field count."""
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    best, best_score = ",", (-1.0, 0)
    for delimiter in DELIMITERS:
        records = [r for r in _first_records(sample, delimiter, 40) if r]
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        consistency = sum(len(r) == width for r in records) / len(records)
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


def _read_delimited(text: str, encoding: str, file_name: str, sha: str) -> RawTable:
    prefer_tab = file_name.lower().endswith((".tsv", ".tab"))
    delimiter = sniff_delimiter(text, prefer_tab)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows, line_nos, rejected = [], [], []
    previous_end = 0
    try:
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(record) or (len(record) == 1 and not record[0].strip()):
                continue
            if header is None:
                header = record
                continue
            rows.append(record)
            line_nos.append(start)
    except csv.Error as err:
        raise UnreadableFile(f"the file could not be parsed as {DELIMITER_NAMES[delimiter]}-separated text "
                             f"near line {reader.line_num} ({err}).", file=file_name, hint=_SAVE_AS) from err
    if header is None:
        raise UnreadableFile("the file has no header row.", file=file_name, hint=_SAVE_AS)
    if len(header) < 2:
        raise UnreadableFile("only one column was found; this does not look like a table export.",
                             file=file_name, hint=_SAVE_AS)
    header, rows, line_nos = _merge_second_header(header, rows, line_nos)
    header = clean_header(header)
    good_rows, good_lines = [], []
    width = len(header)
    for row, line in zip(rows, line_nos):
        if len(row) > width and not any(cell.strip() for cell in row[width:]):
            row = row[:width]
        if len(row) != width:
            raw = delimiter.join(row)
            rejected.append(Rejected(line, raw, "field_count",
                                     f"line {line}: has {len(row)} fields but the header has {width} "
                                     f"(a stray {DELIMITER_NAMES[delimiter]} or an unclosed quote?)."))
            continue
        good_rows.append(row)
        good_lines.append(line)
    if not good_rows and not rejected:
        raise NoDataRows("the file has a header but no data rows.", file=file_name,
                         hint="Check that the export covers a period with responses.")
    return RawTable(file_name, sha, "csv", encoding, delimiter, header, good_rows, good_lines, rejected)


def _merge_second_header(header: list[str], rows: list[list[str]], line_nos: list[int]):
    if not rows:
        return header, rows, line_nos
    second = rows[0]
    filled = [cell.strip().lower() for cell in second if cell.strip()]
    if not filled or len(second) != len(header):
        return header, rows, line_nos
    if sum(cell in _SECOND_HEADER_WORDS for cell in filled) < max(1, len(filled) // 2):
        return header, rows, line_nos
    merged, question = [], ""
    for top, sub in zip(header, second):
        if top.strip():
            question = top.strip()
            merged.append(question if not sub.strip() or sub.strip().lower() in _SECOND_HEADER_WORDS
                          else f"{question} - {sub.strip()}")
        else:
            merged.append(f"{question} - {sub.strip()}" if question and sub.strip() else sub.strip())
    return merged, rows[1:], line_nos[1:]


def clean_header(header: list[str]) -> list[str]:
    """Trim names, name blank columns `column_N`, and make repeated names unique."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(header, start=1):
        name = " ".join(name.replace("\ufeff", "").split()) or f"column_{i}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _read_xlsx(raw: bytes, file_name: str, sha: str) -> RawTable:
    import openpyxl  # imported here: only Excel uploads pay for it

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise UnreadableFile("this is a ZIP archive, not an Excel workbook.", file=file_name,
                                     hint="Unzip it and import the CSV or .xlsx files inside.")
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as err:
        raise UnreadableFile(f"the Excel file could not be opened ({err}).", file=file_name,
                             hint=_SAVE_AS) from err
    try:
        sheet = next((ws for ws in book.worksheets if (ws.max_row or 0) > 1), book.worksheets[0])
        header, rows, line_nos = None, [], []
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = cells
                continue
            rows.append(cells)
            line_nos.append(line)
    finally:
        book.close()
    if header is None:
        raise UnreadableFile("the workbook's first sheet is empty.", file=file_name, hint=_SAVE_AS)
    while header and not header[-1].strip() and all(not r or not r[len(header) - 1].strip() for r in rows):
        header = header[:-1]
    width = len(header)
    rows = [(r + [""] * width)[:width] for r in rows]
    if not rows:
        raise NoDataRows("the workbook has a header but no data rows.", file=file_name,
                         hint="Check that the export covers a period with responses.")
    return RawTable(file_name, sha, "xlsx", None, None, clean_header(header), rows, line_nos, [])


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
