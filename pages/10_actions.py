"""Improvement actions (改善アクション): record what was changed, when and where; each action's before/after
read with its tests, one plain sentence, and its pain point over time with the actions marked."""

from dataclasses import replace
from datetime import date

import streamlit as st

from journey import actions, charts
from journey.errors import JourneyError
from journey.store import actions as action_store
from journey.store import funnel as funnel_store
from journey.ui import (FILTER_KEYS, chart_with_actions, dashboard_setup, plain, load_facts,
                        saved_actions, write_url)

board = dashboard_setup("actions.title")
page, taxonomy, filters = board.page, board.taxonomy, board.filters
stage_labels, touch_labels = board.stage_labels, board.touch_labels
st.caption(page.t("actions.intro"))
recorded = saved_actions(page)

if page.role == "editor":
    none = page.t("actions.none_option")
    with st.expander(page.t("actions.add"), expanded=not recorded, icon=":material/add:"):
        with st.form("action-form", clear_on_submit=True):
            left, middle, right = st.columns([1, 1, 1])
            when = left.date_input(page.t("actions.date"), value=date.today(), key="action-date")
            stage = middle.selectbox(page.t("col.stage"), [""] + taxonomy.stage_keys(), key="action-stage",
                                     format_func=lambda k: stage_labels.get(k, none) if k else none)
            touchpoint = right.selectbox(page.t("col.touchpoint"), [""] + taxonomy.touchpoint_keys(),
                                         key="action-touchpoint",
                                         format_func=lambda k: touch_labels.get(k, none) if k else none)
            what = st.text_input(page.t("actions.what"), placeholder=page.t("actions.what_help"), key="action-what")
            owner = left.text_input(page.t("actions.owner"), key="action-owner")
            note = st.text_area(page.t("actions.note"), key="action-note", height=68)
            if st.form_submit_button(page.t("actions.save"), type="primary"):
                try:
                    action = actions.check_action(when, what, stage, touchpoint, taxonomy, owner, note)
                except JourneyError as err:
                    st.error(plain(page.t("actions.failed", message=str(err))))
                else:
                    with page.db() as con:
                        action_store.add_action(con, action.acted_on, action.title, action.stage,
                                                action.touchpoint, action.owner, action.note)
                    st.session_state["action-saved"] = True
                    st.rerun()
    if st.session_state.pop("action-saved", False):
        st.success(page.t("actions.saved"))
else:
    st.caption(page.t("actions.viewer"))

if not recorded:
    st.info(page.t("actions.empty"))
    write_url(FILTER_KEYS)
    st.stop()

# The reads use every date (the windows come from each action), with the other filters applied.
comments, _ = load_facts(page, replace(filters, start=None, end=None))
with page.db() as con:
    counts = funnel_store.counts(con)
marks = actions.markers(recorded, stage_labels, touch_labels)
colour = {"improved": "green", "worsened": "red"}
for action in reversed(recorded):
    effect = actions.measure(action, comments, counts, taxonomy.stage_keys(), recorded)
    with st.container(border=True):
        head, badge = st.columns([5, 1])
        head.subheader(f"{actions.circled(action.number)} {action.acted_on:%Y-%m-%d} · "
                       f"{plain(actions.scope_label(action, stage_labels, touch_labels))}")
        status = effect.status
        label = page.t(f"actions.status.{status}") if status in ("too_early", "untagged") else page.t(f"verdict.{status}")
        badge.badge(label, color=colour.get(status, "gray"))
        st.text(action.title)  # the owner's words: plain text, never Markdown
        if action.owner or action.note:
            st.text(" · ".join(x for x in (page.t("actions.by", owner=action.owner) if action.owner else "",
                                           action.note or "") if x))
        st.text(actions.sentence(effect, stage_labels, touch_labels, page.lang))
        primary = effect.primary
        st.caption(page.t("actions.windows", b0=f"{effect.before[0]:%Y-%m-%d}", b1=f"{effect.before[1]:%Y-%m-%d}",
                          a0=f"{effect.after[0]:%Y-%m-%d}", a1=f"{effect.after[1]:%Y-%m-%d}",
                          nb=primary.before.n if primary.before else 0, na=primary.after.n if primary.after else 0))
        table = actions.effect_table(effect, page.lang, stage_labels)
        st.dataframe(table.drop(columns=["metric"]).rename(columns={
            "name": page.t("actions.metric"), "before": page.t("trends.before"), "n_before": "n₁",
            "after": page.t("trends.after"), "n_after": "n₂", "change": page.t("trends.delta"),
            "verdict": page.t("trends.verdict")}), hide_index=True, width="stretch")
        weekly = actions.pain_series(comments, action, "W")
        chart_with_actions(page, lambda list_actions: charts.pain_share_chart(
            weekly, actions.scope_label(action, stage_labels, touch_labels), page.lang, marks, list_actions),
            marks, f"action-{action.id}", filters, key=f"action-chart-{action.id}")
        if page.role == "editor" and st.button(page.t("actions.delete"), key=f"action-delete-{action.id}"):
            with page.db() as con:
                action_store.delete_action(con, action.id)
            st.toast(page.t("actions.deleted"))
            st.rerun()
st.caption(page.t("actions.primary_note") + " " + page.t("trends.method"))
write_url(FILTER_KEYS)
