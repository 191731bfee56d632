"""Chart builders: pure functions returning Altair charts; no I/O."""

from __future__ import annotations

import altair as alt
import pandas as pd

from journey.i18n import t

FONT = "IPAexGothic, Noto Sans CJK JP, Hiragino Sans, Yu Gothic, Meiryo, sans-serif"


# The plot keeps the height it asks for and fills the width; legends and titles add to it. (Streamlit's
# default, "fit", squeezes the plot to make room for them: a 17-entry legend left a 20 px plot.)
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


def _style(chart: alt.Chart) -> alt.Chart:
    return chart.configure_axis(labelFont=FONT, titleFont=FONT).configure_legend(
        labelFont=FONT, titleFont=FONT).configure_title(font=FONT)


def volume_chart(frame: pd.DataFrame, lang: str) -> alt.Chart:
    """Stacked monthly bars of responses per source; tooltips carry the counts."""
    month, source, count = t("col.month", lang), t("col.source", lang), t("col.count", lang)
    data = frame.rename(columns={"month": month, "source": source, "responses": count})
    when = time_format(lang, monthly=True)
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X(f"yearmonth({month}):T", title=month,
                axis=alt.Axis(format=when, tickCount={"interval": "month", "step": 1})),
        y=alt.Y(f"sum({count}):Q", title=count),
        color=alt.Color(f"{source}:N", title=source, legend=alt.Legend(orient="bottom", columns=1, labelLimit=500)),
        tooltip=[alt.Tooltip(f"yearmonth({month}):T", title=month, format=when), alt.Tooltip(f"{source}:N"),
                 alt.Tooltip(f"{count}:Q")],
    ).properties(height=280, autosize=FIT_WIDTH)
    return _style(chart)


# A long axis label (サポート・アフターケア) breaks into lines at its ・ instead of being cut off.
WRAP = "length(datum.label) > 7 ? split(datum.label, '・') : datum.label"

# One colour per stage, everywhere (a colour-blind-safe palette; unclassified is grey).
STAGE_COLORS = {
    "awareness": "#4e79a7", "interest": "#76b7b2", "consideration": "#59a14f", "purchase": "#edc948",
    "usage": "#f28e2b", "support": "#e15759", "loyalty": "#b07aa1",
    "retention": "#f28e2b", "advocacy": "#b07aa1", "unclassified": "#bab0ac",
}
NEGATIVE, POSITIVE, NEUTRAL = "#c0392b", "#2e7d5b", "#9e9e9e"


def stage_scale(keys: list[str], labels: dict[str, str]) -> alt.Scale:
    """Colour scale over stage labels in journey order, keyed to the stage colours."""
    return alt.Scale(domain=[labels[k] for k in keys], range=[STAGE_COLORS.get(k, "#888888") for k in keys])


