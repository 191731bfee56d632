"""Weekly review (週次レビュー): one click builds the HTML + PDF pack and chart PNGs; tagged data downloads."""

import io
import zipfile

import streamlit as st

from journey import exporting
from journey.errors import EmptyPeriod
from journey.report import build_pack, default_period
from journey.store import dashboard
from journey.filters import clamp_range
from journey.ui import empty_state, has_data, keep_dates_in, page_setup, show_url_notes

page = page_setup()
st.title(page.t("nav.weekly"))
st.caption(page.t("weekly.intro"))
if not has_data(page):
    empty_state(page)
    st.stop()

with page.db() as con:
    since, until = default_period(con)
    window = dashboard.data_window(con)
keep_dates_in("weekly-dates", window)
show_url_notes(page, window)
left, right = st.columns([2, 1])
chosen = left.date_input(page.t("filters.dates"), min_value=window.first, max_value=window.last, key="weekly-dates",
                         **({} if "weekly-dates" in st.session_state else
                            {"value": clamp_range(window, (since, until)) or (since, until)}))
lang = right.segmented_control(page.t("weekly.lang"), ["ja", "en"], default=page.lang, required=True,
                               key="weekly-lang", format_func=lambda c: {"ja": "日本語", "en": "English"}[c])
if st.button(page.t("weekly.build"), type="primary", key="weekly-build") and len(chosen) == 2:
    try:
        with st.spinner(page.t("weekly.building")), page.db() as con:
            st.session_state["weekly-pack"] = build_pack(con, chosen[0], chosen[1], lang)
    except EmptyPeriod:
        st.session_state.pop("weekly-pack", None)
        st.warning(page.t("weekly.empty", since=chosen[0], until=chosen[1]))

pack = st.session_state.get("weekly-pack")
if pack:
    st.success(page.t("weekly.ready", period=pack.period))
    a, b, c = st.columns(3)
    a.download_button(page.t("weekly.download_html"), pack.html, file_name="weekly-review.html", mime="text/html",
                      key="weekly-html", on_click="ignore")
    b.download_button(page.t("weekly.download_pdf"), pack.pdf, file_name="weekly-review.pdf",
                      mime="application/pdf", key="weekly-pdf", on_click="ignore")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, png in pack.pngs.items():
            zipped.writestr(f"{name}.png", png)
    c.download_button(page.t("weekly.download_png"), archive.getvalue(), file_name="weekly-review-charts.zip",
                      mime="application/zip", key="weekly-png", on_click="ignore")
    for name, png in pack.pngs.items():
        st.image(png, caption=page.t(f"weekly.chart.{name}"))

st.divider()
st.subheader(page.t("export.data"))


def tagged_frame():
    with page.db() as con:
        return dashboard.export_comments(con)


x, y = st.columns(2)
x.download_button("CSV (UTF-8 BOM)", lambda: exporting.to_csv_bytes(tagged_frame()), file_name="journey-comments.csv",
                  mime="text/csv", key="data-csv", on_click="ignore")
y.download_button("Parquet", lambda: exporting.to_parquet_bytes(tagged_frame()), file_name="journey-comments.parquet",
                  mime="application/octet-stream", key="data-parquet", on_click="ignore")
