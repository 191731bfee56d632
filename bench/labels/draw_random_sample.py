"""Re-create the RANDOM part of real_eval.csv (keys only, no text).

seed: random.Random(20261122), one generator used in this order:
  1. shuffle the list of all non-empty Fukui (row, free-text column) cells
     (months 202603..202606, file order, column order of FUKUI_TEXT_COLUMNS),
     walk the shuffled list, skip texts shorter than 4 characters (after
     strip) and keep at most 5 "特になし"-style non-answers, stop at 170;
  2. rng.sample 150 of the clothing rows whose Review Text is non-empty
     (file order).
Run:  python bench/labels/draw_random_sample.py  -> prints the keys as CSV.
"""
import csv
import random
import re
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from journey.training.realdata import CLOTHING_FILE_NAME, clothing_rows, fukui_cells, sha1_12  # noqa: E402

SEED = 20261122
N_FUKUI = 170
N_CLOTHING = 150
MAX_NON_ANSWERS = 5
NON_ANSWER = re.compile(
    r"^(特に)?(なし|無し|ない|無い|ありません|ございません)[。.!！]*$|^(nothing|none|n/a)$", re.I
)


def draw():
    rng = random.Random(SEED)
    cells = fukui_cells()
    order = list(range(len(cells)))
    rng.shuffle(order)
    picked, non_answers = [], 0
    for i in order:
        name, key, col, text = cells[i]
        s = text.strip()
        if len(s) < 4:
            continue
        if NON_ANSWER.match(s):
            if non_answers >= MAX_NON_ANSWERS:
                continue
            non_answers += 1
        picked.append(("fukui", name, key, col, sha1_12(text)))
        if len(picked) == N_FUKUI:
            break
    rows = [r for r in clothing_rows() if r["Review Text"].strip()]
    for i in rng.sample(range(len(rows)), N_CLOTHING):
        r = rows[i]
        picked.append(("clothing", CLOTHING_FILE_NAME, r["index"], "Review Text", sha1_12(r["Review Text"])))
    return picked


if __name__ == "__main__":
    w = csv.writer(sys.stdout)
    w.writerow(["source", "file", "row_key", "question", "text_sha1"])
    w.writerows(draw())