def heatmap_chart(cells: pd.DataFrame, stage_keys: list[str], touchpoint_keys: list[str],
                  stage_labels: dict[str, str], touchpoint_labels: dict[str, str], measure: str,
                  lang: str, interactive: bool = True, funnel: pd.DataFrame | None = None) -> alt.Chart:
    """Stage × touchpoint grid: colour = the measure, the number = n; cells below the minimum n are faded
    and marked. Click a cell to select it (selection parameter "cell"; none with `interactive=False`).
    With `funnel` (journey.funnel.steps), a strip under the grid shows customers reached per stage and the
    conversion to the next, in the same columns."""
    data = cells.assign(stage_label=cells["stage"].map(stage_labels),
                        touchpoint_label=cells["touchpoint"].map(touchpoint_labels),
                        label=cells["n"].astype(int).astype(str) + cells["small"].map({True: "*", False: ""}))
    title = {"volume": t("chart.volume", lang), "satisfaction": t("chart.satisfaction", lang),
             "negative_share": t("chart.negative_share", lang)}[measure]
    scheme = {"volume": alt.Scale(scheme="blues"), "satisfaction": alt.Scale(scheme="redyellowgreen", domain=[1, 5]),
              "negative_share": alt.Scale(scheme="reds", domain=[0, 100])}[measure]
    select = alt.selection_point(name="cell", fields=["stage", "touchpoint"], on="click", clear="dblclick")
    x = alt.X("stage_label:N", title=None, axis=alt.Axis(labelAngle=0, orient="top", labelLimit=108,
                                                         labelOverlap=False, labelFontSize=11, labelExpr=WRAP),
              scale=alt.Scale(domain=[stage_labels[k] for k in stage_keys]))
    with_funnel = funnel is not None and not funnel.empty
    y = alt.Y("touchpoint_label:N", title=None, axis=alt.Axis(labelLimit=200, labelOverlap=False,
                                                              **(_ROW_LABELS if with_funnel else {})),
              scale=alt.Scale(domain=[touchpoint_labels[k] for k in touchpoint_keys]))
    tooltip = [alt.Tooltip("stage_label:N", title=t("col.stage", lang)),
               alt.Tooltip("touchpoint_label:N", title=t("col.touchpoint", lang)),
               alt.Tooltip("n:Q", title="n"),
               alt.Tooltip("negative_share:Q", title=t("chart.negative_share", lang), format=".0f"),
               alt.Tooltip("satisfaction:Q", title=t("chart.satisfaction", lang), format=".2f")]
    base = alt.Chart(data).encode(x=x, y=y)
    rects = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color("value:Q", title=title, scale=scheme, legend=alt.Legend(orient="bottom", gradientLength=240)),
        opacity=alt.condition("datum.small", alt.value(0.35), alt.value(1.0)),
        stroke=alt.condition(select, alt.value("#1f3d34"), alt.value("white"), empty=False) if interactive
        else alt.value("white"),
        tooltip=tooltip)
    rects = rects.add_params(select) if interactive else rects
    text = base.mark_text(fontSize=11, font=FONT).encode(text="label:N", tooltip=tooltip,
                                                          color=alt.condition("datum.small", alt.value("#666666"),
                                                                              alt.value("#111111")))
    titled = alt.TitleParams(title, subtitle=t("chart.small_cells", lang))
    grid = (rects + text).properties(height=alt.Step(26), width=alt.Step(110))
    if not with_funnel:
        return _style(grid.properties(title=titled))
    # A concatenated chart cannot be fitted to the page, so it keeps fixed columns (show it at its content
    # width): 96 px per stage fits seven stages and the row labels on a laptop screen.
    strip = _funnel_strip(funnel, stage_keys, stage_labels, lang).properties(width=alt.Step(96))
    return _style(alt.vconcat(grid.properties(width=alt.Step(96)), strip, spacing=6, title=titled)
                  .resolve_scale(x="shared"))


# Both views of the journey map reserve the same room for row labels, so the funnel's bars sit exactly
# under the grid's stage columns.
_ROW_LABELS = {"minExtent": 205, "maxExtent": 205}


def _step_label(frame: pd.DataFrame, lang: str) -> pd.Series:
    """"→ 34.9% (31.3–38.8)" per step; the plain ratio for a next stage that is not a subset; * below n = 30."""
    def one(row) -> str:
        if row["conversion"] is None or pd.isna(row["conversion"]):
            return ""
        star = "*" if row["small"] else ""
        if not row["nested"]:
            return f"→ {row['conversion']:.0f}%{star}"
        return f"→ {row['conversion']:.1f}% ({row['conv_low']:.0f}–{row['conv_high']:.0f}){star}"
    return frame.apply(one, axis=1) if not frame.empty else pd.Series(dtype=object)


def _funnel_tooltip(lang: str) -> list:
    return [alt.Tooltip("stage_label:N", title=t("col.stage", lang)),
            alt.Tooltip("count:Q", title=t("funnel.col.reached", lang), format=","),
            alt.Tooltip("next_label:N", title=t("funnel.col.next", lang)),
            alt.Tooltip("conversion:Q", title=t("funnel.col.conversion", lang), format=".1f"),
            alt.Tooltip("conv_low:Q", title="95% low", format=".1f"),
            alt.Tooltip("conv_high:Q", title="95% high", format=".1f"),
            alt.Tooltip("drop_off:Q", title=t("funnel.col.drop_off", lang), format=".1f"),
            alt.Tooltip("n:Q", title="n", format=",")]


