"""Units → journey stage, touchpoint and sentiment, with probabilities and honest abstention.

The tagger is a set of trained heads over the frozen sentence embedding (journey/heads.py): a stage head
(7 stages + unclassified), a touchpoint head and a sentiment head, shipped for the default model and
trained from the labelled corpus in journey/training/. How a comment is tagged:
- its sentences (units) and the comment as a whole (the mean of its unit vectors) go through the heads;
- class priors start from the mix of real feedback (usage dominates) and follow the corpus at hand: each
  survey question's mix is estimated from its own comments, shrunk towards the real-feedback mix;
- a stage other than usage must be probable enough (`Settings.minority_threshold`); below that the
  comment is usage, or unclassified when the head finds no journey content: never a confident minority
  stage on weak evidence;
- a comment's `stages` are its own stage plus every stage one of its sentences carries confidently;
- the owner's corrections move the heads (heads.adapt), and a question the owner tied to a stage
  (Taxonomy.question_stages) gives its comments that stage; a touchpoint column in the export wins;
- sentiment is the sentiment head's reading of the text plus the response's own score.
A taxonomy maps its categories onto the heads' classes (`Category.covers`, the key itself by default);
a category the heads do not know learns from its example phrases and the owner's corrections.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from journey import heads as H
from journey.store import connection, embeddings, tags
from journey.embed import Embedder, embed_cached, text_hash
from journey.taxonomy import UNCLASSIFIED, Category, Taxonomy, load_preset, switch_preset
from journey.text import split_units

SENTIMENTS = ("positive", "neutral", "negative")
USAGE = "usage"
NO_TOUCHPOINT = "none"
_LABEL_PARTS = re.compile(r"[・&/、,（）()]| and ")


@dataclass
class Settings:
    """Decision knobs. Defaults come from the shipped heads' training (cross-validated on the training
    corpus, never on the evaluation rows); see journey/training/train.py."""

    minority_threshold: float = 0.5       # a stage other than usage needs this probability
    touches_threshold: float = 0.7        # a stage the comment touches (its "touches" head) joins its stages
    second_stage_threshold: float = 0.9   # a sentence's own stage joins the comment's stages at this probability
    touchpoint_threshold: float = 0.35    # below it the touchpoint is unclassified
    rating_weight: float = 1.0            # how much the response's own score moves sentiment
    owner_weight: float = 10.0            # one correction against one read training row when heads are refitted
    owner_strength: float = 4.0           # heads without a shipped corpus: one correction against the pull to them
    question_pseudo_count: float = 150.0  # comments' worth of trust in the real-feedback prior per question
    question_max_ratio: float = 4.0       # how far a question's mix may move from the real-feedback mix

    @classmethod
    def for_model(cls, decision: dict) -> "Settings":
        known = {k: float(v) for k, v in decision.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class OwnerLabels:
    """The owner's corrected comments (each as the mean of its unit vectors) with their labels (None
    where a field was not corrected) and the survey question each answers."""

    vectors: np.ndarray
    stage: list[str | None] = field(default_factory=list)
    touchpoint: list[str | None] = field(default_factory=list)
    sentiment: list[str | None] = field(default_factory=list)
    question: list[str] = field(default_factory=list)

    @classmethod
    def empty(cls, dim: int) -> "OwnerLabels":
        return cls(np.zeros((0, dim), np.float32))


# --- the model: heads mapped onto a taxonomy -------------------------------------------------------


@dataclass
class Field:
    """One head seen through a taxonomy: `keys` are the taxonomy's categories (plus unclassified for
    stages), `covers[j]` the head classes summed into category j."""

    head: H.Head
    keys: list[str]
    covers: np.ndarray  # (head classes × keys) 0/1

    def proba(self, x: np.ndarray, prior: np.ndarray | None = None) -> np.ndarray:
        """Probabilities over this field's keys."""
        return self.head.proba(x, prior) @ self.covers

    def with_prior(self, logits: np.ndarray, prior: np.ndarray | None = None) -> np.ndarray:
        """Probabilities over this field's keys from its head's logits."""
        return self.head.with_prior(logits, prior) @ self.covers

    def label_sets(self, labels: Sequence[str | None]) -> list[list[str] | None]:
        """Each label (a taxonomy key) as the head classes it covers; None stays None."""
        out = []
        for label in labels:
            if label is None or label not in self.keys:
                out.append(None)
                continue
            j = self.keys.index(label)
            out.append([self.head.keys[h] for h in np.flatnonzero(self.covers[:, j])])
        return out


