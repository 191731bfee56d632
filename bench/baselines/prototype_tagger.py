"""The prototype tagger as it stood before the trained heads (commit 8fe7c0d), kept only so bench/accuracy.py
can print it beside the heads and the "always usage" baseline. Not used by the app."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from journey.taxonomy import UNCLASSIFIED, Taxonomy, sentiment_phrases

SENTIMENTS = ("positive", "neutral", "negative")
TOP_K = 3
BELOW_ANY_COSINE = -2.0  # fills the padding of the example grid in group_scores


@dataclass
class Settings:
    """Tunable knobs; defaults chosen on bench/accuracy.py."""

    abstain_share: float = 0.15
    touchpoint_abstain_share: float = 0.15
    neutral_band: float = 0.35
    rating_weight: float = 0.9
    min_labels_per_class: int = 3


@dataclass
class Anchors:
    """Embedded prototype texts of one taxonomy for one model."""

    stage_keys: list[str]
    stage_groups: list[np.ndarray]
    touchpoint_keys: list[str]
    touchpoint_groups: list[np.ndarray]
    positive: np.ndarray
    negative: np.ndarray


@dataclass
class OwnerLabels:
    """The owner's corrected comments (each as the mean of its unit vectors) with their labels (None
    where a field was not corrected) and the survey question each answers (a strong hint: "what would
    you recommend" → loyalty)."""

    vectors: np.ndarray
    stage: list[str | None] = field(default_factory=list)
    touchpoint: list[str | None] = field(default_factory=list)
    sentiment: list[str | None] = field(default_factory=list)
    question: list[str] = field(default_factory=list)

    @classmethod
    def empty(cls, dim: int) -> "OwnerLabels":
        return cls(np.zeros((0, dim), np.float32))


def build_anchors(embed: Callable[[list[str]], np.ndarray], taxonomy: Taxonomy) -> Anchors:
    """Embed every prototype text of the taxonomy and the sentiment phrases (one call, cache-friendly)."""
    groups = [c.prototype_texts() for c in taxonomy.stages] + [c.prototype_texts() for c in taxonomy.touchpoints]
    phrases = sentiment_phrases()
    texts = [t for g in groups for t in g] + phrases["positive"] + phrases["negative"]
    vectors = embed(texts)
    out, start = [], 0
    for group in groups:
        out.append(vectors[start:start + len(group)])
        start += len(group)
    n_pos = len(phrases["positive"])
    pos, neg = vectors[start:start + n_pos], vectors[start + n_pos:]
    n_stages = len(taxonomy.stages)
    return Anchors(taxonomy.stage_keys(), out[:n_stages], taxonomy.touchpoint_keys(), out[n_stages:], pos, neg)


def group_scores(x: np.ndarray, groups: Sequence[np.ndarray], k: int = TOP_K, chunk: int = 8192) -> np.ndarray:
    """(n units × groups) similarity: half the mean of the top-k cosines to the group's examples, half the
    cosine to the group's centroid.

    The examples are laid out as a grid (example rank × group part) padded below any cosine, so one matrix
    product per chunk of units scores every example, and the top k of each part are kept as k running
    maxima down the grid (a few vector operations instead of a sort). A group taller than the grid (one
    with many owner corrections) is cut into parts of the grid's height, whose top k are merged.
    """
    out = np.full((len(x), len(groups)), -1.0, np.float32)
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    if len(x) == 0 or not sizes.any():
        return out
    present = np.flatnonzero(sizes)
    height = _grid_height(sizes[present], k)
    dim = x.shape[1]
    parts = [(j, start) for j in present for start in range(0, int(sizes[j]), height)]
    grid = np.zeros((height, len(parts), dim), np.float32)
    for column, (j, start) in enumerate(parts):
        examples = groups[j][start:start + height]
        grid[:len(examples), column] = examples
    padding = np.arange(height)[:, None] >= np.array([min(height, sizes[j] - s) for j, s in parts])[None, :]
    centroids = np.vstack([_unit_length(groups[j].mean(axis=0, keepdims=True)) for j in present])
    flat = np.vstack([grid.reshape(-1, dim), centroids]).astype(np.float32)  # centroids as the last rows
    cells = height * len(parts)
    part_of = {j: [c for c, (owner, _) in enumerate(parts) if owner == j] for j in present}
    kk = np.minimum(k, sizes[present])[:, None]
    taken = (np.arange(k)[:, None, None] < kk[None, :, :])
    scores = np.empty((len(present), len(x)), np.float32)
    for start in range(0, len(x), chunk):
        block = x[start:start + chunk].astype(np.float32, copy=False)
        product = flat @ block.T
        sims = product[:cells].reshape(height, len(parts), len(block))
        sims[padding] = BELOW_ANY_COSINE
        tops = _top_k(sims, k)
        if len(parts) > len(present):  # merge the parts of each group: top k of their top k's
            tops = np.stack([_top_k(tops[:, part_of[j], :].reshape(-1, 1, len(block)), k)[:, 0]
                             if len(part_of[j]) > 1 else tops[:, part_of[j][0]] for j in present], axis=1)
        top_mean = (tops * taken).sum(axis=0) / kk
        scores[:, start:start + len(block)] = 0.5 * top_mean + 0.5 * product[cells:]
    out[:, present] = scores.T
    return out


def _grid_height(sizes: np.ndarray, k: int) -> int:
    """The grid height with the fewest cells once every group is cut into parts of that height (the
    matrix product and the running maxima cost in proportion to the cells), no lower than the median
    group (merging the parts of most groups would cost more than padding saves) nor than k."""
    low = max(k, int(np.median(sizes)))
    heights = np.arange(low, max(low, int(sizes.max())) + 1)
    cells = heights * np.ceil(sizes[None, :] / heights[:, None]).sum(axis=1)
    return int(heights[len(heights) - 1 - np.argmin(cells[::-1])])  # the tallest of the cheapest


def _top_k(rows: np.ndarray, k: int) -> np.ndarray:
    """(k × columns × n) the k largest values down axis 0 of a (rows × columns × n) array, largest first."""
    tops = np.full((k,) + rows.shape[1:], BELOW_ANY_COSINE, np.float32)
    carry, spare = np.empty(rows.shape[1:], np.float32), np.empty(rows.shape[1:], np.float32)
    for row in rows:  # insert each row into the sorted running maxima tops[0] >= tops[1] >= ...
        np.copyto(carry, row)
        for top in tops:
            np.minimum(top, carry, out=spare)
            np.maximum(top, carry, out=top)
            carry, spare = spare, carry
    return tops


def temperature(scores: np.ndarray) -> float:
    """Spread of scores across categories (row-centred std): the model's own cosine scale."""
    if scores.size == 0 or scores.shape[1] < 2:
        return 1.0
    centred = scores - scores.mean(axis=1, keepdims=True)
    return float(max(centred.std(), 1e-4))


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def _with_owner_examples(groups: Sequence[np.ndarray], keys: list[str], vectors: np.ndarray,
                         labels: list[str | None]) -> list[np.ndarray]:
    out = []
    for key, group in zip(keys, groups):
        mine = vectors[[i for i, label in enumerate(labels) if label == key]] if len(vectors) else vectors
        out.append(np.vstack([group, mine]) if len(mine) else group)
    return out


def prototype_probs(x: np.ndarray, groups: Sequence[np.ndarray]) -> np.ndarray:
    """Probabilities over the groups from prototype similarity, at the model's own temperature."""
    scores = group_scores(x, groups)
    return softmax(scores / temperature(scores))


def _features(x: np.ndarray, proto: np.ndarray, questions: Sequence[str], vocabulary: list[str]) -> np.ndarray:
    onehot = np.zeros((len(x), len(vocabulary)), np.float32)
    index = {q: i for i, q in enumerate(vocabulary)}
    for row, q in enumerate(questions):
        if q in index:
            onehot[row, index[q]] = 1.0
    return np.hstack([x, proto, onehot])


def classifier_probs(x: np.ndarray, proto: np.ndarray, questions: Sequence[str], keys: list[str],
                     owner: OwnerLabels, owner_field: list[str | None], groups: Sequence[np.ndarray],
                     min_per_class: int) -> tuple[np.ndarray | None, int]:
    """Logistic regression over the owner's labels (features: embedding, prototype probabilities and the
    survey question); returns probabilities over `keys` and the number of labels used.

    None until at least two categories have `min_per_class` labels each.
    """
    pairs = [(i, label) for i, label in enumerate(owner_field) if label in keys]
    counts = pd.Series([label for _, label in pairs], dtype=object).value_counts()
    usable = counts[counts >= min_per_class]
    if len(usable) < 2:
        return None, 0
    from sklearn.linear_model import LogisticRegression

    rows = [i for i, label in pairs if label in usable.index]
    owner_questions = [owner.question[i] if i < len(owner.question) else "" for i in rows]
    vocabulary = sorted(set(owner_questions))
    train = _features(owner.vectors[rows], prototype_probs(owner.vectors[rows], groups), owner_questions,
                      vocabulary)
    model = LogisticRegression(C=4.0, max_iter=1000, class_weight="balanced")
    model.fit(train, [owner_field[i] for i in rows])
    predicted = model.predict_proba(_features(x, proto, questions, vocabulary))
    probs = np.full((len(x), len(keys)), 1e-3, np.float32)
    for column, cls in enumerate(model.classes_):
        probs[:, keys.index(cls)] = predicted[:, column]
    # The owner's labels are not a sample of the corpus (the review queue asks about rare and unsure
    # comments), so re-weight by the corpus class mix as the prototypes see it (Saerens et al. 2002).
    if len(proto) and proto.shape[1] == len(keys):
        corpus_prior = proto.mean(axis=0) + 1e-3
        probs = probs * (corpus_prior / corpus_prior.sum() * len(keys))
    return probs / probs.sum(axis=1, keepdims=True), len(rows)


def decide(probs: np.ndarray, keys: list[str], abstain_share: float,
           calibrate_on: np.ndarray | None = None) -> pd.DataFrame:
    """Best key per row with its probability and margin; the smallest-margin `abstain_share` abstain.

    `calibrate_on` (a row mask) limits the rows the threshold is measured on: comments the owner already
    labelled are confidently right and would otherwise push the abstentions onto everything else.
    """
    if len(probs) == 0:
        return pd.DataFrame({"key": pd.Series(dtype=object), "score": pd.Series(dtype=float),
                             "margin": pd.Series(dtype=float)})
    order = np.argsort(-probs, axis=1)
    rows = np.arange(len(probs))
    best = probs[rows, order[:, 0]]
    margin = best - (probs[rows, order[:, 1]] if probs.shape[1] > 1 else 0)
    reference = margin[calibrate_on] if calibrate_on is not None and calibrate_on.any() else margin
    threshold = float(np.quantile(reference, abstain_share)) if abstain_share > 0 else -1.0
    chosen = np.where(margin <= threshold, UNCLASSIFIED, np.array(keys, dtype=object)[order[:, 0]])
    return pd.DataFrame({"key": chosen, "score": best, "margin": margin})


def rating_prior(nps: pd.Series, rating: pd.Series) -> np.ndarray:
    """+1 for 4–5 of 5, −1 for 1–2, 0 for 3; without a 1–5 rating, +1 for promoters and −1 for detractors.

    A satisfaction or star rating says how the customer felt; NPS says whether they would recommend,
    and runs low where people rarely give 9–10 (in Japan many satisfied customers answer 5–7), so it
    only speaks when there is no rating.
    """
    nps_v, rating_v = nps.to_numpy(dtype="float64"), rating.to_numpy(dtype="float64")
    from_nps = np.where(nps_v >= 9, 1.0, np.where(nps_v <= 6, -1.0, 0.0))
    from_rating = np.where(rating_v >= 4, 1.0, np.where(rating_v <= 2, -1.0, np.where(rating_v < 3, -0.5, 0.0)))
    return np.where(~np.isnan(rating_v), from_rating, from_nps).astype(np.float32)


def sentiment(x: np.ndarray, anchors: Anchors, prior: np.ndarray, settings: Settings) -> np.ndarray:
    """Signed sentiment score per unit (above `neutral_band` positive, below its negative negative):
    the unit's position between positive and negative anchor phrases, standardised over the corpus,
    plus the response's own score."""
    raw = group_scores(x, [anchors.positive, anchors.negative])
    axis = raw[:, 0] - raw[:, 1]
    spread = float(axis.std()) if len(axis) > 1 else 1.0
    z = (axis - float(np.median(axis))) / max(spread, 1e-4)
    return z + settings.rating_weight * prior


def sentiment_label(score: np.ndarray, neutral_band: float) -> np.ndarray:
    return np.where(score > neutral_band, "positive", np.where(score < -neutral_band, "negative", "neutral"))


def map_touchpoint_values(values: Sequence[str], embed: Callable[[list[str]], np.ndarray],
                          anchors: Anchors) -> dict[str, str]:
    """Raw values of an export's touchpoint column (e.g. 店舗（カフェ）, アプリ) → touchpoint keys.

    Values that fit no touchpoint clearly (その他, Other) are left out, so inference decides for them.
    """
    distinct = sorted({v for v in values if isinstance(v, str) and v.strip()})
    if not distinct:
        return {}
    scores = group_scores(embed(distinct), anchors.touchpoint_groups)
    probs = softmax(scores / temperature(scores))
    out = {}
    for value, row in zip(distinct, probs):
        order = np.argsort(-row)
        if row[order[0]] - row[order[1]] > 0.05 and value.strip().lower() not in {"その他", "other", "others"}:
            out[value] = anchors.touchpoint_keys[order[0]]
    return out


def tag_vectors(x: np.ndarray, units: pd.DataFrame, anchors: Anchors, owner: OwnerLabels,
                touchpoint_map: dict[str, str], settings: Settings | None = None,
                corrected: set[int] | frozenset[int] = frozenset(),
                question_stages: dict[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Unit tags and comment tags for embedded units.

    `units` needs unit_id, comment_id, question, touchpoint_column, nps, rating. A comment's stage and
    touchpoint come from its units' probabilities (the strongest signal of each category over its
    sentences), with abstention decided among comments; its `stages` are every stage its units carry.
    """
    settings = settings or Settings()
    questions = units["question"].fillna("").tolist() if len(units) else []
    # Units: prototypes (plus the owner's corrected comments as extra examples).
    stage_p = prototype_probs(x, _with_owner_examples(anchors.stage_groups, anchors.stage_keys, owner.vectors,
                                                      owner.stage))
    touch_p = prototype_probs(x, _with_owner_examples(anchors.touchpoint_groups, anchors.touchpoint_keys,
                                                      owner.vectors, owner.touchpoint))
    feel = sentiment(x, anchors, rating_prior(units["nps"], units["rating"]), settings)
    given = units["touchpoint_column"].map(touchpoint_map) if len(units) else pd.Series(dtype=object)

    def override(decided: pd.DataFrame, values: pd.Series) -> pd.DataFrame:
        # A touchpoint column in the export (or a question the owner tied to a stage) wins over inference.
        known = values.notna().to_numpy()
        decided.loc[known, "key"] = values[known].to_numpy()
        decided.loc[known, "score"] = 1.0
        decided.loc[known, "margin"] = 1.0
        return decided

    stage_u = decide(stage_p, anchors.stage_keys, settings.abstain_share)
    touch_u = override(decide(touch_p, anchors.touchpoint_keys, settings.touchpoint_abstain_share), given)
    unit_tags = pd.DataFrame({
        "unit_id": units["unit_id"].to_numpy(), "comment_id": units["comment_id"].to_numpy(),
        "stage": stage_u["key"].to_numpy(), "stage_score": stage_u["score"].to_numpy(),
        "stage_margin": stage_u["margin"].to_numpy(),
        "touchpoint": touch_u["key"].to_numpy(), "touchpoint_score": touch_u["score"].to_numpy(),
        "touchpoint_margin": touch_u["margin"].to_numpy(),
        "sentiment": sentiment_label(feel, settings.neutral_band), "sentiment_score": feel})

    # Comments: their units' probabilities averaged, blended with the owner-trained classifier, which
    # sees the comment as a whole (mean of its unit vectors) and the question it answers.
    comment_ids = units["comment_id"].to_numpy()
    order, first, inverse = np.unique(comment_ids, return_index=True, return_inverse=True)
    mean = group_averager(inverse, len(order))
    xc = _unit_length(mean(x))
    questions_c = [questions[i] for i in first] if len(units) else []
    uncorrected = ~np.isin(order, list(corrected)) if corrected else None
    stage_c = decide(learn(mean(stage_p), xc, questions_c, anchors.stage_keys,
                           anchors.stage_groups, owner, owner.stage, settings), anchors.stage_keys,
                     settings.abstain_share, uncorrected)
    hints = {q: s for q, s in (question_stages or {}).items() if s in anchors.stage_keys}
    if hints:
        stage_c = override(stage_c, pd.Series(questions_c, dtype=object).map(hints))
    first_given = given.iloc[first].reset_index(drop=True) if len(units) else given
    touch_c = override(decide(learn(mean(touch_p), xc, questions_c, anchors.touchpoint_keys,
                                    anchors.touchpoint_groups, owner, owner.touchpoint, settings),
                              anchors.touchpoint_keys, settings.touchpoint_abstain_share, uncorrected), first_given)
    unit_feel = unit_tags["sentiment"].to_numpy()
    mean_feel, any_negative, any_positive = mean(np.column_stack(
        [feel, unit_feel == "negative", unit_feel == "positive"]).astype(np.float32)).T
    any_negative, any_positive = any_negative > 0, any_positive > 0
    learned, used = None, 0
    if any(owner.sentiment):
        learned, used = classifier_probs(xc, prototype_probs(xc, [anchors.positive, anchors.negative]),
                                         questions_c, list(SENTIMENTS), owner, owner.sentiment,
                                         [anchors.positive, anchors.negative], settings.min_labels_per_class)
    if learned is not None:
        weight = min(0.8, 0.3 + used / (used + 40))
        mean_feel = (1 - weight) * mean_feel + weight * 2.0 * (learned[:, 0] - learned[:, 2])
    comment_feel = sentiment_label(mean_feel, settings.neutral_band)
    if learned is None:  # a comment with a complaint and no praise is negative, whatever its average
        comment_feel = np.where(any_negative & ~any_positive, "negative", comment_feel)
    stages = _stage_lists(unit_tags["stage"].to_numpy(), inverse, len(order), stage_c["key"].to_numpy(),
                          anchors.stage_keys)
    comment_tags = pd.DataFrame({
        "comment_id": order, "stage": stage_c["key"].to_numpy(), "stage_score": stage_c["score"].to_numpy(),
        "stage_margin": stage_c["margin"].to_numpy(), "stages": stages,
        "touchpoint": touch_c["key"].to_numpy(), "touchpoint_score": touch_c["score"].to_numpy(),
        "sentiment": comment_feel, "sentiment_score": mean_feel})
    return unit_tags, comment_tags


def group_mean(values: np.ndarray, inverse: np.ndarray, groups: int) -> np.ndarray:
    """Row means of `values` per group (inverse: each row's group number)."""
    return group_averager(inverse, groups)(values)


def group_averager(inverse: np.ndarray, groups: int) -> Callable[[np.ndarray], np.ndarray]:
    """A function giving row means per group as one sparse product (a groups × rows indicator matrix times
    the values), which beats per-group reductions at 100k rows; build it once, apply it to many arrays."""
    from scipy import sparse

    indicator = sparse.csr_matrix((np.ones(len(inverse), np.float32), (inverse, np.arange(len(inverse)))),
                                  shape=(groups, len(inverse)))
    counts = np.maximum(np.bincount(inverse, minlength=groups), 1).reshape(-1, 1).astype(np.float32)

    def mean(values: np.ndarray) -> np.ndarray:
        if len(values) == 0:
            return np.zeros((groups, values.shape[1] if values.ndim == 2 else 0), np.float32)
        return (np.asarray(indicator @ values) / counts).astype(np.float32, copy=False)

    return mean


def _unit_length(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)


def _stage_lists(unit_stage: np.ndarray, inverse: np.ndarray, groups: int, comment_stage: np.ndarray,
                 keys: list[str]) -> np.ndarray:
    """Per comment: every stage its units carry plus its own, in journey order, joined with '|'."""
    present = np.zeros((groups, len(keys)), bool)
    for j, key in enumerate(keys):
        present[inverse[unit_stage == key], j] = True
        present[comment_stage == key, j] = True
    # Few distinct combinations occur: join each once, then look them up by their bit pattern.
    patterns, which = np.unique(present, axis=0, return_inverse=True)
    names = np.array(keys, dtype=object)
    return np.array(["|".join(names[row]) for row in patterns], dtype=object)[which.reshape(-1)]


def comment_vectors(x: np.ndarray, comment_ids: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Comments (in `order`) as the normalised mean of their unit vectors (no second embedding pass)."""
    if len(x) == 0:
        return np.zeros((0, x.shape[1] if x.ndim == 2 else 0), np.float32)
    index = {c: i for i, c in enumerate(order)}
    keep = np.array([c in index for c in comment_ids])
    inverse = np.array([index[c] for c in comment_ids[keep]], dtype=np.int64)
    return _unit_length(group_mean(x[keep], inverse, len(order)))


def learn(proto: np.ndarray, xc: np.ndarray, questions: list[str], keys: list[str],
          groups: Sequence[np.ndarray], owner: OwnerLabels, owner_field: list[str | None],
          settings: Settings) -> np.ndarray:
    """Blend prototype probabilities with the owner-trained classifier once there are enough labels."""
    learned, used = classifier_probs(xc, proto, questions, keys, owner, owner_field, groups,
                                     settings.min_labels_per_class)
    if learned is None:
        return proto
    weight = min(0.9, 0.4 + used / (used + 4 * len(keys)))  # a few labels nudge; many labels lead
    return (1 - weight) * proto + weight * learned

