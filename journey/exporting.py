"""Files for spreadsheets: CSV that Excel opens (UTF-8 with BOM) and that cannot run formulas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with a quote (OWASP CSV injection advice)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells are formula-safe."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(formula_safe)
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV bytes, UTF-8 with BOM, formula-safe."""
    return safe_frame(frame).to_csv(index=False).encode("utf-8-sig")


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write `frame` as formula-safe UTF-8-with-BOM CSV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_csv_bytes(frame))


# --- charts ------------------------------------------------------------------------------------------
# vl-convert renders Vega-Lite without a browser; the Japanese font (IPAexGothic, a TrueType font under
# the IPA Font License) comes inside the matplotlib-fontja wheel, so Japanese renders on any machine,
# offline, and PDF text stays extractable (CFF/OpenType fonts came out garbled in fpdf2's text layer).
FONT_FAMILY = "IPAexGothic"


def font_path() -> Path:
    """The bundled Japanese TrueType font."""
    from importlib import resources

    return Path(str(resources.files("matplotlib_fontja").joinpath("fonts", "ipaexg.ttf")))


def _register_font() -> None:
    import vl_convert

    if not getattr(_register_font, "done", False):
        vl_convert.register_font_directory(str(font_path().parent))
        _register_font.done = True


def with_footer(chart, footer: str) -> dict:
    """The chart's Vega-Lite spec with a line of text (the active filters) under it."""
    spec = chart.to_dict() if hasattr(chart, "to_dict") else dict(chart)
    top = {key: spec.pop(key) for key in ("$schema", "config", "datasets") if key in spec}
    top["config"] = {**top.get("config", {}), "font": FONT_FAMILY}
    if "width" not in spec and "hconcat" not in spec:
        spec["width"] = 720  # on a page the chart stretches to the container; a file needs a width
    note = {"data": {"values": [{"note": footer}]}, "mark": {"type": "text", "align": "left", "baseline": "top",
                                                              "fontSize": 11, "color": "#555555"},
            "encoding": {"text": {"field": "note"}}, "height": 18}
    return {**top, "vconcat": [spec, note], "spacing": 4}


def chart_png(chart, footer: str, scale: float = 2.0) -> bytes:
    """PNG of the chart with the filters under it (Japanese text rendered with the bundled font)."""
    import vl_convert

    _register_font()
    return vl_convert.vegalite_to_png(with_footer(chart, footer), scale=scale)


def chart_svg(chart, footer: str) -> str:
    import vl_convert

    _register_font()
    return vl_convert.vegalite_to_svg(with_footer(chart, footer))


def chart_html(chart, footer: str) -> str:
    """A self-contained HTML page (Vega libraries inlined) that shows the chart offline."""
    import vl_convert

    return vl_convert.vegalite_to_html(with_footer(chart, footer), bundle=True)


def chart_json(chart, footer: str) -> str:
    import json

    return json.dumps(with_footer(chart, footer), ensure_ascii=False, indent=1)


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write `frame` as Parquet (types kept; no formula risk in a binary format)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    import io

    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()
