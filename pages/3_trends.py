"""Trends (推移): series per stage or touchpoint, and a before/after check around a change."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from journey import actions, charts, metrics
from journey.filters import Window
from journey.ui import (FILTER_KEYS, chart_with_actions, dashboard_setup, default_unless_set,
                        keep_dates_in, load_facts, plain, saved_actions, seed_from_url, show_url_notes, write_url)

board = dashboard_setup("trends.title")
page, taxonomy, filters = board.page, board.taxonomy, board.filters
stage_labels, touch_labels = board.stage_labels, board.touch_labels
# Trends need history: they use every date, with the other filters applied.
comments, responses = load_facts(page, replace(filters, start=None, end=None))
st.caption(page.t("trends.all_dates"))

seed_from_url("freq", options=["W", "M"])
seed_from_url("by", options=["stage", "touchpoint"])
seed_from_url("tmeasure", options=list(metrics.CELL_METRICS))
seed_from_url("change", "date")
a, b, c = st.columns([1, 1, 2])
freq = a.segmented_control(page.t("trends.freq"), ["W", "M"], required=True, key="freq",
                           format_func=lambda f: page.t(f"trends.freq.{f}"), **default_unless_set("freq", "M"))
by = b.segmented_control(page.t("trends.by"), ["stage", "touchpoint"], required=True, key="by",
                         format_func=lambda k: page.t(f"col.{k}"), **default_unless_set("by", "stage"))
measure = c.segmented_control(page.t("trends.measure"), list(metrics.CELL_METRICS), required=True, key="tmeasure",
                              format_func=lambda m: page.t(f"chart.{m}"),
                              **default_unless_set("tmeasure", "negative_share"))
keys = taxonomy.stage_keys() if by == "stage" else taxonomy.touchpoint_keys()
labels = stage_labels if by == "stage" else touch_labels
frame = metrics.series(comments, freq, by, keys)

first, last = comments["responded_at"].min(), comments["responded_at"].max()
window = Window(first.date(), last.date()) if pd.notna(first) else Window(None, None)
chart_slot = st.container()
st.subheader(page.t("trends.change"))
keep_dates_in("change", window, single=True)
show_url_notes(page, window)
# No date is chosen for the owner: a verdict belongs to a change that happened, not to mid-data.
when = st.date_input(page.t("trends.change_date"), min_value=window.first, max_value=window.last, key="change",
                     **({} if "change" in st.session_state else {"value": None})) if window.first else None
if not frame.empty:
    marks = actions.markers(saved_actions(page), stage_labels, touch_labels)
    chart_with_actions(page, lambda list_actions: charts.trend_chart(
        frame, measure, keys, labels, page.lang, by == "stage", pd.Timestamp(when) if when else None, marks,
        list_actions), marks, f"trend-{by}-{measure}", filters, container=chart_slot)
if when:
    table = metrics.before_after(comments, responses, when, taxonomy.stage_keys())
    scope_name = lambda s: page.t("trends.all") if s == "all" else stage_labels.get(s, s)  # noqa: E731
    for row in table[table["verdict"].isin(["improved", "worsened"])].itertuples():
        st.markdown("- " + page.t(f"trends.sentence.{row.verdict}", scope=plain(scope_name(row.scope)),
                                  metric=page.t(f"trends.metric.{row.metric}"), before=row.before, after=row.after,
                                  p=row.p_adjusted))
    verdicts = {v: page.t(f"verdict.{v}") for v in ("improved", "worsened", "no_change", "too_small")}
    number = lambda spec: lambda v: "—" if pd.isna(v) else format(v, spec)  # noqa: E731  (no side: —)
    shown = pd.DataFrame({
        page.t("trends.scope"): table["scope"].map(scope_name),
        page.t("trends.metric"): table["metric"].map(lambda m: page.t(f"trends.metric.{m}")),
        page.t("trends.before"): table["before"].map(number(".1f")), "n₁": table["n_before"],
        page.t("trends.after"): table["after"].map(number(".1f")), "n₂": table["n_after"],
        page.t("trends.delta"): table["change"].map(number("+.1f")), "p": table["p_value"].map(number(".3f")),
        page.t("trends.p_adjusted"): table["p_adjusted"].map(number(".3f")),
        page.t("trends.verdict"): table["verdict"].map(verdicts),
    })
    st.dataframe(shown, hide_index=True, width="stretch", height=35 * (len(shown) + 1) + 3)  # every row at once
    st.caption(page.t("trends.method"))
elif window.first:
    st.caption(page.t("trends.pick_date"))
write_url(FILTER_KEYS + ["freq", "by", "tmeasure", "change"])
