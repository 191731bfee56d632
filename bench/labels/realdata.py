"""Shared helpers for the hand-labelled real-data evaluation set.

Reads the real customer-feedback exports from the shared folder (never copied
into the repo).  The data folder defaults to ``<repo>/../shared/real-data`` and
can be overridden with the JOURNEY_LENS_REAL_DATA environment variable.
"""
import csv
import hashlib
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("JOURNEY_LENS_REAL_DATA", REPO.parent / "shared" / "real-data"))
FUKUI_DIR = DATA / "fukui_tourism_survey_ja"
CLOTHING_FILE = DATA / "womens_ecommerce_clothing_reviews_en" / "womens_clothing_ecommerce_reviews.csv"

FUKUI_MONTHS = ["202603.csv", "202604.csv", "202605.csv", "202606.csv"]
FUKUI_TEXT_COLUMNS = [
    "満足度の理由",
    "満足度(商品・サービス)の理由",
    "不便さの内容",
    "推奨項目",
    "施設に求めるもの",
    "福井県に求めるもの",
    "福井県内での交通手段の満足度の理由",
]
CLOTHING_FILE_NAME = "womens_clothing_ecommerce_reviews.csv"


def sha1_12(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def fukui_rows():
    """Yield (file_name, row_key, row_dict) in file order."""
    for name in FUKUI_MONTHS:
        with open(FUKUI_DIR / name, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                yield name, row["会員ID"] + "|" + row["回答日時"], row


def fukui_cells():
    """All non-empty (file, row_key, question, text) cells, in a fixed order."""
    out = []
    for name, key, row in fukui_rows():
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