@dataclass
class Model:
    """The heads of one embedding model, mapped onto one taxonomy, with the decision settings."""

    model_id: str
    stage: Field
    touchpoint: Field
    sentiment: H.Head
    touches: H.MultiHead | None   # does the comment touch each stage at all (secondary stages included)
    touches_covers: np.ndarray    # (touches keys × stage keys) 0/1
    settings: Settings
    source: str  # "shipped" or "trained here" (no shipped heads for this embedding model)
    touchpoint_labels: list[tuple[str, str]] = field(default_factory=list)  # (key, label or key), ja and en


def _field(head: H.Head, categories: Sequence[Category], extra: Sequence[str]) -> tuple[H.Head, list[str], list[Category]]:
    """Head classes per category (`covers`, else the key), with a new head class for each category the
    head does not know; returns the (possibly extended) head, the field's keys and the new categories."""
    new = [c for c in categories if not [k for k in (c.covers or [c.key]) if k in head.keys]]
    if new:
        head = extend(head, [c.key for c in new])
    keys = [c.key for c in categories] + list(extra)
    return head, keys, new


def _covers(head: H.Head, categories: Sequence[Category], extra: Sequence[str]) -> np.ndarray:
    matrix = np.zeros((len(head.keys), len(categories) + len(extra)), np.float32)
    for j, c in enumerate(categories):
        for key in c.covers or [c.key]:
            if key in head.keys:
                matrix[head.keys.index(key), j] = 1.0
    for j, key in enumerate(extra, start=len(categories)):
        matrix[head.keys.index(key), j] = 1.0
    # Head classes no category covers (a stage the owner removed): their mass is dropped by renormalising.
    return matrix


def extend(head: H.Head, keys: list[str], share: float = 0.03) -> H.Head:
    """The head with new classes (zero weights, a small prior share) for categories it was not trained on."""
    dim = head.weights.shape[0]
    weights = np.hstack([head.weights, np.zeros((dim, len(keys)), np.float32)])
    bias = np.concatenate([head.bias, np.zeros(len(keys), np.float32)])
    prior = np.concatenate([head.prior * (1 - share * len(keys)), np.full(len(keys), share)])
    return H.Head(head.keys + list(keys), weights, bias, prior, head.temperature, head.meta)


def build_model(embed: Callable[[list[str]], np.ndarray], taxonomy: Taxonomy, model_id: str,
                settings: Settings | None = None,
                trained: tuple[dict[str, H.Head], dict, str] | None = None) -> Model:
    """The heads for this embedding model (shipped, or trained here from the team-written corpus when
    none were shipped for it; `trained` (heads, decision settings, source) overrides both) mapped onto `taxonomy`; categories the heads do
    not know, and example phrases the owner added, are learnt from the taxonomy's examples."""
    heads, decision, source = trained or model_heads(model_id, embed)
    stage_head, stage_keys, new_stages = _field(heads["stage"], taxonomy.stages, [UNCLASSIFIED])
    touch_head, touch_keys, new_touch = _field(heads["touchpoint"], taxonomy.touchpoints, [NO_TOUCHPOINT])
    stage = Field(stage_head, stage_keys, _covers(stage_head, taxonomy.stages, [UNCLASSIFIED]))
    touch = Field(touch_head, touch_keys, _covers(touch_head, taxonomy.touchpoints, [NO_TOUCHPOINT]))
    settings = settings or Settings.for_model(decision)
    for f, examples in ((stage, taxonomy_examples(taxonomy, "stages", new_stages)),
                        (touch, taxonomy_examples(taxonomy, "touchpoints", new_touch))):
        if examples:
            texts, labels = zip(*examples)
            f.head = adapt_field(f, embed(list(texts)), list(labels), settings)
    labels = [(c.key, part.strip()) for c in taxonomy.touchpoints for text in (c.key, *c.label.values())
              for part in _LABEL_PARTS.split(text) if len(part.strip()) > 1]
    touches = heads.get("touches")
    touches_covers = np.zeros((len(touches.keys) if touches else 0, len(stage_keys)), np.float32)
    if touches is not None:
        for j, c in enumerate(taxonomy.stages):
            for key in c.covers or [c.key]:
                if key in touches.keys:
                    touches_covers[touches.keys.index(key), j] = 1.0
    return Model(model_id, stage, touch, heads["sentiment"], touches, touches_covers, settings, source, labels)


def taxonomy_examples(taxonomy: Taxonomy, kind: str, new: Sequence[Category]) -> list[tuple[str, str]]:
    """(text, key) pairs the heads should learn from: every example and description of a category they do
    not know, and the example phrases the owner added to a known one (those the preset does not ship)."""
    try:
        shipped = {c.key: set(c.prototype_texts()) for c in getattr(load_preset(taxonomy.key), kind)}
    except KeyError:
        shipped = {}
    new_keys = {c.key for c in new}
    out = []
    for c in getattr(taxonomy, kind):
        texts = c.prototype_texts() if c.key in new_keys else [t for t in c.prototype_texts()
                                                                   if t not in shipped.get(c.key, set())]
        out += [(t, c.key) for t in texts]
    return out


