"""Trends (推移): series per stage or touchpoint, and a before/after check around a change."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from journey import charts, metrics
from journey.ui import (FILTER_KEYS, chart_downloads, dashboard_setup, default_unless_set, load_facts, plain,
                        seed_from_url, write_url)

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
middle = (first + (last - first) / 2).date() if pd.notna(first) else None
chart_slot = st.container()
st.subheader(page.t("trends.change"))
when = st.date_input(page.t("trends.change_date"), min_value=first, max_value=last, key="change",
                     **({} if "change" in st.session_state else {"value": middle})) if middle else None
if not frame.empty:
    trend = charts.trend_chart(frame, measure, keys, labels, page.lang, by == "stage", pd.Timestamp(when) if when else None)
    chart_slot.altair_chart(trend, width="stretch")
    with chart_slot:
        chart_downloads(page, trend, f"trend-{by}-{measure}", filters)
if when:
    table = metrics.before_after(comments, responses, when, taxonomy.stage_keys())
    scope_name = lambda s: page.t("trends.all") if s == "all" else stage_labels.get(s, s)  # noqa: E731
    for row in table[table["verdict"].isin(["improved", "worsened"])].itertuples():
        st.markdown("- " + page.t(f"trends.sentence.{row.verdict}", scope=plain(scope_name(row.scope)),
                                  metric=page.t(f"trends.metric.{row.metric}"), before=row.before, after=row.after,
                                  p=row.p_value))
    verdicts = {v: page.t(f"verdict.{v}") for v in ("improved", "worsened", "no_change", "too_small")}
    shown = pd.DataFrame({
        page.t("trends.scope"): table["scope"].map(scope_name),
        page.t("trends.metric"): table["metric"].map(lambda m: page.t(f"trends.metric.{m}")),
        page.t("trends.before"): table["before"].round(1), "n₁": table["n_before"],
        page.t("trends.after"): table["after"].round(1), "n₂": table["n_after"],
        page.t("trends.delta"): table["change"].round(1), "p": table["p_value"].round(3),
        page.t("trends.verdict"): table["verdict"].map(verdicts),
    })
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption(page.t("trends.method"))
write_url(FILTER_KEYS + ["freq", "by", "tmeasure", "change"])
