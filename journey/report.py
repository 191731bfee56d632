"""The weekly review pack: headline KPIs against the previous period, journey map, emotion curve, what
moves NPS, top pain points per stage with quotes, and what changed significantly — as a self-contained
HTML page, an A4 PDF with the Japanese font embedded, and PNGs of the charts for slides."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from journey import charts, exporting, metrics, themes
from journey.errors import EmptyPeriod
from journey.filters import Filters
from journey.i18n import t
from journey.store import dashboard, tags
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

    def write(self, folder: Path) -> list[Path]:
        """Write report.html, report.pdf and charts/*.png under `folder`; return the paths."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "charts").mkdir(exist_ok=True)
        paths = [folder / "weekly-review.html", folder / "weekly-review.pdf"]
        paths[0].write_text(self.html, encoding="utf-8")
        paths[1].write_bytes(self.pdf)
        for name, png in self.pngs.items():
            path = folder / "charts" / f"{name}.png"
            path.write_bytes(png)
            paths.append(path)
        return paths


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
               taxonomy: Taxonomy | None = None) -> Pack:
    """Compute the weekly review for [since, until] (default: the last 7 days with data).

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
    for key, fmt in KPI_FORMATS.items():
        value = now[key]
        text = "—" if value is None else fmt.format(value.value)
        if value is not None and old[key] is not None and len(old_responses):
            text += f"  ({value.value - old[key].value:+.0f} {t('report.vs_previous', lang)})"
        if value is not None and key in ("nps", "csat", "negative_share"):
            shown = "{:+.0f}" if key == "nps" else "{:.0f}%"
            text += f"  [95%: {shown.format(value.low)} – {shown.format(value.high)}, n = {value.n}]"
            if value.indicative:
                text += f" {t('overview.indicative', lang)}"
        kpi_lines.append(f"{t(f'kpi.{key}', lang)}: {text}")
    sections.append(_Section(t("report.kpis", lang), kpi_lines))

    pngs: dict[str, bytes] = {}
    cells = metrics.heatmap(comments, stage_keys, touch_keys, "negative_share")
    if not cells.empty:
        pngs["journey-map"] = exporting.chart_png(charts.heatmap_chart(
            cells, stage_keys, touch_keys, stage_labels, touch_labels, "negative_share", lang), footer)
        sections.append(_Section(t("map.heatmap", lang), image="journey-map"))
    curve = metrics.stage_curve(comments, stage_keys)
    if curve["n"].sum():
        previous = metrics.stage_curve(old_comments, stage_keys) if len(old_comments) else None
        pngs["emotion-curve"] = exporting.chart_png(charts.emotion_curve_chart(
            curve, stage_keys, stage_labels, "net_sentiment", lang, previous), footer)
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
    title = t("report.title", lang)
    return Pack(title, period, _html(title, period, sections, pngs, lang), _pdf(title, period, sections, pngs, lang),
                pngs)


def _changes(comments, responses, old_comments, old_responses, stage_keys, stage_labels, lang) -> list[str]:
    """Plain-language lines for every significant change against the previous period."""
    results = [("all", "nps", metrics.compare_nps(old_responses["nps"], responses["nps"])),
               ("all", "csat", metrics.compare_shares(*metrics.csat_counts(old_responses),
                                                      *metrics.csat_counts(responses), True)),
               ("all", "negative_share", metrics._negative_compare(old_comments, comments, metrics.SMALL_N))]
    old_x, now_x = metrics.explode_stages(old_comments), metrics.explode_stages(comments)
    for key in stage_keys:
        results.append((key, "negative_share", metrics._negative_compare(
            old_x[old_x["stage_key"] == key], now_x[now_x["stage_key"] == key], metrics.SMALL_N)))
    lines = []
    for scope, metric, result in results:
        if result.verdict in ("improved", "worsened"):
            lines.append(t(f"trends.sentence.{result.verdict}", lang,
                           scope=t("trends.all", lang) if scope == "all" else stage_labels[scope],
                           metric=t(f"trends.metric.{metric}", lang), before=result.before.value,
                           after=result.after.value, p=result.p_value))
    if not lines:
        small = sum(r.verdict == "too_small" for _, _, r in results)
        lines.append(t("report.no_changes", lang, small=small, total=len(results)))
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