def adapt_field(f: Field, x: np.ndarray, labels: list[str | None], settings: Settings,
                strength: float | None = None) -> H.Head:
    """The field's head moved towards labelled examples given in taxonomy keys: refitted on its training
    corpus plus the examples when it has one (each example weighing `settings.owner_weight` training
    rows), else pulled towards them (heads.adapt)."""
    sets = f.label_sets(labels)
    keep = [i for i, s in enumerate(sets) if s]
    if not keep:
        return f.head
    chosen = [sets[i] for i in keep]
    if f.head.corpus is not None and strength is None:
        return H.refit(f.head, x[keep], chosen, settings.owner_weight)
    return H.adapt(f.head, x[keep], chosen, strength=strength or settings.owner_strength)


@lru_cache(maxsize=4)
def _shipped(model_id: str) -> tuple[dict[str, H.Head], dict] | None:
    path = H.shipped_path(model_id)
    return H.load(path) if path else None


_TRAINED_HERE: dict[str, tuple[dict[str, H.Head], dict]] = {}


def model_heads(model_id: str, embed: Callable[[list[str]], np.ndarray]) -> tuple[dict[str, H.Head], dict, str]:
    """(heads, decision settings, "shipped" | "trained here") for an embedding model. A model without
    shipped heads gets heads trained once per process from the team-written corpus kept in the package."""
    shipped = _shipped(model_id)
    if shipped is not None:
        heads, info = shipped
        return heads, info.get("decision", {}), "shipped"
    if model_id not in _TRAINED_HERE:
        from journey.training.portable import train_portable_heads

        _TRAINED_HERE[model_id] = train_portable_heads(embed)
    heads, info = _TRAINED_HERE[model_id]
    return heads, info.get("decision", {}), "trained here"


# --- deciding ------------------------------------------------------------------------------------


def decide_stage(probs: np.ndarray, keys: list[str], threshold: float) -> pd.DataFrame:
    """Best stage per row with its probability and margin. A stage other than usage (and other than
    unclassified) must reach `threshold`; below it the row is usage when usage is the likelier of the two
    fallbacks, else unclassified."""
    if len(probs) == 0:
        return _decided([], [], [])
    order = np.argsort(-probs, axis=1)
    rows = np.arange(len(probs))
    best, second = order[:, 0], order[:, 1] if probs.shape[1] > 1 else order[:, 0]
    margin = probs[rows, best] - (probs[rows, second] if probs.shape[1] > 1 else 0)
    names = np.array(keys, dtype=object)
    chosen = names[best].copy()
    usage = keys.index(USAGE) if USAGE in keys else None
    unclassified = keys.index(UNCLASSIFIED)
    minority = ~np.isin(best, [i for i in (usage, unclassified) if i is not None])
    weak = minority & (probs[rows, best] < threshold)
    if usage is not None:
        fallback = np.where(probs[:, usage] >= probs[:, unclassified], USAGE, UNCLASSIFIED)
    else:
        fallback = np.full(len(probs), UNCLASSIFIED, dtype=object)
    chosen[weak] = fallback[weak]
    return _decided(chosen, probs[rows, best], margin)


def decide_touchpoint(probs: np.ndarray, keys: list[str], threshold: float) -> pd.DataFrame:
    """Best touchpoint per row; 'none' or a probability under `threshold` is unclassified."""
    if len(probs) == 0:
        return _decided([], [], [])
    order = np.argsort(-probs, axis=1)
    rows = np.arange(len(probs))
    best = probs[rows, order[:, 0]]
    margin = best - probs[rows, order[:, 1]]
    chosen = np.array(keys, dtype=object)[order[:, 0]]
    chosen[(chosen == NO_TOUCHPOINT) | (best < threshold)] = UNCLASSIFIED
    return _decided(chosen, best, margin)


def _decided(key, score, margin) -> pd.DataFrame:
    return pd.DataFrame({"key": pd.Series(key, dtype=object), "score": pd.Series(score, dtype=float),
                         "margin": pd.Series(margin, dtype=float)})


def rating_prior(nps: pd.Series, rating: pd.Series) -> np.ndarray:
    """+1 for 4–5 of 5, −1 for 1–2, 0 for 3; without a 1–5 rating, +1 for promoters and −1 for detractors.

    A satisfaction or star rating says how the customer felt; NPS says whether they would recommend,
    and runs low where people rarely give 9–10 (in Japan many satisfied customers answer 5–7), so it
    only speaks when there is no rating.
    """
    nps_v, rating_v = nps.to_numpy(dtype="float64"), rating.to_numpy(dtype="float64")
    from_nps = np.where(nps_v >= 9, 1.0, np.where(nps_v <= 6, -1.0, 0.0))
    from_rating = np.where(rating_v >= 4, 1.0, np.where(rating_v <= 2, -1.0, np.where(rating_v < 3, -0.5, 0.0)))
    return np.where(~np.isnan(rating_v), from_rating, np.where(np.isnan(nps_v), 0.0, from_nps)).astype(np.float32)


