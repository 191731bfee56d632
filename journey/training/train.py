"""Train the tagger's heads (stage, touchpoint, sentiment) from the labelled corpus and ship them.

    python -m journey.training.train [--embedder e5] [--cache bench/.cache/embeddings.duckdb]

Reads the corpus (journey/training/corpus.py: real comments labelled by reading, comments the team wrote,
weak sentiment from scores), embeds it with the app's own splitting and model (cached), fits each head,
measures it by cross-validation grouped by source and month/product (never on the evaluation rows in
bench/labels), fits the temperature and the decision thresholds on those cross-validated predictions,
and writes journey/models/<model>.npz with a summary of the corpus and the cross-validated figures.
"""
from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from journey import heads as H
from journey.embed import embed_cached, get_embedder
from journey.text import split_units
from journey.training import corpus

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = ROOT / "bench" / ".cache" / "embeddings.duckdb"
MODELS_DIR = ROOT / "journey" / "models"
STAGE_KEYS = corpus.STAGES + [corpus.UNCLASSIFIED]
TOUCH_KEYS = corpus.TOUCHPOINTS + ["none"]


@dataclass
class Recipe:
    """How the heads are trained (chosen by grouped cross-validation on the training corpus)."""

    c_stage: float = 8.0
    c_touchpoint: float = 8.0
    c_sentiment: float = 8.0
    written_weight: float = 0.5
    weak_weight: float = 0.3
    folds: int = 5


# --- embedding -------------------------------------------------------------------------------------


def embed_comments(texts: list[str], embed: Callable[[list[str]], np.ndarray]) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """(comment vectors, units frame with comment index, unit vectors) as the app makes them: each text
    split into sentence units, every unit embedded, a comment the mean of its units."""
    from journey.tagging import comment_vectors

    rows = [(i, unit) for i, text in enumerate(texts) for unit in (split_units(text) or [text])]
    units = pd.DataFrame(rows, columns=["comment", "text"])
    xu = embed(units["text"].tolist())
    xc = comment_vectors(xu, units["comment"].to_numpy(), np.arange(len(texts)))
    return xc, units, xu


# --- priors ----------------------------------------------------------------------------------------


def real_mix_prior(frame: pd.DataFrame, column: str, keys: list[str], smoothing: float = 1.0) -> np.ndarray:
    """The class mix of randomly drawn real comments, each source weighing the same (so one large survey
    does not set the mix for every trade), with add-`smoothing` counts."""
    random_rows = frame[(frame["origin"] == "real") & (frame["draw"] == "random") & frame[column].notna()]
    mixes = []
    for _, part in random_rows.groupby("source"):
        counts = part[column].value_counts().reindex(keys, fill_value=0).to_numpy(float) + smoothing
        mixes.append(counts / counts.sum())
    if not mixes:
        return np.full(len(keys), 1.0 / len(keys))
    prior = np.mean(mixes, axis=0)
    return prior / prior.sum()


USAGE_SHARE = 0.80  # LABELLING.md: about 80% of randomly drawn survey and review comments are about usage


def stage_prior(frame: pd.DataFrame) -> np.ndarray:
    """The stage mix of real feedback: usage at the share LABELLING.md states for randomly drawn comments,
    the rest split as the randomly drawn real training rows split it. Two sources would otherwise set the
    mix for every trade (the survey's 72% usage, the reviews' 99%)."""
    mix = real_mix_prior(frame, "stage", STAGE_KEYS)
    usage = STAGE_KEYS.index("usage")
    rest = np.delete(mix, usage)
    return np.insert(rest / rest.sum() * (1 - USAGE_SHARE), usage, USAGE_SHARE)


# --- cross-validation ------------------------------------------------------------------------------


