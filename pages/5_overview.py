"""Overview (概要): what has been imported, headline scores, monthly volume, latest comments."""

import streamlit as st

from journey import charts, metrics
from journey.store import overview
from journey.ui import empty_state, has_data, page_setup

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


def caption_for(estimate: metrics.Estimate) -> str:
    shown = "{:+.0f}" if estimate.kind == "nps" else ("{:.0f}%" if estimate.kind == "share" else "{:.2f}")
    text = page.t("overview.interval", low=shown.format(estimate.low), high=shown.format(estimate.high), n=estimate.n)
    return f"{text} · {page.t('overview.indicative')}" if estimate.indicative else text


cards = st.columns(5)
cards[0].metric(page.t("overview.responses"), f"{total['responses']:,}")
cards[1].metric(page.t("overview.comments"), f"{total['comments']:,}")
nps = metrics.nps(scores.loc[scores["scale"] == "nps_0_10", "value"])
if nps:
    cards[2].metric(page.t("overview.nps"), f"{nps.value:+.0f}")
    cards[2].caption(caption_for(nps))
csat = metrics.top_two_box(scores.loc[scores["scale"] == "csat_1_5", "value"])
if csat:
    cards[3].metric(page.t("overview.csat"), f"{csat.value:.0f}%")
    cards[3].caption(caption_for(csat))
stars = metrics.mean(scores.loc[scores["scale"] == "stars_1_5", "value"])
if stars:
    cards[4].metric(page.t("overview.stars"), f"{stars.value:.2f}")
    cards[4].caption(page.t("overview.n", n=stars.n))

st.subheader(page.t("overview.volume"))
if not volume.empty:
    st.altair_chart(charts.volume_chart(volume, page.lang), width="stretch")

st.subheader(page.t("overview.latest"))
st.dataframe(
    latest.rename(columns={"responded_at": page.t("col.date"), "text": page.t("col.text"),
                           "question": page.t("col.question"), "source": page.t("col.source")}),
    hide_index=True, width="stretch")
