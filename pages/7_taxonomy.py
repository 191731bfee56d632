"""Taxonomy (分類の設定): pick an industry preset, edit stages and touchpoints; each save is a version."""

import hashlib

import streamlit as st

from journey.store import dashboard, tags
from journey.taxonomy import PRESET_KEYS, Taxonomy, from_table, load_preset, preset_labels, switch_preset, to_table
from journey.ui import page_setup, plain, tagging_notice

MAX_QUESTIONS = 40  # a survey rarely has more free-text questions; the rest keep their setting

page = page_setup(editor_only=True)
st.title(page.t("taxonomy.title"))
st.caption(page.t("taxonomy.intro"))
saved = st.session_state.pop("taxonomy-saved", None)  # kept across the rerun that follows a save
if saved:
    st.success(page.t("taxonomy.saved", version=saved))
tagging_notice(page)  # after a save: the tags are now older than the taxonomy, with one click to re-tag

with page.db() as con:
    active = tags.active_taxonomy(con)
    questions = dashboard.question_counts(con)
if active:
    version, _, data = active
    taxonomy = Taxonomy.from_json(data)
    st.caption(page.t("taxonomy.active", label=plain(taxonomy.label.get(page.lang, taxonomy.key)), version=version))
else:
    taxonomy = load_preset("default")

labels = preset_labels(page.lang)
choice = st.selectbox(page.t("taxonomy.preset"), PRESET_KEYS, index=PRESET_KEYS.index(taxonomy.key)
                      if taxonomy.key in PRESET_KEYS else 0, format_func=labels.get, key="preset")
if st.button(page.t("taxonomy.use_preset"), key="use-preset"):
    with page.db() as con:
        st.session_state["taxonomy-saved"] = tags.save_taxonomy(con, choice, switch_preset(taxonomy, choice).to_json())
    st.rerun()

columns = {
    "key": st.column_config.TextColumn(page.t("taxonomy.key"), disabled=True),
    "label_ja": st.column_config.TextColumn("ラベル (ja)"), "label_en": st.column_config.TextColumn("Label (en)"),
    "description_ja": st.column_config.TextColumn("説明 (ja)", width="medium"),
    "description_en": st.column_config.TextColumn("Description (en)", width="medium"),
    "examples_ja": st.column_config.TextColumn("例文 (ja)", width="large"),
    "examples_en": st.column_config.TextColumn("Examples (en)", width="large"),
}
tabs = st.tabs([page.t("taxonomy.stages"), page.t("taxonomy.touchpoints"), page.t("taxonomy.questions")])
edited = {}
for tab, kind in zip(tabs, ["stages", "touchpoints"]):
    with tab:
        edited[kind] = st.data_editor(to_table(taxonomy, kind), key=f"edit-{kind}", hide_index=True,
                                      width="stretch", column_config=columns, num_rows="fixed")
with tabs[2]:
    st.caption(page.t("taxonomy.questions_help"))
    if questions.empty:
        st.info(page.t("taxonomy.questions_none"))
    stage_options = [""] + taxonomy.stage_keys()
    hints = {}
    for question, count in zip(questions["question"].head(MAX_QUESTIONS), questions["comments"]):
        current = taxonomy.question_stages.get(question, "")
        hints[question] = st.selectbox(
            page.t("taxonomy.question_label", question=plain(question), n=count), stage_options,
            index=stage_options.index(current) if current in stage_options else 0,
            format_func=lambda k: taxonomy.stage_label(k, page.lang) if k else page.t("taxonomy.question_auto"),
            key="question-stage-" + hashlib.sha1(question.encode()).hexdigest()[:12])
    if len(questions) > MAX_QUESTIONS:
        st.caption(page.t("taxonomy.questions_more", n=len(questions) - MAX_QUESTIONS))

if st.button(page.t("taxonomy.save"), type="primary", key="save-taxonomy"):
    updated = from_table(from_table(taxonomy, "stages", edited["stages"]), "touchpoints", edited["touchpoints"])
    # Questions beyond the list keep their setting; a question set back to "from the text" loses it.
    updated.question_stages = {q: s for q, s in {**taxonomy.question_stages, **hints}.items() if s}
    with page.db() as con:
        st.session_state["taxonomy-saved"] = tags.save_taxonomy(con, updated.key, updated.to_json())
    st.rerun()
