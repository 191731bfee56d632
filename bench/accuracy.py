"""Tagging accuracy on the hand-labelled real comments in bench/labels/real_eval.csv.

    python bench/accuracy.py [--embedder e5] [--draw all|random]

For each source (Fukui tourism survey with the `hotel` preset, clothing reviews with `retail`, and both
with `default`), prints per-stage precision/recall/F1, macro-F1, share unclassified, accuracy on the
classified rest, macro-F1 over every stage a comment touches (gold `stages` against the predicted
`stages`, which is how the dashboards count comments), touchpoint accuracy, sentiment accuracy
(positive vs negative), then the same after 10 and 30 simulated owner corrections per stage (5-fold:
corrections come from the other folds of the same source), the zero-shot run with the survey questions an owner would tie to a stage on the Taxonomy
page, a keyword-rule baseline, and a supervised ceiling (a classifier trained on every other fold's
labels, no abstention). Goals (issue 3): macro-F1 >= 0.70 zero-shot with the right preset,
>= 0.85 after 30 corrections per stage, <= 20% unclassified, sentiment >= 0.85.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from journey.embed import embed_cached, get_embedder  # noqa: E402
from journey.ingest.scales import to_numbers  # noqa: E402
from journey.store import connection  # noqa: E402
from journey.tagging import (OwnerLabels, Settings, build_anchors, comment_vectors, prototype_probs,  # noqa: E402
                             tag_vectors)
from journey.taxonomy import UNCLASSIFIED, load_preset  # noqa: E402
from journey.text import mask_pii, split_units  # noqa: E402

from journey.training import realdata  # noqa: E402

LABELS = ROOT / "bench" / "labels" / "real_eval.csv"
CACHE = ROOT / "bench" / ".cache" / "embeddings.duckdb"
STAGES = ["awareness", "interest", "consideration", "purchase", "usage", "support", "loyalty"]
RIGHT_PRESET = {"fukui": "hotel", "clothing": "retail"}
# What an owner would set on the Taxonomy page from the question's wording alone (one click):
# "推奨項目" asks what the respondent would recommend to others, which is advocacy.
QUESTION_STAGES = {"fukui": {"推奨項目": "loyalty"}, "clothing": {}}
SATISFACTION = ["満足度", "満足度(商品・サービス)", "福井県内での交通手段の満足度"]

KEYWORDS = {  # the baseline: first stage whose word appears, else the most common stage (usage)
    "awareness": ["知った", "見つけ", "instagram", "インスタ", "テレビ", "tv", "広告", "ad ", "heard about", "saw it",
                  "チラシ", "ポスター", "パンフレット", "雑誌", "口コミで"],
    "interest": ["気になって", "興味", "調べ", "行ってみたい", "curious", "wanted to try", "looked up", "情報"],
    "consideration": ["比較", "迷っ", "検討", "compared", "debated", "hesitant", "reviews", "レビューを見"],
    "purchase": ["購入", "買", "予約", "注文", "支払", "値段", "価格", "料金", "ordered", "bought", "purchased",
                 "price", "sale", "checkout", "size up", "sized"],
    "support": ["返品", "交換", "問い合わせ", "対応してもら", "返金", "return", "refund", "exchange",
                "customer service"],
    "loyalty": ["また来", "また行", "リピート", "おすすめ", "勧め", "紹介", "recommend", "again", "every color",
                "another", "favorite"],
}


def load_eval(draw: str) -> pd.DataFrame:
    """Labelled rows joined to their real text and scores (text is read from ../shared, never stored)."""
    labels = list(csv.DictReader(open(LABELS, encoding="utf-8")))
    fukui = {(name, key): row for name, key, row in realdata.fukui_rows()}
    clothing = {row["index"]: row for row in realdata.clothing_rows()}
    out = []
    for label in labels:
        if draw != "all" and label["draw"] != draw:
            continue
        if label["stage"] == "unclear":
            continue
        if label["source"] == "fukui":
            row = fukui[(label["file"], label["row_key"])]
            text = row[label["question"]]
            nps = float(row["NPS"]) if row["NPS"].strip() else np.nan
            rating = to_numbers(pd.Series([row[c] for c in SATISFACTION])).mean()
        else:
            row = clothing[label["row_key"]]
            text = row["Review Text"]
            title = row["Title"].strip()
            text = f"{title}\n{text.strip()}" if title else text.strip()
            nps, rating = np.nan, float(row["Rating"])
        assert realdata.sha1_12(row[label["question"]]) == label["text_sha1"], label
        out.append({**label, "text": mask_pii(text.replace("\r\n", "\n").strip()), "nps": nps, "rating": rating})
    return pd.DataFrame(out)


def units_of(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for i, r in frame.iterrows():
        for seq, unit in enumerate(split_units(r["text"])):
            rows.append({"comment_id": i, "unit_id": len(rows), "text": unit, "touchpoint_column": None,
                         "question": r["question"], "nps": r["nps"], "rating": r["rating"]})
    return pd.DataFrame(rows)


def predict(frame, units, x_units, anchors, owner, settings, corrected=frozenset(),
            question_stages=None) -> pd.DataFrame:
    _, comments = tag_vectors(x_units, units, anchors, owner, {}, settings, corrected=corrected,
                              question_stages=question_stages)
    return comments.set_index("comment_id").reindex(frame.index)


def scores(gold: pd.DataFrame, pred: pd.DataFrame) -> dict:
    classified = pred["stage"] != UNCLASSIFIED
    per_stage = {}
    for s in STAGES:
        tp = int(((pred["stage"] == s) & (gold["stage"] == s)).sum())
        fp = int(((pred["stage"] == s) & (gold["stage"] != s)).sum())
        fn = int(((pred["stage"] != s) & (gold["stage"] == s)).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        per_stage[s] = (p, r, 2 * p * r / (p + r) if p + r else 0.0, int((gold["stage"] == s).sum()))
    present = [s for s in STAGES if per_stage[s][3] > 0]
    # Every stage a comment touches (the dashboards count a comment under each of its stages).
    gold_sets = [set(g.split("|")) for g in gold["stages"]]
    pred_sets = [set(p.split("|")) - {"", UNCLASSIFIED} if isinstance(p, str) else set()
                 for p in pred.get("stages", pd.Series("", index=pred.index))]
    touched = {}
    for s in STAGES:
        tp = sum(s in g and s in p for g, p in zip(gold_sets, pred_sets))
        fp = sum(s not in g and s in p for g, p in zip(gold_sets, pred_sets))
        fn = sum(s in g and s not in p for g, p in zip(gold_sets, pred_sets))
        touched[s] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    touched_present = [s for s in STAGES if any(s in g for g in gold_sets)]
    polar = gold["sentiment"].isin(["positive", "negative"])
    sign = np.where(pred["sentiment_score"] > 0, "positive", "negative")
    touch_known = pred["touchpoint"] != UNCLASSIFIED
    return {
        "per_stage": per_stage,
        "macro_f1": float(np.mean([per_stage[s][2] for s in present])),
        "macro_f1_stages": float(np.mean([touched[s] for s in touched_present])),
        "unclassified": float(1 - classified.mean()),
        "accuracy_classified": float((pred.loc[classified, "stage"] == gold.loc[classified, "stage"]).mean()),
        "accuracy_all": float((pred["stage"] == gold["stage"]).mean()),
        "touchpoint_classified": float((pred.loc[touch_known, "touchpoint"] == gold.loc[touch_known, "touchpoint"]).mean()),
        "sentiment_pos_neg": float((sign[polar.to_numpy()] == gold.loc[polar, "sentiment"].to_numpy()).mean()),
        "sentiment_3class": float((pred["sentiment"] == gold["sentiment"]).mean()),
        "n": len(gold),
    }


def keyword_baseline(frame: pd.DataFrame) -> pd.DataFrame:
    def stage(text: str) -> str:
        lowered = text.lower()
        for s, words in KEYWORDS.items():
            if any(w in lowered for w in words):
                return s
        return "usage"
    stages = frame["text"].map(stage)
    return pd.DataFrame({"stage": stages, "stages": stages, "touchpoint": UNCLASSIFIED,
                         "sentiment": "neutral", "sentiment_score": 0.0}, index=frame.index)


def with_corrections(frame, units, x_units, x_comments, anchors, settings, per_stage: int, seed: int = 7):
    """5-fold: owner corrections (up to `per_stage` per stage) from the other folds; predict the held-out fold."""
    rng = random.Random(seed)
    order = list(frame.index)
    rng.shuffle(order)
    folds = [order[i::5] for i in range(5)]
    preds = []
    for fold in folds:
        test = set(fold)
        pool = frame[~frame.index.isin(test)]
        chosen = []
        for s in STAGES:
            members = list(pool.index[pool["stage"] == s])
            rng.shuffle(members)
            chosen.extend(members[:per_stage])
        owner = OwnerLabels(x_comments[[frame.index.get_loc(i) for i in chosen]],
                            frame.loc[chosen, "stage"].tolist(),
                            [t if t != "none" else None for t in frame.loc[chosen, "touchpoint"]],
                            frame.loc[chosen, "sentiment"].tolist(), frame.loc[chosen, "question"].tolist())
        pred = predict(frame, units, x_units, anchors, owner, settings, corrected=set(chosen))
        preds.append(pred.loc[fold])
    return pd.concat(preds).reindex(frame.index)


def supervised_ceiling(frame: pd.DataFrame, x_comments: np.ndarray, proto: np.ndarray) -> float:
    """Macro-F1 of a logistic regression trained on every other fold's labels (far more than 30 per
    stage for common stages, all there are for rare ones), with the features the app's classifier uses
    (comment vector, prototype probabilities, question one-hot) and no abstention: how far the labels
    and the embedding can carry any classifier built on them. Scored like the rest, over every stage
    present: a stage with fewer than 5 examples cannot be cross-validated, so its comments are predicted
    by a model of the other stages (and count as misses)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    stages = frame["stage"].to_numpy()
    counts = pd.Series(stages).value_counts()
    keep = pd.Series(stages).map(counts).to_numpy() >= 5  # a stage needs one example per fold
    questions = pd.get_dummies(frame["question"]).to_numpy(dtype=np.float32)
    features = np.hstack([x_comments, proto, questions])
    model = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
    predicted = np.empty(len(frame), dtype=object)
    predicted[keep] = cross_val_predict(model, features[keep], stages[keep],
                                        cv=StratifiedKFold(5, shuffle=True, random_state=0))
    if (~keep).any():
        predicted[~keep] = model.fit(features[keep], stages[keep]).predict(features[~keep])
    return scores(frame, pd.DataFrame({"stage": predicted, "touchpoint": UNCLASSIFIED, "sentiment": "neutral",
                                       "sentiment_score": 0.0}, index=frame.index))["macro_f1"]


