"""Import (取り込み): upload exports, confirm column roles, import with progress, history with delete."""

from datetime import date

import pandas as pd
import streamlit as st

from journey import exporting
from journey.errors import JourneyError
from journey.ingest import ROLES, import_file, roles_from_table, roles_table, suggest_mapping
from journey.ingest.messages import notice_text, row_reason
from journey.ingest.read import DELIMITER_NAMES
from journey.ingest.scales import SCALE_LABELS, SCALES
from journey.privacy import purge_raw_text
from journey.store import imports
from journey.ui import localise_uploader, page_setup, plain, preset_suggestion, read_upload

page = page_setup(editor_only=True)
st.title(page.t("import.title"))
st.caption(page.t("import.intro"))
max_bytes = page.settings.max_upload_mb * 1_000_000
role_label = {role: page.t(f"role.{role}") for role in ROLES}
label_role = {label: role for role, label in role_label.items()}
NO_SCALE = "—"

uploads = st.file_uploader(page.t("import.upload"), type=["csv", "tsv", "txt", "xlsx", "json", "xml"],
                           accept_multiple_files=True, key="uploads")
localise_uploader(page, page.settings.max_upload_mb, "CSV, TSV, TXT, XLSX, JSON, XML")


def mapping_editor(key: str, table) -> list:
    """The suggested roles as an editable table; returns the roles as edited (reasons kept where unchanged)."""
    suggested = suggest_mapping(table)
    frame = roles_table(suggested, table, lang=page.lang)
    frame["role"] = frame["role"].map(role_label)
    frame["scale"] = frame["scale"].replace("", NO_SCALE)  # an empty cell would read "None"
    edited = st.data_editor(
        frame, key=f"roles-{key}", hide_index=True, width="stretch", disabled=["column", "reason", "sample"],
        column_config={
            "column": st.column_config.TextColumn(page.t("import.column")),
            "role": st.column_config.SelectboxColumn(page.t("import.role"), options=list(label_role), required=True),
            "scale": st.column_config.SelectboxColumn(page.t("import.scale"), options=[NO_SCALE] + list(SCALES),
                                                      format_func=lambda k: SCALE_LABELS.get(k, NO_SCALE)),
            "reason": st.column_config.TextColumn(page.t("import.reason")),
            "sample": st.column_config.TextColumn(page.t("import.sample"), width="large"),
        })
    return roles_from_table(edited.assign(role=edited["role"].map(label_role),
                                          scale=edited["scale"].fillna(NO_SCALE).replace(NO_SCALE, "")), suggested)


def undated_choice(key: str, table) -> str | date:
    """Which date rows without one get: the file's own date (when it has one), the import date, or a chosen one."""
    st.warning(page.t("import.undated_warning"))
    today = date.today()
    options = (["file"] if table.file_date else []) + ["import", "chosen"]
    labels = {"file": page.t("import.undated_file", date=table.file_date), "chosen": page.t("import.undated_chosen"),
              "import": page.t("import.undated_import", date=today)}
    choice = st.radio(page.t("import.undated_choice"), options, format_func=labels.get, key=f"undated-{key}",
                      horizontal=True)
    if choice == "chosen":
        return st.date_input(page.t("import.undated_pick"), value=today, key=f"undated-day-{key}")
    return choice


def run_import(upload, roles, options: dict) -> None:
    """Import one file with a progress bar; remember the outcome for the summary below."""
    bar = st.progress(0.0, text=page.t("import.progress", file=upload.name, stage=""))
    try:
        result = import_file(upload.name, page.settings.db_path, data=upload.getvalue(), file_name=upload.name,
                             roles=roles, progress=lambda f, stage: bar.progress(
                                 f, text=page.t("import.progress", file=upload.name, stage=page.t(f"import.stage.{stage}"))),
                             **options)
    except JourneyError as err:
        st.session_state.setdefault("outcomes", []).append(("error", upload.name, str(err)))
    else:
        st.session_state.setdefault("outcomes", []).append(("ok", upload.name, result))
    bar.empty()


def row_list(title: str, rows: pd.DataFrame, outcome: str, download: str, name: str, key: str) -> None:
    """Rows rejected, skipped, or with a value left empty: line and reason, downloadable as CSV."""
    shown = rows.assign(reason=[row_reason(outcome, r.code, r.line_no, r.column_name, r.value, r.reason, page.lang)
                                for r in rows.itertuples()])
    with st.expander(f"{title} — {plain(name)}", expanded=outcome == "rejected"):
        st.dataframe(shown[["line_no", "reason"]].rename(
            columns={"line_no": page.t("col.line"), "reason": page.t("col.reason")}), hide_index=True)
        st.download_button(download, exporting.to_csv_bytes(rows), file_name=f"{outcome}-{name}.csv",
                           mime="text/csv", key=key)


