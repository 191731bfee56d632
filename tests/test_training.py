"""The training corpus: well-formed labels, the promised coverage, no evaluation row in training, the split
by month and product, and the real rows resolving to the shared data (skipped when it is absent)."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from journey.training import corpus, realdata
from tests.conftest import require_real_data

STAGES = set(corpus.STAGES) | {corpus.UNCLASSIFIED}
TOUCHPOINTS = set(corpus.TOUCHPOINTS) | {"none"}
TRADES = ["restaurant", "retail", "hotel", "beauty", "clinic", "software", "transport"]


def rows(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def check_labels(row: dict) -> None:
    stages = row["stages"].split("|")
    stage = "unclassified" if row["stage"] == "unclear" else row["stage"]
    stages = ["unclassified" if s == "unclear" else s for s in stages]
    assert stage in STAGES and set(stages) <= STAGES, row
    assert stages[0] == stage and len(set(stages)) == len(stages), row
    assert stages == ["unclassified"] or "unclassified" not in stages, row
    assert row["touchpoint"] in TOUCHPOINTS and row["sentiment"] in corpus.SENTIMENTS, row


def test_real_labels_are_keys_and_labels_only_never_text():
    labels = rows(corpus.REAL_LABELS)
    assert len(labels) >= 2000
    assert list(labels[0]) == ["source", "file", "row_key", "question", "text_sha1", "lang", "stage", "stages",
                               "touchpoint", "sentiment", "draw"]
    for row in labels:
        check_labels(row)
        assert len(row["text_sha1"]) == 12 and row["draw"] in ("random", "targeted")
    keys = [(r["source"], r["file"], r["row_key"], r["question"]) for r in labels]
    assert len(set(keys)) == len(keys)


def test_no_evaluation_row_is_ever_trained_on_and_training_rows_come_from_training_months():
    train = {(r["source"], r["file"], r["row_key"], r["question"]) for r in rows(corpus.REAL_LABELS)}
    evaluation = [(r["source"], r["file"], r["row_key"], r["question"]) for path in corpus.EVAL_FILES
                  for r in rows(path)]
    assert len(evaluation) >= 900 and not train & set(evaluation)
    assert {k[1] for k in train if k[0] == "fukui"} <= set(realdata.FUKUI_TRAIN_MONTHS)
    for row in rows(corpus.EVAL_FILES[1]):
        check_labels(row)


def test_the_written_corpus_covers_every_trade_language_and_stage():
    frame = corpus.written()
    assert set(frame["trade"]) == set(TRADES)
    for _, r in frame.iterrows():
        check_labels(r.to_dict())
    assert not frame.duplicated(["trade", "text"]).any()  # stock non-answers may repeat across trades
    per_stage = Counter(zip(frame["lang"], frame["stage"]))
    for lang in ("ja", "en"):
        for stage in corpus.STAGES:
            assert per_stage[(lang, stage)] >= 40, (lang, stage)
    for trade in TRADES:
        part = frame[frame["trade"] == trade]
        assert set(part["lang"]) == {"ja", "en"} and set(part["stage"]) >= set(corpus.STAGES), trade


@pytest.mark.realdata
def test_real_rows_resolve_to_the_shared_data_with_their_split():
    require_real_data()
    train = corpus.real_labelled()  # raises if a key no longer matches its text
    assert len(train) >= 2000 and train["text"].str.len().gt(0).all()
    per_stage = Counter((lang, s) for lang, stages in zip(train["lang"], train["stages"]) for s in stages.split("|"))
    assert all(per_stage[("ja", s)] >= 40 for s in ("awareness", "interest", "purchase", "usage", "loyalty"))
    clothing_ids = {r["index"]: r["Clothing ID"] for r in realdata.clothing_rows()}
    for row in rows(corpus.REAL_LABELS):
        if row["source"] == "clothing":
            assert not realdata.clothing_held_out(clothing_ids[row["row_key"]])
    held = corpus.held_out()
    assert held["held_out_partition"].sum() >= 500
    weak = corpus.weak_sentiment(per_source=200)
    assert set(weak["sentiment"]) == {"positive", "negative"} and not set(weak["id"]) & set(train["id"])
