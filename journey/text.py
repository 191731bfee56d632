"""Text handling: normalisation, language guess and sentence splitting (masking: journey.masking)."""

from __future__ import annotations

import re
import unicodedata

_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_LATIN = re.compile(r"[A-Za-z]")


def normalise(text: str) -> str:
    """NFKC-normalise, unify line breaks, trim; keeps the words as written."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def detect_lang(text: str) -> str:
    """'ja' when the text has kana or kanji, 'en' when it has Latin letters, else 'und'."""
    if _JA.search(text):
        return "ja"
    if _LATIN.search(text):
        return "en"
    return "und"


# Personal-data masking lives in journey.masking; these names stay importable from here.
from journey.masking import PLACEHOLDERS, mask_pii, pii_spans  # noqa: E402,F401


# --- units ---------------------------------------------------------------------------------------
# Sentence ends: Japanese 。！？ (and their ASCII forms), line breaks, and English . ! ? before a space.
_SENTENCE_END = re.compile(r"(?<=[。！？!?♪☆★])\s*|\n+|(?<=[.;])\s+(?=\S)")
_MIN_JA_CHARS = 6
_MIN_EN_WORDS = 3


def _too_short(piece: str) -> bool:
    if _JA.search(piece):
        return len(re.sub(r"[\s、。！？!?・…]", "", piece)) < _MIN_JA_CHARS
    return len(piece.split()) < _MIN_EN_WORDS


def split_units(text: str) -> list[str]:
    """Split a comment into sentence-level units; fragments too short to mean anything join a neighbour."""
    pieces = [p.strip() for p in _SENTENCE_END.split(text.strip()) if p and p.strip()]
    units: list[str] = []
    for piece in pieces:
        if units and (_too_short(piece) or _too_short(units[-1])):
            joiner = "" if _JA.search(units[-1][-1:] + piece[:1]) else " "
            units[-1] = f"{units[-1]}{joiner}{piece}"
        else:
            units.append(piece)
    return units or ([text.strip()] if text.strip() else [])
