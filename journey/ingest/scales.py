"""Score scales: detect a column's scale (NPS 0–10, CSAT 1–5, CES 1–7, stars 1–5, 5-level labels)
and turn its values into numbers on that scale."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

SCALES = {
    "nps_0_10": (0, 10),
    "csat_1_5": (1, 5),
    "ces_1_7": (1, 7),
    "stars_1_5": (1, 5),
}
SCALE_LABELS = {
    "nps_0_10": "NPS 0–10",
    "csat_1_5": "CSAT 1–5",
    "ces_1_7": "CES 1–7",
    "stars_1_5": "Stars 1–5",
}

# 5-level answer labels (satisfaction, agreement, likelihood, good/bad). The middle-strong words are
# ambiguous: "満足"/"不満" mean 4/2 next to とても満足 or 大いに満足, but 5/1 next to やや満足 (likewise
# "Satisfied", "Agree", "そう思う", "良い").
_LABELS_WITH_VERY = {
    "とても満足": 5, "非常に満足": 5, "大変満足": 5, "大いに満足": 5, "満足": 4, "やや満足": 4, "まあ満足": 4,
    "まあまあ満足": 4, "どちらでもない": 3, "どちらともいえない": 3, "どちらとも言えない": 3, "普通": 3, "ふつう": 3,
    "やや不満": 2, "少し不満": 2, "不満": 2, "とても不満": 1, "非常に不満": 1, "大変不満": 1, "大いに不満": 1,
    "とてもそう思う": 5, "非常にそう思う": 5, "そう思う": 4, "ややそう思う": 4, "どちらかといえばそう思う": 4,
    "どちらかといえばそう思わない": 2, "あまりそう思わない": 2, "そう思わない": 2, "全くそう思わない": 1,
    "まったくそう思わない": 1,
    "とても良い": 5, "非常に良い": 5, "とてもよい": 5, "良い": 4, "よい": 4, "やや良い": 4, "やや悪い": 2, "悪い": 2,
    "わるい": 2, "とても悪い": 1, "非常に悪い": 1,
    "very satisfied": 5, "extremely satisfied": 5, "satisfied": 4, "somewhat satisfied": 4,
    "neither satisfied nor dissatisfied": 3, "neutral": 3, "somewhat dissatisfied": 2,
    "dissatisfied": 2, "very dissatisfied": 1, "extremely dissatisfied": 1, "not at all satisfied": 1,
    "strongly agree": 5, "agree": 4, "somewhat agree": 4, "neither agree nor disagree": 3, "somewhat disagree": 2,
    "disagree": 2, "strongly disagree": 1,
    "extremely likely": 5, "very likely": 5, "likely": 4, "somewhat likely": 4, "neither likely nor unlikely": 3,
    "somewhat unlikely": 2, "unlikely": 2, "very unlikely": 1, "extremely unlikely": 1, "not at all likely": 1,
}
_LABELS_WITH_SOMEWHAT = {**_LABELS_WITH_VERY, "満足": 5, "不満": 1, "そう思う": 5, "そう思わない": 1, "良い": 5,
                         "よい": 5, "悪い": 1, "わるい": 1, "satisfied": 5, "dissatisfied": 1, "agree": 5,
                         "disagree": 1, "likely": 5, "unlikely": 1}
_VERY_WORDS = ("とても", "非常に", "大変", "大いに", "全く", "まったく", "very", "extremely", "strongly",
               "not at all")

_HINTS = {
    "nps_0_10": re.compile(r"nps|recommend|likely|推奨|すすめ|薦め|勧め|紹介したい|おすすめ度|推薦度", re.I),
    "stars_1_5": re.compile(r"star|星|★|レビュー評価|^評価$|^rating$|review rating|stars", re.I),
    "ces_1_7": re.compile(r"\bces\b|effort|easy|ease|簡単|手間|スムーズ", re.I),
    "csat_1_5": re.compile(r"csat|satisf|満足|rate|rating|評価|score|スコア|点数|対応はいかが", re.I),
}
_RANGE_IN_HEADER = re.compile(r"\(?（?\s*(\d{1,2})\s*[-〜～~–―ー]\s*(\d{1,2})\s*）?\)?")
_STARS_JA = re.compile(r"5つ星のうち\s*([0-9.]+)")
_STARS_EN = re.compile(r"^([0-9.]+)\s*(?:out of|/)\s*5(?:\s*stars?)?$", re.I)
_STAR_GLYPHS = re.compile(r"^[★☆]{5}$")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
# A number with its anchor text: "10 - Extremely likely", "0 = Not at all likely", "5（とても満足）".
_ANCHORED = re.compile(r"^(\d{1,2})\s*(?:[-–—=:]|[(（])\s*\D")


@dataclass
class ScaleGuess:
    """A detected scale; `why` and `params` name the reason for translation (i18n `why.<why>`), `invalid`
    counts the filled values that are not on the scale (left empty at import, each reported)."""

    scale: str
    reason: str
    why: str = ""
    params: dict | None = None
    invalid: int = 0


def header_hint(header: str) -> str | None:
    """The scale a header's words suggest, if any (NPS first: "recommend" beats "rating")."""
    for scale, pattern in _HINTS.items():
        if pattern.search(header):
            return scale
    return None


def label_map(values: pd.Series) -> dict[str, int]:
    """The label→score map that fits these values (see the 満足 ambiguity above)."""
    lowered = values.str.strip().str.lower()
    has_very = lowered.str.startswith(_VERY_WORDS).any()
    return _LABELS_WITH_VERY if has_very else _LABELS_WITH_SOMEWHAT


