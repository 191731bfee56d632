"""The labelled corpus the tagger's heads learn from, and the held-out rows they are judged on.

Three kinds of rows, one frame (see journey/training/README.md for where each comes from):
- real: comments from ../shared/real-data labelled by reading (keys in corpus/real_labels.csv; the text is
  read back from the shared folder and checked against its SHA-1 prefix);
- written: comments the team wrote for every preset trade, in Japanese and English (corpus/written/*.csv);
- weak: sentiment only, from real comments' own scores (a 5-star review is positive, a 1–2-star one
  negative), for the training months and products only.
The held-out evaluation rows live in bench/labels/ (real_eval.csv and heldout_eval.csv) and never train.
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from journey.ingest.scales import to_numbers
from journey.text import mask_pii, normalise
from journey.training import realdata

HERE = Path(__file__).resolve().parent
REAL_LABELS = HERE / "corpus" / "real_labels.csv"
WRITTEN = HERE / "corpus" / "written"
EVAL_FILES = [realdata.REPO / "bench" / "labels" / "real_eval.csv", realdata.REPO / "bench" / "labels" / "heldout_eval.csv"]

STAGES = ["awareness", "interest", "consideration", "purchase", "usage", "support", "loyalty"]
UNCLASSIFIED = "unclassified"
TOUCHPOINTS = ["web", "app", "sns", "ads_media", "review_sites", "word_of_mouth", "store_facility", "staff",
               "support_contact", "email", "delivery", "transport", "product", "price_payment", "signage_info",
               "events"]
SENTIMENTS = ["positive", "neutral", "negative"]
COLUMNS = ["id", "origin", "source", "trade", "lang", "question", "text", "stage", "stages", "touchpoint",
           "sentiment", "rating", "nps", "group", "draw"]
NON_ANSWER = re.compile(r"^(特に)?(なし|無し|ない|無い|ありません|ございません)[。.!！]*$|^(nothing|none|n/?a)$", re.I)


@lru_cache(maxsize=1)
def _real_rows() -> tuple[dict, dict]:
    fukui = {(name, key): row for name, key, row in realdata.fukui_rows()}
    clothing = {row["index"]: row for row in realdata.clothing_rows()}
    return fukui, clothing


def _prepare(text: str) -> str:
    """The text as the app embeds it: normalised and with personal data masked."""
    return mask_pii(normalise(text))


def _real_frame(labels: list[dict], origin: str) -> pd.DataFrame:
    """Labelled keys joined to their text and scores, read from the shared real data."""
    fukui, clothing = _real_rows()
    out = []
    for label in labels:
        if label["source"] == "fukui":
            row = fukui[(label["file"], label["row_key"])]
            cell = row[label["question"]]
            text = cell
            nps = _number(row.get("NPS", ""))
            score_column = realdata.FUKUI_SCORE_OF.get(label["question"], "満足度")
            rating = float(to_numbers(pd.Series([row.get(score_column, "")])).iloc[0])
            group, trade = f"fukui:{label['file'][:6]}", "hotel"
        else:
            row = clothing[label["row_key"]]
            cell = row["Review Text"]
            title = row["Title"].strip()
            text = f"{title}\n{cell.strip()}" if title else cell.strip()
            nps, rating = np.nan, _number(row["Rating"])
            group, trade = f"clothing:{int(realdata.clothing_held_out(row['Clothing ID']))}", "retail"
        if realdata.sha1_12(cell) != label["text_sha1"]:
            raise ValueError(f"the shared real data changed under a label: {label}")
        stage = UNCLASSIFIED if label["stage"] == "unclear" else label["stage"]
        stages = "|".join(UNCLASSIFIED if s == "unclear" else s for s in label["stages"].split("|"))
        out.append({"id": f"{label['source']}:{label['file']}:{label['row_key']}:{label['question']}",
                    "origin": origin, "source": label["source"], "trade": trade, "lang": label["lang"],
                    "question": label["question"], "text": _prepare(text), "stage": stage, "stages": stages,
                    "touchpoint": label["touchpoint"], "sentiment": label["sentiment"], "rating": rating,
                    "nps": nps, "group": group, "draw": label.get("draw", "")})
    return pd.DataFrame(out, columns=COLUMNS)


def _number(value: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def _read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def real_labelled() -> pd.DataFrame:
    """Training rows from the shared real data, labelled by reading."""
    return _real_frame(_read_csv(REAL_LABELS), "real") if REAL_LABELS.exists() else pd.DataFrame(columns=COLUMNS)


def written() -> pd.DataFrame:
    """Comments the team wrote for every preset trade (text kept in the repository)."""
    rows = []
    for path in sorted(WRITTEN.glob("*.csv")):
        for n, r in enumerate(_read_csv(path), start=2):
            rows.append({"id": f"written:{path.stem}:{n}", "origin": "written", "source": f"written:{r['trade']}",
                         "trade": r["trade"], "lang": r["lang"], "question": r["channel"],
                         "text": _prepare(r["text"]), "stage": r["stage"], "stages": r["stages"],
                         "touchpoint": r["touchpoint"], "sentiment": r["sentiment"], "rating": np.nan,
                         "nps": np.nan, "group": f"written:{r['trade']}", "draw": r["channel"]})
    return pd.DataFrame(rows, columns=COLUMNS)


def weak_sentiment(per_source: int = 1500, seed: int = 20261130) -> pd.DataFrame:
    """Sentiment from the respondents' own scores, on training months and products only, never on a
    labelled row: clothing 5 stars → positive, 1–2 → negative; a Fukui satisfaction reason under
    とても満足 → positive, under 不満 or とても不満 → negative."""
    fukui, clothing = _real_rows()
    taken = realdata.eval_keys() | {(r["source"], r["file"], r["row_key"], r["question"])
                                    for r in (_read_csv(REAL_LABELS) if REAL_LABELS.exists() else [])}
    rng = np.random.default_rng(seed)
    rows = []
    candidates = []
    for index, row in clothing.items():
        if realdata.clothing_held_out(row["Clothing ID"]) or not row["Review Text"].strip():
            continue
        if ("clothing", realdata.CLOTHING_FILE_NAME, index, "Review Text") in taken:
            continue
        stars = _number(row["Rating"])
        feel = "positive" if stars == 5 else "negative" if stars <= 2 else None
        if feel:
            title = row["Title"].strip()
            text = f"{title}\n{row['Review Text'].strip()}" if title else row["Review Text"].strip()
            candidates.append(("clothing", index, text, feel, stars, "clothing:0", "retail", "Review Text", "en"))
    rows += _balanced(candidates, per_source, rng)
    candidates = []
    for (name, key), row in fukui.items():
        if name not in realdata.FUKUI_TRAIN_MONTHS:
            continue
        for question, score_column in realdata.FUKUI_SCORE_OF.items():
            text = (row.get(question) or "").strip()
            if len(text) < 4 or NON_ANSWER.match(text) or ("fukui", name, key, question) in taken:
                continue
            label = row.get(score_column, "").strip()
            feel = "positive" if label == "とても満足" else "negative" if label in ("不満", "とても不満") else None
            if feel:
                candidates.append(("fukui", f"{name}:{key}:{question}", text, feel,
                                   5.0 if feel == "positive" else 1.5, f"fukui:{name[:6]}", "hotel", question, "ja"))
    rows += _balanced(candidates, per_source, rng)
    return pd.DataFrame([{"id": f"weak:{source}:{key}", "origin": "weak", "source": source, "trade": trade,
                          "lang": lang, "question": question, "text": _prepare(text), "stage": None, "stages": None,
                          "touchpoint": None, "sentiment": feel, "rating": rating, "nps": np.nan, "group": group,
                          "draw": "weak"}
                         for source, key, text, feel, rating, group, trade, question, lang in rows], columns=COLUMNS)


def _balanced(candidates: list[tuple], n: int, rng: np.random.Generator) -> list[tuple]:
    """Up to n/2 of each polarity, drawn at random."""
    out = []
    for feel in ("positive", "negative"):
        pool = [c for c in candidates if c[3] == feel]
        picks = rng.choice(len(pool), size=min(len(pool), n // 2), replace=False) if pool else []
        out += [pool[i] for i in sorted(picks)]
    return out


def held_out() -> pd.DataFrame:
    """The evaluation rows (bench/labels), with their text: never used for training or tuning."""
    labels = [row for path in EVAL_FILES if path.exists() for row in _read_csv(path)]
    frame = _real_frame(labels, "eval")
    frame["held_out_partition"] = [
        realdata.partition(s, f, _clothing_id(k) if s == "clothing" else None) == "held_out"
        for s, f, k in zip([l["source"] for l in labels], [l["file"] for l in labels], [l["row_key"] for l in labels])]
    return frame


def _clothing_id(index: str) -> str:
    return _real_rows()[1][index]["Clothing ID"]


def training() -> pd.DataFrame:
    """Every labelled training row: real and written (weak sentiment rows come separately)."""
    return pd.concat([real_labelled(), written()], ignore_index=True)
