"""Tagging accuracy on held-out real comments, beside the "always usage" baseline and the old prototype tagger.

    python bench/accuracy.py [--embedder e5] [--quick]

The evaluation rows are bench/labels/real_eval.csv and bench/labels/heldout_eval.csv: real comments
labelled by reading, none of them ever in the training corpus (journey/training/). Two views of them:
- "held-out month/products": Fukui answers from 2026-06 (the heads trained on 2026-03 … 05) and clothing
  reviews of the products held out by hash (the heads trained on the others): unseen time and products;
- "all eval rows": every labelled evaluation row (also other months of the same survey, never trained on).
Each is reported per source with the trade's preset (Fukui → hotel, clothing → retail).

Figures per tagger: stage accuracy at the real mix (random draws only; primary stage, and crediting any
gold stage), macro-F1 and per-stage precision/recall over all rows (stages with at least 15 examples),
share unclassified, touchpoint accuracy (gold touchpoint given; unclassified counts as wrong), sentiment
positive-vs-negative from the text alone and with the response's score. Then the heads after 10 and 30
owner corrections per stage (5-fold inside the source: corrections from the other folds), the heads with
the question an owner would tie to a stage (Fukui 推奨項目 → loyalty), and heads trained without the
source's trade at all (no real rows of that source, no written rows of that trade): a trade with no
training rows of its own. Goals (issue 9): primary accuracy ≥ 0.88 at the real mix, macro-F1 ≥ 0.65, no
minority stage with precision < 0.6, touchpoint ≥ 0.70, sentiment ≥ 0.90 text / 0.93 with score, ≥ 0.75
macro-F1 after 30 corrections per stage, a trade without training rows above the usage baseline.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.baselines import prototype_tagger as old  # noqa: E402
from journey import heads as H  # noqa: E402
from journey.store import connection  # noqa: E402
from journey.embed import embed_cached, get_embedder  # noqa: E402
from journey.tagging import OwnerLabels, build_model, comment_vectors, tag_vectors  # noqa: E402
from journey.taxonomy import UNCLASSIFIED, load_preset  # noqa: E402
from journey.text import split_units  # noqa: E402
from journey.training import corpus, realdata  # noqa: E402
from journey.training.train import Recipe, embed_comments  # noqa: E402

CACHE = ROOT / "bench" / ".cache" / "embeddings.duckdb"
STAGES = corpus.STAGES
RIGHT_PRESET = {"fukui": "hotel", "clothing": "retail"}
OWN_TRADE = {"fukui": "hotel", "clothing": "retail"}
QUESTION_STAGES = {"fukui": {"推奨項目": "loyalty"}, "clothing": {}}
MIN_SUPPORT = 15


def units_of(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for i, r in enumerate(frame.itertuples()):
        for unit in split_units(r.text) or [r.text]:
            rows.append({"comment_id": i, "unit_id": len(rows), "text": unit, "touchpoint_column": None,
                         "question": r.question, "nps": r.nps, "rating": r.rating})
    return pd.DataFrame(rows)


def score(gold: pd.DataFrame, pred: pd.DataFrame) -> dict:
    """Every figure of one tagger on one set of rows (pred is aligned with gold)."""
    gold_stage, pred_stage = gold["stage"].to_numpy(), pred["stage"].to_numpy()
    gold_sets = [set(s.split("|")) for s in gold["stages"]]
    random_rows = (gold["draw"] == "random").to_numpy()
    per_stage, present = {}, []
    for s in STAGES:
        tp = int(((pred_stage == s) & (gold_stage == s)).sum())
        fp = int(((pred_stage == s) & (gold_stage != s)).sum())
        fn = int(((pred_stage != s) & (gold_stage == s)).sum())
        p = tp / (tp + fp) if tp + fp else float("nan")
        r = tp / (tp + fn) if tp + fn else float("nan")
        f = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        per_stage[s] = (p, r, f, int((gold_stage == s).sum()), tp + fp)
        if per_stage[s][3] >= MIN_SUPPORT:
            present.append(s)
    credited = np.array([p in g for p, g in zip(pred_stage, gold_sets)])
    touch_known = (gold["touchpoint"] != "none").to_numpy()
    polar = gold["sentiment"].isin(["positive", "negative"]).to_numpy()
    sign = lambda v: np.where(np.isnan(v), "", np.where(v > 0, "positive", "negative"))  # noqa: E731
    return {
        "n": len(gold), "n_random": int(random_rows.sum()),
        "acc_random": float((pred_stage == gold_stage)[random_rows].mean()) if random_rows.any() else float("nan"),
        "acc_random_credited": float(credited[random_rows].mean()) if random_rows.any() else float("nan"),
        "acc_all": float((pred_stage == gold_stage).mean()),
        "macro_f1": float(np.mean([per_stage[s][2] for s in present])) if present else float("nan"),
        "per_stage": per_stage, "stages_scored": present,
        "unclassified": float((pred_stage == UNCLASSIFIED).mean()),
        "touchpoint": float((pred["touchpoint"].to_numpy() == gold["touchpoint"].to_numpy())[touch_known].mean()),
        "sentiment_text": _polar_accuracy(sign(pred["sentiment_text"].to_numpy(float)), gold, polar),
        "sentiment_score": _polar_accuracy(sign(pred["sentiment_score"].to_numpy(float)), gold, polar),
    }


def _polar_accuracy(signs: np.ndarray, gold: pd.DataFrame, polar: np.ndarray) -> float:
    """Positive-vs-negative accuracy on the rows labelled positive or negative (NaN without a reading)."""
    if (signs == "").all():
        return float("nan")
    return float((signs == gold["sentiment"].to_numpy())[polar].mean())


def print_row(title: str, r: dict, detail: bool = False) -> None:
    print(f"  {title:44s} acc(random) {r['acc_random']:.3f} credited {r['acc_random_credited']:.3f} | "
          f"macro-F1 {r['macro_f1']:.3f} | uncl {r['unclassified']:5.1%} | touch {r['touchpoint']:.3f} | "
          f"sent text {r['sentiment_text']:.3f} +score {r['sentiment_score']:.3f}")
    if detail:
        for s, (p, rec, f, n, predicted) in r["per_stage"].items():
            flag = "" if s in r["stages_scored"] else "   (n < 15: not in macro-F1)"
            print(f"      {s:14s} P {p:.2f} R {rec:.2f} F1 {f:.2f}  gold {n:3d} predicted {predicted:3d}{flag}")


def predict_heads(frame, units, xu, model, owner=None, corrected=frozenset(), question_stages=None) -> pd.DataFrame:
    dim = xu.shape[1]
    no_score = units.assign(nps=np.nan, rating=np.nan)
    _, tags = tag_vectors(xu, units, model, owner or OwnerLabels.empty(dim), {}, corrected, question_stages)
    _, text_only = tag_vectors(xu, no_score, model, owner or OwnerLabels.empty(dim), {}, corrected, question_stages)
    tags = tags.set_index("comment_id").reindex(range(len(frame)))
    tags["sentiment_text"] = text_only.set_index("comment_id").reindex(range(len(frame)))["sentiment_score"]
    tags["touchpoint"] = tags["touchpoint"].replace(UNCLASSIFIED, "none")
    return tags.reset_index(drop=True)


def predict_old(frame, units, xu, anchors) -> pd.DataFrame:
    dim = xu.shape[1]
    no_score = units.assign(nps=np.nan, rating=np.nan)
    _, tags = old.tag_vectors(xu, units, anchors, old.OwnerLabels.empty(dim), {})
    _, text_only = old.tag_vectors(xu, no_score, anchors, old.OwnerLabels.empty(dim), {})
    tags = tags.set_index("comment_id").reindex(range(len(frame)))
    tags["sentiment_text"] = text_only.set_index("comment_id").reindex(range(len(frame)))["sentiment_score"]
    tags["touchpoint"] = tags["touchpoint"].replace(UNCLASSIFIED, "none")
    return tags.reset_index(drop=True)


def always_usage(frame) -> pd.DataFrame:
    """The trivial baseline: every comment is usage, about the product (no sentiment reading)."""
    return pd.DataFrame({"stage": "usage", "stages": "usage", "touchpoint": "product", "sentiment_text": np.nan,
                         "sentiment_score": np.nan}, index=range(len(frame)))


def with_corrections(frame, units, xu, xc, model, per_stage: int, seed: int = 7) -> pd.DataFrame:
    """5-fold: up to `per_stage` corrections per stage from the other folds, then the held-out fold."""
    rng = random.Random(seed)
    order = list(range(len(frame)))
    rng.shuffle(order)
    out = []
    for fold in (order[i::5] for i in range(5)):
        held = set(fold)
        chosen = []
        for s in STAGES + [UNCLASSIFIED]:
            members = [i for i in order if i not in held and frame["stage"].iloc[i] == s]
            chosen += members[:per_stage]
        owner = OwnerLabels(xc[chosen], frame["stage"].iloc[chosen].tolist(),
                            [t if t != "none" else None for t in frame["touchpoint"].iloc[chosen]],
                            frame["sentiment"].iloc[chosen].tolist(), frame["question"].iloc[chosen].tolist())
        pred = predict_heads(frame, units, xu, model, owner, corrected=set(chosen))
        out.append(pred.iloc[fold])
    return pd.concat(out).sort_index()


def heads_without(source: str, embed) -> tuple[dict[str, H.Head], dict, str]:
    """Heads trained exactly like the shipped ones but without any row of `source` or its trade."""
    from journey.training.train import fit_heads

    frame = corpus.training()
    frame = frame[(frame["source"] != source) & (frame["trade"] != OWN_TRADE[source])].reset_index(drop=True)
    weak = corpus.weak_sentiment()
    weak = weak[weak["source"] != source].reset_index(drop=True)
    shipped = H.load(H.shipped_path(get_embedder("e5").model_id))[1]["decision"]
    heads, info = fit_heads(frame, weak, embed, Recipe(), owner_weight_from=shipped)
    return heads, info.get("decision", {}), "trained without " + source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--quick", action="store_true", help="skip corrections and the leave-one-trade-out run")
    args = parser.parse_args()
    if not realdata.DATA.is_dir():
        sys.exit(f"real data not found at {realdata.DATA}")
    evaluation = corpus.held_out()
    embedder = get_embedder(args.embedder)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with connection.Database(CACHE).connect() as con:
        embed = lambda texts: embed_cached(con, embedder, texts)  # noqa: E731
        _ = embed_comments(evaluation["text"].tolist(), embed)
        models = {p: build_model(embed, load_preset(p), embedder.model_id) for p in set(RIGHT_PRESET.values())}
        anchors = {p: old.build_anchors(embed, load_preset(p)) for p in set(RIGHT_PRESET.values())}
        blind = {} if args.quick else {s: build_model(embed, load_preset(RIGHT_PRESET[s]), embedder.model_id,
                                                      trained=heads_without(s, embed)) for s in RIGHT_PRESET}
        print(f"embedder {embedder.model_id}; heads: {models['hotel'].source}; {len(evaluation)} evaluation rows "
              f"({int(evaluation['held_out_partition'].sum())} in the held-out month/products)")
        for view, mask in (("held-out month/products", evaluation["held_out_partition"]),
                           ("all eval rows", pd.Series(True, index=evaluation.index))):
            for source in RIGHT_PRESET:
                part = evaluation[mask & (evaluation["source"] == source)].reset_index(drop=True)
                units = units_of(part)
                xu = embed(units["text"].tolist())
                xc = comment_vectors(xu, units["comment_id"].to_numpy(), np.arange(len(part)))
                preset = RIGHT_PRESET[source]
                counts = part["stage"].value_counts().to_dict()
                print(f"\n{view} · {source} ({len(part)} comments, {int((part['draw'] == 'random').sum())} random; "
                      f"preset {preset}); stages: {counts}")
                print_row("always usage (touchpoint: product)", score(part, always_usage(part)))
                print_row("prototype tagger (before)", score(part, predict_old(part, units, xu, anchors[preset])))
                print_row("trained heads", score(part, predict_heads(part, units, xu, models[preset])), detail=True)
                if QUESTION_STAGES[source]:
                    hinted = predict_heads(part, units, xu, models[preset], question_stages=QUESTION_STAGES[source])
                    print_row("heads + 推奨項目 tied to loyalty", score(part, hinted))
                if args.quick:
                    continue
                for n in (10, 30):
                    pred = with_corrections(part, units, xu, xc, models[preset], n)
                    print_row(f"heads after {n} corrections/stage (5-fold)", score(part, pred), detail=(n == 30))
                print_row(f"heads trained without {source} or {OWN_TRADE[source]}",
                          score(part, predict_heads(part, units, xu, blind[source])), detail=True)


if __name__ == "__main__":
    main()
