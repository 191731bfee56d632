"""Overview (概要): what has been imported, headline scores, monthly volume, latest comments."""

import streamlit as st

from journey import charts, metrics
from journey.store import overview
from journey.ui import csat_by_question, empty_state, estimate_note, has_data, page_setup

page = page_setup()
st.title(page.t("overview.title"))
if not has_data(page):
    empty_state(page)
    st.stop()

with page.db() as con:
    total = overview.counts(con)
    scores = overview.scores_frame(con)
    volume = overview.monthly_volume(con)
    latest = overview.latest_comments(con, limit=15)

cards = st.columns(5)
cards[0].metric(page.t("kpi.card.responses"), f"{total['responses']:,}", help=page.t("kpi.responses"))
cards[1].metric(page.t("kpi.card.comments"), f"{total['comments']:,}", help=page.t("kpi.comments"))
nps = metrics.nps(scores.loc[scores["scale"] == "nps_0_10", "value"])
if nps:
    cards[2].metric(page.t("kpi.card.nps"), f"{nps.value:+.0f}", help=page.t("kpi.nps"))
    cards[2].caption(estimate_note(page, nps))
# CSAT per question, most answered first: "overall" and "staff" are different figures, never one n.
csat = scores[scores["scale"] == "csat_1_5"]
order = csat.groupby("question").size().sort_values(ascending=False, kind="stable").index
per_question = metrics.csat_by_question({q: csat.loc[csat["question"] == q, "value"] for q in order})
if per_question:
    cards[3].metric(page.t("kpi.card.csat"), f"{per_question[0][1].value:.0f}%", help=page.t("kpi.csat"))
    note = estimate_note(page, per_question[0][1])
    cards[3].caption(f"{note} · {page.t('kpi.csat_headline')}" if len(per_question) > 1 else note)
stars = metrics.mean(scores.loc[scores["scale"] == "stars_1_5", "value"])
if stars:
    cards[4].metric(page.t("kpi.card.stars"), f"{stars.value:.2f}", help=page.t("overview.stars"))
    cards[4].caption(page.t("overview.n", n=stars.n))
if len(per_question) > 1:
    csat_by_question(page, per_question)

st.subheader(page.t("overview.volume"))
if not volume.empty:
    st.altair_chart(charts.volume_chart(volume, page.lang), width="stretch")

st.subheader(page.t("overview.latest"))
st.dataframe(
    latest.rename(columns={"responded_at": page.t("col.date"), "text": page.t("col.text"),
                           "question": page.t("col.question"), "source": page.t("col.source")}),
    hide_index=True, width="stretch")
