"""A tagged survey database of any size for the speed benchmarks (bench/pages.py, cycle.py, concurrency.py).

Comments are real Fukui rows repeated (bench/ingest.py), split into units as the app does; their vectors
are random unit vectors and the heads random too, so tag quality means nothing here, but the rows, tags,
shapes and SQL are the real ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ingest import make_export  # bench/ingest.py

from journey import tagging
from journey.heads import Head
from journey.ingest import import_file
from journey.store import connection, embeddings, tags
from journey.tagging import SENTIMENTS, OwnerLabels
from journey.taxonomy import Taxonomy
from journey.training.train import STAGE_KEYS, TOUCH_KEYS

DIM = 64
MODEL = "bench-random-64"


def tagged_survey(comments: int, db: Path, taxonomy: Taxonomy, seed: int = 0) -> Path:
    """Import a survey export of about `comments` comments into `db` and tag it with random heads."""
    export = db.with_suffix(".csv")
    make_export(int(comments / 1.21), export)   # the Fukui survey has ~1.21 comments per response
    import_file(export, db)
    export.unlink()
    rng = np.random.default_rng(seed)
    with connection.Database(db).connect() as con:
        tagging.ensure_units(con)
        tags.save_taxonomy(con, taxonomy.key, taxonomy.to_json())
        units = tags.units_for_tagging(con)
        x = rng.normal(size=(len(units), DIM)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        embeddings.save_embeddings(con, MODEL, units["text_hash"].tolist(), x)
        heads = {name: Head(list(keys), rng.normal(size=(DIM, len(keys))).astype(np.float32) * 3,
                            np.zeros(len(keys), np.float32), np.full(len(keys), 1 / len(keys)))
                 for name, keys in (("stage", STAGE_KEYS), ("touchpoint", TOUCH_KEYS), ("sentiment", SENTIMENTS))}
        model = tagging.build_model(lambda texts: np.zeros((len(texts), DIM), np.float32), taxonomy, MODEL,
                                    trained=(heads, {}, "random"))
        unit_tags, comment_tags = tagging.tag_vectors(x, units, model, OwnerLabels.empty(DIM), {})
        tags.save_tags(con, unit_tags.assign(model_id=MODEL), comment_tags.assign(model_id=MODEL), 1)
    return db