def report(title: str, result: dict, detail: bool = False) -> None:
    print(f"  {title:38s} macro-F1 {result['macro_f1']:.3f} (all stages touched {result['macro_f1_stages']:.3f}) | unclassified {result['unclassified']:5.1%} | "
          f"acc classified {result['accuracy_classified']:.3f} | touchpoint {result['touchpoint_classified']:.3f} | "
          f"sentiment +/- {result['sentiment_pos_neg']:.3f} (3-class {result['sentiment_3class']:.3f})")
    if detail:
        for s, (p, r, f, n) in result["per_stage"].items():
            print(f"      {s:14s} P {p:.2f} R {r:.2f} F1 {f:.2f} (n={n})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--draw", default="all", choices=["all", "random", "targeted"])
    parser.add_argument("--abstain", type=float, default=Settings.abstain_share)
    args = parser.parse_args()
    if not realdata.DATA.is_dir():
        sys.exit(f"real data not found at {realdata.DATA}")
    frame = load_eval(args.draw)
    embedder = get_embedder(args.embedder)
    settings = Settings(abstain_share=args.abstain)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with connection.Database(CACHE).connect() as con:
        embed = lambda texts: embed_cached(con, embedder, texts)  # noqa: E731
        units_all = units_of(frame)
        x_units_all = embed(units_all["text"].tolist())
        x_comments_all = comment_vectors(x_units_all, units_all["comment_id"].to_numpy(), frame.index.to_numpy())
        anchors = {p: build_anchors(embed, load_preset(p)) for p in {"default", *RIGHT_PRESET.values()}}
    print(f"embedder {embedder.model_id}; {len(frame)} labelled comments ({args.draw} draw), "
          f"{len(units_all)} units; abstain share {settings.abstain_share:.0%}")
    for source in ["fukui", "clothing"]:
        part = frame[frame["source"] == source]
        keep = units_all["comment_id"].isin(part.index).to_numpy()
        units = units_all[keep].reset_index(drop=True)
        units["unit_id"] = range(len(units))
        x_units, x_comments = x_units_all[keep], x_comments_all[frame.index.isin(part.index)]
        preset = RIGHT_PRESET[source]
        print(f"\n{source}: {len(part)} comments, preset '{preset}'")
        dim = x_units.shape[1]
        zero = predict(part, units, x_units, anchors[preset], OwnerLabels.empty(dim), settings)
        report(f"zero-shot, {preset}", scores(part, zero), detail=True)
        if QUESTION_STAGES[source]:
            hinted = predict(part, units, x_units, anchors[preset], OwnerLabels.empty(dim), settings,
                             question_stages=QUESTION_STAGES[source])
            report(f"+ {len(QUESTION_STAGES[source])} question tied to a stage", scores(part, hinted))
        generic = predict(part, units, x_units, anchors["default"], OwnerLabels.empty(dim), settings)
        report("zero-shot, default preset", scores(part, generic))
        for n in (10, 30):
            pred = with_corrections(part, units, x_units, x_comments, anchors[preset], settings, n)
            report(f"after {n} corrections/stage (5-fold)", scores(part, pred), detail=(n == 30))
        report("keyword baseline", scores(part, keyword_baseline(part)))
        ceiling = supervised_ceiling(part, x_comments, prototype_probs(x_comments, anchors[preset].stage_groups))
        print(f"  supervised ceiling (every label, 5-fold, no abstention): macro-F1 {ceiling:.3f}")


if __name__ == "__main__":
    main()
