"""Metrics against hand-computed values."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from journey import metrics as m


def test_nps_counts_passives_in_the_denominator():
    result = m.nps([10, 9, 8, 7, 6, 0, 10, 3])  # 3 promoters, 2 passives, 3 detractors
    assert (result.promoters, result.passives, result.detractors, result.n) == (3, 2, 3, 8)
    assert result.value == pytest.approx(0.0)
    assert m.nps([10, 9, 9, 8]).value == pytest.approx(75.0)


def test_all_passive_nps_is_zero_with_a_real_interval():
    result = m.nps([7, 8, 7, 8, 7])
    assert result.value == 0.0
    assert result.low < 0 < result.high  # the adjusted-Wald interval keeps a width
    assert result.indicative


def test_nps_interval_matches_adjusted_wald_by_hand():
    result = m.nps([10] * 6 + [8] * 2 + [2] * 2)  # n=10, 6 promoters, 2 detractors
    n = 13
    pp, pd_ = 6.75 / n, 2.75 / n
    half = 1.959963984540054 * math.sqrt((pp + pd_ - (pp - pd_) ** 2) / n)
    assert result.value == pytest.approx(40.0)
    assert result.low == pytest.approx(100 * (pp - pd_ - half))
    assert result.high == pytest.approx(100 * (pp - pd_ + half))


def test_tiny_and_empty_samples():
    assert m.nps([]) is None
    one = m.nps([10])
    assert one.value == 100.0 and one.high <= 100.0 and one.low < 100.0 and one.indicative


def test_csat_is_a_top_two_box_share():
    result = m.top_two_box([5, 4, 3, 2, 1, 4, 5, 5])
    assert result.kind == "share" and result.value == pytest.approx(62.5)
    assert 0 < result.low < 62.5 < result.high < 100


def test_csat_is_per_question_never_pooled():
    # Three respondents, two questions: overall 5, none, 2; staff 5, 4, 5. Pooled, that read 4 of 5 (n = 5).
    responses = pd.DataFrame({"response_id": [1, 2, 3], "csat::総合満足度": [5, None, 2],
                              "csat::スタッフの対応": [5, 4, 5]})
    assert m.csat_questions(responses) == ["総合満足度", "スタッフの対応"]
    headline = m.csat_share(responses)
    assert (headline.n, headline.value) == (2, 50.0)  # the first (most answered overall) question
    staff = m.csat_share(responses, "スタッフの対応")
    assert (staff.n, staff.value) == (3, 100.0)
    assert [(q, e.n) for q, e in m.csat_by_question(responses)] == [("総合満足度", 2), ("スタッフの対応", 3)]
    assert m.kpis(pd.DataFrame({"sentiment": []}), responses.assign(nps=None))["csat"].n == 2
    assert m.csat_share(responses.iloc[1:2]) is None and m.csat_share(pd.DataFrame()) is None


def test_holm_adjusts_over_the_tests_that_ran():
    adjusted = m.holm([0.01, None, 0.04, 0.03])
    assert adjusted[1] is None
    assert adjusted[0] == pytest.approx(0.03) and adjusted[3] == pytest.approx(0.06)
    assert adjusted[2] == pytest.approx(0.06)  # never below an adjusted p ranked before it
    assert m.holm([0.6, 0.5]) == [pytest.approx(1.0), pytest.approx(1.0)]


def test_before_after_verdicts_are_corrected_for_multiple_testing():
    # Seven checks at once. The purchase stage's negative share falls from 50% to 35% (p = 0.03 on its own),
    # usage's from 50% to 20% (p < 0.0001); nothing else moves. Corrected, only usage is a finding.
    def side(day: str, purchase_negative: int, usage_negative: int) -> pd.DataFrame:
        rows = []
        for stage, negative in (("purchase", purchase_negative), ("usage", usage_negative), ("awareness", 40)):
            rows += [(stage, "negative" if i < negative else "positive") for i in range(100)]
        return pd.DataFrame({"stages": [r[0] for r in rows], "sentiment": [r[1] for r in rows],
                             "responded_at": pd.Timestamp(day), "rating": [3.0, 5.0] * (len(rows) // 2)})

    comments = pd.concat([side("2026-06-01", 50, 50), side("2026-08-01", 35, 20)], ignore_index=True)
    comments = comments.assign(comment_id=range(len(comments)), response_id=range(len(comments)))
    responses = pd.DataFrame({"response_id": range(len(comments)), "responded_at": comments["responded_at"],
                              "nps": [9.0, 5.0] * (len(comments) // 2), "csat::満足度": 4.0})
    table = m.before_after(comments, responses, "2026-07-01", ["awareness", "purchase", "usage"]).set_index(
        ["scope", "metric"])
    purchase, usage = table.loc[("purchase", "negative_share")], table.loc[("usage", "negative_share")]
    assert purchase["p_value"] < 0.05 <= purchase["p_adjusted"] and purchase["verdict"] == "no_change"
    assert usage["p_adjusted"] < 0.05 and usage["verdict"] == "improved"
    assert (table["p_adjusted"].dropna() >= table["p_value"].dropna()).all()


def test_ces_keeps_its_direction():
    # CES 1–7 where 7 = easiest: a higher mean is better and the mean is reported on the scale as is.
    result = m.mean([7, 6, 5, 7])
    assert result.kind == "mean" and result.value == pytest.approx(6.25)


def test_net_sentiment_and_negative_share():
    sentiments = ["positive"] * 5 + ["neutral"] * 3 + ["negative"] * 2
    assert m.net_sentiment(sentiments).value == pytest.approx(30.0)
    assert m.negative_share(sentiments).value == pytest.approx(20.0)


def test_nps_impact_by_hand():
    # 4 respondents: NPS 10, 9, 3, 2 → NPS 0. Respondents 3 and 4 complain about purchase;
    # without them NPS is 100, so the purchase pain point costs 100 points.
    responses = pd.DataFrame({"response_id": [1, 2, 3, 4], "nps": [10, 9, 3, 2]})
    comments = pd.DataFrame({"comment_id": [1, 2, 3], "response_id": [3, 4, 1],
                             "stages": ["purchase", "purchase|usage", "usage"],
                             "sentiment": ["negative", "negative", "positive"], "touchpoint": ["web", "web", "staff"]})
    result = m.nps_impact(comments, responses, "stage", ["purchase", "usage"], min_n=1).set_index("key")
    assert result.loc["purchase", "impact"] == pytest.approx(-100.0)
    assert result.loc["purchase", "raised"] == 2
    assert result.loc["usage", "impact"] == pytest.approx(0.0 - m.nps([10, 9, 3]).value)
    by_touch = m.nps_impact(comments, responses, "touchpoint", ["web", "staff"], min_n=1)
    assert list(by_touch["key"]) == ["web"]


def test_two_proportion_test_by_hand():
    result = m.compare_shares(30, 100, 15, 100, higher_is_better=False)
    pooled = 45 / 200
    z = (0.15 - 0.30) / math.sqrt(pooled * (1 - pooled) * (2 / 100))
    assert result.change == pytest.approx(-15.0)
    assert result.p_value == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert result.verdict == "improved"


def test_nps_difference_test_by_hand():
    result = m.compare_nps([9] * 20 + [3] * 20, [9] * 30 + [3] * 10)
    se = math.sqrt(1.0 / 40 + (1.0 - 0.25) / 40)
    assert result.change == pytest.approx(50.0)
    assert result.p_value == pytest.approx(math.erfc((0.5 / se) / math.sqrt(2)))
    assert result.verdict == "improved"


def test_before_after_refuses_small_samples():
    result = m.compare_nps([9, 10, 3], [10, 10, 10, 9])
    assert result.verdict == "too_small" and result.p_value is None
    same = m.compare_means([3, 4] * 20, [3, 4] * 20)
    assert same.verdict == "no_change"


def test_heatmap_cells_mark_small_samples():
    comments = pd.DataFrame({"comment_id": range(7), "response_id": range(7),
                             "stages": ["purchase"] * 6 + ["usage"], "touchpoint": ["web"] * 6 + ["staff"],
                             "sentiment": ["negative"] * 3 + ["positive"] * 4, "rating": [1, 2, 1, 5, 5, 4, 5]})
    cells = m.heatmap(comments, ["purchase", "usage"], ["web", "staff"], "negative_share").set_index(
        ["stage", "touchpoint"])
    assert cells.loc[("purchase", "web"), "n"] == 6 and not cells.loc[("purchase", "web"), "small"]
    assert cells.loc[("purchase", "web"), "value"] == pytest.approx(50.0)
    assert cells.loc[("usage", "staff"), "small"]


def test_stage_curve_in_journey_order_with_intervals():
    comments = pd.DataFrame({"stages": ["usage", "purchase|usage", "purchase"],
                             "sentiment": ["positive", "negative", "negative"], "rating": [5, 1, 2]})
    curve = m.stage_curve(comments, ["awareness", "purchase", "usage"])
    assert curve["stage"].tolist() == ["awareness", "purchase", "usage"]
    assert curve.loc[0, "n"] == 0 and pd.isna(curve.loc[0, "value"])
    assert curve.loc[1, "value"] == pytest.approx(-100.0) and curve.loc[2, "value"] == pytest.approx(0.0)
