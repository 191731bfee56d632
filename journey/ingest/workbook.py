"""Excel .xlsx exports: limits checked before any work (the sheets' uncompressed size and their row count,
streamed from the archive), then only the cells that exist are read; a sheet's declared dimensions
(`A1:XFD1048576` in a 2 KB file) are ignored."""

from __future__ import annotations

import io
import zipfile
from contextlib import contextmanager
from datetime import date, datetime, time
from xml.etree import ElementTree

from journey.errors import FileTooLarge, UnreadableFile
from journey.ingest.read import _SAVE_AS, RawTable, table_from_records, too_many_rows

# openpyxl holds the shared strings in memory: their XML may be at most this many times the upload limit.
SHARED_STRINGS_FACTOR = 2
_CHUNK = 1 << 20


def read_xlsx(raw: bytes, file_name: str, sha: str, max_rows: int, max_bytes: int | None) -> RawTable:
    """The first sheet with data, as a table. Raises UnreadableFile, FileTooLarge, NoDataRows.

    Before openpyxl opens the file: the shared strings' size is checked, the sheets are found in the
    workbook's own XML, and the chosen sheet's rows are counted from the compressed stream (a 3-million-row
    sheet is refused in well under a second). openpyxl then never reads a sheet's declared size.
    """
    import openpyxl  # imported here: only Excel uploads pay for it

    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as err:
        raise UnreadableFile(f"the Excel file could not be opened ({err}).", file=file_name, hint=_SAVE_AS) from err
    with archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            raise UnreadableFile("this is a ZIP archive, not an Excel workbook.", file=file_name,
                                 hint="Unzip it and import the CSV or .xlsx files inside.")
        _check_shared_strings(archive, file_name, max_bytes)
        paths = [p for p in sheet_paths(archive) if p in names]
        chosen = next((p for p in paths if count_rows(archive, p, 2) >= 2), paths[0] if paths else None)
        if chosen is not None and count_rows(archive, chosen, max_rows + 1) > max_rows + 1:
            raise too_many_rows(file_name, max_rows)
    try:
        with _declared_size_ignored():
            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as err:
        raise UnreadableFile(f"the Excel file could not be opened ({err}).", file=file_name, hint=_SAVE_AS) from err
    try:
        sheet = next((ws for ws in book.worksheets if getattr(ws, "_worksheet_path", None) == chosen),
                     book.worksheets[0])
        records = _records(sheet, file_name, max_rows)
        modified = book.properties.modified if book.properties else None
    finally:
        book.close()
    table = table_from_records(records, [], file_name, sha, "xlsx", None, None)
    table.file_date = modified.date() if isinstance(modified, datetime) else None
    return table


@contextmanager
def _declared_size_ignored():
    """openpyxl reads each sheet's declared size when opening, scanning the whole sheet when there is none
    (75 s for 3 million rows). The size is ignored here anyway (reset_dimensions), so it is not read."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    original = ReadOnlyWorksheet._get_size
    ReadOnlyWorksheet._get_size = lambda self: None
    try:
        yield
    finally:
        ReadOnlyWorksheet._get_size = original


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def sheet_paths(archive: zipfile.ZipFile) -> list[str]:
    """The worksheets' paths inside the archive, in the workbook's sheet order."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return sorted(n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG}Relationship")}
    paths = []
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        paths.append(target.lstrip("/") if target.startswith("/") else f"xl/{target}")
    return paths


def _check_shared_strings(archive: zipfile.ZipFile, file_name: str, max_bytes: int | None) -> None:
    """Refuse before opening when the shared strings (held in memory by openpyxl) are too large."""
    if max_bytes is None:
        return
    for info in archive.infolist():
        if info.filename.lower() == "xl/sharedstrings.xml" and info.file_size > SHARED_STRINGS_FACTOR * max_bytes:
            raise FileTooLarge(f"the workbook's text is {info.file_size / 1e6:,.0f} MB once unpacked, over the "
                               f"{SHARED_STRINGS_FACTOR * max_bytes / 1e6:,.0f} MB limit.", file=file_name,
                               hint="Split the export by date range, or save it as CSV.")


def count_rows(archive: zipfile.ZipFile, path: str, stop_after: int) -> int:
    """`<row` elements in a sheet's XML, streamed without parsing; counting stops past `stop_after`."""
    found, tail = 0, b""
    with archive.open(path) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                return found
            data = tail + chunk
            found += data.count(b"<row") - tail.count(b"<row")
            tail = data[-8:]
            if found > stop_after:
                return found


def _records(sheet, file_name: str, max_rows: int) -> list[tuple[list[str], int]]:
    sheet.reset_dimensions()
    records = []
    for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_cell_text(v) for v in values]
        while cells and not cells[-1].strip():
            cells.pop()
        if not any(c.strip() for c in cells):
            continue
        records.append((cells, line))
        if len(records) > max_rows + 1:
            raise too_many_rows(file_name, max_rows)
    if not records:
        raise UnreadableFile("the workbook's first sheet is empty.", file=file_name, hint=_SAVE_AS)
    return records


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