def sentiment_reading(probs: np.ndarray, prior: np.ndarray, rating_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """(label, signed score) per row: the sentiment head's log-probabilities with the response's own score
    added towards positive (+1) or negative (−1); the label is the likeliest of the three, the score the
    log-odds of positive against negative."""
    log_p = np.log(np.maximum(probs, 1e-6)) + rating_weight * prior[:, None] * np.array([1.0, 0.0, -1.0])
    labels = np.array(SENTIMENTS, dtype=object)[log_p.argmax(axis=1)] if len(log_p) else np.array([], dtype=object)
    return labels, (log_p[:, 0] - log_p[:, 2]).astype(np.float32)


def question_priors(head: H.Head, logits: np.ndarray, questions: Sequence[str], pseudo_count: float,
                    max_ratio: float) -> np.ndarray:
    """A prior per comment (from the head's logits for the comments): its question's class mix estimated
    from that question's own comments (EM over the head's balanced probabilities), shrunk towards the
    real-feedback mix. Answers to "what was inconvenient?" lean negative, answers to "what would you
    recommend?" lean loyalty."""
    priors = np.tile(head.prior, (len(logits), 1))
    if len(logits) == 0:
        return priors
    balanced = H.softmax(logits)
    questions = pd.Series(list(questions), dtype=object).fillna("")
    for _, index in questions.groupby(questions).groups.items():
        rows = questions.index.get_indexer(index)
        priors[rows] = H.adapt_prior(balanced[rows], head.prior, pseudo_count, max_ratio)
    return priors


def map_touchpoint_values(values: Sequence[str], model: Model,
                          embed: Callable[[list[str]], np.ndarray]) -> dict[str, str]:
    """Raw values of an export's touchpoint column (e.g. 店舗（カフェ）, アプリ) → touchpoint keys.

    A value naming a touchpoint's label maps to it; otherwise the touchpoint head reads the value, and
    a value it cannot place clearly (その他, Other) is left out, so inference decides for those comments.
    """
    distinct = sorted({v for v in values if isinstance(v, str) and v.strip()})
    if not distinct:
        return {}
    out: dict[str, str] = {}
    unplaced = []
    for value in distinct:
        if value.strip().lower() in {"その他", "other", "others", "none", "なし"}:
            continue
        named = [k for k, label in model.touchpoint_labels if label and label.lower() in value.lower()]
        if len(set(named)) == 1:
            out[value] = named[0]
        else:
            unplaced.append(value)
    if unplaced:
        probs = model.touchpoint.proba(embed(unplaced), np.full(len(model.touchpoint.head.keys),
                                                                1.0 / len(model.touchpoint.head.keys)))
        for value, row in zip(unplaced, probs):
            best = int(np.argmax(row))
            key = model.touchpoint.keys[best]
            if row[best] >= 0.5 and key != NO_TOUCHPOINT:
                out[value] = key
    return out


def tag_vectors(x: np.ndarray, units: pd.DataFrame, model: Model, owner: OwnerLabels,
                touchpoint_map: dict[str, str], corrected: set[int] | frozenset[int] = frozenset(),
                question_stages: dict[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Unit tags and comment tags for embedded units.

    `units` needs unit_id, comment_id, question, touchpoint_column, nps, rating.
    """
    settings = model.settings
    stage_f, touch_f, sentiment_head = _with_owner(model, owner)
    comment_ids = units["comment_id"].to_numpy()
    order, first, inverse = np.unique(comment_ids, return_index=True, return_inverse=True)
    mean = group_averager(inverse, len(order))
    xc = _unit_length(mean(x))
    questions = units["question"].fillna("").astype(str).to_numpy()[first] if len(units) else np.array([])

    # Every head read in one matrix product for the sentences and one for the comments.
    heads = [stage_f.head, touch_f.head, sentiment_head]
    stage_zu, touch_zu, feel_zu = H.stacked_logits(heads, x) if len(x) else [np.zeros((0, len(h.keys))) for h in heads]
    stage_zc, touch_zc, feel_zc = H.stacked_logits(heads, xc) if len(xc) else [np.zeros((0, len(h.keys))) for h in heads]

    # Priors per question, from the comments as a whole; units inherit their comment's.
    pseudo, ratio = settings.question_pseudo_count, settings.question_max_ratio
    stage_prior = question_priors(stage_f.head, stage_zc, questions, pseudo, ratio)
    stage_c = decide_stage(stage_f.with_prior(stage_zc, stage_prior), stage_f.keys, settings.minority_threshold)
    stage_u = decide_stage(stage_f.with_prior(stage_zu, stage_prior[inverse]), stage_f.keys,
                           settings.second_stage_threshold)
    hints = {q: s for q, s in (question_stages or {}).items() if s in stage_f.keys}
    if hints:
        stage_c = _override(stage_c, pd.Series(questions, dtype=object).map(hints))

    given = units["touchpoint_column"].map(touchpoint_map) if len(units) else pd.Series(dtype=object)
    touch_prior = question_priors(touch_f.head, touch_zc, questions, pseudo, ratio)
    touch_c = _override(decide_touchpoint(touch_f.with_prior(touch_zc, touch_prior), touch_f.keys,
                                          settings.touchpoint_threshold),
                        given.iloc[first].reset_index(drop=True) if len(units) else given)
    touch_u = _override(decide_touchpoint(touch_f.with_prior(touch_zu, touch_prior[inverse]), touch_f.keys,
                                          settings.touchpoint_threshold), given.reset_index(drop=True))

    prior_u = rating_prior(units["nps"], units["rating"]) if len(units) else np.zeros(0, np.float32)
    feel_prior = question_priors(sentiment_head, feel_zc, questions, pseudo, ratio)
    label_u, feel_u = sentiment_reading(sentiment_head.with_prior(feel_zu, feel_prior[inverse]), prior_u,
                                        settings.rating_weight)
    label_c, feel_c = sentiment_reading(sentiment_head.with_prior(feel_zc, feel_prior),
                                        prior_u[first] if len(units) else prior_u, settings.rating_weight)

    unit_tags = pd.DataFrame({
        "unit_id": units["unit_id"].to_numpy(), "comment_id": comment_ids,
        "stage": stage_u["key"].to_numpy(), "stage_score": stage_u["score"].to_numpy(),
        "stage_margin": stage_u["margin"].to_numpy(),
        "touchpoint": touch_u["key"].to_numpy(), "touchpoint_score": touch_u["score"].to_numpy(),
        "touchpoint_margin": touch_u["margin"].to_numpy(),
        "sentiment": label_u, "sentiment_score": feel_u})
    stages = _stage_lists(stage_u["key"].to_numpy(), inverse, len(order), stage_c["key"].to_numpy(),
                          [k for k in stage_f.keys if k != UNCLASSIFIED], touched(model, xc))
    comment_tags = pd.DataFrame({
        "comment_id": order, "stage": stage_c["key"].to_numpy(), "stage_score": stage_c["score"].to_numpy(),
        "stage_margin": stage_c["margin"].to_numpy(), "stages": stages,
        "touchpoint": touch_c["key"].to_numpy(), "touchpoint_score": touch_c["score"].to_numpy(),
        "sentiment": label_c, "sentiment_score": feel_c})
    return unit_tags, comment_tags


def _override(decided: pd.DataFrame, values: pd.Series) -> pd.DataFrame:
    """A touchpoint column in the export (or a question the owner tied to a stage) wins over inference."""
    known = values.notna().to_numpy()
    if known.any():
        decided.loc[known, "key"] = values[known].to_numpy()
        decided.loc[known, "score"] = 1.0
        decided.loc[known, "margin"] = 1.0
    return decided


def _with_owner(model: Model, owner: OwnerLabels) -> tuple[Field, Field, H.Head]:
    """The model's fields and sentiment head taught the owner's corrections."""
    if len(owner.vectors) == 0:
        return model.stage, model.touchpoint, model.sentiment
    settings = model.settings
    stage = Field(adapt_field(model.stage, owner.vectors, owner.stage, settings), model.stage.keys, model.stage.covers)
    touch = Field(adapt_field(model.touchpoint, owner.vectors, owner.touchpoint, settings), model.touchpoint.keys,
                  model.touchpoint.covers)
    feel = Field(model.sentiment, list(SENTIMENTS), np.eye(len(SENTIMENTS), dtype=np.float32))
    return stage, touch, adapt_field(feel, owner.vectors, owner.sentiment, settings)


# --- pooling -------------------------------------------------------------------------------------


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


def touched(model: Model, xc: np.ndarray) -> np.ndarray:
    """(comments × stage keys) whether the "touches" head says the comment touches each stage."""
    keys = len(model.stage.keys) - 1  # unclassified is never touched
    if model.touches is None or len(xc) == 0:
        return np.zeros((len(xc), keys), bool)
    probs = model.touches.proba(xc)
    mapped = (probs[:, :, None] * model.touches_covers[None, :, :]).max(axis=1)[:, :keys]
    return mapped >= model.settings.touches_threshold


def _stage_lists(unit_stage: np.ndarray, inverse: np.ndarray, groups: int, comment_stage: np.ndarray,
                 keys: list[str], touched_stages: np.ndarray | None = None) -> np.ndarray:
    """Per comment: its own stage first, then every other stage it touches (by the "touches" head) or one
    of its units carries, in journey order, joined with '|' (a comment with no stage at all gets '')."""
    present = np.zeros((groups, len(keys)), bool) if touched_stages is None else touched_stages.copy()
    for j, key in enumerate(keys):
        present[inverse[unit_stage == key], j] = True
        present[comment_stage == key, j] = False
    # Few distinct combinations occur: join each once, then look them up by their bit pattern.
    patterns, which = np.unique(present, axis=0, return_inverse=True)
    names = np.array(keys, dtype=object)
    rest = np.array(["|".join(names[row]) for row in patterns], dtype=object)[which.reshape(-1)]
    lead = np.where(np.isin(comment_stage, keys), comment_stage, "")
    return np.array([f"{a}|{b}" if a and b else a or b for a, b in zip(lead, rest)], dtype=object)


def comment_vectors(x: np.ndarray, comment_ids: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Comments (in `order`) as the normalised mean of their unit vectors (no second embedding pass)."""
    if len(x) == 0:
        return np.zeros((0, x.shape[1] if x.ndim == 2 else 0), np.float32)
    index = {c: i for i, c in enumerate(order)}
    keep = np.array([c in index for c in comment_ids])
    inverse = np.array([index[c] for c in comment_ids[keep]], dtype=np.int64)
    return _unit_length(group_mean(x[keep], inverse, len(order)))


# ---------------------------------------------------------------------------------------------
# Against the database


@dataclass
class TagSummary:
    """What `tag_database` did; `to_dict()` is the CLI's --json record."""

    units: int
    new_units: int
    embedded: int
    seconds: float
    unclassified_share: float       # share of comments whose stage is "unclassified"
    taxonomy_version: int
    model_id: str
    heads: str = "shipped"          # "shipped", or "trained here" for a model without shipped heads

    @property
    def units_per_second(self) -> float:
        return self.units / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        return {"units": self.units, "new_units": self.new_units, "embedded": self.embedded,
                "seconds": round(self.seconds, 2), "units_per_second": round(self.units_per_second, 1),
                "unclassified_share": round(self.unclassified_share, 4),
                "taxonomy_version": self.taxonomy_version, "model_id": self.model_id, "heads": self.heads}


def ensure_taxonomy(con, preset: str | None = None) -> tuple[int, Taxonomy]:
    """The active taxonomy (creating version 1 from `preset` or 'default'); a different preset asked
    for explicitly becomes a new version."""
    current = tags.active_taxonomy(con)
    if current and (preset is None or current[1] == preset):
        version, _, data = current
        return version, Taxonomy.from_json(data)
    taxonomy = switch_preset(Taxonomy.from_json(current[2]) if current else None, preset or "default")
    version = tags.save_taxonomy(con, taxonomy.key, taxonomy.to_json())
    return version, taxonomy


def ensure_units(con) -> int:
    """Split every comment that has no units yet; returns the number of new units."""
    return split_new_comments(con)


def split_new_comments(target) -> int:
    """Split the comments that have no units yet into units (sentences), reading and writing in two short
    steps with the splitting between them; returns the number of new units. `target`: see tag_database."""
    comments = connection.in_step(target, embeddings.comments_without_units)
    rows = []
    for comment_id, text in zip(comments["id"], comments["masked_text"]):
        for seq, unit in enumerate(split_units(text)):
            rows.append((int(comment_id), seq, unit, text_hash(unit)))
    if not rows:
        return 0
    frame = pd.DataFrame(rows, columns=["comment_id", "seq", "text", "text_hash"])
    return connection.in_step(target, lambda con: embeddings.save_units(con, frame))


def embed_new_units(target, embedder: Embedder, progress: Callable[[int, int, str], None],
                    batch_size: int = 128, write_every_s: float = 1.0) -> int:
    """Embed every unit text this model has never embedded, `batch_size` texts at a time, outside any
    connection; what is embedded is written in its own short transaction once `write_every_s` has passed
    (every batch with E5; a fast embedder's batches are gathered, so the file is not opened hundreds of
    times a second), and what is written stays done if the run stops. Returns the number of texts."""
    todo = connection.in_step(target, lambda con: embeddings.texts_to_embed(con, embedder.model_id))
    total = len(todo)
    progress(0, total, "embedding")
    pending: list[tuple[list[str], np.ndarray]] = []
    written = time.monotonic()
    for start in range(0, total, batch_size):
        part = todo.iloc[start:start + batch_size]
        pending.append((part["text_hash"].tolist(), embedder.embed(part["text"].tolist()).astype(np.float32)))
        done = min(start + batch_size, total)
        if done == total or time.monotonic() - written >= write_every_s:
            hashes = [h for chunk, _ in pending for h in chunk]
            vectors = np.vstack([v for _, v in pending])
            connection.in_step(target, lambda con: embeddings.save_embeddings(con, embedder.model_id, hashes, vectors))
            pending, written = [], time.monotonic()
            progress(done, total, "embedding")
    return total


def embed_texts(target, embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Vectors for a few texts (taxonomy examples, touchpoint column values) through the cache, with the
    embedding itself outside any connection."""
    if connection.is_live(target):
        return embed_cached(target, embedder, texts)
    hashes = [text_hash(t) for t in texts]
    found, matrix = connection.in_step(target, lambda con: embeddings.load_embeddings(con, embedder.model_id, hashes))
    out = np.empty((len(texts), matrix.shape[1] if len(found) else embedder.dim), np.float32)
    if len(found):
        out[found] = matrix
    missing = np.setdiff1d(np.arange(len(texts)), found, assume_unique=True)
    if len(missing):
        vectors = embedder.embed([texts[i] for i in missing]).astype(np.float32)
        out[missing] = vectors
        connection.in_step(target, lambda con: embeddings.save_embeddings(con, embedder.model_id,
                                                                          [hashes[i] for i in missing], vectors))
    return out


def owner_labels(human: pd.DataFrame, units: pd.DataFrame, x: np.ndarray) -> OwnerLabels:
    """The owner's comment corrections (journey.store.tags.human_tags) with their comments' vectors."""
    human = human[human["comment_id"].isin(units["comment_id"])]
    if human.empty:
        return OwnerLabels.empty(x.shape[1] if x.ndim == 2 else 0)
    vectors = comment_vectors(x, units["comment_id"].to_numpy(), human["comment_id"].to_numpy())
    clean = lambda s: [v if isinstance(v, str) and v else None for v in s]  # noqa: E731
    return OwnerLabels(vectors, clean(human["stage"]), clean(human["touchpoint"]), clean(human["sentiment"]),
                       human["question"].fillna("").tolist())


PHASES = ("preparing", "embedding", "scoring", "saving")


def tag_database(target, embedder: Embedder, preset: str | None = None, settings: Settings | None = None,
                 progress: Callable[[int, int, str], None] | None = None, batch_size: int = 128,
                 write_every_s: float = 1.0) -> TagSummary:
    """Split new comments, embed the sentences this model has never embedded, and score every unit.

    `target` is a connection.Database (or a path to one): each step opens its own short connection, and
    embedding, the slow part (~40 units/s with E5 on two cores), runs outside any connection, one batch
    at a time, each written in its own short transaction; pages keep reading meanwhile, and a run that
    stops resumes where it stopped (finished batches are in the cache). A live connection is used for
    every step instead (tests, scripts). Every unit is re-scored each time (per-question priors are
    estimated over the whole corpus), which costs about a second per 100k units from the cache.

    progress(done, total, phase) is called with phase in PHASES: embedding counts texts, scoring and
    saving count units. Embedded texts are written at least every `write_every_s` (embed_new_units).
    """
    report = progress or (lambda done, total, phase: None)
    started = time.perf_counter()
    report(0, 0, "preparing")
    version, taxonomy = connection.in_step(target, lambda con: ensure_taxonomy(con, preset))
    new_units = split_new_comments(target)
    embedded = embed_new_units(target, embedder, report, batch_size, write_every_s)

    def read(con):
        units = tags.units_for_tagging(con)
        return (units, *embeddings.load_embeddings(con, embedder.model_id, units["text_hash"].tolist()),
                tags.human_tags(con))

    units, found, matrix, human = connection.in_step(target, read)
    # Units added by an import during this run have no vector yet: the next run tags them.
    have = np.zeros(len(units), bool)
    have[found] = True
    x = np.empty((len(units), matrix.shape[1] if len(found) else embedder.dim), np.float32)
    if len(found):
        x[found] = matrix
    units, x = units[have].reset_index(drop=True), x[have]
    report(0, len(units), "scoring")
    embed = lambda texts: embed_texts(target, embedder, texts)  # noqa: E731
    model = build_model(embed, taxonomy, embedder.model_id, settings)
    touchpoint_map = map_touchpoint_values(units["touchpoint_column"].dropna().unique().tolist(), model, embed)
    owner = owner_labels(human, units, x)
    unit_tags, comment_tags = tag_vectors(x, units, model, owner, touchpoint_map,
                                          corrected=set(human["comment_id"].astype(int)),
                                          question_stages=taxonomy.question_stages)
    report(len(units), len(units), "saving")
    connection.in_step(target, lambda con: tags.save_tags(con, unit_tags.assign(model_id=embedder.model_id),
                                                          comment_tags.assign(model_id=embedder.model_id), version))
    share = float((comment_tags["stage"] == UNCLASSIFIED).mean()) if len(comment_tags) else 0.0
    return TagSummary(len(units), new_units, int(embedded), time.perf_counter() - started, share, version,
                      embedder.model_id, model.source)


# ---------------------------------------------------------------------------------------------
# Learning from the owner


def cached_comment_vectors(con, model_id: str, comment_ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(comment ids found, their vectors) from cached unit embeddings; no model needed."""
    ids, x = embeddings.unit_vectors(con, model_id, comment_ids)
    if len(ids) == 0:
        return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    order = pd.unique(ids)
    return order, comment_vectors(x, ids, order)


def active_model_id(con) -> str | None:
    """The model the current tags were made with."""
    rows = con.execute("SELECT model_id FROM comment_tags LIMIT 1").fetchall()
    return rows[0][0] if rows else None


@dataclass
class OwnerAccuracy:
    labelled: int
    accuracy: float | None      # the tagger's stage accuracy on the owner's labels, cross-validated
    folds: int
    before: float | None = None  # the same comments tagged without any correction


def owner_accuracy(con, embedder: Embedder, min_labels: int = 10, folds: int = 5) -> OwnerAccuracy:
    """How often the tagger gets the owner's own stage corrections right when each is held out: the
    heads are adapted to the other folds' corrections and judged on the fold left out (never on a label
    they learnt from); `before` is the unadapted tagger on the same comments. None until `min_labels`."""
    human = tags.human_tags(con)
    human = human[human["stage"].notna()]
    model_id = active_model_id(con)
    if len(human) < min_labels or model_id != embedder.model_id:
        return OwnerAccuracy(len(human), None, 0)
    ids, xc = cached_comment_vectors(con, model_id, human["comment_id"].tolist())
    labels = human.set_index("comment_id").loc[ids]
    stages = labels["stage"].tolist()
    version, taxonomy = ensure_taxonomy(con)
    model = build_model(lambda texts: embed_cached(con, embedder, texts), taxonomy, model_id)
    threshold = model.settings.minority_threshold
    fold = np.arange(len(ids)) % min(folds, len(ids))
    np.random.default_rng(0).shuffle(fold)
    hits, base = np.zeros(len(ids), bool), np.zeros(len(ids), bool)
    for f in np.unique(fold):
        train, test = fold != f, fold == f
        head = adapt_field(model.stage, xc[train], [stages[i] for i in np.flatnonzero(train)], model.settings)
        adapted = Field(head, model.stage.keys, model.stage.covers)
        for out, field_ in ((hits, adapted), (base, model.stage)):
            decided = decide_stage(field_.proba(xc[test]), field_.keys, threshold)["key"].to_numpy()
            out[test] = decided == np.array(stages, dtype=object)[test]
    return OwnerAccuracy(len(human), float(hits.mean()), int(len(np.unique(fold))), float(base.mean()))


def review_queue(con, limit: int = 10, max_comments: int = 20000) -> pd.DataFrame:
    """Comments to ask the owner about first: the least certain ones, spread over the large groups of
    similar comments (k-means on comment vectors), skipping comments already corrected."""
    tagged = tags.review_candidates(con)
    pending = tagged[~tagged["corrected"] & tagged["stage"].notna()]
    model_id = active_model_id(con)
    if pending.empty or model_id is None:
        return pending.head(0)
    pending = pending.sample(min(len(pending), max_comments), random_state=0) if len(pending) > max_comments \
        else pending
    ids, xc = cached_comment_vectors(con, model_id, pending["comment_id"].tolist())
    pending = pending.set_index("comment_id").loc[ids].reset_index()
    from sklearn.cluster import KMeans

    k = int(max(1, min(20, len(pending) // 15)))
    clusters = KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(xc) if k > 1 else np.zeros(len(xc), int)
    size = pd.Series(clusters).map(pd.Series(clusters).value_counts()).to_numpy()
    uncertainty = 1.0 - pd.Series(pending["stage_margin"]).rank(pct=True).to_numpy()
    uncertainty = np.where(pending["stage"] == UNCLASSIFIED, 1.0, uncertainty)
    pending = pending.assign(cluster=clusters, priority=uncertainty * np.log1p(size))
    # Round-robin over clusters, best first, so one question covers a whole group of comments.
    pending = pending.sort_values("priority", ascending=False)
    pending["turn"] = pending.groupby("cluster").cumcount()
    return pending.sort_values(["turn", "priority"], ascending=[True, False]).head(limit).reset_index(drop=True)