def _funnel_data(steps: pd.DataFrame, stage_labels: dict[str, str], lang: str) -> pd.DataFrame:
    return steps.assign(stage_label=steps["stage"].map(stage_labels),
                        next_label=steps["next_stage"].map(lambda k: stage_labels.get(k, "") if k else ""),
                        step_label=_step_label(steps, lang),
                        count_label=steps["count"].map("{:,}".format))


def _funnel_strip(steps: pd.DataFrame, stage_keys: list[str], stage_labels: dict[str, str], lang: str) -> alt.Chart:
    """Bars of customers reached per stage over the journey-map columns, labelled with the count and the
    conversion to the next stage."""
    data = _funnel_data(steps, stage_labels, lang)
    x = alt.X("stage_label:N", title=None, axis=None, scale=alt.Scale(domain=[stage_labels[k] for k in stage_keys]))
    y = alt.Y("count:Q", title=t("map.funnel_strip", lang),
              axis=alt.Axis(labels=False, ticks=False, grid=False, domain=False, titleAngle=0, titleAlign="right",
                            titleBaseline="middle", titleX=-6, titleY=35, titleFontWeight="normal", **_ROW_LABELS),
              scale=alt.Scale(domain=[0, float(data["count"].max()) * 1.45]))
    base = alt.Chart(data).encode(x=x, tooltip=_funnel_tooltip(lang))
    bars = base.mark_bar(color="#2f6f5e", opacity=0.75, size=60).encode(y=y)
    counts = base.mark_text(baseline="bottom", dy=-3, fontSize=11, font=FONT).encode(y=y, text="count_label:N")
    steps_text = base.mark_text(baseline="top", fontSize=10, font=FONT, color="#333333").encode(
        y=alt.value(74), text="step_label:N")
    return alt.layer(bars, counts, steps_text).properties(height=70)


def funnel_chart(steps: pd.DataFrame, stage_keys: list[str], stage_labels: dict[str, str], lang: str) -> alt.Chart:
    """The stage funnel: customers reached per stage in journey order, each bar labelled with its count and
    the conversion to the next stage (95% interval; * where n < 30)."""
    data = _funnel_data(steps, stage_labels, lang)
    order = [stage_labels[k] for k in stage_keys if k in set(steps["stage"])]
    x = alt.X("stage_label:N", sort=order, title=None, axis=alt.Axis(labelAngle=0, labelLimit=130, labelOverlap=False))
    y = alt.Y("count:Q", title=t("funnel.col.reached", lang),
              scale=alt.Scale(domain=[0, float(data["count"].max() or 1) * 1.2]))
    base = alt.Chart(data).encode(x=x, tooltip=_funnel_tooltip(lang))
    bars = base.mark_bar(opacity=0.85).encode(
        y=y, color=alt.Color("stage_label:N", scale=stage_scale([k for k in stage_keys if k in set(steps["stage"])],
                                                               stage_labels), legend=None))
    counts = base.mark_text(baseline="bottom", dy=-18, fontSize=12, font=FONT).encode(y=y, text="count_label:N")
    step_text = base.mark_text(baseline="bottom", dy=-4, fontSize=11, font=FONT, color="#2f6f5e").encode(
        y=y, text="step_label:N")
    return _style(alt.layer(bars, counts, step_text).properties(height=300, title=alt.TitleParams(
        t("funnel.chart_title", lang), subtitle=t("funnel.chart_subtitle", lang))))


def _action_layers(actions: pd.DataFrame | None) -> list:
    """Dashed rules at each action's date with its circled number at the top, the full label as tooltip."""
    if actions is None or actions.empty:
        return []
    data = actions[["when", "mark", "label"]]
    rule = alt.Chart(data).mark_rule(color="#8e44ad", strokeDash=[5, 3], strokeWidth=1.5).encode(
        x="when:T", tooltip=[alt.Tooltip("label:N", title="")])
    mark = alt.Chart(data).mark_text(color="#8e44ad", fontSize=15, font=FONT, baseline="top", dy=2).encode(
        x="when:T", y=alt.value(0), text="mark:N", tooltip=[alt.Tooltip("label:N", title="")])
    return [rule, mark]


