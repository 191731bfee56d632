"""Decode an export's bytes: BOM → strict UTF-8 → cp932 → charset-normalizer, never accepting a decode that
leaves mojibake, and UTF-8 with a few stray bytes kept (with a warning naming their lines)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import charset_normalizer

from journey.errors import UnreadableFile

SAVE_AS = "Export or save it as CSV (UTF-8 or Shift_JIS), TSV or Excel .xlsx and try again."
# A UTF-8 file with at most this many undecodable bytes is read as UTF-8 with those bytes replaced (and a
# warning naming their lines), rather than refused or guessed as another encoding.
MAX_STRAY_BYTES = 16
# Above this share of unlikely characters a decode is mojibake (measured: real Japanese exports stay under
# 1%; UTF-8 read as cp932 is above 30%, cp1252 read as cp932 above 60%).
MOJIBAKE_SHARE = 0.15
_SAMPLE = 200_000

_KANA = re.compile(r"[\u3041-\u30ff]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_HALF_KANA = re.compile(r"[\uff61-\uff9f]")
# UTF-8 read as Latin-1/cp1252: "Ã©", "â€™", "ã‚" …
_LATIN_MOJIBAKE = re.compile(r"[\u00c2-\u00ef][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
                             r"\u0192\u02c6\u02dc\u20ac\u2122]")


@dataclass
class Decoded:
    """Text, the encoding that read it, and the 1-based lines where undecodable bytes were replaced."""

    text: str
    encoding: str
    stray_lines: list[int] = field(default_factory=list)


def decode(raw: bytes, file_name: str = "file") -> Decoded:
    """Decode bytes as BOM → strict UTF-8 → cp932 → UTF-8 with a few stray bytes → charset-normalizer.

    cp932 rather than shift_jis: Windows exports use its extra characters (①, 髙). A candidate whose text is
    mojibake (see `mojibake_share`) is passed over. Raises UnreadableFile.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        body = raw[3:]
        try:
            return Decoded(_check_text(body.decode("utf-8"), file_name), "utf-8-sig")
        except UnicodeDecodeError:
            stray = _stray_utf8(body, file_name, require_utf8=False)
            if stray is not None:
                return Decoded(stray.text, "utf-8-sig", stray.stray_lines)
            raise UnreadableFile("the file starts with a UTF-8 mark but is not UTF-8.", file=file_name,
                                 hint=SAVE_AS) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return Decoded(_check_text(raw.decode("utf-16"), file_name), "utf-16")
        except UnicodeDecodeError as err:
            raise UnreadableFile("the file starts like UTF-16 but does not decode as UTF-16.",
                                 file=file_name, hint=SAVE_AS) from err
    if b"\x00" in raw[:4096]:
        guess = _utf16_without_bom(raw)
        if guess:
            return Decoded(_check_text(raw.decode(guess), file_name), guess)
        raise UnreadableFile("the file is binary, not text.", file=file_name, hint=SAVE_AS)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return Decoded(_check_text(text, file_name), "utf-8")
    try:
        text = raw.decode("cp932")
    except UnicodeDecodeError:
        pass
    else:
        if mojibake_share(text, "cp932") < MOJIBAKE_SHARE:
            return Decoded(_check_text(text, file_name), "cp932")
    # UTF-8 elsewhere in the file (Japanese text below an ASCII header) makes a few stray bytes a slip.
    stray = _stray_utf8(raw, file_name, require_utf8=True)
    if stray is not None:
        return stray
    best = charset_normalizer.from_bytes(raw).best()
    if best is not None:
        text, encoding = str(best), best.encoding
        if encoding != "cp1252" and encoding.startswith("cp125") and _same_as_cp1252(raw, text):
            encoding = "cp1252"  # the detector's neighbour reads these bytes the same: name the common one
        if mojibake_share(text, encoding) < MOJIBAKE_SHARE:
            return Decoded(_check_text(text, file_name), encoding)
    stray = _stray_utf8(raw, file_name, require_utf8=False)
    if stray is not None:
        return stray
    raise UnreadableFile("the text encoding could not be recognised (every encoding tried left garbled "
                         "characters).", file=file_name,
                         hint="Save the file as UTF-8 CSV (Excel: 'CSV UTF-8') and try again.")


def _stray_utf8(raw: bytes, file_name: str, require_utf8: bool) -> Decoded | None:
    """UTF-8 with at most MAX_STRAY_BYTES undecodable bytes replaced by U+FFFD; None when there are more, or
    when `require_utf8` and no character beyond ASCII decoded as UTF-8 (nothing says the file is UTF-8)."""
    text = raw.decode("utf-8", errors="replace")
    stray = text.count("\ufffd") - raw.count(b"\xef\xbf\xbd")
    if stray <= 0 or stray > MAX_STRAY_BYTES:
        return None
    if require_utf8 and not re.search(r"[^\x00-\x7f\ufffd]", text):
        return None
    lines = sorted({text.count("\n", 0, m.start()) + 1 for m in re.finditer("\ufffd", text)})
    return Decoded(_check_text(text, file_name), "utf-8", lines)


def mojibake_share(text: str, encoding: str) -> float:
    """Share of unlikely characters among the non-ASCII ones of a decoded sample (0.0 for pure ASCII).

    Unlikely: replacement and control characters, private-use characters, Latin-1 mojibake pairs ("Ã©"),
    and for Japanese encodings kanji outside the common JIS level 1 set, lone half-width katakana, and kanji
    squeezed between Latin letters ("don鋳" is cp1252's "don’t" read as cp932).
    """
    sample = text[:_SAMPLE]
    non_ascii = [ch for ch in sample if ord(ch) > 0x7F]
    if not non_ascii:
        return 0.0
    odd = sum(1 for ch in non_ascii if ch == "\ufffd" or 0x80 <= ord(ch) <= 0x9F or 0xE000 <= ord(ch) <= 0xF8FF)
    odd += 2 * len(_LATIN_MOJIBAKE.findall(sample))
    if encoding.lower().replace("_", "").replace("-", "") in {"cp932", "shiftjis", "sjis", "ms932", "eucjp"}:
        odd += _japanese_oddities(sample, encoding)
    return min(1.0, odd / len(non_ascii))


def _japanese_oddities(sample: str, encoding: str) -> int:
    """Characters a real Japanese text rarely has: level-2 kanji, lone half-width kana, kanji inside words."""
    odd = 0
    for ch in set(_CJK.findall(sample)):
        try:
            lead = ch.encode(encoding)[0]
        except UnicodeEncodeError:
            continue
        if lead >= 0xE0:  # JIS level 2 and the IBM/NEC extensions: rare in ordinary text
            odd += sample.count(ch)
    odd += len(re.findall(r"(?<![\uff61-\uff9f])[\uff61-\uff9f](?![\uff61-\uff9f])", sample))
    odd += len(re.findall(r"[A-Za-z][\u3400-\u9fff\uff61-\uff9f][A-Za-z]", sample))
    kana = len(_KANA.findall(sample))
    cjk = len(_CJK.findall(sample)) + len(_HALF_KANA.findall(sample))
    if cjk >= 20 and kana < cjk * 0.05:  # kanji with no kana at all: not Japanese prose
        odd += cjk // 2
    return odd


def _same_as_cp1252(raw: bytes, text: str) -> bool:
    try:
        return raw.decode("cp1252") == text
    except UnicodeDecodeError:
        return False


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
        raise UnreadableFile("the file is binary, not text.", file=file_name, hint=SAVE_AS)
    return text
