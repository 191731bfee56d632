"""Journey map (ジャーニーマップ): KPIs, stage × touchpoint heatmap, emotion curve, what moves NPS, verbatims."""

import streamlit as st

from journey import actions, charts, funnel, metrics
from journey.metrics import CELL_METRICS
from journey.store import dashboard
from journey.store import funnel as funnel_store
from journey.ui import (FILTER_KEYS, chart_downloads, chart_with_actions, csat_by_question, dashboard_setup,
                        default_unless_set, describe_filters, plain, estimate_note, load_facts, page_file,
                        saved_actions, seed_from_url, show_url_notes, verbatims, write_url)

board = dashboard_setup("map.title")
page, taxonomy, filters = board.page, board.taxonomy, board.filters
stage_labels, touch_labels = board.stage_labels, board.touch_labels
stage_keys, touch_keys = taxonomy.stage_keys(), taxonomy.touchpoint_keys()
comments, responses = load_facts(page, filters)
previous = filters.previous()
prev_comments, prev_responses = load_facts(page, previous) if previous else (None, None)
st.caption(page.t("map.period", period=plain(describe_filters(page, filters))))
if comments["stage"].isna().all():
    st.warning(page.t("map.untagged"))
    if page.role == "editor":
        st.page_link(page_file("review"), label=page.t("nav.review"), icon=":material/fact_check:")

# --- KPI cards with the change against the previous period ----------------------------------------
now = metrics.kpis(comments, responses)
# No change is shown against a previous period that has no data at all.
before = metrics.kpis(prev_comments, prev_responses) if previous and len(prev_responses) else {}
formats = {"responses": "{:,.0f}", "comments": "{:,.0f}", "nps": "{:+.0f}", "csat": "{:.0f}%",
           "negative_share": "{:.0f}%"}
cards = st.columns(5)
csat_questions = metrics.csat_questions(responses)
for column, key in zip(cards, formats):
    estimate, old = now[key], before.get(key)
    delta = None if estimate is None or old is None else estimate.value - old.value
    column.metric(page.t(f"kpi.card.{key}"), "—" if estimate is None else formats[key].format(estimate.value),
                  None if delta is None else f"{delta:+.0f}", delta_color="inverse" if key == "negative_share" else "normal",
                  help=page.t(f"kpi.{key}"))
    if estimate is not None and key in ("nps", "csat", "negative_share"):
        note = estimate_note(page, estimate)
        column.caption(f"{note} · {page.t('kpi.csat_headline')}" if key == "csat" and len(csat_questions) > 1 else note)
if len(csat_questions) > 1:
    csat_by_question(page, metrics.csat_by_question(responses))

# --- heatmap ------------------------------------------------------------------------------------
st.subheader(page.t("map.heatmap"))
seed_from_url("measure", options=list(CELL_METRICS))
show_url_notes(page)
measure = st.segmented_control(page.t("map.measure"), CELL_METRICS, required=True, key="measure",
                               format_func=lambda m: page.t(f"chart.{m}"),
                               **default_unless_set("measure", "negative_share"))
cells = metrics.heatmap(comments, stage_keys, touch_keys + ["unclassified"], measure)
with page.db() as con:  # the stage funnel of the periods overlapping these dates, under the stage columns
    steps = funnel.steps(funnel_store.counts(con, filters.start, filters.end), stage_keys)
heatmap = charts.heatmap_chart(cells, stage_keys, touch_keys + ["unclassified"], stage_labels, touch_labels,
                               measure, page.lang, funnel=steps)
cell_event = st.altair_chart(heatmap, on_select="rerun", key="heatmap", width="content" if len(steps) else "stretch")
chart_downloads(page, heatmap, "journey-map", filters)

# --- emotion curve ------------------------------------------------------------------------------
st.subheader(page.t("map.curve"))
left, right = st.columns(2, vertical_alignment="bottom")
seed_from_url("curve", options=["net_sentiment", "satisfaction"])
curve_measure = left.segmented_control(page.t("map.curve_measure"), ["net_sentiment", "satisfaction"],
                                       required=True, key="curve", format_func=lambda m: page.t(f"chart.{m}"),
                                       **default_unless_set("curve", "net_sentiment"))
with page.db() as con:
    segment_names = list(dashboard.filter_options(con)["segments"])
seed_from_url("split", options=segment_names)
show_url_notes(page)
split = right.selectbox(page.t("map.split"), [""] + segment_names, format_func=lambda s: s or "—", key="split")
curve = metrics.stage_curve(comments, stage_keys, curve_measure)
prev_curve = metrics.stage_curve(prev_comments, stage_keys, curve_measure) if previous else None
segment_curves = None
if split:
    with page.db() as con:
        values = dashboard.segment_of(con, split)
    segment_curves = metrics.segment_curves(comments, values, stage_keys, curve_measure, top=5)
marks = actions.markers(saved_actions(page), stage_labels, touch_labels, (previous or filters).start, filters.end)
curve_event = chart_with_actions(page, lambda list_actions: charts.emotion_curve_chart(
    curve, stage_keys, stage_labels, curve_measure, page.lang, prev_curve, segment_curves, actions=marks,
    list_actions=list_actions), marks, "emotion-curve", filters, on_select="rerun", key="curve_chart")

# --- what moves NPS -------------------------------------------------------------------------------
st.subheader(page.t("map.impact"))
st.caption(page.t("map.impact_help"))
by_stage = metrics.nps_impact(comments, responses, "stage", stage_keys)
by_touch = metrics.nps_impact(comments, responses, "touchpoint", touch_keys)
if by_stage.empty and by_touch.empty:
    st.caption(page.t("map.no_nps"))
else:
    a, b = st.columns(2)
    for column, frame, labels, title, name in ((a, by_stage, stage_labels, page.t("col.stage"), "nps-by-stage"),
                                               (b, by_touch, touch_labels, page.t("col.touchpoint"),
                                                "nps-by-touchpoint")):
        if not frame.empty:
            with column:
                chart = charts.impact_chart(frame, labels, page.lang, title)
                st.altair_chart(chart, width="stretch")
                chart_downloads(page, chart, name, filters)

# --- verbatims for what was clicked -------------------------------------------------------------
st.subheader(page.t("verbatims.title"))
chosen = comments
picked_cell = (cell_event.selection.get("cell") or []) if cell_event else []
picked_stage = (curve_event.selection.get("stage") or []) if curve_event else []
if picked_cell:
    stage, touch = picked_cell[0].get("stage"), picked_cell[0].get("touchpoint")
    chosen = metrics.explode_stages(comments)
    chosen = chosen[(chosen["stage_key"] == stage) & (chosen["touchpoint"] == touch)]
    st.caption(page.t("verbatims.for", what=plain(f"{stage_labels.get(stage, stage)} × {touch_labels.get(touch, touch)}")))
elif picked_stage:
    stage = picked_stage[0].get("stage")
    chosen = metrics.explode_stages(comments)
    chosen = chosen[chosen["stage_key"] == stage]
    st.caption(page.t("verbatims.for", what=plain(stage_labels.get(stage, stage))))
verbatims(page, chosen.drop_duplicates("comment_id"), key="map-verbatims")
write_url(FILTER_KEYS + ["measure", "curve", "split"])
