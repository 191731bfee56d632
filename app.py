"""Journey Lens: sign-in gate, navigation by role, and the shared sidebar only."""

import streamlit as st

from journey.i18n import t
from journey.ui import current_lang, sidebar, sign_in

st.set_page_config(page_title="Journey Lens", page_icon=":material/route:", layout="wide")
lang = current_lang()
role = sign_in(lang)  # before routing: deep links to any page pass through the same gate
pages = [
    st.Page("views/journey_map.py", title=t("nav.map", lang), icon=":material/route:", url_path="journey",
            default=True),
    st.Page("views/stage.py", title=t("nav.stage", lang), icon=":material/zoom_in:", url_path="stage"),
    st.Page("views/trends.py", title=t("nav.trends", lang), icon=":material/trending_up:", url_path="trends"),
    st.Page("views/weekly.py", title=t("nav.weekly", lang), icon=":material/summarize:", url_path="weekly"),
    st.Page("views/overview.py", title=t("nav.overview", lang), icon=":material/dashboard:", url_path="overview"),
]
if role == "editor":  # viewers never get these pages, so no URL reaches them
    pages += [
        st.Page("views/review.py", title=t("nav.review", lang), icon=":material/fact_check:", url_path="review"),
        st.Page("views/taxonomy.py", title=t("nav.taxonomy", lang), icon=":material/category:", url_path="taxonomy"),
        st.Page("views/import.py", title=t("nav.import", lang), icon=":material/upload_file:", url_path="import"),
    ]
navigation = st.navigation(pages)
sidebar()
navigation.run()
