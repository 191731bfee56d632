"""Find an export's real header among its first records: padding rows above a table, SurveyMonkey's second
row of option labels, Qualtrics' question-text and ImportId rows (current and legacy layouts); name each
column by its most readable text and keep the tool's short codes as aliases."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

# SurveyMonkey puts a second header row under the questions.
_SECOND_HEADER_WORDS = {"response", "open-ended response", "other (please specify)", "回答", "自由回答"}
_IMPORT_ID = re.compile(r'^\{\s*"ImportId"\s*:', re.I)
_LEGACY_CODE = re.compile(r"^V\d{1,3}$")
_LEGACY_LABELS = {"responseid", "responseset", "externaldatareference", "startdate", "enddate", "finished"}
_TAG = re.compile(r"<[^>]{0,200}>")
# How many records to look at for padding rows above the header.
_LOOK = 12


@dataclass
class HeaderFound:
    """The header's names, aliases (tool codes → name), and the records (by index) that were header rows."""

    names: list[str]
    first_data: int                         # index of the first data record
    header_indexes: list[int] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    layout: str | None = None               # "qualtrics", "qualtrics-legacy", "surveymonkey", None


def find_header(records: list[list[str]]) -> HeaderFound | None:
    """Locate the header among `records` (parsed rows, blank ones removed); None when there is none."""
    if not records:
        return None
    filled = [sum(1 for cell in r if cell.strip()) for r in records[:_LOOK]]
    widest = max(filled)
    # Padding above a table (a title, "exported on …") fills a cell or two of what the header fills.
    start = next(i for i, n in enumerate(filled) if n >= max(2, widest * 0.6) or n == widest)
    header = records[start]
    found = (_qualtrics(records, start) or _qualtrics_legacy(records, start) or _surveymonkey(records, start)
             or HeaderFound(list(header), start + 1, list(range(start + 1))))
    found.header_indexes = sorted(set(found.header_indexes) | set(range(start)))
    return found


def _qualtrics(records: list[list[str]], start: int) -> HeaderFound | None:
    """Qualtrics: short ids, then the question text, then {"ImportId": …}; the text names the column."""
    if start + 2 >= len(records):
        return None
    codes, texts, imports = records[start], records[start + 1], records[start + 2]
    filled = [c for c in imports if c.strip()]
    if not filled or sum(bool(_IMPORT_ID.match(c.strip())) for c in filled) < max(1, len(filled) * 0.8):
        return None
    names = [text if text.strip() else code for code, text in zip(codes, _pad(texts, len(codes)))]
    return HeaderFound(names, start + 3, [start, start + 1, start + 2], _aliases(codes, names), "qualtrics")


def _qualtrics_legacy(records: list[list[str]], start: int) -> HeaderFound | None:
    """Legacy Qualtrics: V1…V10 and Q1… codes, then a row of labels (ResponseID, ResponseSet, …)."""
    if start + 1 >= len(records):
        return None
    codes, labels = records[start], records[start + 1]
    if sum(bool(_LEGACY_CODE.match(c.strip())) for c in codes) < 5:
        return None
    if len({c.strip().lower() for c in labels} & _LEGACY_LABELS) < 3:
        return None
    names = [label if label.strip() else code for code, label in zip(codes, _pad(labels, len(codes)))]
    return HeaderFound(names, start + 2, [start, start + 1], _aliases(codes, names), "qualtrics-legacy")


def _surveymonkey(records: list[list[str]], start: int) -> HeaderFound | None:
    """SurveyMonkey: a second row of option labels ("Response", "Open-Ended Response", option texts)."""
    if start + 1 >= len(records):
        return None
    header, second = records[start], records[start + 1]
    filled = [cell.strip().lower() for cell in second if cell.strip()]
    if not filled or len(second) != len(header):
        return None
    if sum(cell in _SECOND_HEADER_WORDS for cell in filled) < max(1, len(filled) // 2):
        return None
    merged, question = [], ""
    for top, sub in zip(header, second):
        if top.strip():
            question = top.strip()
            merged.append(question if not sub.strip() or sub.strip().lower() in _SECOND_HEADER_WORDS
                          else f"{question} - {sub.strip()}")
        else:
            merged.append(f"{question} - {sub.strip()}" if question and sub.strip() else sub.strip())
    return HeaderFound(merged, start + 2, [start, start + 1], {}, "surveymonkey")


def _pad(row: list[str], width: int) -> list[str]:
    return (row + [""] * width)[:width]


def _aliases(codes: list[str], names: list[str]) -> dict[str, str]:
    """Tool code → column name, for the codes that differ from the name (so --map Q3=… still works)."""
    cleaned = clean_header(names)
    return {code.strip(): name for code, name in zip(codes, cleaned) if code.strip() and code.strip() != name}


def clean_text(name: str) -> str:
    """A header as a person reads it: HTML tags and entities gone, whitespace collapsed, no BOM."""
    name = name.replace("\ufeff", "")
    if "<" in name or "&" in name:
        name = html.unescape(_TAG.sub(" ", name))
    return " ".join(name.split())


def clean_header(header: list[str]) -> list[str]:
    """Readable names; blank columns named `column_N`; repeated names made unique with ' (2)'."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(header, start=1):
        name = clean_text(name) or f"column_{i}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out
