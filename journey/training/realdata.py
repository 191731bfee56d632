"""Reading the real customer-feedback exports in ../shared/real-data (never copied into the repo), and the
split between rows the tagger may learn from and rows it is judged on.

The data folder defaults to ``<repo>/../shared/real-data`` and can be overridden with the
JOURNEY_LENS_REAL_DATA environment variable. Labelled rows are stored as keys into these files (source,
file, row key, question) with a SHA-1 prefix of the cell, never as text.

The split (`partition`) is by time and by product, so the evaluation measures unseen data:
- Fukui survey: months 2026-03 … 2026-05 train, 2026-06 is held out;
- clothing reviews: a quarter of the products (by a hash of `Clothing ID`) are held out;
- every row of bench/labels/real_eval.csv is held out, whatever its month or product.
"""
from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("JOURNEY_LENS_REAL_DATA", REPO.parent / "shared" / "real-data"))
FUKUI_DIR = DATA / "fukui_tourism_survey_ja"
CLOTHING_FILE = DATA / "womens_ecommerce_clothing_reviews_en" / "womens_clothing_ecommerce_reviews.csv"

FUKUI_MONTHS = ["202603.csv", "202604.csv", "202605.csv", "202606.csv"]
FUKUI_TRAIN_MONTHS = ["202603.csv", "202604.csv", "202605.csv"]
FUKUI_HELD_OUT_MONTH = "202606.csv"
FUKUI_TEXT_COLUMNS = [
    "満足度の理由",
    "満足度(商品・サービス)の理由",
    "不便さの内容",
    "推奨項目",
    "施設に求めるもの",
    "福井県に求めるもの",
    "福井県内での交通手段の満足度の理由",
]
# The score each Fukui free-text question explains (what an analyst reads beside the text).
FUKUI_SCORE_OF = {
    "満足度の理由": "満足度",
    "満足度(商品・サービス)の理由": "満足度(商品・サービス)",
    "福井県内での交通手段の満足度の理由": "福井県内での交通手段の満足度",
}
FUKUI_SATISFACTION = ["満足度", "満足度(商品・サービス)", "福井県内での交通手段の満足度"]
CLOTHING_FILE_NAME = "womens_clothing_ecommerce_reviews.csv"
EVAL_LABELS = REPO / "bench" / "labels" / "real_eval.csv"


def sha1_12(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def fukui_rows(months: list[str] | None = None):
    """Yield (file_name, row_key, row_dict) in file order."""
    for name in months or FUKUI_MONTHS:
        with open(FUKUI_DIR / name, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                yield name, row["会員ID"] + "|" + row["回答日時"], row


def fukui_cells(months: list[str] | None = None):
    """All non-empty (file, row_key, question, text) cells, in a fixed order."""
    out = []
    for name, key, row in fukui_rows(months):
        for col in FUKUI_TEXT_COLUMNS:
            text = row.get(col) or ""
            if text.strip():
                out.append((name, key, col, text))
    return out


def clothing_rows():
    """Yield dicts; the unnamed first column is exposed as 'index'."""
    with open(CLOTHING_FILE, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        cols = ["index"] + header[1:]
        for rec in reader:
            yield dict(zip(cols, rec))


def clothing_held_out(clothing_id: str) -> bool:
    """A quarter of the products, chosen by a hash of the product id (every review of a product falls on
    one side)."""
    return hashlib.sha1(clothing_id.encode("utf-8")).digest()[0] % 4 == 0


def eval_keys() -> set[tuple[str, str, str, str]]:
    """(source, file, row_key, question) of every row in the evaluation labels."""
    if not EVAL_LABELS.exists():
        return set()
    with open(EVAL_LABELS, encoding="utf-8", newline="") as fh:
        return {(r["source"], r["file"], r["row_key"], r["question"]) for r in csv.DictReader(fh)}


def partition(source: str, file: str, clothing_id: str | None = None) -> str:
    """'train' or 'held_out' for a row by its month (Fukui) or product (clothing); rows listed in the
    evaluation labels are held out as well (check `eval_keys` for those)."""
    if source == "fukui":
        return "held_out" if file == FUKUI_HELD_OUT_MONTH else "train"
    if source == "clothing":
        return "held_out" if clothing_held_out(clothing_id or "") else "train"
    raise ValueError(f"unknown source {source!r}")
