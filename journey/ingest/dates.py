"""Dates as exports write them: ISO, Japanese (2026年3月1日, 2026/03/01 21:28), US (3/14/2026 09:12 AM),
European (14.03.2026), review sites ("Reviewed in Japan on March 1, 2026", "2026年3月1日に日本でレビュー済み")."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone, tzinfo

import pandas as pd

_REVIEW_EN = re.compile(r"^reviewed in .+? on\s+", re.I)
_REVIEW_JA = re.compile(r"に.{0,20}(?:レビュー済み|で評価).*$")
_WEEKDAY_JA = re.compile(r"[（(][月火水木金土日][)）]")
_HAS_DIGIT_SEP = re.compile(r"\d[-/.年]\d|[A-Za-z]{3,}\.? \d")

FORMATS = [
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y",
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y",
    "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %d %Y",
    "%m/%d/%y %H:%M", "%m/%d/%y",
]


# Answers dated before this, or more than a year after today, are typing or export errors (0001-01-01,
# 9999-12-31, Excel's day zero 1899-12-30), not feedback.
EARLIEST = date(1980, 1, 1)
LATEST_AHEAD = timedelta(days=366)

_FAST = ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d", "%Y/%m/%d", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"]


def prepare(values: pd.Series) -> pd.Series:
    """Rewrite Japanese and review-site forms into ones the FORMATS list reads."""
    text = values.fillna("").astype(str).str.strip()
    text = text.str.replace(_REVIEW_EN, "", regex=True).str.replace(_REVIEW_JA, "", regex=True)
    text = text.str.replace(_WEEKDAY_JA, " ", regex=True)
    text = text.str.replace(r"(\d{4})年\s*(\d{1,2})月\s*(\d{1,2})日", r"\1-\2-\3", regex=True)
    text = text.str.replace(r"(\d{1,2})時\s*(\d{1,2})分(?:\s*(\d{1,2})秒)?",
                            lambda m: f"{m.group(1)}:{m.group(2)}:{m.group(3) or '00'}", regex=True)
    text = text.str.replace(r"午後\s*(\d{1,2}):", lambda m: f"{int(m.group(1)) % 12 + 12}:", regex=True)
    text = text.str.replace(r"午前\s*(\d{1,2}):", lambda m: f"{int(m.group(1)) % 12}:", regex=True)
    text = text.str.replace(r"^(\d{4})/(\d{1,2})/(\d{1,2})", r"\1-\2-\3", regex=True)
    text = text.str.replace(r"^(\d{4}-\d{1,2}-\d{1,2})T", r"\1 ", regex=True)
    return text.str.replace(r"\s+", " ", regex=True)


def looks_like_dates(values: pd.Series) -> float:
    """Share of filled values that parse as dates (pure numbers such as 1963 never count)."""
    filled = values[values.fillna("").astype(str).str.strip() != ""]
    if filled.empty:
        return 0.0
    if filled.head(50).astype(str).str.contains(_HAS_DIGIT_SEP).mean() < 0.5:
        return 0.0  # cheap look at a few values first
    shaped = filled.astype(str).str.contains(_HAS_DIGIT_SEP)
    if shaped.mean() < 0.5:
        return 0.0
    parsed, _ = parse_dates(filled)
    return float(parsed.notna().mean())


def parse_dates(values: pd.Series, tz: tzinfo | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse a column of dates; return (naive local datetimes, invalid mask of filled-but-unparsed).

    One format is chosen per column (the one that reads most values), so 03/04 is read the same way
    in every row; values with a UTC offset or Z are converted to `tz` (default: this machine's zone).
    """
    raw = values.fillna("").astype(str).str.strip()
    filled = raw != ""
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    if not filled.any():
        return result, filled
    # Fast path: most exports write one plain format that needs no rewriting.
    sample = raw[filled].head(200)
    for fmt in _FAST:
        if pd.to_datetime(sample, format=fmt, errors="coerce").notna().all():
            parsed = pd.to_datetime(raw[filled], format=fmt, errors="coerce")
            result.loc[parsed.index] = parsed.astype("datetime64[us]")
            if parsed.notna().all():
                return result, filled & False
            break
    text = prepare(raw.where(result.isna(), ""))
    remaining = (text != "") & result.isna()
    zoned = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True) & remaining
    if zoned.any():
        parsed = pd.to_datetime(text[zoned], format="ISO8601", utc=True, errors="coerce")
        local = parsed.dt.tz_convert(tz or _local_zone()).dt.tz_localize(None)
        result.loc[zoned] = local.astype("datetime64[us]")
        remaining &= ~zoned
    sample = text[remaining].drop_duplicates().head(500)
    ranked = sorted(FORMATS, key=lambda f: -pd.to_datetime(sample, format=f, errors="coerce").notna().sum())
    for fmt in ranked:
        if not remaining.any():
            break
        parsed = pd.to_datetime(text[remaining], format=fmt, errors="coerce")
        hit = parsed.notna()
        if hit.any():
            index = parsed[hit].index
            result.loc[index] = parsed[hit].astype("datetime64[us]")
            remaining.loc[index] = False
    return result, remaining


def _local_zone() -> tzinfo:
    return datetime.now(timezone.utc).astimezone().tzinfo or timezone.utc


def window(today: date | None = None) -> tuple[date, date]:
    """The dates an answer can have: EARLIEST to a year after `today`."""
    today = today or date.today()
    return EARLIEST, today + LATEST_AHEAD


def outside_window(parsed: pd.Series, today: date | None = None) -> pd.Series:
    """Mask of parsed dates before EARLIEST or more than a year after `today` (NaT is not outside)."""
    first, last = window(today)
    return parsed.notna() & ((parsed < pd.Timestamp(first)) | (parsed >= pd.Timestamp(last + timedelta(days=1))))
