"""Text handling: normalisation, language guess, personal-data masking and sentence splitting."""

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


# --- personal data ---------------------------------------------------------------------------
# Order matters: e-mail and URLs before phone numbers (digits inside them are not phones).
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)[^\s\u3000、。「」()（）<>]+", re.IGNORECASE)
_POSTAL = re.compile(r"〒\s?\d{3}[-‐−ー]?\d{4}")
# Japanese numbers: 0X0-XXXX-XXXX mobiles, 0X-XXXX-XXXX landlines, 0120 toll-free; international +CC.
_PHONE = re.compile(
    r"(?<![\w.])(?:"
    r"\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,3}"
    r"|0\d{1,4}[-(（ ]\d{1,4}[-)） ]\d{3,4}"
    r"|0[5789]0\d{8}"
    r"|\(\d{3}\)\s?\d{3}-\d{4}"
    r"|\d{3}-\d{3}-\d{4}"
    r")(?![\w.])")
# A family name (kanji/katakana, 1–4 chars) or a capitalised word before an honorific.
_NAME_JA = re.compile(r"[\u4e00-\u9fff\u30a0-\u30ff]{1,4}(?=(?:様|さま|さん|くん|ちゃん|氏)(?![\u4e00-\u9fff]))")
_NAME_EN = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+[A-Z][a-z]+|\b[A-Z][a-z]+(?=[- ]san\b)")
# Kanji words that precede さん/様 but are not names.
_NOT_NAMES = {"お客", "皆", "店員", "職員", "店長", "運転手", "駅員", "お医者", "先生", "お子", "神", "仏",
              "皆々", "奥", "お母", "お父", "お兄", "お姉", "おじい", "おばあ", "大家", "社長", "部長",
              "女将", "大将", "板", "スタッフ", "ドライバー", "お店", "御客", "客", "子", "母", "父",
              "兄", "姉", "孫", "娘", "息子", "旦那", "嫁", "彼女", "彼氏", "友達", "皆さま", "常連"}

_DIGITS = re.compile(r"\d{3}")
_HONORIFIC = re.compile(r"様|さま|さん|くん|ちゃん|氏")

PLACEHOLDERS = {"email": "[email]", "url": "[url]", "postal": "[postal]", "phone": "[phone]",
                "name": "[name]"}


def mask_pii(text: str) -> str:
    """Replace e-mail, URLs, postal codes, phone numbers and honorific-marked names with placeholders.

    Prices, dates and product codes stay as written.
    """
    # Cheap substring checks first: most comments contain none of these.
    if "@" in text:
        text = _EMAIL.sub(PLACEHOLDERS["email"], text)
    lowered = text.lower()
    if "http" in lowered or "www." in lowered:
        text = _URL.sub(PLACEHOLDERS["url"], text)
    if "〒" in text:
        text = _POSTAL.sub(PLACEHOLDERS["postal"], text)
    if _DIGITS.search(text):
        text = _PHONE.sub(PLACEHOLDERS["phone"], text)
    if _HONORIFIC.search(text):
        text = _NAME_JA.sub(lambda m: m.group(0) if m.group(0) in _NOT_NAMES else PLACEHOLDERS["name"], text)
    if "san" in lowered or "mr" in lowered or "ms" in lowered or "dr" in lowered:
        text = _NAME_EN.sub(PLACEHOLDERS["name"], text)
    return text


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
