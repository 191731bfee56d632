"""Chart builders: pure functions returning Altair charts; no I/O."""

from __future__ import annotations

import altair as alt
import pandas as pd

from journey.i18n import t

FONT = "Noto Sans CJK JP, Hiragino Sans, Yu Gothic, Meiryo, sans-serif"


def _style(chart: alt.Chart) -> alt.Chart:
    return chart.configure_axis(labelFont=FONT, titleFont=FONT).configure_legend(
        labelFont=FONT, titleFont=FONT).configure_title(font=FONT)


def volume_chart(frame: pd.DataFrame, lang: str) -> alt.Chart:
    """Stacked monthly bars of responses per source; tooltips carry the counts."""
    month, source, count = t("col.month", lang), t("col.source", lang), t("col.count", lang)
    data = frame.rename(columns={"month": month, "source": source, "responses": count})
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X(f"yearmonth({month}):T", title=month),
        y=alt.Y(f"sum({count}):Q", title=count),
        color=alt.Color(f"{source}:N", title=source, legend=alt.Legend(orient="bottom", columns=1, labelLimit=500)),
        tooltip=[alt.Tooltip(f"yearmonth({month}):T", title=month), alt.Tooltip(f"{source}:N"),
                 alt.Tooltip(f"{count}:Q")],
    ).properties(height=280)
    return _style(chart)
