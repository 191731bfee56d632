"""The weekly review pack: headline KPIs against the previous period, journey map, emotion curve (with the
improvement actions), what moves NPS, top pain points per stage with quotes, what changed significantly,
the stage funnel, the actions and their effect, and what moved since the last report — as a
self-contained HTML page, an A4 PDF with the Japanese font embedded, and PNGs of the charts for slides."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from journey import actions, charts, exporting, funnel, metrics, monitoring, themes
from journey.errors import EmptyPeriod
from journey.filters import Filters
from journey.i18n import t
from journey.store import actions as action_store
from journey.store import dashboard, tags
from journey.store import funnel as funnel_store
from journey.taxonomy import Taxonomy, load_preset

KPI_FORMATS = {"responses": "{:,.0f}", "comments": "{:,.0f}", "nps": "{:+.0f}", "csat": "{:.0f}%",
               "negative_share": "{:.0f}%"}


@dataclass
class Pack:
    """Everything the weekly review produces."""

    title: str
    period: str
    html: str
    pdf: bytes
    pngs: dict[str, bytes] = field(default_factory=dict)
    monitor: dict = field(default_factory=dict)   # journey.monitoring.summary: what moved since the baseline

    def write(self, folder: Path) -> list[Path]:
        """Write weekly-review.html, weekly-review.pdf and charts/*.png under `folder`; return the paths.

        All or nothing: each file goes to a temporary file first and replaces its name only once every
        file is written, so a full disk never leaves an empty or half-written report behind.
        """
        contents = {folder / "weekly-review.html": self.html.encode("utf-8"), folder / "weekly-review.pdf": self.pdf}
        contents.update({folder / "charts" / f"{name}.png": png for name, png in self.pngs.items()})
        return exporting.write_files(contents)


@dataclass
class _Section:
    heading: str
    lines: list[str] = field(default_factory=list)      # plain text (escaped when written to HTML)
    image: str | None = None                            # key into the PNGs


def default_period(con, days: int = 7) -> tuple[date, date]:
    """The last `days` days that have data."""
    window = dashboard.data_window(con)
    end = window.last or date.today()
    return end - timedelta(days=days - 1), end


def build_pack(con, since: date | None = None, until: date | None = None, lang: str = "ja",
               taxonomy: Taxonomy | None = None, baseline: tuple[date, date] | None = None) -> Pack:
    """Compute the weekly review for [since, until] (default: the last 7 days with data). Monitoring
    compares it with `baseline` (the last report's period; default: the equally long period before).

    Raises EmptyPeriod when no response falls in the period: an empty pack must never look like a report."""
    if since is None or until is None:
        default_since, default_until = default_period(con)
        since, until = since or default_since, until or default_until
    # The tags' own taxonomy names them: a newer version saved but not yet applied has other names.
    tagged = tags.tagged_version(con)
    active = (tags.taxonomy_at(con, tagged) if tagged else None) or tags.active_taxonomy(con)
    taxonomy = taxonomy or (Taxonomy.from_json(active[2]) if active else load_preset("default"))
    stage_keys, touch_keys = taxonomy.stage_keys(), taxonomy.touchpoint_keys()
    stage_labels = {k: taxonomy.stage_label(k, lang) for k in stage_keys + ["unclassified"]}
    touch_labels = {k: taxonomy.touchpoint_label(k, lang) for k in touch_keys + ["unclassified"]}
    now_filters = Filters(start=since, end=until)
    before_filters = now_filters.previous()
    comments, responses = dashboard.comment_facts(con, now_filters), dashboard.response_facts(con, now_filters)
    if responses.empty:
        window = dashboard.data_window(con)
        covers = f"the data covers {window.first} – {window.last}" if window.first else "no response has a date"
        raise EmptyPeriod(f"no responses between {since:%Y-%m-%d} and {until:%Y-%m-%d}; {covers}.",
                          hint="Choose a period with data (--since / --until).")
    old_comments = dashboard.comment_facts(con, before_filters)
    old_responses = dashboard.response_facts(con, before_filters)
    period = f"{since:%Y-%m-%d} – {until:%Y-%m-%d}"
    footer = f"{t('report.period', lang)}: {period}"

    sections: list[_Section] = []
    now, old = metrics.kpis(comments, responses), metrics.kpis(old_comments, old_responses)
    kpi_lines = []
    for key in KPI_FORMATS:
        if key != "csat":
            kpi_lines.append(f"{t(f'kpi.{key}', lang)}: {_figure(key, now[key], old[key], len(old_responses), lang)}")
            continue
        # CSAT per question, the headline (most answered) question first: never pooled into one n.
        for question in metrics.csat_questions(responses):
            figure = _figure(key, metrics.csat_share(responses, question), metrics.csat_share(old_responses, question),
                             len(old_responses), lang)
            kpi_lines.append(f"{t('report.csat_of', lang, csat=t('kpi.csat', lang), question=question)}: {figure}")
    sections.append(_Section(t("report.kpis", lang), kpi_lines))

    pngs: dict[str, bytes] = {}
    cells = metrics.heatmap(comments, stage_keys, touch_keys, "negative_share")
    if not cells.empty:
        pngs["journey-map"] = exporting.chart_png(charts.heatmap_chart(
            cells, stage_keys, touch_keys, stage_labels, touch_labels, "negative_share", lang, interactive=False),
            footer)
        sections.append(_Section(t("map.heatmap", lang), image="journey-map"))
    curve = metrics.stage_curve(comments, stage_keys)
    if curve["n"].sum():
        previous = metrics.stage_curve(old_comments, stage_keys) if len(old_comments) else None
        recorded = actions.from_frame(action_store.list_actions(con))
        marks = actions.markers(recorded, stage_labels, touch_labels, before_filters.start, until)
        pngs["emotion-curve"] = exporting.chart_png(charts.emotion_curve_chart(
            curve, stage_keys, stage_labels, "net_sentiment", lang, previous, actions=marks, interactive=False),
            footer)
        sections.append(_Section(t("map.curve", lang), image="emotion-curve"))
    impact = metrics.nps_impact(comments, responses, "stage", stage_keys)
    if not impact.empty:
        pngs["what-moves-nps"] = exporting.chart_png(charts.impact_chart(impact, stage_labels, lang,
                                                                          t("col.stage", lang)), footer)
        sections.append(_Section(t("map.impact", lang), [t("map.impact_help", lang)], image="what-moves-nps"))

    pain_lines = []
    for key in stage_keys:
        found = themes.themes_for_stage(con, now_filters, key, "negative", max_themes=3)
        for theme in found[:2]:
            quote = theme.quotes[0]["text"] if theme.quotes else ""
            pain_lines.append(f"{stage_labels[key]} — {theme.name} ({theme.size}): “{quote}”")
    sections.append(_Section(t("report.pains", lang), pain_lines or [t("stage.no_themes", lang)]))

    sections.append(_Section(t("report.changes", lang), _changes(comments, responses, old_comments, old_responses,
                                                                stage_keys, stage_labels, lang)))
    sections.extend(_funnel_section(con, since, until, stage_keys, stage_labels, lang, pngs, footer))
    sections.append(_actions_section(con, until, stage_keys, stage_labels, touch_labels, lang))
    monitor_section, monitor = _monitor_section(con, comments, (since, until), baseline, stage_keys, touch_keys,
                                                stage_labels, touch_labels, lang)
    sections.append(monitor_section)
    title = t("report.title", lang)
    return Pack(title, period, _html(title, period, sections, pngs, lang), _pdf(title, period, sections, pngs, lang),
                pngs, monitor)


def _funnel_section(con, since: date, until: date, stage_keys: list[str], stage_labels: dict[str, str], lang: str,
                    pngs: dict[str, bytes], footer: str) -> list[_Section]:
    """The stage funnel of the periods overlapping [since, until]: chart and one line per step."""
    counts = funnel_store.counts(con, since, until)
    steps = funnel.steps(counts, stage_keys)
    if steps.empty:
        return []
    periods = sorted({f"{p:%Y-%m-%d}–{e:%Y-%m-%d}" for p, e in zip(counts["period_start"], counts["period_end"])})
    lines = [t("report.funnel_periods", lang, periods=", ".join(periods))]
    for row in steps.itertuples():
        if row.next_stage is None or pd.isna(row.conversion):
            lines.append(t("report.funnel_last", lang, stage=stage_labels[row.stage], count=row.count))
            continue
        conversion = (t("funnel.share", lang, value=row.conversion, low=row.conv_low, high=row.conv_high)
                      if row.nested else f"{row.conversion:.0f}% ({t('funnel.not_nested', lang)})")
        if row.small:
            conversion += f" {t('funnel.small', lang)}"
        lines.append(t("report.funnel_line", lang, stage=stage_labels[row.stage], count=row.count,
                       next=stage_labels[row.next_stage], conversion=conversion))
    pngs["funnel"] = exporting.chart_png(charts.funnel_chart(steps, stage_keys, stage_labels, lang), footer)
    return [_Section(t("report.funnel", lang), lines, image="funnel")]


def _actions_section(con, until: date, stage_keys: list[str], stage_labels: dict[str, str],
                     touch_labels: dict[str, str], lang: str) -> _Section:
    """Every action up to `until` with its before/after sentence (over all dates, the pack's end included)."""
    recorded = [a for a in actions.from_frame(action_store.list_actions(con)) if a.acted_on <= until]
    if not recorded:
        return _Section(t("report.actions", lang), [t("report.no_actions", lang)])
    everything = dashboard.comment_facts(con, Filters(end=until))
    counts = funnel_store.counts(con, None, until)
    lines = [f"{actions.circled(a.number)} " + actions.sentence(
        actions.measure(a, everything, counts, stage_keys, recorded), stage_labels, touch_labels, lang)
        for a in recorded]
    return _Section(t("report.actions", lang), lines + [t("actions.primary_note", lang)])


def _monitor_section(con, comments, now: tuple[date, date], baseline: tuple[date, date] | None,
                     stage_keys: list[str], touch_keys: list[str], stage_labels: dict[str, str],
                     touch_labels: dict[str, str], lang: str) -> tuple[_Section, dict]:
    """What moved significantly against the baseline (the last report, or the equally long period before)."""
    source = "report" if baseline else "previous"
    if baseline is None:
        previous = Filters(start=now[0], end=now[1]).previous()
        baseline = (previous.start, previous.end)
    base_comments = dashboard.comment_facts(con, Filters(start=baseline[0], end=baseline[1]))
    counts = funnel_store.counts(con, min(baseline[0], now[0]), max(baseline[1], now[1]))
    results = monitoring.checks(comments, base_comments, counts, stage_keys, touch_keys, now, baseline)
    found = monitoring.flags(results)
    summary = monitoring.summary(found, results, now, baseline, source)
    lines = [t("report.monitor_baseline", lang, since=f"{baseline[0]:%Y-%m-%d}", until=f"{baseline[1]:%Y-%m-%d}",
               source=t(f"report.monitor_source.{source}", lang))]
    lines += [f.describe(stage_labels, touch_labels, lang) for f in found] or [
        t("report.monitor_none", lang, checks=summary["checks"], small=summary["too_small"])]
    lines.append(t("report.monitor_method", lang))
    return _Section(t("report.monitor", lang), lines), summary


def _figure(key: str, value: metrics.Estimate | None, old: metrics.Estimate | None, old_n: int, lang: str) -> str:
    """One headline figure: value, change against the previous period, 95% interval and n."""
    text = "—" if value is None else KPI_FORMATS[key].format(value.value)
    if value is not None and old is not None and old_n:
        text += f"  ({value.value - old.value:+.0f} {t('report.vs_previous', lang)})"
    if value is not None and key in ("nps", "csat", "negative_share"):
        shown = "{:+.0f}" if key == "nps" else "{:.0f}%"
        text += f"  [95%: {shown.format(value.low)} – {shown.format(value.high)}, n = {value.n}]"
        if value.indicative:
            text += f" {t('overview.indicative', lang)}"
    return text


def _changes(comments, responses, old_comments, old_responses, stage_keys, stage_labels, lang) -> list[str]:
    """Plain-language lines for every significant change against the previous period (Holm-corrected over
    all the checks made, as on the Trends page)."""
    table = metrics.compare_periods(old_comments, old_responses, comments, responses, stage_keys)
    lines = []
    for row in table[table["verdict"].isin(["improved", "worsened"])].itertuples():
        lines.append(t(f"trends.sentence.{row.verdict}", lang,
                       scope=t("trends.all", lang) if row.scope == "all" else stage_labels[row.scope],
                       metric=t(f"trends.metric.{row.metric}", lang), before=row.before, after=row.after,
                       p=row.p_adjusted))
    if not lines:
        lines.append(t("report.no_changes", lang, small=int((table["verdict"] == "too_small").sum()),
                       total=len(table)))
    else:
        lines.append(t("trends.corrected", lang, total=int(table["p_adjusted"].notna().sum())))
    return lines


def _html(title: str, period: str, sections: list[_Section], pngs: dict[str, bytes], lang: str) -> str:
    """One self-contained page: styles inline, charts as data URIs, every customer word escaped."""
    parts = [f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             "<style>body{font-family:'Hiragino Sans','Yu Gothic',Meiryo,'Noto Sans CJK JP',IPAexGothic,sans-serif;"
             "max-width:980px;margin:2rem auto;padding:0 1rem;color:#222}h1{color:#2f6f5e}"
             "h2{border-bottom:2px solid #2f6f5e;padding-bottom:.2rem;margin-top:2rem}"
             "li{margin:.3rem 0}img{max-width:100%}.period{color:#666}</style></head><body>",
             f"<h1>{html.escape(title)}</h1><p class='period'>{html.escape(t('report.period', lang))}: "
             f"{html.escape(period)}</p>"]
    for section in sections:
        parts.append(f"<h2>{html.escape(section.heading)}</h2>")
        if section.lines:
            parts.append("<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in section.lines) + "</ul>")
        if section.image:
            data = base64.b64encode(pngs[section.image]).decode()
            parts.append(f"<img alt='{html.escape(section.heading)}' src='data:image/png;base64,{data}'>")
    parts.append(f"<p class='period'>{html.escape(t('report.credit', lang))}</p></body></html>")
    return "".join(parts)


def _pdf(title: str, period: str, sections: list[_Section], pngs: dict[str, bytes], lang: str) -> bytes:
    """A4 PDF with IPAexGothic embedded (subset), so Japanese shows on any viewer and text can be copied."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("jp", fname=str(exporting.font_path()))
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("jp", size=18)
    pdf.set_text_color(47, 111, 94)
    pdf.cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(90, 90, 90)
    pdf.set_font("jp", size=10)
    pdf.cell(0, 7, f"{t('report.period', lang)}: {period}", new_x="LMARGIN", new_y="NEXT")
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for section in sections:
        if section.image and pdf.get_y() > pdf.h - 120:
            pdf.add_page()  # keep a chart with its heading
        pdf.ln(3)
        pdf.set_text_color(47, 111, 94)
        pdf.set_font("jp", size=13)
        pdf.multi_cell(width, 8, section.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(30, 30, 30)
        pdf.set_font("jp", size=9.5)
        for line in section.lines:
            pdf.multi_cell(width, 5.5, f"• {line}", new_x="LMARGIN", new_y="NEXT")
        if section.image:
            image = io.BytesIO(pngs[section.image])
            pdf.image(image, w=width)
    pdf.ln(4)
    pdf.set_font("jp", size=8)
    pdf.set_text_color(110, 110, 110)
    pdf.multi_cell(width, 4.5, t("report.credit", lang), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())