pending = []
for upload in uploads or []:
    key = f"{upload.name}-{upload.size}"
    with st.expander(plain(upload.name), expanded=True):
        try:
            table = read_upload(upload.getvalue(), upload.name, max_bytes)
        except JourneyError as err:
            st.error(page.t("import.failed", message=plain(err)))
            continue
        summary = "import.document_summary" if table.unit == "entry" else "import.file_summary"
        st.caption(page.t(summary, rows=f"{table.records:,}", cols=len(table.header), encoding=table.encoding or "xlsx",
                          delimiter=page.t(f"import.delimiter.{DELIMITER_NAMES[table.delimiter]}")
                          if table.delimiter in DELIMITER_NAMES else "—", format=table.file_format.upper()))
        for notice in table.notices:
            st.warning(notice_text(notice.to_dict(), page.lang))
        st.markdown(f"**{page.t('import.mapping')}**")
        roles = mapping_editor(key, table)
        st.markdown(f"**{page.t('import.preview', n=min(10, len(table.rows)))}**")
        st.dataframe(pd.DataFrame(table.rows[:10], columns=table.header), hide_index=True)
        options = {"mask": st.toggle(page.t("import.mask"), value=page.settings.mask_pii, key=f"mask-{key}")}
        if any(c.role == "status" for c in roles):
            options["include_partial"] = st.toggle(page.t("import.partial"), value=True, key=f"partial-{key}")
        if not any(c.role == "date" for c in roles):
            options["undated"] = undated_choice(key, table)
        pending.append((upload, roles, options))
        if st.button(page.t("import.button"), key=f"go-{key}", type="primary"):
            run_import(upload, roles, options)

if len(pending) > 1 and st.button(page.t("import.button_all", n=len(pending)), type="primary"):
    for upload, roles, options in pending:
        run_import(upload, roles, options)

for status, name, outcome in st.session_state.get("outcomes", []):
    if status == "error":
        st.error(f"{page.t('import.failed', message=plain(outcome))} {page.t('import.unchanged')}")
        continue
    st.success(page.t("import.done", file=plain(name), loaded=outcome.loaded, duplicates=outcome.duplicates,
                      skipped=outcome.skipped, rejected=outcome.rejected, rows=outcome.rows))
    for note in [page.t("import.done_partial", partial=outcome.partial)] * bool(outcome.partial) + \
            [page.t("import.done_values", count=outcome.values_left_empty)] * bool(outcome.values_left_empty):
        st.info(note)
    for notice in outcome.notices:
        if notice.code in ("no_date_column", "blank_dates"):
            st.info(notice_text(notice.to_dict(), page.lang))
    with page.db() as con:
        rejected = imports.rejected_rows(con, outcome.import_id)
        notes = imports.row_notes(con, outcome.import_id)
    for kind, rows in [("rejected", rejected), ("skipped", notes[notes["outcome"] == "skipped"]),
                       ("value_left_empty", notes[notes["outcome"] == "value_left_empty"])]:
        if not rows.empty:
            labels = {"rejected": ("import.rejected", "import.download_rejected"),
                      "skipped": ("import.skipped", "import.download_skipped"),
                      "value_left_empty": ("import.values_left", "import.download_values")}[kind]
            row_list(page.t(labels[0]), rows, kind, page.t(labels[1]), name, key=f"dl-{kind}-{outcome.import_id}")

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
st.dataframe(history.rename(columns={"id": page.t("role.id"),
    "file_name": page.t("col.file"), "created_at": page.t("col.when"), "rows": page.t("col.rows"),
    "loaded": page.t("col.loaded"), "duplicates": page.t("col.duplicates"), "skipped": page.t("col.skipped"),
    "rejected": page.t("col.rejected"), "encoding": page.t("col.encoding"), "file_format": page.t("col.format"),
    "raw_purged_at": page.t("col.purged")}),
    hide_index=True, width="stretch")

with st.expander(page.t("import.delete")):
    labels = {f"#{r.id} {r.file_name} ({r.created_at:%Y-%m-%d %H:%M})": r for r in history.itertuples()}
    chosen = labels[st.selectbox(page.t("import.delete_pick"), list(labels), key="delete-pick")]
    st.warning(page.t("import.delete_confirm", file=plain(chosen.file_name), loaded=chosen.loaded))
    if st.button(page.t("import.delete"), key="delete-go"):
        with page.db() as con:
            imports.delete_import(con, int(chosen.id))
        st.session_state["outcomes"] = []
        st.toast(page.t("import.deleted", file=plain(chosen.file_name)))
        st.rerun()

with st.expander(page.t("import.purge")):
    st.caption(page.t("import.purge_help"))
    purging = labels[st.selectbox(page.t("import.purge_pick"), list(labels), key="purge-pick")]
    if st.button(page.t("import.purge"), key="purge-go"):
        with st.spinner(page.t("import.purging")):
            for purged in purge_raw_text(page.settings.db_path, [int(purging.id)]):
                st.success(page.t("import.purged", file=plain(purged.file_name), comments=purged.comments,
                                  customers=purged.customers, rejected=purged.rejected))
