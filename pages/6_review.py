"""Review (確認・修正): run tagging, check comments' tags, correct them; the model learns from corrections."""

import time

import pandas as pd
import streamlit as st

from journey import tagging
from journey.store import tags
from journey.taxonomy import UNCLASSIFIED, Taxonomy
from journey.ui import embedder, empty_state, has_data, page_setup

page = page_setup(editor_only=True)
st.title(page.t("review.title"))
st.caption(page.t("review.intro"))
if not has_data(page):
    empty_state(page)
    st.stop()


def run_tagging() -> None:
    bar = st.progress(0.0)
    started = time.monotonic()

    def progress(done: int, total: int, stage: str) -> None:
        rate = done / max(time.monotonic() - started, 1e-6)
        left = int((total - done) / rate) if rate else 0
        bar.progress(done / max(total, 1), text=page.t("review.tagging", done=done, total=total, left=left))

    with page.db() as con:
        summary = tagging.tag_database(con, embedder(page.settings.embedder), progress=progress)
    bar.empty()
    st.success(page.t("review.tagged", units=summary.units, seconds=summary.seconds,
                      share=summary.unclassified_share))


with page.db() as con:
    tagged = tags.comment_tags(con)
    active = tags.active_taxonomy(con)
    accuracy = tagging.owner_accuracy(con, embedder(page.settings.embedder))
if tagged["stage"].isna().any():
    st.warning(page.t("review.untagged"))
if st.button(page.t("review.tag"), type="primary", key="tag-now"):
    run_tagging()
    st.rerun()
if tagged["stage"].isna().all():
    st.stop()

if accuracy.accuracy is None:
    st.caption(page.t("review.accuracy_pending", n=accuracy.labelled))
else:
    st.info(page.t("review.accuracy", n=accuracy.labelled, acc=accuracy.accuracy, before=accuracy.before,
                   folds=accuracy.folds))

taxonomy = Taxonomy.from_json(active[2])
stage_label = {k: taxonomy.stage_label(k, page.lang) for k in taxonomy.stage_keys() + [UNCLASSIFIED]}
touch_label = {k: taxonomy.touchpoint_label(k, page.lang) for k in taxonomy.touchpoint_keys() + [UNCLASSIFIED]}
feel_label = {k: page.t(f"sentiment.{k}") for k in tagging.SENTIMENTS}
mode = st.segmented_control(page.t("review.mode"), ["queue", "all"], default="queue", required=True,
                            key="review-mode",
                            format_func=lambda m: page.t("review.queue") if m == "queue" else page.t("review.all"))
if mode == "queue":
    with page.db() as con:
        shown = tagging.review_queue(con, limit=12)
else:
    stage_filter = st.selectbox(page.t("review.filter_stage"), [None] + list(stage_label),
                                format_func=lambda k: "—" if k is None else stage_label[k])
    shown = tagged if stage_filter is None else tagged[tagged["stage"] == stage_filter]
    shown = shown.head(200)
if shown.empty:
    st.caption(page.t("review.none"))
    st.stop()

table = pd.DataFrame({
    "comment_id": shown["comment_id"], "text": shown["text"], "question": shown["question"],
    "stage": shown["stage"].map(stage_label), "touchpoint": shown["touchpoint"].map(touch_label),
    "sentiment": shown["sentiment"].map(feel_label), "certainty": shown["stage_margin"].fillna(0.0)})
edited = st.data_editor(
    table, key=f"review-{mode}", hide_index=True, width="stretch", disabled=["comment_id", "text", "question",
                                                                              "certainty"],
    column_config={
        "comment_id": None,
        "text": st.column_config.TextColumn(page.t("col.text"), width="large"),
        "question": st.column_config.TextColumn(page.t("col.question"), width="small"),
        "stage": st.column_config.SelectboxColumn(page.t("col.stage"), options=list(stage_label.values())),
        "touchpoint": st.column_config.SelectboxColumn(page.t("col.touchpoint"), options=list(touch_label.values())),
        "sentiment": st.column_config.SelectboxColumn(page.t("col.sentiment"), options=list(feel_label.values())),
        "certainty": st.column_config.ProgressColumn(page.t("col.certainty"), min_value=0.0, max_value=1.0),
    })
if st.button(page.t("review.save"), key="review-save"):
    back = {"stage": {v: k for k, v in stage_label.items()}, "touchpoint": {v: k for k, v in touch_label.items()},
            "sentiment": {v: k for k, v in feel_label.items()}}
    changed = 0
    with page.db() as con:
        for before, after in zip(table.itertuples(), edited.itertuples()):
            fields = {f: back[f].get(getattr(after, f)) for f in back if getattr(after, f) != getattr(before, f)}
            if fields:
                tags.save_human_tag(con, int(after.comment_id), **fields)
                changed += 1
    st.success(page.t("review.saved", n=changed))
