"""Stage funnel (ファネル): customers reached per stage, conversion and drop-off with 95% intervals, beside each
stage's satisfaction and top pain point; conversion over time with the improvement actions; counts imported
from a table or typed in (editors)."""

import pandas as pd
import streamlit as st

from journey import actions, charts, funnel, metrics, themes
from journey.errors import JourneyError
from journey.ingest import funnel as counts_in
from journey.store import funnel as funnel_store
from journey.ui import (FILTER_KEYS, chart_downloads, chart_with_actions, dashboard_setup, load_facts, localise_uploader,
                        plain, read_upload, saved_actions, write_url)

board = dashboard_setup("funnel.title")
page, taxonomy, filters, stage_labels = board.page, board.taxonomy, board.filters, board.stage_labels
stage_keys = taxonomy.stage_keys()
st.caption(page.t("funnel.intro"))
with page.db() as con:
    every = funnel_store.counts(con)
    shown = funnel_store.counts(con, filters.start, filters.end)
    customers = funnel_store.customer_keys(con, filters)
stale = sorted(set(every["stage"]) - set(stage_keys))
if stale:
    st.warning(page.t("funnel.stale", stages=", ".join(stale)))

if every.empty:
    st.info(page.t("funnel.none") + " " + page.t("funnel.none_editor" if page.role == "editor" else "funnel.none_viewer"))
elif shown.empty:
    st.caption(page.t("funnel.no_period", first=f"{every['period_start'].min():%Y-%m-%d}",
                      last=f"{every['period_end'].max():%Y-%m-%d}"))
else:
    periods = sorted({f"{p:%Y-%m}" if (e - p).days > 20 else f"{p:%Y-%m-%d}"
                      for p, e in zip(shown["period_start"], shown["period_end"])})
    granularity = "month" if (shown["period_end"] - shown["period_start"]).max().days > 20 else \
        "week" if (shown["period_end"] - shown["period_start"]).max().days == 6 else "day"
    st.caption(page.t("funnel.periods", periods=", ".join(periods), granularity=page.t(f"funnel.granularity.{granularity}")))
    steps = funnel.steps(shown, stage_keys)
    chart = charts.funnel_chart(steps, stage_keys, stage_labels, page.lang)
    st.altair_chart(chart, width="stretch")
    chart_downloads(page, chart, "funnel", filters)

    comments, _ = load_facts(page, filters)
    satisfaction = metrics.stage_curve(comments, stage_keys, "satisfaction").set_index("stage")
    with page.db() as con:
        pains = {key: themes.themes_for_stage(con, filters, key, "negative", max_themes=1) for key in steps["stage"]}

    table = funnel.display_table(steps, satisfaction, {k: found[0].name if found else "" for k, found in pains.items()},
                                 stage_labels, page.lang)
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(page.t("funnel.method"))

st.subheader(page.t("funnel.repeat"))
repeat = funnel.repeat_rate(customers["customer_key"])
if repeat is None:
    st.caption(page.t("funnel.repeat_none"))
else:
    note = page.t("funnel.repeat_value", value=repeat.value, low=repeat.low, high=repeat.high, n=repeat.n)
    st.metric(page.t("funnel.repeat"), f"{repeat.value:.0f}%", label_visibility="collapsed")
    st.caption(f"{note} · {page.t('funnel.repeat_help')}" + (f" · {page.t('funnel.small')}" if repeat.indicative else ""))

if not every.empty:
    series = funnel.step_series(every[every["stage"].isin(stage_keys)], stage_keys)
    marks = actions.markers(saved_actions(page), stage_labels, board.touch_labels)
    chart_with_actions(page, lambda list_actions: charts.conversion_trend_chart(
        series, stage_labels, page.lang, marks, list_actions), marks, "funnel-conversion", filters)

