"""Draw real comments for labelling by reading: training rows from the training months and products,
evaluation rows from the held-out month and products (see realdata.partition). Keys only are kept in
the repository; the batches written here carry the text for the person (or assistant) who labels them.

    python -m journey.training.draw --out /tmp/labelwork             # draw, write batches
    python -m journey.training.draw --out /tmp/labelwork --collect   # labelled batches → the repository

Writes one `<batch>.md` (the comments with their context, for reading) and one `<batch>.keys.csv` (the
keys of the same items) per batch of 50. Random draws give the real stage mix; targeted draws (rows found
by the search terms below, shuffled, every candidate kept: none chosen after reading) give the rare
stages enough examples. The draw is fixed by its seed, so it can be re-created.
"""
from __future__ import annotations

import argparse
import csv
import random
import re
from pathlib import Path

from journey.training import realdata

SEED = 20261130
BATCH = 50
NON_ANSWER = re.compile(r"^(特に)?(なし|無し|ない|無い|ありません|ございません)[。.!！]*$|^(nothing|none|n/a)$", re.I)

FUKUI_TERMS = {
    "awareness": r"テレビ|TV|CM|インスタ|Instagram|SNS|YouTube|ユーチューブ|知った|知りました|知って|雑誌|ポスター|パンフ|広告|宣伝|ネットで見|番組|PR|アピール",
    "interest": r"行ってみたい|来てみたかった|来たかった|行きたかった|気になって|興味|調べ|食べてみたい|見てみたい|一度は|憧れ|楽しみにして",
    "consideration": r"比較|比べ|迷っ|悩ん|口コミ|レビュー|検討|選ん|どこに行|決め|候補|他県|計画|プラン|下調べ|事前に|ホームページ|HP|サイト",
    "purchase": r"予約|購入|支払|キャッシュレス|現金|クレジット|PayPay|料金|値段|価格|チケット|入場料|売り切れ|品切れ|レジ",
    "support": r"問い合わせ|問合せ|電話|忘れ物|落とし物|クレーム|苦情|返金|キャンセル|郵送|発送|配送|届い|メール|対応して",
    "loyalty": r"二度と|リピート|毎年|何度も|また来|また行|また訪|また利用|再訪|来年も|次回も|友人に|人に勧め|おすすめしたい",
}
CLOTHING_TERMS = {
    "support": r"customer service|refund|exchang|store credit|return label|restocking|emailed|return shipping|price adjustment|sent it back|returned (it|them)|sending (it|them) back",
    "consideration": r"based on the reviews|read the reviews|on the fence|debat|hesitant|skeptical|took a chance|torn|compar|couldn't decide|undecided|wish list|eyeing|walked away|passed on it|waited for",
    "awareness_interest": r"instagram|blog|catalog|e-?mail|my (friend|sister|mom|daughter)|stylist|caught my eye|mannequin|saw (it|this) (online|in the store)|window display|first saw",
    "loyalty": r"in every colou?r|another colou?r|customer for life|go-to|have several|bought (it|one|this) in|will buy again|buy more|favorite brand|always buy|loyal",
    "purchase": r"ordered|on sale|sale price|full price|paid|checkout|sold out|back in stock|out of stock|promo|discount|coupon|in stock",
}


def _fukui_items(months: list[str], excluded: set) -> list[dict]:
    items = []
    for name, key, row in realdata.fukui_rows(months):
        for question in realdata.FUKUI_TEXT_COLUMNS:
            text = row.get(question) or ""
            if len(text.strip()) < 4 or ("fukui", name, key, question) in excluded:
                continue
            score = realdata.FUKUI_SCORE_OF.get(question)
            context = f"question: {question} | spot: {row.get('回答エリア', '')} | NPS: {row.get('NPS', '')}"
            context += f" | 満足度: {row.get('満足度', '')}"
            if score and score != "満足度":
                context += f" | {score}: {row.get(score, '')}"
            items.append({"source": "fukui", "file": name, "row_key": key, "question": question,
                          "text_sha1": realdata.sha1_12(text), "lang": "ja", "text": text, "context": context})
    return items


def _clothing_items(held_out: bool, excluded: set) -> list[dict]:
    items = []
    for row in realdata.clothing_rows():
        text = row["Review Text"]
        key = ("clothing", realdata.CLOTHING_FILE_NAME, row["index"], "Review Text")
        if not text.strip() or key in excluded or realdata.clothing_held_out(row["Clothing ID"]) != held_out:
            continue
        context = (f"title: {row['Title']} | rating: {row['Rating']}/5 | recommended: {row['Recommended IND']} | "
                   f"{row['Department Name']} / {row['Class Name']}")
        items.append({"source": "clothing", "file": realdata.CLOTHING_FILE_NAME, "row_key": row["index"],
                      "question": "Review Text", "text_sha1": realdata.sha1_12(text), "lang": "en", "text": text,
                      "context": context})
    return items


def _random(rng: random.Random, items: list[dict], n: int, taken: set, max_non_answers: int) -> list[dict]:
    order = list(range(len(items)))
    rng.shuffle(order)
    out, non_answers = [], 0
    for i in order:
        item = items[i]
        if _key(item) in taken:
            continue
        if NON_ANSWER.match(item["text"].strip()):
            if non_answers >= max_non_answers:
                continue
            non_answers += 1
        out.append({**item, "draw": "random"})
        taken.add(_key(item))
        if len(out) == n:
            break
    return out