def _action_title(title: str, subtitle: str | None, actions: pd.DataFrame | None, lang: str,
                  list_actions: bool = True) -> alt.TitleParams:
    """A chart title whose subtitle lists the actions shown (so a PNG of it still says what ① was). In the
    app the list goes under the chart instead (`list_actions=False`): Streamlit takes a chart's height as
    its total height, so every subtitle line would squeeze the plot."""
    lines = [subtitle] if subtitle else []
    if list_actions and actions is not None and not actions.empty:
        lines += [t("chart.actions_subtitle", lang)] + actions["label"].tolist()
    return alt.TitleParams(title, subtitle=lines, offset=12) if lines else alt.TitleParams(title, offset=12)


def pain_share_chart(series: pd.DataFrame, title: str, lang: str, actions: pd.DataFrame | None = None,
                     list_actions: bool = True) -> alt.Chart:
    """One action's pain point as a share of all comments per period, n in the tooltip, actions marked."""
    x, when = period_axis(series["period"], lang)
    line = alt.Chart(series).mark_line(point=alt.OverlayMarkDef(color=NEGATIVE), color=NEGATIVE).encode(
        x=x, y=alt.Y("pain_share:Q", title="%"),
        tooltip=[alt.Tooltip("period:T", title=t("col.period", lang), format=when),
                 alt.Tooltip("pain_share:Q", title="%", format=".1f"), alt.Tooltip("pain:Q", title=t("col.count", lang)),
                 alt.Tooltip("n:Q", title="n")])
    return _style(alt.layer(line, *_action_layers(actions)).properties(
        height=240, title=_action_title(t("actions.chart_title", lang, scope=title), None, actions, lang,
                                        list_actions)))


def conversion_trend_chart(series: pd.DataFrame, stage_labels: dict[str, str], lang: str,
                           actions: pd.DataFrame | None = None, list_actions: bool = True) -> alt.Chart:
    """Conversion per period and funnel step, with 95% bands and improvement actions marked."""
    data = series.assign(step=series.apply(lambda r: t("funnel.step", lang, stage=stage_labels.get(r["stage"], r["stage"]),
                                                       next=stage_labels.get(r["next_stage"], r["next_stage"])), axis=1)
                         if not series.empty else pd.Series(dtype=object))
    color = alt.Color("step:N", title=None, legend=alt.Legend(orient="bottom", columns=2, labelLimit=300,
                                                              symbolType="stroke", symbolOpacity=1,
                                                              symbolStrokeWidth=3))
    x, when = period_axis(series["period"] if not series.empty else pd.Series(dtype="datetime64[ns]"), lang)
    band = alt.Chart(data).mark_area(opacity=0.15).encode(x=x, y="low:Q", y2="high:Q", color=color)
    lines = alt.Chart(data).mark_line(point=True).encode(
        x=x, y=alt.Y("conversion:Q", title=t("funnel.conversion_axis", lang)), color=color,
        tooltip=[alt.Tooltip("period:T", title=t("col.period", lang), format=when), alt.Tooltip("step:N", title=""),
                 alt.Tooltip("conversion:Q", title=t("funnel.conversion_axis", lang), format=".1f"),
                 alt.Tooltip("low:Q", title=t("chart.low", lang), format=".1f"),
                 alt.Tooltip("high:Q", title=t("chart.high", lang), format=".1f"),
                 alt.Tooltip("n:Q", title="n", format=",")])
    return _style(alt.layer(band, lines, *_action_layers(actions)).properties(
        height=300, title=_action_title(t("funnel.trend", lang), None, actions, lang, list_actions)))