def group_folds(groups: pd.Series, folds: int, seed: int = 0) -> np.ndarray:
    """Fold number per row; rows of one group (a source's month or product half, a written trade) can
    share a fold, but each fold mixes groups so every class is seen in training."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(groups), int)
    for _, index in groups.groupby(groups).groups.items():
        positions = groups.index.get_indexer(index)
        fold[positions] = rng.permutation(np.arange(len(positions)) % folds)
    return fold


def cross_validated_logits(x: np.ndarray, labels: list[str], keys: list[str], weights: np.ndarray, c: float,
                           fold: np.ndarray) -> tuple[np.ndarray, dict[int, H.Head]]:
    """Balanced logits of each row from a head trained on the other folds, and those heads by fold."""
    out = np.zeros((len(x), len(keys)), np.float32)
    labels_arr = np.array(labels, dtype=object)
    heads = {}
    for f in np.unique(fold):
        train, test = fold != f, fold == f
        heads[int(f)] = H.fit(x[train], list(labels_arr[train]), keys, weights[train], c=c)
        out[test] = heads[int(f)].logits(x[test])
    return out, heads


# --- the heads -------------------------------------------------------------------------------------


def origin_weights(frame: pd.DataFrame, recipe: Recipe) -> np.ndarray:
    return frame["origin"].map({"real": 1.0, "written": recipe.written_weight, "weak": recipe.weak_weight}).to_numpy(float)


def train_head(name: str, x: np.ndarray, frame: pd.DataFrame, column: str, keys: list[str], c: float,
               weights: np.ndarray, prior: np.ndarray, fold: np.ndarray,
               calibrate: np.ndarray) -> tuple[H.Head, np.ndarray, dict[int, H.Head]]:
    """The head fitted on every row, its temperature fitted on cross-validated logits of the `calibrate`
    rows (real comments), those cross-validated logits (for thresholds and the summary) and the heads of
    the folds (calibrated alike, for simulating the owner's corrections)."""
    labels = frame[column].tolist()
    logits, fold_heads = cross_validated_logits(x, labels, keys, weights, c, fold)
    y = np.array([keys.index(v) for v in labels])
    temperature = H.fit_temperature(logits[calibrate], y[calibrate], prior)
    head = H.fit(x, labels, keys, weights, c=c, prior=prior)
    for h in (head, *fold_heads.values()):
        h.temperature, h.prior = temperature, prior
        h.meta = {"name": name, "rows": int(len(x)), "c": c}
    return head, logits / temperature, fold_heads


def choose(candidates, score_of):
    """The candidate with the best score (the first of equal bests)."""
    scores = [score_of(c) for c in candidates]
    return candidates[int(np.argmax(scores))]


def question_prior_rows(balanced: np.ndarray, questions: pd.Series, prior: np.ndarray, pseudo_count: float,
                        max_ratio: float) -> np.ndarray:
    """Per row: its question's class mix by EM over that question's rows (as the app does per corpus)."""
    priors = np.tile(prior, (len(balanced), 1))
    for _, index in questions.groupby(questions).groups.items():
        rows = questions.index.get_indexer(index)
        priors[rows] = H.adapt_prior(balanced[rows], prior, pseudo_count, max_ratio)
    return priors


def stage_decision(frame: pd.DataFrame, logits: np.ndarray, prior: np.ndarray, touches: np.ndarray) -> dict:
    """The question-prior strength and minority-stage threshold (by stage macro-F1 on real rows plus
    accuracy at the real mix, on cross-validated logits), then the threshold at which a stage the
    comment touches joins its stages (by the macro-F1 of those sets)."""
    from journey.tagging import decide_stage

    real = (frame["origin"] == "real").to_numpy()
    random_rows = real & (frame["draw"] == "random").to_numpy()
    gold = frame["stage"].to_numpy()
    balanced = H.softmax(logits)
    questions = frame["question"].fillna("").reset_index(drop=True)
    options = []
    for pseudo in (50.0, 100.0, 200.0, 400.0):
        for ratio in (2.0, 4.0, 8.0):
            probs = H.softmax(logits + np.log(question_prior_rows(balanced, questions, prior, pseudo, ratio)))
            for t in np.round(np.arange(0.2, 0.91, 0.05), 2):
                chosen = decide_stage(probs, STAGE_KEYS, float(t))["key"].to_numpy()
                quality = np.mean([_f1(chosen[real], gold[real], s) for s in corpus.STAGES]) \
                    + (chosen[random_rows] == gold[random_rows]).mean()
                options.append((quality, pseudo, ratio, float(t), chosen))
    quality, pseudo, ratio, threshold, chosen = max(options, key=lambda o: o[0])
    gold_sets = [set(v.split("|")) for v in frame["stages"]]

    def sets_quality(t: float) -> float:
        sets = [{c} | {k for j, k in enumerate(corpus.STAGES) if touches[i, j] >= t} for i, c in enumerate(chosen)]
        return float(np.mean([_set_f1(sets, gold_sets, real, s) for s in corpus.STAGES]))

    touch = choose([float(t) for t in np.round(np.arange(0.3, 0.96, 0.05), 2)] + [1.01], sets_quality)
    cv = {}
    for source in sorted(frame.loc[real, "source"].unique()):
        rows = real & (frame["source"] == source).to_numpy()
        drawn = rows & random_rows
        present = [k for k in corpus.STAGES if (gold[rows] == k).sum() >= 15]
        cv[source] = {"stage_macro_f1": round(float(np.mean([_f1(chosen[rows], gold[rows], k) for k in present])), 3),
                      "stage_accuracy_random": round(float((chosen[drawn] == gold[drawn]).mean()), 3),
                      "always_usage_random": round(float((gold[drawn] == "usage").mean()), 3)}
    return {"question_pseudo_count": pseudo, "question_max_ratio": ratio, "minority_threshold": threshold,
            "touches_threshold": touch, "cross_validated": cv}


def other_decisions(frame: pd.DataFrame, touch_p: np.ndarray, sent_p: np.ndarray) -> dict:
    """The touchpoint threshold by accuracy (abstaining is right only where no touchpoint was labelled)
    and the weight of the response's own score in sentiment by positive-vs-negative accuracy (the score
    should settle texts that read both ways, not overrule clear ones), both on cross-validated
    probabilities of the real rows (with their questions' priors)."""
    from journey.tagging import decide_touchpoint, rating_prior, sentiment_reading

    real = (frame["origin"] == "real").to_numpy()
    touch_gold = frame["touchpoint"].to_numpy()

    def touch_quality(t: float) -> float:
        chosen = decide_touchpoint(touch_p, TOUCH_KEYS, t)["key"].to_numpy()
        return float((np.where(chosen == "unclassified", "none", chosen)[real] == touch_gold[real]).mean())

    prior = rating_prior(frame["nps"], frame["rating"])
    feel_gold = frame["sentiment"].to_numpy()
    scored = real & (prior != 0) & np.isin(feel_gold, ["positive", "negative"])

    def sentiment_quality(w: float) -> float:
        _, score = sentiment_reading(sent_p, prior, w)
        return float((np.where(score > 0, "positive", "negative")[scored] == feel_gold[scored]).mean())

    touch_threshold = choose([float(t) for t in np.round(np.arange(0.0, 0.71, 0.05), 2)], touch_quality)
    weight = choose([float(w) for w in np.round(np.arange(0.0, 4.01, 0.25), 2)], sentiment_quality)
    _, text_score = sentiment_reading(sent_p, np.zeros(len(frame), np.float32), 0.0)
    text_labels = np.where(text_score > 0, "positive", "negative")
    polar = real & np.isin(feel_gold, ["positive", "negative"])
    return {"touchpoint_threshold": touch_threshold, "rating_weight": weight,
            "cross_validated": {"touchpoint_accuracy": round(touch_quality(touch_threshold), 3),
                                "sentiment_pos_neg_with_score": round(sentiment_quality(weight), 3),
                                "sentiment_pos_neg_text": round(float((text_labels[polar] == feel_gold[polar]).mean()), 3)}}


def _f1(pred: np.ndarray, gold: np.ndarray, key: str) -> float:
    tp = ((pred == key) & (gold == key)).sum()
    denominator = (pred == key).sum() + (gold == key).sum()
    return float(2 * tp / denominator) if denominator else 0.0


def _set_f1(pred: list[set], gold: list[set], rows: np.ndarray, key: str) -> float:
    tp = sum(1 for i in np.flatnonzero(rows) if key in pred[i] and key in gold[i])
    denominator = sum(1 for i in np.flatnonzero(rows) if key in pred[i]) + sum(1 for i in np.flatnonzero(rows)
                                                                              if key in gold[i])
    return 2 * tp / denominator if denominator else 0.0


def owner_weight(frame: pd.DataFrame, x: np.ndarray, weights: np.ndarray, head: H.Head, c: float,
                 decision: dict, folds: int = 3, seed: int = 7) -> tuple[float, dict]:
    """How much one owner's correction weighs against one read training row when the heads are refitted
    with the corrections added, chosen by simulating the Review page on each real source: 10, then 30,
    corrections per stage from the source's other folds join the training rows, and the refitted head
    tags the held-out fold with its question priors. Two owners are simulated: one of a source the
    heads were trained on (the other folds stay in training), and a new one (none of the source's rows
    in training). The weight with the best stage macro-F1 plus accuracy at the real mix, averaged over
    sources, owners and amounts, wins."""
    from journey.tagging import decide_stage

    rng = np.random.default_rng(seed)
    real = (frame["origin"] == "real").to_numpy()
    random_rows = (frame["draw"] == "random").to_numpy()
    gold = frame["stage"].to_numpy()
    questions = frame["question"].fillna("").reset_index(drop=True)
    options = (1.0, 3.0, 10.0, 30.0)
    totals = {w: [] for w in options}
    for source in sorted(frame.loc[real, "source"].unique()):
        mine = real & (frame["source"] == source).to_numpy()
        rows = np.flatnonzero(mine)
        fold = rng.permutation(np.arange(len(rows)) % folds)
        present = [k for k in corpus.STAGES if (gold[mine] == k).sum() >= 15]
        drawn = mine & random_rows
        for new_owner in (False, True):
            for per_stage in (10, 30):
                chosen = {w: np.empty(len(frame), dtype=object) for w in options}
                for f in range(folds):
                    pool, test = rows[fold != f], rows[fold == f]
                    base = ~mine if new_owner else np.isin(np.arange(len(frame)), test, invert=True)
                    start = H.fit(x[base], list(gold[base]), STAGE_KEYS, weights[base], c=c, prior=head.prior)
                    picks = np.array([i for key in STAGE_KEYS
                                      for i in rng.permutation(pool[gold[pool] == key])[:per_stage]], int)
                    train_rows = np.concatenate([np.flatnonzero(base), picks])
                    for w in options:
                        refit = H.fit(x[train_rows], list(gold[train_rows]), STAGE_KEYS,
                                      np.concatenate([weights[base], np.full(len(picks), w)]), c=c,
                                      prior=head.prior, start=start)
                        logits = refit.logits(x[test]) / head.temperature
                        priors = question_prior_rows(H.softmax(logits), questions.iloc[test].reset_index(drop=True),
                                                     head.prior, decision["question_pseudo_count"],
                                                     decision["question_max_ratio"])
                        chosen[w][test] = decide_stage(H.softmax(logits + np.log(priors)), STAGE_KEYS,
                                                       decision["minority_threshold"])["key"].to_numpy()
                for w in options:
                    totals[w].append(np.mean([_f1(chosen[w][mine], gold[mine], k) for k in present])
                                     + (chosen[w][drawn] == gold[drawn]).mean())
    results = {w: round(float(np.mean(v)), 3) for w, v in totals.items()}
    return max(results, key=results.get), results


def cross_validated_touches(x: np.ndarray, label_sets: list[set[str]], weights: np.ndarray, c: float,
                            fold: np.ndarray) -> np.ndarray:
    out = np.zeros((len(x), len(corpus.STAGES)))
    for f in np.unique(fold):
        train, test = fold != f, fold == f
        out[test] = H.fit_multi(x[train], [label_sets[i] for i in np.flatnonzero(train)], corpus.STAGES,
                                weights[train], c).proba(x[test])
    return out


def fit_heads(frame: pd.DataFrame, weak: pd.DataFrame, embed: Callable[[list[str]], np.ndarray],
              recipe: Recipe, owner_weight_from: dict | None = None) -> tuple[dict[str, H.Head | H.MultiHead], dict]:
    """(heads, info): the heads fitted on every row, temperatures and decision settings fitted on
    cross-validated predictions of the real rows, with the settings in `info`. `owner_weight_from` (a
    decision dict) skips simulating the owner's corrections and takes their weight from it."""
    x, _, _ = embed_comments(frame["text"].tolist(), embed)
    xw, _, _ = embed_comments(weak["text"].tolist(), embed) if len(weak) else (np.zeros((0, x.shape[1])), None, None)
    frame = frame.assign(touchpoint=frame["touchpoint"].fillna("none")).reset_index(drop=True)
    weights = origin_weights(frame, recipe)
    fold = group_folds(frame["group"], recipe.folds)
    real = (frame["origin"] == "real").to_numpy()
    stage, stage_cv, _ = train_head("stage", x, frame, "stage", STAGE_KEYS, recipe.c_stage, weights,
                                    stage_prior(frame), fold, real)
    touch, touch_cv, _ = train_head("touchpoint", x, frame, "touchpoint", TOUCH_KEYS, recipe.c_touchpoint, weights,
                                 real_mix_prior(frame, "touchpoint", TOUCH_KEYS), fold, real)
    label_sets = [set(v.split("|")) - {corpus.UNCLASSIFIED} for v in frame["stages"]]
    touches = H.fit_multi(x, label_sets, corpus.STAGES, weights, recipe.c_stage)
    touches.meta = {"name": "touches", "rows": int(len(x)), "c": recipe.c_stage}
    touches_cv = cross_validated_touches(x, label_sets, weights, recipe.c_stage, fold)
    both = pd.concat([frame, weak], ignore_index=True)
    weak_fold = group_folds(weak["group"], recipe.folds) if len(weak) else np.zeros(0, int)
    sent, sent_cv, _ = train_head("sentiment", np.vstack([x, xw]), both, "sentiment", corpus.SENTIMENTS,
                               recipe.c_sentiment, origin_weights(both, recipe),
                               real_mix_prior(frame, "sentiment", corpus.SENTIMENTS),
                               np.concatenate([fold, weak_fold]), np.concatenate([real, np.zeros(len(weak), bool)]))
    shared = np.vstack([x, xw]).astype(np.float16)
    for head, column, rows, data, w in ((stage, "stage", np.arange(len(x)), frame, weights),
                                        (touch, "touchpoint", np.arange(len(x)), frame, weights),
                                        (sent, "sentiment", np.arange(len(both)), both, origin_weights(both, recipe))):
        labels = np.array([head.keys.index(v) for v in data[column]])
        head.corpus = H.Corpus(shared, rows, labels, w, head.meta["c"])
    decision = stage_decision(frame, stage_cv, stage.prior, touches_cv)
    if owner_weight_from is None:  # the simulation refits the stage head ~100 times: minutes on two cores
        decision["owner_weight"], by_weight = owner_weight(frame, x, weights, stage, recipe.c_stage, decision)
    else:
        decision["owner_weight"], by_weight = owner_weight_from["owner_weight"], "taken from the shipped heads"
    questions = frame["question"].fillna("").reset_index(drop=True)
    pseudo, ratio = decision["question_pseudo_count"], decision["question_max_ratio"]

    def with_question_priors(logits: np.ndarray, prior: np.ndarray) -> np.ndarray:
        return H.softmax(logits + np.log(question_prior_rows(H.softmax(logits), questions, prior, pseudo, ratio)))

    others = other_decisions(frame, with_question_priors(touch_cv, touch.prior),
                             with_question_priors(sent_cv[:len(frame)], sent.prior))
    cross_validated = {**decision.pop("cross_validated"), **others.pop("cross_validated"),
                       "owner_weight_after_10_and_30_per_stage": by_weight}
    decision.update(others)
    info = {"recipe": asdict(recipe), "rows": int(len(frame)), "weak_rows": int(len(weak)),
            "by_origin": {k: int(v) for k, v in frame["origin"].value_counts().items()},
            "decision": decision, "cross_validated": cross_validated}
    return {"stage": stage, "touchpoint": touch, "sentiment": sent, "touches": touches}, info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    from journey.store import connection

    started = time.perf_counter()
    embedder = get_embedder(args.embedder)
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    with connection.Database(args.cache).connect() as con:
        heads, info = fit_heads(corpus.training(), corpus.weak_sentiment(),
                                lambda texts: embed_cached(con, embedder, texts), Recipe())
    info.update(model_id=embedder.model_id, seconds=round(time.perf_counter() - started, 1))
    out = args.out or MODELS_DIR / H.model_file_name(embedder.model_id)
    H.save(heads, out, info)
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KB) in {info['seconds']} s")
    print(json.dumps(info, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