def _targeted(rng: random.Random, items: list[dict], terms: dict[str, str], n: int, taken: set) -> list[dict]:
    out = []
    for group, pattern in terms.items():
        regex = re.compile(pattern, re.I)
        found = [item for item in items if regex.search(item["text"]) and _key(item) not in taken]
        rng.shuffle(found)
        for item in found[:n]:
            out.append({**item, "draw": "targeted", "searched": group})
            taken.add(_key(item))
    return out


def _key(item: dict) -> tuple:
    return item["source"], item["file"], item["row_key"], item["question"]


def draw() -> dict[str, list[dict]]:
    """The training and evaluation draws, by name."""
    rng = random.Random(SEED)
    excluded = realdata.eval_keys()
    taken: set = set()
    fukui_train = _fukui_items(realdata.FUKUI_TRAIN_MONTHS, excluded)
    fukui_eval = _fukui_items([realdata.FUKUI_HELD_OUT_MONTH], excluded)
    clothing_train = _clothing_items(False, excluded)
    clothing_eval = _clothing_items(True, excluded)
    return {
        "train_fukui": _random(rng, fukui_train, 750, taken, 25) + _targeted(rng, fukui_train, FUKUI_TERMS, 50, taken),
        "train_clothing": _random(rng, clothing_train, 700, taken, 5)
        + _targeted(rng, clothing_train, CLOTHING_TERMS, 60, taken),
        "eval_fukui": _random(rng, fukui_eval, 100, taken, 5) + _targeted(rng, fukui_eval, FUKUI_TERMS, 20, taken),
        "eval_clothing": _random(rng, clothing_eval, 100, taken, 2)
        + _targeted(rng, clothing_eval, CLOTHING_TERMS, 20, taken),
        # A second targeted round for the stages the held-out rows still had fewer than 15 of.
        "evalextra": _targeted(rng, clothing_eval, {k: CLOTHING_TERMS[k] for k in ("support", "consideration")},
                               45, taken)
        + _targeted(rng, fukui_eval, {k: FUKUI_TERMS[k] for k in ("support", "consideration")}, 30, taken),
        # A second targeted training round: real examples of the stages the first round had few of.
        "train2": _targeted(rng, fukui_train, {k: FUKUI_TERMS[k] for k in ("purchase", "awareness", "consideration",
                                                                          "support")}, 75, taken)
        + _targeted(rng, clothing_train, {k: CLOTHING_TERMS[k] for k in ("consideration", "support", "purchase",
                                                                        "awareness_interest", "loyalty")}, 50, taken),
    }


KEY_COLUMNS = ["item", "source", "file", "row_key", "question", "text_sha1", "lang", "draw"]


def write_batches(draws: dict[str, list[dict]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, items in draws.items():
        # Random and targeted rows are interleaved by a shuffle, so a batch does not read as one theme.
        shuffled = list(items)
        random.Random(SEED).shuffle(shuffled)
        for b in range(0, len(shuffled), BATCH):
            batch = f"{name}_{b // BATCH + 1:02d}"
            part = shuffled[b:b + BATCH]
            with open(out / f"{batch}.keys.csv", "w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(KEY_COLUMNS)
                for i, item in enumerate(part, start=1):
                    writer.writerow([f"{batch}-{i:02d}"] + [item[c] for c in KEY_COLUMNS[1:]])
            with open(out / f"{batch}.md", "w", encoding="utf-8") as fh:
                fh.write(f"# {batch}: {len(part)} comments\n\n")
                for i, item in enumerate(part, start=1):
                    fh.write(f"## {batch}-{i:02d}\n{item['context']}\n\n{item['text'].strip()}\n\n")


LABEL_COLUMNS = ["source", "file", "row_key", "question", "text_sha1", "lang", "stage", "stages", "touchpoint",
                 "sentiment", "draw"]


def collect(folder: Path, prefix: str, out: Path) -> int:
    """Join every `<prefix>_NN.labels.csv` in `folder` to its keys and write them (keys and labels only,
    no text) to `out`; returns the number of rows."""
    rows = []
    for labels_path in sorted(folder.glob(f"{prefix}*_*.labels.csv")):
        keys_path = labels_path.with_name(labels_path.name.replace(".labels.csv", ".keys.csv"))
        with open(keys_path, encoding="utf-8", newline="") as fh:
            keys = {r["item"]: r for r in csv.DictReader(fh)}
        with open(labels_path, encoding="utf-8", newline="") as fh:
            for label in csv.DictReader(fh):
                key = keys[label["item"]]
                rows.append({**{c: key[c] for c in ("source", "file", "row_key", "question", "text_sha1", "lang",
                                                    "draw")},
                             **{c: label[c].strip() for c in ("stage", "stages", "touchpoint", "sentiment")}})
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, LABEL_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the batches")
    parser.add_argument("--collect", action="store_true",
                        help="instead of drawing, gather the labelled batches in --out into the repository")
    args = parser.parse_args()
    if args.collect:
        from journey.training import corpus

        for prefix, target in (("train", corpus.REAL_LABELS), ("eval", corpus.EVAL_FILES[1])):
            # "eval_*" and "evalextra_*" batches both go to the evaluation file
            print(f"{target}: {collect(args.out, prefix, target)} rows")
        return
    draws = draw()
    write_batches(draws, args.out)
    for name, items in draws.items():
        print(f"{name}: {len(items)} ({sum(i['draw'] == 'random' for i in items)} random)")


if __name__ == "__main__":
    main()