def persona_heatmaps_chart(cells: pd.DataFrame, stage_keys: list[str], touchpoint_keys: list[str],
                           stage_labels: dict[str, str], touchpoint_labels: dict[str, str], lang: str) -> alt.Chart:
    """One stage × touchpoint grid (negative share, n in the cell) per persona, two per row; cells under
    n = 5 faded and starred."""
    shown = [k for k in touchpoint_keys if k in set(cells["touchpoint"])]
    data = cells.assign(stage_label=cells["stage"].map(stage_labels),
                        touchpoint_label=cells["touchpoint"].map(touchpoint_labels),
                        label=cells["n"].astype(int).astype(str) + cells["small"].map({True: "*", False: ""}))
    x = alt.X("stage_label:N", title=None, scale=alt.Scale(domain=[stage_labels[k] for k in stage_keys]),
              axis=alt.Axis(labelAngle=-45, labelLimit=90, orient="top", labelOverlap=False))
    y = alt.Y("touchpoint_label:N", title=None, scale=alt.Scale(domain=[touchpoint_labels[k] for k in shown]),
              axis=alt.Axis(labelLimit=130))
    tooltip = [alt.Tooltip("persona:N", title=t("chart.persona", lang)),
               alt.Tooltip("stage_label:N", title=t("col.stage", lang)),
               alt.Tooltip("touchpoint_label:N", title=t("col.touchpoint", lang)), alt.Tooltip("n:Q", title="n"),
               alt.Tooltip("negative_share:Q", title=t("chart.negative_share", lang), format=".0f")]
    rects = alt.Chart().mark_rect(stroke="white").encode(
        x=x, y=y, color=alt.Color("negative_share:Q", title=t("chart.negative_share", lang),
                                  scale=alt.Scale(scheme="reds", domain=[0, 100]),
                                  legend=alt.Legend(orient="bottom", gradientLength=240)),
        opacity=alt.condition("datum.small", alt.value(0.35), alt.value(1.0)), tooltip=tooltip)
    text = alt.Chart().mark_text(fontSize=10, font=FONT).encode(x=x, y=y, text="label:N", tooltip=tooltip)
    return _style(alt.layer(rects, text, data=data).properties(width=alt.Step(52), height=alt.Step(20)).facet(
        facet=alt.Facet("persona:N", title=None, header=alt.Header(labelFont=FONT, labelFontSize=13)), columns=2)
        .properties(title=alt.TitleParams(t("personas.heatmaps", lang), subtitle=t("chart.small_cells", lang))))


