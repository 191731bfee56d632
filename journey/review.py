"""The Review page's logic: how sure the tagger is, in words; corrections that can be undone or sent back to
the automatic tags; the review queue read in one go."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from journey.store import review as review_store
from journey.store import tags
from journey.taxonomy import UNCLASSIFIED

SURE, LIKELY, UNSURE = "sure", "likely", "unsure"
SURE_AT, LIKELY_AT = 0.8, 0.5   # the stage head's probability of the stage it chose


def confidence(stage: object, score: object) -> str:
    """How sure the tagger is of a comment's stage, in words: sure (probability at least 0.8), likely (at
    least 0.5), unsure below that or when it left the comment unclassified. A raw margin (0.1%–3.2%) says
    nothing to an owner; this does."""
    if not isinstance(stage, str) or stage == UNCLASSIFIED or score is None or pd.isna(score):
        return UNSURE
    return SURE if score >= SURE_AT else LIKELY if score >= LIKELY_AT else UNSURE


@dataclass(frozen=True)
class Change:
    """One correction as it was made: the comment's correction before (None: automatic tags) and after."""

    comment_id: int
    before: dict | None
    after: dict | None


def correct(con, comment_id: int, stage: str | None, touchpoint: str | None, sentiment: str | None) -> Change:
    """Record the owner's reading of a comment (all three fields: what they saw and kept counts as much
    as what they changed); returns the change, for undo."""
    before = tags.human_tag(con, comment_id)
    after = {"stage": stage, "touchpoint": touchpoint, "sentiment": sentiment}
    tags.restore_human_tag(con, comment_id, after)
    return Change(comment_id, before, after)


def back_to_automatic(con, comment_id: int) -> Change:
    """Drop a comment's correction, so its automatic tags show again; returns the change, for undo."""
    before = tags.human_tag(con, comment_id)
    tags.restore_human_tag(con, comment_id, None)
    return Change(comment_id, before, None)


def undo(con, change: Change) -> None:
    """Put the comment's correction back as it was before `change`."""
    tags.restore_human_tag(con, change.comment_id, change.before)


def one_thread():
    """Numeric work on one thread. On two cores shared with the embedding job, BLAS and OpenMP pools
    fighting over them made the queue's clustering 20 times slower (13 s against 0.7 s for 4,000 comments,
    measured) and the agreement figure 5.5 s against 0.3 s."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)


def queue_ids(con, length: int, sample: int) -> list[int]:
    """The comments to check first (tagging.review_queue over at most `sample` comments), as ids."""
    from journey import tagging

    with one_thread():
        queue = tagging.review_queue(con, limit=length, max_comments=sample)
    return [int(i) for i in queue["comment_id"]]


def agreement(con, embedder):
    """tagging.owner_accuracy: how often the tagger agrees with the owner's held-out corrections, and before
    it learnt from them."""
    from journey import tagging

    with one_thread():
        return tagging.owner_accuracy(con, embedder)


def queue_rows(con, comment_ids: list[int]) -> pd.DataFrame:
    """The review columns (review_store.COLUMNS) of the queued comments, in queue order."""
    return review_store.comments_by_id(con, comment_ids)
