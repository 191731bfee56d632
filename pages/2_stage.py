"""Stage detail (ステージ詳細): pain-point and delight themes inside one stage, with their quotes."""

import streamlit as st

from journey import metrics, themes
from journey.ui import (FILTER_KEYS, comment_dialog, dashboard_setup, default_unless_set, plain, load_facts,
                        seed_from_url, show_url_notes, write_url)

board = dashboard_setup("stage.title")
page, taxonomy, filters, stage_labels = board.page, board.taxonomy, board.filters, board.stage_labels
seed_from_url("focus", options=taxonomy.stage_keys())
show_url_notes(page)
stage = st.segmented_control(page.t("col.stage"), taxonomy.stage_keys(), required=True, format_func=stage_labels.get,
                             key="focus", **default_unless_set("focus", taxonomy.stage_keys()[0]))
comments, _ = load_facts(page, filters)
in_stage = metrics.explode_stages(comments)
in_stage = in_stage[in_stage["stage_key"] == stage]

cards = st.columns(4)
net = metrics.net_sentiment(in_stage["sentiment"])
negative = metrics.negative_share(in_stage["sentiment"])
satisfaction = metrics.mean(in_stage.drop_duplicates("response_id")["rating"])
cards[0].metric(page.t("kpi.comments"), f"{len(in_stage):,}")
cards[1].metric(page.t("chart.net_sentiment.short"), "—" if net is None else f"{net.value:+.0f}")
cards[2].metric(page.t("kpi.card.negative_share"), "—" if negative is None else f"{negative.value:.0f}%",
                help=page.t("kpi.negative_share"))
cards[3].metric(page.t("chart.satisfaction"), "—" if satisfaction is None else f"{satisfaction.value:.2f}")
if len(in_stage) < metrics.SMALL_N:
    st.caption(page.t("overview.indicative"))


def show_themes(found: list[themes.Theme], kind: str) -> None:
    if not found:
        st.caption(page.t("stage.no_themes"))
        return
    for number, theme in enumerate(found):
        with st.container(border=True):
            arrow = "↗" if theme.trend > 2 else "↘" if theme.trend < -2 else "→"
            st.markdown(f"**{plain(theme.name)}**")  # key words are the customers' words
            st.caption(page.t("stage.theme_size", units=theme.size, comments=theme.comments, arrow=arrow,
                              trend=theme.trend))
            for i, quote in enumerate(theme.quotes):
                left, right = st.columns([9, 1])
                left.text(f"“{quote['text']}”")  # plain text: customer words are never rendered as markup
                if right.button(page.t("stage.open"), key=f"{kind}-{number}-{i}"):
                    comment_dialog(page, quote["comment_id"])


pain, delight = st.tabs([page.t("stage.pain"), page.t("stage.delight")])
with page.db() as con:
    with pain:
        show_themes(themes.themes_for_stage(con, filters, stage, "negative"), "pain")
    with delight:
        show_themes(themes.themes_for_stage(con, filters, stage, "positive"), "delight")
write_url(FILTER_KEYS + ["focus"])