def to_numbers(values: pd.Series) -> pd.Series:
    """Parse numbers, label answers and star notations (5つ星のうち4.0, 4 out of 5, ★★★★☆); NaN if not.

    Work is done once per distinct value: score columns repeat a handful of answers.
    """
    codes, raw_uniques = pd.factorize(values.fillna("").astype(str), use_na_sentinel=False)
    # Full-width digits and letters (１０, ５つ星のうち４．０) read as their ASCII forms.
    uniques = pd.Series([unicodedata.normalize("NFKC", u) for u in raw_uniques], dtype="str").str.strip()
    lowered = uniques.str.lower()
    labels = label_map(uniques[uniques != ""])
    out = lowered.map(labels).astype("float64")
    numeric = uniques.where(uniques.str.match(_NUMBER.pattern), None)
    out = out.fillna(pd.to_numeric(numeric, errors="coerce"))
    for pattern in (_STARS_JA, _STARS_EN):
        found = uniques.str.extract(pattern, expand=False)
        out = out.fillna(pd.to_numeric(found, errors="coerce"))
    glyphs = uniques.where(uniques.str.match(_STAR_GLYPHS.pattern), None)
    out = out.fillna(glyphs.str.count("★").where(glyphs.notna()))
    anchored = uniques.str.extract(_ANCHORED, expand=False)
    out = out.fillna(pd.to_numeric(anchored, errors="coerce"))
    return pd.Series(out.to_numpy(dtype="float64")[codes], index=values.index)


def detect_scale(header: str, values: pd.Series) -> ScaleGuess | None:
    """Guess the scale of a column from its header and values; None when it is not a score.

    Without a header word 90% of the filled values must be on the scale. When the header says what the
    column is (NPS, recommend, stars, a stated range such as 0–10), half is enough: the bad values are then
    reported row by row and left empty, rather than the whole column being dropped.
    """
    filled = values[values.fillna("").astype(str).str.strip() != ""]
    if filled.empty:
        return None
    hint = header_hint(header)
    stated = _RANGE_IN_HEADER.search(header)
    need = 0.5 if hint or stated else 0.9
    n = len(filled)
    lowered = pd.Series([unicodedata.normalize("NFKC", v).strip().lower() for v in filled.astype(str)],
                        index=filled.index)
    is_label = lowered.isin(_LABELS_WITH_VERY.keys())
    if is_label.mean() >= (0.9 if hint is None else need) and lowered[is_label].nunique() >= 2:
        return _guess("csat_1_5", "5-level answer labels", "scale_labels", {}, int((~is_label).sum()))
    numbers = to_numbers(filled)
    if numbers.notna().mean() < need:
        return None
    found = numbers.dropna()
    if set(found.unique()) <= {0.0, 1.0} or found.nunique() < 2:
        return None  # 0/1 flags, yes/no

    def valid(scale: str) -> int:
        low, high = SCALES[scale]
        ok = numbers.between(low, high)
        if scale != "stars_1_5":
            ok &= numbers == np.floor(numbers)
        return int(ok.fillna(False).sum())

    def fits(scale: str) -> bool:
        return valid(scale) >= need * n and valid(scale) >= min(3, n)

    def guess(scale: str, reason: str, why: str, **params) -> ScaleGuess:
        return _guess(scale, reason, why, params, n - valid(scale))

    if stated:
        bounds = (int(stated.group(1)), int(stated.group(2)))
        by_range = {(0, 10): "nps_0_10", (1, 7): "ces_1_7",
                    (1, 5): "stars_1_5" if hint == "stars_1_5" else "csat_1_5"}
        if bounds in by_range and fits(by_range[bounds]):
            return guess(by_range[bounds], f"range {bounds[0]}–{bounds[1]} stated in the header", "scale_range",
                         low=bounds[0], high=bounds[1])
    if hint is None:
        return None
    # The header's own word decides when the values allow it; a stray bad value (a 9 among stars)
    # is then reported row by row instead of changing the scale.
    if hint == "stars_1_5" and fits("stars_1_5"):
        return guess("stars_1_5", "star/rating wording, values 1–5", "scale_stars")
    if hint == "nps_0_10" and fits("nps_0_10"):
        return guess("nps_0_10", "recommend/NPS wording, values 0–10", "scale_nps")
    if hint == "ces_1_7" and fits("ces_1_7"):
        return guess("ces_1_7", "effort/ease wording, values 1–7", "scale_ces")
    if (found > 7).any() or (found == 0).any():
        if fits("nps_0_10"):
            return guess("nps_0_10", "score wording, values 0–10", "scale_generic", low=0, high=10)
        return None
    if fits("csat_1_5"):
        return guess("csat_1_5", "score wording, values 1–5", "scale_generic", low=1, high=5)
    if fits("ces_1_7"):
        return guess("ces_1_7", "score wording, values 1–7", "scale_generic", low=1, high=7)
    return None


def _guess(scale: str, reason: str, why: str, params: dict, invalid: int) -> ScaleGuess:
    if invalid:
        reason += f"; {invalid} value(s) are not on the scale and will be left empty"
    return ScaleGuess(scale, reason, why, params, invalid)


def normalise_scores(values: pd.Series, scale: str) -> tuple[pd.Series, pd.Series]:
    """Return (numbers on `scale`, invalid mask) — invalid = filled but not a value of the scale."""
    low, high = SCALES[scale]
    numbers = to_numbers(values)
    filled = values.fillna("").astype(str).str.strip() != ""
    in_range = numbers.between(low, high)
    whole_required = scale != "stars_1_5"
    if whole_required:
        in_range &= numbers == np.floor(numbers)
    invalid = filled & ~in_range.fillna(False)
    return numbers.where(filled & ~invalid), invalid
