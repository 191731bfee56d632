"""Tagging: scoring, abstention, touchpoint column, sentiment with scores, learning from corrections.

Unit tests use hand-made vectors or the deterministic hashing embedder; real models are in test_embed.
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
from journey.tagging import Anchors, OwnerLabels, Settings, tag_vectors
from journey.taxonomy import UNCLASSIFIED
from tests.conftest import FIXTURES

KEYS = ["awareness", "purchase", "usage"]


def axis(i: int, dim: int = 8, noise: float = 0.0) -> np.ndarray:
    v = np.zeros(dim, np.float32)
    v[i] = 1.0
    v[-1] = noise
    return v / np.linalg.norm(v)


def toy_anchors() -> Anchors:
    groups = [np.vstack([axis(i), axis(i, noise=0.2)]) for i in range(3)]
    return Anchors(KEYS, groups, ["web", "staff"], [axis(3)[None], axis(4)[None]], axis(5)[None], axis(6)[None])


def toy_units(n: int, **extra) -> pd.DataFrame:
    base = {"unit_id": range(n), "comment_id": range(n), "question": "Q", "touchpoint_column": None,
            "nps": np.nan, "rating": np.nan}
    base.update(extra)
    return pd.DataFrame(base)


def test_units_go_to_the_nearest_stage_and_ties_abstain():
    x = np.vstack([axis(0), axis(1), axis(2), (axis(0) + axis(1)) / np.sqrt(2)])
    units, comments = tag_vectors(x, toy_units(4), toy_anchors(), OwnerLabels.empty(8), {},
                                  Settings(abstain_share=0.25))
    assert comments["stage"].tolist() == ["awareness", "purchase", "usage", UNCLASSIFIED]
    assert (comments["stage_margin"].iloc[:3] > comments["stage_margin"].iloc[3]).all()


def test_a_comment_carries_every_stage_of_its_units():
    x = np.vstack([axis(0), axis(2)])
    units = toy_units(2, comment_id=[7, 7])
    unit_tags, comments = tag_vectors(x, units, toy_anchors(), OwnerLabels.empty(8), {}, Settings(abstain_share=0))
    assert unit_tags["stage"].tolist() == ["awareness", "usage"]
    assert comments.loc[0, "stages"] == "awareness|usage"


def test_a_question_tied_to_a_stage_sets_its_comments_stage_and_keeps_their_sentences():
    x = np.vstack([axis(2), axis(2), axis(0)])  # two usage-like answers, one awareness-like
    units = toy_units(3, question=["What would you recommend?", "Anything else?", "What would you recommend?"])
    units_out, comments = tag_vectors(x, units, toy_anchors(), OwnerLabels.empty(8), {}, Settings(abstain_share=0),
                                      question_stages={"What would you recommend?": "purchase",
                                                       "Unknown question": "not-a-stage"})
    assert comments["stage"].tolist() == ["purchase", "usage", "purchase"]
    assert comments["stage_margin"].iloc[[0, 2]].tolist() == [1.0, 1.0]
    assert units_out["stage"].tolist() == ["usage", "usage", "awareness"]
    assert comments["stages"].tolist() == ["purchase|usage", "usage", "awareness|purchase"]


def test_touchpoint_column_wins_over_inference():
    x = np.vstack([axis(3), axis(3)])
    units = toy_units(2, touchpoint_column=["店舗", None])
    unit_tags, comments = tag_vectors(x, units, toy_anchors(), OwnerLabels.empty(8), {"店舗": "staff"},
                                      Settings(touchpoint_abstain_share=0))
    assert unit_tags["touchpoint"].tolist() == ["staff", "web"]


def test_a_one_star_review_is_not_positive():
    x = np.vstack([axis(5), axis(5)])  # text that reads positive
    units = toy_units(2, rating=[1.0, 5.0])
    _, comments = tag_vectors(x, units, toy_anchors(), OwnerLabels.empty(8), {},
                              Settings(neutral_band=0.3, rating_weight=3.0))
    assert comments["sentiment"].tolist()[0] != "positive"
    assert comments["sentiment_score"][0] < comments["sentiment_score"][1]


def test_satisfaction_speaks_before_nps_and_nps_only_without_a_rating():
    nps = pd.Series([5.0, 5.0, 10.0, np.nan, 7.0])
    rating = pd.Series([5.0, np.nan, 2.0, 4.0, np.nan])  # a satisfied Japanese respondent often gives NPS 5
    assert tagging.rating_prior(nps, rating).tolist() == [1.0, -1.0, -1.0, 1.0, 0.0]


def test_owner_labels_teach_the_classifier():
    # Units that sit between purchase and usage; the owner says that kind is "usage".
    rng = np.random.default_rng(0)
    blend = lambda w: (w * axis(1) + (1 - w) * axis(2) + 0.05 * rng.normal(size=8)).astype(np.float32)  # noqa: E731
    x = np.vstack([blend(0.55) for _ in range(6)])
    units = toy_units(6)
    _, before = tag_vectors(x, units, toy_anchors(), OwnerLabels.empty(8), {}, Settings(abstain_share=0))
    owner = OwnerLabels(np.vstack([blend(0.55) for _ in range(4)] + [axis(1)] * 3),
                        ["usage"] * 4 + ["purchase"] * 3, [None] * 7, [None] * 7, ["Q"] * 7)
    _, after = tag_vectors(x, units, toy_anchors(), owner, {}, Settings(abstain_share=0))
    assert (before["stage"] == "purchase").all()
    assert (after["stage"] == "usage").mean() >= 0.8


def tag_fixture(db_path, *names: str) -> tagging.TagSummary:
    for name in names:
        import_file(FIXTURES / name, db_path)
    with connection.Database(db_path).connect() as con:
        return tagging.tag_database(con, HashingEmbedder(), preset="restaurant")


def test_tag_database_tags_every_comment_and_retag_embeds_nothing(db_path):
    first = tag_fixture(db_path, "google_forms_ja_cp932.csv", "surveymonkey_en_bom.csv")
    assert first.units >= 19 and first.embedded > first.units  # units plus prototype texts
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
        assert tagging.owner_accuracy(con).accuracy is None
        tagged = tags.comment_tags(con)
        for i, comment_id in enumerate(tagged["comment_id"].head(12)):
            tags.save_human_tag(con, int(comment_id), stage=["usage", "purchase", "loyalty"][i % 3])
        estimate = tagging.owner_accuracy(con)
        assert estimate.labelled == 12 and estimate.accuracy is not None and 0 <= estimate.accuracy <= 1
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


def brute_group_scores(x: np.ndarray, groups: list[np.ndarray], k: int = tagging.TOP_K) -> np.ndarray:
    """The definition, one unit and one group at a time."""
    out = np.full((len(x), len(groups)), -1.0)
    for j, g in enumerate(groups):
        if len(g):
            centroid = g.mean(axis=0) / np.linalg.norm(g.mean(axis=0))
            for i, v in enumerate(x):
                top = np.sort(g @ v)[::-1][:min(k, len(g))]
                out[i, j] = 0.5 * top.mean() + 0.5 * centroid @ v
    return out


def test_group_scores_match_the_definition_for_uneven_groups():
    rng = np.random.default_rng(1)
    unit = lambda a: (a / np.linalg.norm(a, axis=1, keepdims=True)).astype(np.float32)  # noqa: E731
    x = unit(rng.standard_normal((300, 16)))
    # Typical prototype groups, tiny ones, an empty one and one swollen by owner corrections
    # (cut into parts of the grid's height and merged).
    groups = [unit(rng.standard_normal((s, 16))) if s else np.zeros((0, 16), np.float32)
              for s in (12, 12, 14, 1, 2, 0, 90)]
    assert np.allclose(tagging.group_scores(x, groups, chunk=128), brute_group_scores(x, groups), atol=1e-5)