if page.role == "editor":
    st.divider()
    st.subheader(page.t("funnel.add"))
    role_names = {"period": page.t("funnel.role.period"), "ignore": page.t("funnel.role.ignore"),
                  **{k: f"{stage_labels[k]} ({k})" for k in stage_keys}}

    def save(table, roles) -> None:
        try:
            result = counts_in.import_funnel(None, page.settings.db_path, taxonomy, table=table, roles=roles)
        except JourneyError as err:
            st.error(plain(page.t("import.failed", message=str(err)) + " " + page.t("import.unchanged")))
            return
        st.session_state["funnel-outcome"] = result
        st.rerun()

    upload_tab, type_tab = st.tabs([page.t("funnel.upload"), page.t("funnel.type")])
    with upload_tab:
        upload = st.file_uploader(page.t("funnel.upload"), type=["csv", "tsv", "txt", "xlsx"], key="funnel-upload",
                                  label_visibility="collapsed")
        localise_uploader(page, page.settings.max_upload_mb, "CSV, TSV, TXT, XLSX")
        if upload is not None:
            try:
                raw = read_upload(upload.getvalue(), upload.name, page.settings.max_upload_mb * 1_000_000)
            except JourneyError as err:
                st.error(plain(page.t("import.failed", message=str(err))))
                raw = None
            if raw is not None:
                roles = counts_in.suggest_columns(raw, taxonomy)
                frame = pd.DataFrame({"column": [r.column for r in roles],
                                      "role": [r.stage if r.role == "stage" else r.role for r in roles],
                                      "why": [r.why(page.lang) for r in roles],
                                      "sample": [", ".join(raw.column(i)[:3]) for i in range(len(raw.header))]})
                st.markdown(f"**{page.t('funnel.mapping')}**")
                edited = st.data_editor(frame, key=f"funnel-roles-{upload.name}-{upload.size}", hide_index=True,
                                        width="stretch", disabled=["column", "why", "sample"], column_config={
                                            "column": st.column_config.TextColumn(page.t("import.column")),
                                            "role": st.column_config.SelectboxColumn(
                                                page.t("funnel.role"), options=list(role_names), required=True,
                                                format_func=role_names.get),
                                            "why": st.column_config.TextColumn(page.t("import.reason")),
                                            "sample": st.column_config.TextColumn(page.t("import.sample"))})
                chosen = [counts_in.FunnelColumn(r.column, r.role if r.role in ("period", "ignore") else "stage",
                                                 None if r.role in ("period", "ignore") else r.role)
                          for r in edited.itertuples()]
                if st.button(page.t("funnel.import"), type="primary", key="funnel-import"):
                    save(raw, chosen)
    with type_tab:
        st.caption(page.t("funnel.type_help"))
        typed_stages = st.multiselect(page.t("funnel.type_stages"), stage_keys, format_func=stage_labels.get,
                                      default=[k for k in stage_keys if k in set(every["stage"])] or stage_keys[:4],
                                      key="funnel-type-stages")
        period_header = page.t("col.month")
        blank = pd.DataFrame({period_header: pd.Series(dtype="str"),
                              **{stage_labels[k]: pd.Series(dtype="Int64") for k in typed_stages}})
        typed = st.data_editor(blank, num_rows="dynamic", hide_index=True, width="stretch", key="funnel-typed")
        if st.button(page.t("funnel.save_typed"), key="funnel-save-typed"):
            table = counts_in.typed_table(typed.to_dict("records"), {stage_labels[k]: k for k in typed_stages},
                                          period_header, page.t("funnel.typed_name"))
            save(table, [counts_in.FunnelColumn(period_header, "period")] +
                 [counts_in.FunnelColumn(stage_labels[k], "stage", k) for k in typed_stages])

    outcome = st.session_state.get("funnel-outcome")
    if outcome is not None:
        st.success(plain(page.t("funnel.done", file=outcome.file, loaded=outcome.loaded,
                                          rejected=outcome.rejected, rows=outcome.rows)))
        if outcome.rejected:
            with page.db() as con:
                rejected = funnel_store.rejected_rows(con, outcome.import_id)
            st.dataframe(rejected[["line_no", "reason"]].rename(columns={"line_no": page.t("col.line"),
                                                                          "reason": page.t("col.reason")}),
                         hide_index=True)

    with page.db() as con:
        history = funnel_store.history(con)
    if not history.empty:
        st.markdown(f"**{page.t('funnel.history')}**")
        st.dataframe(funnel.history_table(history, page.lang), hide_index=True, width="stretch")
        pick = st.selectbox(page.t("import.delete_pick"), history["id"].tolist(), key="funnel-delete-pick",
                            format_func=lambda i: f"#{i} {history.set_index('id').loc[i, 'file_name']}")
        if st.button(page.t("import.delete"), key="funnel-delete"):
            with page.db() as con:
                funnel_store.delete_funnel(con, int(pick))
            st.session_state.pop("funnel-outcome", None)
            st.rerun()
write_url(FILTER_KEYS)
