"""Import (取り込み): upload exports, confirm column roles, import with progress, history with delete."""

import pandas as pd
import streamlit as st

from journey import exporting
from journey.errors import JourneyError
from journey.ingest import ROLES, import_file, roles_from_table, roles_table, suggest_mapping
from journey.ingest.read import DELIMITER_NAMES
from journey.ingest.scales import SCALES
from journey.store import imports
from journey.ui import page_setup, preset_suggestion, read_upload

page = page_setup(editor_only=True)
st.title(page.t("import.title"))
st.caption(page.t("import.intro"))
max_bytes = page.settings.max_upload_mb * 1_000_000
role_label = {role: page.t(f"role.{role}") for role in ROLES}
label_role = {label: role for role, label in role_label.items()}

uploads = st.file_uploader(page.t("import.upload"), type=["csv", "tsv", "txt", "xlsx"],
                           accept_multiple_files=True, key="uploads")


def mapping_editor(key: str, table) -> pd.DataFrame:
    """The suggested roles as an editable table; returns it with role keys (not labels)."""
    frame = roles_table(suggest_mapping(table), table)
    frame["role"] = frame["role"].map(role_label)
    edited = st.data_editor(
        frame, key=f"roles-{key}", hide_index=True, width="stretch", disabled=["column", "reason", "sample"],
        column_config={
            "column": st.column_config.TextColumn(page.t("import.column")),
            "role": st.column_config.SelectboxColumn(page.t("import.role"), options=list(label_role), required=True),
            "scale": st.column_config.SelectboxColumn(page.t("import.scale"), options=[""] + list(SCALES)),
            "reason": st.column_config.TextColumn(page.t("import.reason")),
            "sample": st.column_config.TextColumn(page.t("import.sample"), width="large"),
        })
    return edited.assign(role=edited["role"].map(label_role))


def run_import(upload, roles, mask: bool) -> None:
    """Import one file with a progress bar; remember the outcome for the summary below."""
    bar = st.progress(0.0, text=page.t("import.progress", file=upload.name, stage=""))
    try:
        result = import_file(upload.name, page.settings.db_path, data=upload.getvalue(), file_name=upload.name,
                             roles=roles, mask=mask,
                             progress=lambda f, stage: bar.progress(f, text=page.t("import.progress",
                                                                                   file=upload.name, stage=stage)))
    except JourneyError as err:
        bar.empty()
        st.session_state.setdefault("outcomes", []).append(("error", upload.name, str(err)))
        return
    bar.empty()
    st.session_state.setdefault("outcomes", []).append(("ok", upload.name, result))


pending = []
for upload in uploads or []:
    key = f"{upload.name}-{upload.size}"
    with st.expander(upload.name, expanded=True):
        try:
            table = read_upload(upload.getvalue(), upload.name, max_bytes)
        except JourneyError as err:
            st.error(page.t("import.failed", message=str(err)))
            continue
        st.caption(page.t("import.file_summary", rows=f"{table.records:,}", cols=len(table.header),
                          encoding=table.encoding or "xlsx",
                          delimiter=DELIMITER_NAMES.get(table.delimiter, "—")))
        st.markdown(f"**{page.t('import.mapping')}**")
        edited = mapping_editor(key, table)
        st.markdown(f"**{page.t('import.preview', n=min(10, len(table.rows)))}**")
        st.dataframe(pd.DataFrame(table.rows[:10], columns=table.header), hide_index=True)
        mask = st.toggle(page.t("import.mask"), value=page.settings.mask_pii, key=f"mask-{key}")
        pending.append((upload, edited, mask))
        if st.button(page.t("import.button"), key=f"go-{key}", type="primary"):
            run_import(upload, roles_from_table(edited), mask)

if len(pending) > 1 and st.button(page.t("import.button_all", n=len(pending)), type="primary"):
    for upload, edited, mask in pending:
        run_import(upload, roles_from_table(edited), mask)

for status, name, outcome in st.session_state.get("outcomes", []):
    if status == "error":
        st.error(f"{page.t('import.failed', message=outcome)} {page.t('import.unchanged')}")
        continue
    st.success(page.t("import.done", file=name, loaded=outcome.loaded, duplicates=outcome.duplicates,
                      rejected=outcome.rejected, rows=outcome.rows))
    if outcome.rejected:
        with page.db() as con:
            rejected = imports.rejected_rows(con, outcome.import_id)
        shown = rejected.assign(reason=[
            page.t(f"reject.{r.code}", line=r.line_no, column=r.column_name, value=r.value)
            if page.lang == "ja" else r.reason for r in rejected.itertuples()])
        with st.expander(f"{page.t('import.rejected')} — {name}", expanded=True):
            st.dataframe(shown[["line_no", "reason"]].rename(
                columns={"line_no": page.t("col.line"), "reason": page.t("col.reason")}), hide_index=True)
            st.download_button(page.t("import.download_rejected"), exporting.to_csv_bytes(rejected),
                               file_name=f"rejected-{name}.csv", mime="text/csv", key=f"dl-{outcome.import_id}")

imported = [o.import_id for status, _, o in st.session_state.get("outcomes", []) if status == "ok"]
if imported:
    preset_suggestion(page, imported[-1])  # the first own import: which industry preset its words point at

st.divider()
st.subheader(page.t("import.history"))
with page.db() as con:
    history = imports.list_imports(con)
if history.empty:
    st.caption(page.t("import.no_history"))
    st.stop()
st.dataframe(history.rename(columns={
    "file_name": page.t("col.file"), "created_at": page.t("col.when"), "rows": page.t("col.rows"),
    "loaded": page.t("col.loaded"), "duplicates": page.t("col.duplicates"), "rejected": page.t("col.rejected"),
    "encoding": page.t("col.encoding"), "file_format": page.t("col.format")}),
    hide_index=True, width="stretch")

with st.expander(page.t("import.delete")):
    labels = {f"#{r.id} {r.file_name} ({r.created_at:%Y-%m-%d %H:%M})": r for r in history.itertuples()}
    chosen = labels[st.selectbox(page.t("import.delete_pick"), list(labels), key="delete-pick")]
    st.warning(page.t("import.delete_confirm", file=chosen.file_name, loaded=chosen.loaded))
    if st.button(page.t("import.delete"), key="delete-go"):
        with page.db() as con:
            imports.delete_import(con, int(chosen.id))
        st.session_state["outcomes"] = []
        st.toast(page.t("import.deleted", file=chosen.file_name))
        st.rerun()