def emotion_curve_chart(curve: pd.DataFrame, stage_keys: list[str], stage_labels: dict[str, str], measure: str,
                        lang: str, previous: pd.DataFrame | None = None,
                        segments: pd.DataFrame | None = None, interactive: bool = True,
                        actions: pd.DataFrame | None = None, segment_title: str | None = None,
                        list_actions: bool = True) -> alt.Chart:
    """The journey's emotion curve: net sentiment (or mean satisfaction) per stage in journey order,
    with its 95% band, the previous period dashed, and up to five segments (or personas) as extra lines.
    Improvement actions (journey.actions.markers) show their circled number over their stage and are
    listed under the title. Click a point to select a stage (selection parameter "stage");
    `interactive=False` (paper, images) leaves the selection and the words asking for a click out."""
    order = [stage_labels[k] for k in stage_keys]
    y_title = t("chart.net_sentiment", lang) if measure == "net_sentiment" else t("chart.satisfaction", lang)
    domain = [-100, 100] if measure == "net_sentiment" else [1, 5]
    data = curve.dropna(subset=["value"]).assign(stage_label=lambda f: f["stage"].map(stage_labels))
    x = alt.X("stage_label:N", sort=order, title=None,
              axis=alt.Axis(labelAngle=0, labelLimit=120, labelOverlap=False, labelFontSize=11, labelExpr=WRAP))
    y = alt.Y("value:Q", title=y_title, scale=alt.Scale(domain=domain))
    select = alt.selection_point(name="stage", fields=["stage"], on="click", clear="dblclick")
    band = alt.Chart(data).mark_area(opacity=0.18, color="#2f6f5e").encode(x=x, y="low:Q", y2="high:Q")
    line = alt.Chart(data).mark_line(color="#2f6f5e", strokeWidth=3).encode(x=x, y=y)
    points = alt.Chart(data).mark_circle(size=160, opacity=1).encode(
        x=x, y=y, color=alt.Color("stage_label:N", scale=stage_scale(stage_keys, stage_labels), legend=None),
        tooltip=[alt.Tooltip("stage_label:N", title=t("col.stage", lang)),
                 alt.Tooltip("value:Q", title=y_title, format=".1f"),
                 alt.Tooltip("low:Q", title=t("chart.low", lang), format=".1f"),
                 alt.Tooltip("high:Q", title=t("chart.high", lang), format=".1f"),
                 alt.Tooltip("n:Q", title="n")])
    points = points.add_params(select) if interactive else points
    layers = [band, line, points]
    if previous is not None and not previous.dropna(subset=["value"]).empty:
        prev = previous.dropna(subset=["value"]).assign(stage_label=lambda f: f["stage"].map(stage_labels),
                                                       series=t("chart.previous", lang))
        layers.insert(0, alt.Chart(prev).mark_line(strokeDash=[6, 4], color="#888888", point=alt.OverlayMarkDef(color="#888888")).encode(
            x=x, y=y, tooltip=[alt.Tooltip("series:N", title=t("col.series", lang)),
                               alt.Tooltip("value:Q", title=y_title, format=".1f"), alt.Tooltip("n:Q", title="n")]))
    if segments is not None and not segments.empty:
        seg = segments.dropna(subset=["value"]).assign(stage_label=lambda f: f["stage"].map(stage_labels))
        layers.append(alt.Chart(seg).mark_line(point=True, strokeWidth=1.5, opacity=0.8).encode(
            x=x, y=y, color=alt.Color("segment:N", title=segment_title or t("chart.segment", lang),
                                      scale=alt.Scale(scheme="dark2"), legend=alt.Legend(orient="bottom", labelLimit=300)),
            tooltip=[alt.Tooltip("segment:N", title=segment_title or t("chart.segment", lang)),
                     alt.Tooltip("value:Q", title=y_title, format=".1f"), alt.Tooltip("n:Q", title="n")]))
    zero = alt.Chart(pd.DataFrame({"y": [0 if measure == "net_sentiment" else 3]})).mark_rule(
        color="#cccccc").encode(y="y:Q")
    placed = actions[actions["stage"].isin(stage_keys)] if actions is not None and not actions.empty else None
    if placed is not None and not placed.empty:
        flags = placed.groupby("stage").agg(mark=("mark", "".join), label=("label", " / ".join)).reset_index()
        flags = flags.assign(stage_label=flags["stage"].map(stage_labels))
        layers.append(alt.Chart(flags).mark_text(color="#8e44ad", fontSize=16, font=FONT, baseline="top").encode(
            x=x, y=alt.value(2), text="mark:N", tooltip=[alt.Tooltip("label:N", title=t("chart.actions", lang))]))
    subtitle = t("chart.emotion_subtitle" if interactive else "chart.emotion_subtitle_static", lang)
    # Segment (or persona) lines have their own colours: on the stage colours' scale they would get none.
    return _style(alt.layer(zero, *layers).resolve_scale(color="independent").properties(
        height=320, autosize=FIT_WIDTH,
        title=_action_title(t("chart.emotion_curve", lang), subtitle, actions, lang, list_actions)))


def impact_chart(impact: pd.DataFrame, labels: dict[str, str], lang: str, title: str) -> alt.Chart:
    """NPS points each pain point costs: horizontal bars, most costly first."""
    data = impact.assign(label=impact["key"].map(labels))
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("impact:Q", title=t("chart.nps_points", lang)),
        y=alt.Y("label:N", sort=alt.EncodingSortField("impact", order="ascending"), title=None,
                axis=alt.Axis(labelLimit=200)),
        color=alt.condition("datum.impact < 0", alt.value(NEGATIVE), alt.value(POSITIVE)),
        tooltip=[alt.Tooltip("label:N", title=title), alt.Tooltip("impact:Q", format="+.1f", title="Δ NPS"),
                 alt.Tooltip("raised:Q", title=t("chart.raised", lang)),
                 alt.Tooltip("nps_without:Q", format="+.1f", title=t("chart.nps_without", lang))])
    return _style(chart.properties(height=alt.Step(28), title=title))


