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


def test_csat_share_counts_every_answer_of_several_questions():
    responses = pd.DataFrame({"csat_n": [2, 0, 1], "csat_top": [1, 0, 1]})  # answers 5 and 3; none; 4
    result = m.csat_share(responses)
    assert result.n == 3 and result.value == pytest.approx(200 / 3)
    assert m.csat_share(responses.iloc[1:2]) is None


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
