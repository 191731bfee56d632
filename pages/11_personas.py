"""Personas (ペルソナ): named, described sets of segment filters; up to five compared side by side (an emotion
curve each, a heatmap each); editors create, edit and delete them."""

import pandas as pd
import streamlit as st

from journey import actions, charts, metrics, personas
from journey.errors import JourneyError
from journey.store import dashboard
from journey.store import personas as persona_store
from journey.ui import (FILTER_KEYS, chart_downloads, chart_with_actions, dashboard_setup, default_unless_set,
                        plain, load_facts, saved_actions, saved_personas, seed_from_url, write_url)

board = dashboard_setup("personas.title")
page, taxonomy, filters = board.page, board.taxonomy, board.filters
stage_labels, touch_labels = board.stage_labels, board.touch_labels
stage_keys, touch_keys = taxonomy.stage_keys(), taxonomy.touchpoint_keys() + ["unclassified"]
st.caption(page.t("personas.intro"))
saved = saved_personas(page)
by_id = {str(p.id): p for p in saved}

if not saved:
    st.info(page.t("personas.empty"))
else:
    seed_from_url("compare", "list", list(by_id))
    compared = st.multiselect(page.t("personas.compare"), list(by_id), format_func=lambda i: by_id[i].name,
                              max_selections=personas.MAX_COMPARED, key="compare",
                              **default_unless_set("compare", list(by_id)[:personas.MAX_COMPARED]))
    st.dataframe(pd.DataFrame({page.t("personas.name"): [p.name for p in saved],
                               page.t("personas.description"): [p.description for p in saved],
                               page.t("personas.columns"): [p.describe_rules() for p in saved]}),
                 hide_index=True, width="stretch")
    comments, _ = load_facts(page, personas.with_persona(filters, None))
    curves, cells, sizes = [], [], []
    for key in compared:
        persona = by_id[key]
        mine, answered = load_facts(page, personas.with_persona(filters, persona))
        sizes.append(page.t("personas.size", name=persona.name, responses=len(answered), comments=len(mine)))
        curves.append(metrics.stage_curve(mine, stage_keys).assign(segment=persona.name))
        cells.append(metrics.heatmap(mine, stage_keys, touch_keys, "negative_share").assign(persona=persona.name))
    if compared:
        st.subheader(page.t("personas.curves"))
        st.text(" · ".join(sizes))  # persona names are the owner's words: plain text
        marks = actions.markers(saved_actions(page), stage_labels, touch_labels, filters.start, filters.end)
        chart_with_actions(page, lambda list_actions: charts.emotion_curve_chart(
            metrics.stage_curve(comments, stage_keys), stage_keys, stage_labels, "net_sentiment", page.lang,
            segments=pd.concat(curves, ignore_index=True), actions=marks, segment_title=page.t("chart.persona"),
            list_actions=list_actions), marks, "persona-curves", filters, key="persona-curves")
        grids = pd.concat(cells, ignore_index=True)
        if not grids.empty:
            heatmaps = charts.persona_heatmaps_chart(grids, stage_keys, touch_keys, stage_labels, touch_labels,
                                                     page.lang)
            st.altair_chart(heatmaps, key="persona-heatmaps")
            chart_downloads(page, heatmaps, "persona-heatmaps", filters)
        st.caption(page.t("overview.indicative") + " · " + page.t("chart.small_cells"))

if page.role != "editor":
    st.caption(page.t("personas.viewer"))
    write_url(FILTER_KEYS + ["compare"])
    st.stop()

st.divider()
st.subheader(page.t("personas.new"))
with page.db() as con:
    segments = dashboard.filter_options(con)["segments"]
if not segments:
    st.info(page.t("personas.no_segments"))
    write_url(FILTER_KEYS + ["compare"])
    st.stop()
editing_id = st.selectbox(page.t("personas.pick_edit"), [""] + list(by_id), key="persona-edit",
                          format_func=lambda i: by_id[i].name if i else page.t("personas.new_option"))
current = by_id.get(editing_id)
rules = current.rules_dict() if current else {}
suffix = editing_id or "new"
name = st.text_input(page.t("personas.name"), value=current.name if current else "", key=f"persona-name-{suffix}")
description = st.text_area(page.t("personas.description"), value=current.description if current else "",
                           key=f"persona-description-{suffix}", height=68)
columns = st.multiselect(page.t("personas.columns"), list(segments), default=[c for c in rules if c in segments],
                         key=f"persona-columns-{suffix}")
chosen = {column: st.multiselect(page.t("personas.values", column=plain(column)), segments[column],
                                 default=[v for v in rules.get(column, []) if v in segments[column]],
                                 key=f"persona-values-{suffix}-{column}")
          for column in columns}
save, delete = st.columns([1, 4])
if save.button(page.t("personas.save"), type="primary", key="persona-save"):
    try:
        persona = personas.check_persona(name, description, chosen, segments, current.id if current else None)
    except JourneyError as err:
        st.error(plain(page.t("personas.failed", message=str(err))))
    else:
        with page.db() as con:
            persona_store.save_persona(con, persona.name, persona.description, persona.rules_dict(), persona.id)
        st.toast(page.t("personas.saved"))
        st.rerun()
if current and delete.button(page.t("personas.delete"), key="persona-delete"):
    with page.db() as con:
        persona_store.delete_persona(con, current.id)
    st.session_state.pop("persona-edit", None)
    st.toast(page.t("personas.deleted"))
    st.rerun()
write_url(FILTER_KEYS + ["compare"])