MAX_LINES = 8  # above this many series one panel of lines is unreadable: one small panel per series


def time_format(lang: str, monthly: bool) -> str:
    """d3 time format for date axes and tooltips: Japanese dates in Japanese (2026年5月, 2026/5/4)."""
    if lang == "ja":
        return "%Y年%-m月" if monthly else "%Y/%-m/%-d"
    return "%b %Y" if monthly else "%b %-d, %Y"


def period_axis(periods: pd.Series, lang: str) -> tuple[alt.X, str]:
    """The x channel of a chart over periods, dates written in the page's language (one tick per month at
    most for monthly periods: a month's label must not repeat on ticks inside it), and the tooltip format."""
    periods = pd.to_datetime(periods)
    monthly = bool(len(periods)) and bool((periods.dt.day == 1).all())
    when = time_format(lang, monthly)
    ticks = {"tickCount": {"interval": "month", "step": 1}} if monthly else {}
    return alt.X("period:T", title=None, axis=alt.Axis(format=when, labelOverlap=True, labelFlush=True, **ticks)), when


def trend_chart(frame: pd.DataFrame, measure: str, keys: list[str], labels: dict[str, str], lang: str,
                stage_colors: bool, marker: pd.Timestamp | None = None,
                actions: pd.DataFrame | None = None, list_actions: bool = True) -> alt.Chart:
    """Lines per stage (or touchpoint) over time for one measure, with n in the tooltip; improvement
    actions (journey.actions.markers) as dashed rules with their circled number, listed under the title.
    Up to MAX_LINES series share one panel; more get one small panel each (same axes), so 17 touchpoints
    stay readable. The plot keeps its height whatever the legend's size."""
    title = {"volume": t("chart.volume", lang), "satisfaction": t("chart.satisfaction", lang),
             "negative_share": t("chart.negative_share", lang)}[measure]
    shown = [k for k in keys if k in set(frame["key"])]
    x, when = period_axis(frame["period"], lang)
    data = frame.assign(label=frame["key"].map(labels))
    if marker is not None:
        data = data.assign(marker=marker)
    scale = stage_scale(shown, labels) if stage_colors else alt.Scale(scheme="tableau20",
                                                                      domain=[labels[k] for k in shown])
    y = alt.Y(f"{measure}:Q", title=title if len(shown) <= MAX_LINES else None)
    tooltip = [alt.Tooltip("period:T", title=t("col.period", lang), format=when),
               alt.Tooltip("label:N", title=t("col.series", lang)),
               alt.Tooltip(f"{measure}:Q", title=title, format=".1f"), alt.Tooltip("volume:Q", title="n")]
    many = len(shown) > MAX_LINES
    color = alt.Color("label:N", title=None, scale=scale, legend=None if many else alt.Legend(
        orient="bottom", columns=4, labelLimit=200))
    lines = alt.Chart(data).mark_line(point=True).encode(x=x, y=y, color=color, tooltip=tooltip)
    layers = [lines]
    if marker is not None:
        layers.append(alt.Chart(data).mark_rule(color="#333333", strokeDash=[4, 3]).encode(x="min(marker):T"))
    if not many:  # (small multiples share one data set: the actions are listed under the title instead)
        layers += _action_layers(actions)
        return _style(alt.layer(*layers).properties(height=300, autosize=FIT_WIDTH, title=_action_title(
            title, None, actions, lang, list_actions)))
    panels = alt.layer(*layers).properties(width=190, height=90).facet(
        facet=alt.Facet("label:N", title=None, sort=[labels[k] for k in shown],
                        header=alt.Header(labelFont=FONT, labelFontSize=12, labelLimit=190)),
        columns=4)
    return _style(panels.properties(title=_action_title(title, t("chart.small_multiples", lang), actions, lang,
                                                        list_actions)))
