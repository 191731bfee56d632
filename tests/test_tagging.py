"""Tagging: heads through a taxonomy, abstention, question priors, touchpoint column, sentiment with scores,
learning from corrections.

Unit tests use hand-made heads and vectors, or the deterministic hashing embedder (whose heads are trained
here from the written corpus); the shipped heads on real text are in test_embed and test_tagging_realdata.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from journey import tagging
from journey.cli import main as cli
from journey.embed import HashingEmbedder
from journey.ingest import import_file
from journey.store import connection, dashboard, imports, tags
from journey import heads as H
from journey.tagging import SENTIMENTS, OwnerLabels, tag_vectors
from journey.taxonomy import UNCLASSIFIED, Category, load_preset
from journey.training.train import STAGE_KEYS, TOUCH_KEYS
from tests.conftest import FIXTURES

DIM = 32


def axis(i: int, dim: int = DIM, noise: float = 0.0) -> np.ndarray:
    v = np.zeros(dim, np.float32)
    v[i] = 1.0
    v[-1] = noise
    return v / np.linalg.norm(v)


def toy_heads(prior_usage: float = 0.8) -> dict[str, H.Head]:
    """Heads whose class j fires on axis j: stages on axes 0–7, touchpoints on 8–24, sentiment on 25–27."""
    def head(keys: list[str], offset: int, prior: np.ndarray) -> H.Head:
        weights = np.zeros((DIM, len(keys)), np.float32)
        for j in range(len(keys)):
            weights[offset + j, j] = 12.0
        return H.Head(list(keys), weights, np.zeros(len(keys), np.float32), prior)

    stage_prior = np.full(len(STAGE_KEYS), (1 - prior_usage) / (len(STAGE_KEYS) - 1))
    stage_prior[STAGE_KEYS.index("usage")] = prior_usage
    return {"stage": head(STAGE_KEYS, 0, stage_prior),
            "touchpoint": head(TOUCH_KEYS, 8, np.full(len(TOUCH_KEYS), 1 / len(TOUCH_KEYS))),
            "sentiment": head(list(SENTIMENTS), 25, np.array([0.45, 0.2, 0.35]))}


def toy_model(taxonomy=None, embed=None, **decision) -> tagging.Model:
    settings = {"minority_threshold": 0.5, "second_stage_threshold": 0.5, "touchpoint_threshold": 0.3,
                "rating_weight": 2.0, "touches_threshold": 1.01, **decision}
    return tagging.build_model(embed or (lambda texts: np.zeros((len(texts), DIM), np.float32)),
                               taxonomy or load_preset("default"), "toy",
                               trained=(toy_heads(), settings, "toy"))


def stage_axis(key: str) -> int:
    return STAGE_KEYS.index(key)


def toy_units(n: int, **extra) -> pd.DataFrame:
    base = {"unit_id": range(n), "comment_id": range(n), "question": "Q", "touchpoint_column": None,
            "nps": np.nan, "rating": np.nan}
    base.update(extra)
    return pd.DataFrame(base)


def test_comments_take_the_stage_their_text_points_at():
    x = np.vstack([axis(stage_axis(k)) for k in ("awareness", "purchase", "usage", "loyalty")])
    _, comments = tag_vectors(x, toy_units(4), toy_model(), OwnerLabels.empty(DIM), {})
    assert comments["stage"].tolist() == ["awareness", "purchase", "usage", "loyalty"]


def test_a_weak_minority_stage_falls_back_to_usage_and_no_journey_content_is_unclassified():
    # Halfway between purchase and awareness, nowhere near usage: no stage reaches the threshold.
    torn = (axis(stage_axis("purchase")) + axis(stage_axis("awareness"))) * 0.3
    x = np.vstack([torn, axis(stage_axis(UNCLASSIFIED))])
    _, comments = tag_vectors(x, toy_units(2), toy_model(minority_threshold=0.9), OwnerLabels.empty(DIM), {})
    assert comments["stage"].tolist() == ["usage", UNCLASSIFIED]


def test_a_comment_carries_every_stage_of_its_units_its_own_first():
    x = np.vstack([axis(stage_axis("usage")), axis(stage_axis("loyalty"))])
    unit_tags, comments = tag_vectors(x, toy_units(2, comment_id=[7, 7]), toy_model(), OwnerLabels.empty(DIM), {})
    assert unit_tags["stage"].tolist() == ["usage", "loyalty"]
    assert comments.loc[0, "stage"] == "usage" and comments.loc[0, "stages"] == "usage|loyalty"


def test_a_question_tied_to_a_stage_sets_its_comments_stage_and_keeps_their_sentences():
    x = np.vstack([axis(stage_axis("usage")), axis(stage_axis("usage")), axis(stage_axis("awareness"))])
    units = toy_units(3, question=["What would you recommend?", "Anything else?", "What would you recommend?"])
    units_out, comments = tag_vectors(x, units, toy_model(), OwnerLabels.empty(DIM), {},
                                      question_stages={"What would you recommend?": "purchase",
                                                       "Unknown question": "not-a-stage"})
    assert comments["stage"].tolist() == ["purchase", "usage", "purchase"]
    assert comments["stage_margin"].iloc[[0, 2]].tolist() == [1.0, 1.0]
    assert units_out["stage"].tolist() == ["usage", "usage", "awareness"]
    assert comments["stages"].tolist() == ["purchase|usage", "usage", "purchase|awareness"]


def test_a_question_whose_answers_lean_one_way_shifts_its_prior():
    # 40 clear loyalty answers to one question make a borderline answer to it loyalty; the same
    # borderline text under another question stays usage.
    borderline = 0.5 * axis(stage_axis("loyalty")) + 0.5 * axis(stage_axis("usage"))
    x = np.vstack([axis(stage_axis("loyalty"))] * 40 + [borderline, borderline])
    units = toy_units(42, question=["推奨項目"] * 41 + ["満足度の理由"])
    _, comments = tag_vectors(x, units, toy_model(question_pseudo_count=20.0, question_max_ratio=30.0),
                              OwnerLabels.empty(DIM), {})
    assert comments["stage"].iloc[40] == "loyalty" and comments["stage"].iloc[41] == "usage"


def test_a_corpus_that_leans_slightly_one_way_does_not_collapse_into_one_stage():
    # Reviews of a trade the heads never saw lean a little towards consideration: EM alone would feed
    # that lean back until every review is consideration; the bounded prior keeps them usage.
    lean = 0.55 * axis(stage_axis("consideration")) + 0.45 * axis(stage_axis("usage"))
    x = np.vstack([lean] * 200)
    _, comments = tag_vectors(x, toy_units(200), toy_model(question_pseudo_count=20.0, question_max_ratio=4.0),
                              OwnerLabels.empty(DIM), {})
    assert (comments["stage"] == "usage").all()


def test_touchpoint_column_wins_over_inference():
    x = np.vstack([axis(8 + TOUCH_KEYS.index("web"))] * 2)
    units = toy_units(2, touchpoint_column=["店舗", None])
    unit_tags, comments = tag_vectors(x, units, toy_model(), OwnerLabels.empty(DIM), {"店舗": "staff"})
    assert unit_tags["touchpoint"].tolist() == ["staff", "web"]
    assert comments["touchpoint"].tolist() == ["staff", "web"]


def test_touchpoint_values_map_by_label_first():
    model = toy_model()
    mapped = tagging.map_touchpoint_values(["アプリ", "店舗（カフェ）", "その他", ""], model,
                                           lambda texts: np.zeros((len(texts), DIM), np.float32))
    assert mapped == {"アプリ": "app", "店舗（カフェ）": "store_facility"}


def test_a_one_star_review_is_not_positive():
    x = np.vstack([axis(25)] * 2)  # text that reads positive
    _, comments = tag_vectors(x, toy_units(2, rating=[1.0, 5.0]), toy_model(rating_weight=30.0),
                              OwnerLabels.empty(DIM), {})
    assert comments["sentiment"].tolist()[0] != "positive"
    assert comments["sentiment_score"][0] < comments["sentiment_score"][1]


def test_satisfaction_speaks_before_nps_and_nps_only_without_a_rating():
    nps = pd.Series([5.0, 5.0, 10.0, np.nan, 7.0, np.nan])
    rating = pd.Series([5.0, np.nan, 2.0, 4.0, np.nan, np.nan])  # a satisfied Japanese respondent often gives NPS 5
    assert tagging.rating_prior(nps, rating).tolist() == [1.0, -1.0, -1.0, 1.0, 0.0, 0.0]


def test_owner_labels_move_the_tagger():
    # Comments between purchase and usage that the heads call purchase; the owner says "usage".
    rng = np.random.default_rng(0)
    blend = lambda w: (w * axis(stage_axis("purchase")) + (1 - w) * axis(stage_axis("usage"))  # noqa: E731
                       + 0.02 * rng.normal(size=DIM)).astype(np.float32)
    x = np.vstack([blend(0.7) for _ in range(6)])
    model = toy_model(minority_threshold=0.3)
    _, before = tag_vectors(x, toy_units(6), model, OwnerLabels.empty(DIM), {})
    owner = OwnerLabels(np.vstack([blend(0.7) for _ in range(5)]), ["usage"] * 5, [None] * 5, [None] * 5, ["Q"] * 5)
    _, after = tag_vectors(x, toy_units(6), model, owner, {})
    assert (before["stage"] == "purchase").all()
    assert (after["stage"] == "usage").mean() >= 0.8


def test_the_five_stage_preset_sums_the_heads_classes_it_covers():
    five = load_preset("five_stage")
    model = toy_model(five)
    x = np.vstack([axis(stage_axis("support")), axis(stage_axis("interest")), axis(stage_axis("loyalty"))])
    _, comments = tag_vectors(x, toy_units(3), model, OwnerLabels.empty(DIM), {})
    assert comments["stage"].tolist() == ["retention", "consideration", "advocacy"]


def test_a_category_the_heads_do_not_know_learns_from_its_examples():
    taxonomy = load_preset("default")
    taxonomy.stages.append(Category("waiting", {"ja": "待ち時間", "en": "Waiting"}, {"en": "queues"},
                                    {"en": ["long queue", "waited an hour"]}))
    queue_axis = axis(29)
    embed = lambda texts: np.vstack([queue_axis if t in ("queues", "long queue", "waited an hour")  # noqa: E731
                                     else np.zeros(DIM, np.float32) for t in texts])
    model = toy_model(taxonomy, embed)
    assert "waiting" in model.stage.keys
    _, comments = tag_vectors(np.vstack([queue_axis, axis(stage_axis("purchase"))]), toy_units(2), model,
                              OwnerLabels.empty(DIM), {})
    assert comments["stage"].tolist() == ["waiting", "purchase"]


def tag_fixture(db_path, *names: str) -> tagging.TagSummary:
    for name in names:
        import_file(FIXTURES / name, db_path)
    with connection.Database(db_path).connect() as con:
        return tagging.tag_database(con, HashingEmbedder(), preset="restaurant")


def test_tag_database_tags_every_comment_and_retag_embeds_nothing(db_path):
    first = tag_fixture(db_path, "google_forms_ja_cp932.csv", "surveymonkey_en_bom.csv")
    assert first.units >= 19 and first.embedded >= first.units
    with connection.Database(db_path).connect() as con:
        tagged = tags.comment_tags(con)
        assert tagged["stage"].notna().all()
        again = tagging.tag_database(con, HashingEmbedder())
    assert again.embedded == 0 and again.new_units == 0
    assert 0 <= first.unclassified_share <= 0.3


def test_human_corrections_survive_retagging(db_path):
    tag_fixture(db_path, "google_forms_ja_cp932.csv")
    with connection.Database(db_path).connect() as con:
        comment_id = int(tags.comment_tags(con)["comment_id"].iloc[0])
        tags.save_human_tag(con, comment_id, stage="support", sentiment="negative")
        tags.save_human_tag(con, comment_id, touchpoint="staff")  # a later fix keeps the earlier fields
        tagging.tag_database(con, HashingEmbedder())
        row = tags.comment_tags(con).set_index("comment_id").loc[comment_id]
    assert (row["stage"], row["touchpoint"], row["sentiment"], row["corrected"]) == \
        ("support", "staff", "negative", True)
    assert row["stages"].split("|")[0] == "support" or "support" in row["stages"].split("|")


def test_review_queue_skips_corrected_comments_and_accuracy_needs_labels(db_path):
    tag_fixture(db_path, "google_forms_ja_cp932.csv", "amazon_reviews_ja.csv", "surveymonkey_en_bom.csv")
    with connection.Database(db_path).connect() as con:
        queue = tagging.review_queue(con, limit=5)
        assert len(queue) == 5
        assert tagging.owner_accuracy(con, HashingEmbedder()).accuracy is None
        tagged = tags.comment_tags(con)
        for i, comment_id in enumerate(tagged["comment_id"].head(12)):
            tags.save_human_tag(con, int(comment_id), stage=["usage", "purchase", "loyalty"][i % 3])
        estimate = tagging.owner_accuracy(con, HashingEmbedder())
        assert estimate.labelled == 12 and estimate.folds == 5
        assert 0 <= estimate.accuracy <= 1 and 0 <= estimate.before <= 1
        assert not set(tagging.review_queue(con, limit=50)["comment_id"]) & set(tagged["comment_id"].head(12))


def test_cli_tag_and_export_contract(db_path, tmp_path, capsys):
    import_file(FIXTURES / "google_play_reviews_utf16.tsv", db_path)
    assert cli(["tag", "--db", str(db_path), "--preset", "software", "--embedder", "hashing", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["units"] > 0 and summary["units_per_second"] > 0 and 0 <= summary["unclassified_share"] <= 1
    out = tmp_path / "tagged.csv"
    assert cli(["export", "--out", str(out), "--db", str(db_path)]) == 0
    frame = pd.read_csv(out, encoding="utf-8-sig")
    stages = {"awareness", "interest", "consideration", "purchase", "usage", "support", "loyalty", UNCLASSIFIED}
    assert set(frame["stage"]) <= stages
    assert all(set(s.split("|")) <= stages for s in frame["stages"].dropna())
    assert set(frame["sentiment"]) <= {"positive", "neutral", "negative"}
    for column in ("stage_score", "touchpoint", "touchpoint_score", "sentiment_score"):
        assert frame[column].notna().all()


def test_deleting_an_import_removes_its_tags(db_path):
    tag_fixture(db_path, "google_forms_ja_cp932.csv")
    with connection.Database(db_path).connect() as con:
        tags.save_human_tag(con, int(tags.comment_tags(con)["comment_id"].iloc[0]), stage="usage")
        imports.delete_import(con, 1)
        for table in ("units", "tags", "comment_tags", "human_tags"):
            assert connection.scalar(con, f"SELECT count(*) FROM {table}") == 0, table


def test_a_correction_of_a_fully_unclassified_comment_has_no_stray_separator(db_path):
    tag_fixture(db_path, "google_forms_ja_cp932.csv")
    with connection.Database(db_path).connect() as con:
        comment_id = int(tags.comment_tags(con)["comment_id"].iloc[0])
        con.execute("UPDATE comment_tags SET stages = '' WHERE comment_id = ?", [comment_id])
        tags.save_human_tag(con, comment_id, stage="support")
        from journey.filters import Filters
        for frame in (tags.comment_tags(con), dashboard.comment_facts(con, Filters()), dashboard.export_comments(con)):
            assert frame.set_index("comment_id").loc[comment_id, "stages"] == "support"
