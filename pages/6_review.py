"""Review (確認・修正): tag in the background, read any comment in full, correct it (undo, back to automatic);
the tagger learns from corrections and says honestly how often it agrees with them."""

import pandas as pd
import streamlit as st

from journey import metrics, review
from journey.store import review as review_store
from journey.ui import (PAGE_SIZE, empty_state, flash, has_data, labels_for, owner_agreement, page_setup,
                        preset_suggestion, review_queue, show_flash, tagging_notice, tagging_panel, active_taxonomy)

page = page_setup(editor_only=True)
st.title(page.t("review.title"))
st.caption(page.t("review.intro"))
if not has_data(page):
    empty_state(page)
    st.stop()

preset_suggestion(page)
tagging_notice(page)
tagging_panel(page)
with page.db() as con:
    count = review_store.counts(con)
if not count["tagged"]:
    st.stop()

agreement = owner_agreement(page)
if agreement.accuracy is None:
    st.caption(page.t("review.accuracy_pending", n=count["corrected"]))
else:
    low, high = metrics.wilson(round(agreement.accuracy * agreement.labelled), agreement.labelled)
    st.info(page.t("review.accuracy", n=agreement.labelled, acc=agreement.accuracy, before=agreement.before,
                   folds=agreement.folds, low=low / 100, high=high / 100))

taxonomy = active_taxonomy(page)
stage_label, touch_label = labels_for(taxonomy, page.lang)
feel_label = {k: page.t(f"sentiment.{k}") for k in ("positive", "neutral", "negative")}
mode = st.segmented_control(page.t("review.mode"), ["queue", "all"], default="queue", required=True,
                            key="review-mode", format_func=lambda m: page.t(f"review.{m}"))
show_flash(page)
if mode == "queue":
    shown = review_queue(page)
    st.caption(page.t("review.queue_help"))
else:
    search_col, stage_col, fixed_col = st.columns([3, 2, 2])
    search = search_col.text_input(page.t("review.search"), key="review-search",
                                   placeholder=page.t("review.search_hint"))
    stage = stage_col.selectbox(page.t("review.filter_stage"), [None] + list(stage_label), key="review-stage",
                                format_func=lambda k: page.t("filters.all") if k is None else stage_label[k])
    fixed = fixed_col.selectbox(page.t("review.filter_corrected"), [None, True, False], key="review-fixed",
                                format_func=lambda v: page.t({None: "filters.all", True: "review.only_corrected",
                                                              False: "review.only_automatic"}[v]))
    with page.db() as con:
        total = review_store.comments_page(con, search, stage, fixed, 0, 0)[1]
    pages = max(1, -(-total // PAGE_SIZE))
    number = st.number_input(page.t("review.page", pages=pages), min_value=1, max_value=pages, step=1,
                             key="review-page") if pages > 1 else 1
    with page.db() as con:
        shown, total = review_store.comments_page(con, search, stage, fixed, (int(number) - 1) * PAGE_SIZE,
                                                  PAGE_SIZE)
    st.caption(page.t("review.matches", total=f"{total:,}", first=(int(number) - 1) * PAGE_SIZE + min(1, len(shown)),
                      last=(int(number) - 1) * PAGE_SIZE + len(shown)))
if shown.empty:
    st.caption(page.t("review.none"))
    st.stop()

sure = {level: page.t(f"review.confidence.{level}") for level in (review.SURE, review.LIKELY, review.UNSURE)}
table = pd.DataFrame({
    page.t("col.text"): shown["text"], page.t("col.stage"): shown["stage"].map(stage_label),
    page.t("col.touchpoint"): shown["touchpoint"].map(touch_label),
    page.t("col.sentiment"): shown["sentiment"].map(feel_label),
    page.t("col.certainty"): [sure[review.confidence(s, p)] for s, p in zip(shown["auto_stage"], shown["stage_score"])],
    page.t("col.corrected"): shown["corrected"]})
event = st.dataframe(table, key=f"review-table-{mode}", hide_index=True, width="stretch", on_select="rerun",
                     selection_mode="single-row",
                     column_config={page.t("col.text"): st.column_config.TextColumn(width="large")})
rows = [r for r in (event.selection.rows if event and event.selection else []) if r < len(shown)]
if not rows:
    st.caption(page.t("review.pick"))
row = shown.iloc[rows[0] if rows else 0]  # the first (most worth checking) until another row is picked
comment_id = int(row["comment_id"])
with st.container(border=True):
    st.markdown(f"**{page.t('review.editing')}**")
    st.text(row["text"])  # the whole comment, as plain text: customer words are never rendered as markup
    when = "" if pd.isna(row["responded_at"]) else f"{row['responded_at']:%Y-%m-%d} · "
    st.caption(f"{page.t('col.question')}: {row['question']} · {when}{row['source']} · "
               f"{page.t('review.automatic', stage=stage_label.get(row['auto_stage'], row['auto_stage']), sure=sure[review.confidence(row['auto_stage'], row['stage_score'])])}")
    with st.form(f"fix-{comment_id}", border=False):
        a, b, c = st.columns(3)
        options = {"stage": list(stage_label), "touchpoint": list(touch_label), "sentiment": list(feel_label)}
        labels = {"stage": stage_label, "touchpoint": touch_label, "sentiment": feel_label}
        for column, field in zip((a, b, c), ("stage", "touchpoint", "sentiment")):
            current = row[field] if row[field] in options[field] else options[field][0]
            column.selectbox(page.t(f"col.{field}"), options[field], index=options[field].index(current),
                             format_func=labels[field].get, key=f"fix-{field}-{comment_id}")
        st.form_submit_button(page.t("review.save"), type="primary", on_click=flash, args=(page, "save", comment_id))
    if row["corrected"]:
        st.button(page.t("review.back_to_auto"), key=f"auto-{comment_id}", on_click=flash,
                  args=(page, "automatic", comment_id), icon=":material/undo:")
