"""Improvement actions: checks on what the owner types, the before/after windows, each metric of the read
computed by hand, the honest "too early", the sentence, chart markers and the store."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from journey import actions
from journey.errors import BadAction
from journey.store import actions as action_store
from journey.store import connection
from journey.taxonomy import load_preset

TAX = load_preset("restaurant")
STAGES = TAX.stage_keys()
LABELS_JA = {k: TAX.stage_label(k, "ja") for k in STAGES}
TOUCH_JA = {k: TAX.touchpoint_label(k, "ja") for k in TAX.touchpoint_keys()}
CHECKOUT = actions.Action(date(2026, 8, 1), "決済画面を刷新", stage="purchase", number=1, id=1)


def comments_around(before: list[tuple[str, str]], after: list[tuple[str, str]],
                    when: date = date(2026, 8, 1)) -> pd.DataFrame:
    """Comments (stages, sentiment) spread over the 10 days before and after `when`, each its own response
    with a rating and an NPS that follow its sentiment."""
    rows = []
    for side, items in ((-1, before), (1, after)):
        for i, (stages, sentiment) in enumerate(items):
            day = pd.Timestamp(when) + pd.Timedelta(days=(i % 10) if side > 0 else -1 - (i % 10))
            rows.append({"comment_id": len(rows), "response_id": len(rows), "responded_at": day, "stage": stages.split("|")[0],
                         "stages": stages, "touchpoint": "web", "sentiment": sentiment,
                         "rating": 1.0 if sentiment == "negative" else 5.0,
                         "nps": 2.0 if sentiment == "negative" else 10.0})
    return pd.DataFrame(rows)


def test_check_action_accepts_a_stage_a_touchpoint_or_both():
    action = actions.check_action("2026-08-01", "  決済画面を刷新 ", "purchase", None, TAX, owner=" 店長 ", note="")
    assert (action.acted_on, action.title, action.stage, action.touchpoint, action.owner, action.note) == (
        date(2026, 8, 1), "決済画面を刷新", "purchase", None, "店長", None)
    assert actions.check_action(date(2026, 9, 5), "app 3.3.0", "", "app", TAX).touchpoint == "app"


@pytest.mark.parametrize("when, what, stage, touchpoint, column, words", [
    ("2026-13-01", "x", "purchase", None, "date", "is not a date"),
    (date(1900, 1, 1), "x", "purchase", None, "date", "between 1990-01-01"),
    ("2026-08-01", "  ", "purchase", None, "what", "say what was changed"),
    ("2026-08-01", "x" * 301, "purchase", None, "what", "keep it under 300"),
    ("2026-08-01", "x", None, None, "stage", "name the stage and/or the touchpoint"),
    ("2026-08-01", "x", "retention", None, "stage", "'retention' is not a stage"),
    ("2026-08-01", "x", None, "fax", "touchpoint", "'fax' is not a touchpoint"),
])
def test_check_action_says_what_is_wrong_and_where(when, what, stage, touchpoint, column, words):
    with pytest.raises(BadAction, match=words) as caught:
        actions.check_action(when, what, stage, touchpoint, TAX)
    assert caught.value.column == column


def test_windows_are_equally_long_and_stop_at_the_neighbouring_actions():
    assert actions.windows(date(2026, 8, 1), date(2026, 12, 31)) == (
        (date(2026, 5, 3), date(2026, 7, 31)), (date(2026, 8, 1), date(2026, 10, 29)))  # 90 days each
    assert actions.windows(date(2026, 8, 1), date(2026, 8, 10)) == (
        (date(2026, 7, 22), date(2026, 7, 31)), (date(2026, 8, 1), date(2026, 8, 10)))  # to the last data
    assert actions.windows(date(2026, 8, 1), date(2026, 10, 31), others=[date(2026, 9, 5)]) == (
        (date(2026, 6, 27), date(2026, 7, 31)), (date(2026, 8, 1), date(2026, 9, 4)))   # not into the next one
    assert actions.windows(date(2026, 9, 5), date(2026, 10, 31), others=[date(2026, 8, 1)]) == (
        (date(2026, 8, 1), date(2026, 9, 4)), (date(2026, 9, 5), date(2026, 10, 9)))    # nor back past the last


def test_the_read_by_hand():
    # Before: 40 comments, 12 of them purchase complaints, 3 purchase praise; after: 50, 4 complaints, 16 praise.
    before = [("purchase", "negative")] * 12 + [("purchase", "positive")] * 3 + [("usage", "positive")] * 25
    after = [("purchase", "negative")] * 4 + [("purchase|loyalty", "positive")] * 16 + [("usage", "neutral")] * 30
    comments = comments_around(before, after)
    effect = actions.measure(CHECKOUT, comments, pd.DataFrame(columns=["period_start", "period_end", "stage", "count"]),
                             STAGES, days=10)
    pain = effect.results["pain_share"]
    assert (pain.before.value, pain.before.n, pain.after.value, pain.after.n) == (30.0, 40, 8.0, 50)
    pooled = (12 + 4) / 90
    z = (0.08 - 0.30) / math.sqrt(pooled * (1 - pooled) * (1 / 40 + 1 / 50))
    assert pain.p_value == pytest.approx(math.erfc(abs(z) / math.sqrt(2))) and pain.verdict == "improved"
    negative = effect.results["negative_share"]
    assert (negative.before.value, negative.before.n, negative.after.value, negative.after.n) == (80.0, 15, 20.0, 20)
    assert negative.verdict == "too_small"  # 15 and 20 purchase comments: under 30 on each side
    satisfaction = effect.results["satisfaction"]
    assert satisfaction.before.value == pytest.approx((12 * 1 + 3 * 5) / 15) and satisfaction.after.n == 20
    nps = effect.results["nps"]
    assert nps.before.value == pytest.approx(100 * (3 - 12) / 15) and nps.after.value == pytest.approx(100 * (16 - 4) / 20)
    assert "funnel_in" not in effect.results and effect.status == "improved"
    ja = actions.sentence(effect, LABELS_JA, TOUCH_JA, "ja")
    assert ja.startswith("2026-08-01の「決済画面を刷新」以降、予約・注文の不満はコメント全体の 30% から 8% に減りました（有意、p ")
    en = actions.sentence(effect, {k: TAX.stage_label(k, "en") for k in STAGES}, {}, "en")
    assert "fell from 30% to 8% of all comments: significant" in en


def test_too_early_to_tell_below_thirty_comments_after():
    comments = comments_around([("purchase", "negative")] * 40, [("purchase", "positive")] * 12)
    effect = actions.measure(CHECKOUT, comments, pd.DataFrame(columns=["period_start", "period_end", "stage", "count"]),
                             STAGES, days=10)
    assert effect.status == "too_early" and effect.primary.p_value is None
    assert "判断するには早すぎます（実施後のコメントは 12 件" in actions.sentence(effect, LABELS_JA, TOUCH_JA, "ja")


def test_untagged_comments_are_said_to_be_untagged():
    comments = comments_around([("", "negative")] * 40, [("", "negative")] * 40).assign(stage=None, stages=None,
                                                                                         sentiment=None)
    effect = actions.measure(CHECKOUT, comments, pd.DataFrame(columns=["period_start", "period_end", "stage", "count"]),
                             STAGES)
    assert effect.status == "untagged" and "not tagged yet" in actions.sentence(effect, {}, {}, "en")


def test_scope_is_the_stage_and_the_touchpoint_together():
    comments = pd.DataFrame({"stages": ["purchase", "usage|purchase", "purchase", "repurchase"],
                             "touchpoint": ["web", "web", "app", "web"]})
    both = actions.Action(date(2026, 8, 1), "x", stage="purchase", touchpoint="web")
    assert actions.in_scope(comments, both).tolist() == [True, True, False, False]
    app_only = actions.Action(date(2026, 8, 1), "x", touchpoint="app")
    assert actions.in_scope(comments, app_only).tolist() == [False, False, True, False]


def test_the_funnel_steps_into_and_out_of_the_stage():
    counts = pd.DataFrame([
        {"period_start": date(2026, m, 1), "period_end": date(2026, m, 28), "stage": stage, "count": count}
        for m, cart, orders, repeat in ((7, 700, 240, 70), (8, 750, 450, 118))
        for stage, count in (("consideration", cart), ("purchase", orders), ("loyalty", repeat))])
    comments = comments_around([("purchase", "negative"), ("purchase", "positive")] * 20,
                               [("purchase", "negative"), ("purchase", "positive")] * 20)
    comments.loc[len(comments)] = comments.iloc[0].to_dict() | {"responded_at": pd.Timestamp("2026-09-30")}
    effect = actions.measure(CHECKOUT, comments, counts, STAGES, days=31)  # July vs August, by their middle days
    into, out = effect.results["funnel_in"], effect.results["funnel_out"]
    assert (into.before.value, into.after.value) == (pytest.approx(100 * 240 / 700), pytest.approx(60.0))
    assert (out.before.n, out.after.n) == (240, 450) and into.verdict == "improved"
    table = actions.effect_table(effect, "ja", LABELS_JA)
    assert table["name"].tolist()[-2:] == ["転換率 比較・検討 → 予約・注文（%）", "転換率 予約・注文 → 再来店・推奨（%）"]
    assert table["name"].iloc[0].endswith("★")


def test_p_values_are_never_shown_as_zero():
    assert actions.p_text(0.00001) == "< 0.001" and actions.p_text(0.0366) == "= 0.037" and actions.p_text(None) == "= –"


def test_markers_number_actions_in_date_order(db_path):
    with connection.Database(db_path).connect() as con:
        action_store.add_action(con, date(2026, 9, 5), "アプリ 3.3.0", touchpoint="app")
        action_store.add_action(con, date(2026, 8, 1), "決済画面を刷新", stage="purchase", owner="店長")
        recorded = actions.from_frame(action_store.list_actions(con))
        assert [(a.number, a.acted_on, a.owner) for a in recorded] == [(1, date(2026, 8, 1), "店長"),
                                                                      (2, date(2026, 9, 5), None)]
        marks = actions.markers(recorded, LABELS_JA, TOUCH_JA, start=date(2026, 9, 1))
        assert marks["label"].tolist() == ["② 2026-09-05 アプリ 3.3.0 (アプリ・モバイルオーダー)"]
        assert action_store.delete_action(con, recorded[0].id) and not action_store.delete_action(con, 999)
        assert len(action_store.list_actions(con)) == 1


def test_pain_series_is_the_weekly_share_of_all_comments():
    comments = comments_around([("purchase", "negative")] * 2 + [("usage", "positive")] * 8, [])
    series = actions.pain_series(comments, CHECKOUT, "M")
    assert series["pain_share"].tolist() == [20.0] and series["n"].tolist() == [10]


def test_circled_numbers():
    assert [actions.circled(n) for n in (1, 2, 20, 21)] == ["①", "②", "⑳", "(21)"]
