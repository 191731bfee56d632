"""Validate real_eval.csv against the shared real data and print count tables.

Checks: every key resolves to exactly one cell whose sha1 prefix matches,
labels come from the allowed sets, stage == first entry of stages, no
duplicate keys, no comment text in the file, >= 300 rows, the random rows
are exactly what draw_random_sample.py re-creates.
Exit status 1 on any error.   Run:  python bench/labels/validate_real_eval.py
"""
import collections
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from journey.training.realdata import CLOTHING_FILE_NAME, FUKUI_MONTHS, FUKUI_TEXT_COLUMNS, clothing_rows, fukui_rows, sha1_12  # noqa: E402

STAGES = ["awareness", "interest", "consideration", "purchase", "usage", "support", "loyalty", "unclear"]
TOUCHPOINTS = ["web", "app", "sns", "ads_media", "review_sites", "word_of_mouth", "store_facility", "staff",
               "support_contact", "email", "delivery", "transport", "product", "price_payment", "signage_info",
               "events", "none"]
SENTIMENTS = ["positive", "neutral", "negative"]
COLUMNS = ["source", "file", "row_key", "question", "text_sha1", "lang", "stage", "stages", "touchpoint",
           "sentiment", "draw"]
CSV_PATH = Path(__file__).resolve().parent / "real_eval.csv"


def load_index():
    """(source, file, row_key, question) -> list of cell texts (to detect ambiguity)."""
    idx = collections.defaultdict(list)
    for name, key, row in fukui_rows():
        for col in FUKUI_TEXT_COLUMNS:
            idx[("fukui", name, key, col)].append(row.get(col) or "")
    for r in clothing_rows():
        idx[("clothing", CLOTHING_FILE_NAME, r["index"], "Review Text")].append(r["Review Text"])
    return idx


def table(title, counter, rows, cols):
    print(f"\n{title}")
    w = max(len(str(r)) for r in rows + ["total"]) + 2
    print("".ljust(w) + "".join(str(c).rjust(10) for c in cols + ["total"]))
    for r in rows:
        vals = [counter.get((r, c), 0) for c in cols]
        print(str(r).ljust(w) + "".join(str(v).rjust(10) for v in vals + [sum(vals)]))
    tot = [sum(counter.get((r, c), 0) for r in rows) for c in cols]
    print("total".ljust(w) + "".join(str(v).rjust(10) for v in tot + [sum(tot)]))


def main():
    errors = []
    with open(CSV_PATH, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            errors.append(f"header {reader.fieldnames} != {COLUMNS}")
        rows = list(reader)
    idx = load_index()
    seen = set()
    for n, r in enumerate(rows, start=2):
        key = (r["source"], r["file"], r["row_key"], r["question"])
        if key in seen:
            errors.append(f"line {n}: duplicate key {key}")
        seen.add(key)
        if r["source"] == "fukui":
            ok = r["file"] in FUKUI_MONTHS and r["question"] in FUKUI_TEXT_COLUMNS and r["lang"] == "ja"
        elif r["source"] == "clothing":
            ok = r["file"] == CLOTHING_FILE_NAME and r["question"] == "Review Text" and r["lang"] == "en"
        else:
            ok = False
        if not ok:
            errors.append(f"line {n}: bad source/file/question/lang {key} {r['lang']}")
        cells = idx.get(key, [])
        if len(cells) != 1:
            errors.append(f"line {n}: key resolves to {len(cells)} cells: {key}")
        elif sha1_12(cells[0]) != r["text_sha1"]:
            errors.append(f"line {n}: sha1 mismatch for {key}")
        elif not cells[0].strip():
            errors.append(f"line {n}: empty cell {key}")
        stages = r["stages"].split("|")
        if r["stage"] not in STAGES or any(s not in STAGES for s in stages):
            errors.append(f"line {n}: bad stage {r['stage']!r} / {r['stages']!r}")
        if stages[0] != r["stage"] or len(set(stages)) != len(stages):
            errors.append(f"line {n}: stages must start with stage and not repeat: {r['stages']!r}")
        if "unclear" in stages and stages != ["unclear"]:
            errors.append(f"line {n}: 'unclear' cannot be combined: {r['stages']!r}")
        if r["touchpoint"] not in TOUCHPOINTS:
            errors.append(f"line {n}: bad touchpoint {r['touchpoint']!r}")
        if r["sentiment"] not in SENTIMENTS:
            errors.append(f"line {n}: bad sentiment {r['sentiment']!r}")
        if r["draw"] not in ("random", "targeted"):
            errors.append(f"line {n}: bad draw {r['draw']!r}")
    if len(rows) < 300:
        errors.append(f"only {len(rows)} rows (< 300)")

    # the random rows must be exactly the reproducible draw
    from draw_random_sample import draw
    expected = [tuple(t) for t in draw()]
    got = [(r["source"], r["file"], r["row_key"], r["question"], r["text_sha1"]) for r in rows if r["draw"] == "random"]
    if got != expected:
        errors.append("random rows differ from draw_random_sample.py output")
    n_targeted = sum(r["draw"] == "targeted" for r in rows)
    if n_targeted > 150:
        errors.append(f"{n_targeted} targeted rows (> 150)")

    print(f"rows: {len(rows)}  (random {len(got)}, targeted {n_targeted})")
    sources = ["fukui", "clothing"]
    c = collections.Counter((r["stage"], r["source"]) for r in rows)
    table("primary stage x source", c, STAGES, sources)
    c = collections.Counter((r["stage"], r["draw"]) for r in rows)
    table("primary stage x draw", c, STAGES, ["random", "targeted"])
    c = collections.Counter()
    for r in rows:
        for s in r["stages"].split("|"):
            c[(s, r["source"])] += 1
    table("stage mentioned anywhere in `stages` x source", c, STAGES, sources)
    c = collections.Counter((r["sentiment"], r["source"]) for r in rows)
    table("sentiment x source", c, SENTIMENTS, sources)
    c = collections.Counter((r["touchpoint"], r["source"]) for r in rows)
    table("touchpoint x source", c, [t for t in TOUCHPOINTS if any(k[0] == t for k in c)], sources)

    if errors:
        print(f"\n{len(errors)} ERROR(S):")
        for e in errors:
            print("  " + e)
        return 1
    print("\nOK: all keys resolve to exactly one cell with matching sha1; labels valid.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
