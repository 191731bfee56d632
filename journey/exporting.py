"""Files for spreadsheets: CSV that Excel opens (UTF-8 with BOM) and that cannot run formulas."""

from __future__ import annotations

import json
import os
import secrets
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
    """Write `frame` as formula-safe UTF-8-with-BOM CSV (atomically, see write_files)."""
    write_files({path: to_csv_bytes(frame)})


# --- files on disk -----------------------------------------------------------------------------------
# An export or a report may be picked up by a scheduler and mailed on: a failure (a full disk, a killed
# process) must leave the previous file or nothing, never an empty or half-written one.


def write_files(contents: dict[Path, bytes]) -> list[Path]:
    """Write every file to a temporary file beside it, flushed to disk, then rename each over its name, so
    a reader sees the old file or the whole new one. When any write fails, none of the files is replaced
    and no temporary file is left; the error is raised. Returns the paths written, in order."""
    staged: list[tuple[Path, Path]] = []
    current = None
    try:
        for current, data in contents.items():
            current.parent.mkdir(parents=True, exist_ok=True)
            staged.append((_write_temporary(current, data), current))
        for temporary, current in staged:
            os.replace(temporary, current)
    except BaseException as err:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        if isinstance(err, OSError) and current is not None and err.filename != str(current):
            # Name the file the user asked for, not our temporary one (or none: a failed write names nothing).
            raise OSError(err.errno, err.strerror, str(current)) from err
        raise
    return [path for _, path in staged]


def _write_temporary(path: Path, data: bytes) -> Path:
    """`data` in a new hidden file beside `path` (same disk, so the rename is atomic), synced to disk."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    # O_EXCL: never write through a file or link someone put there; 0o666 less the umask, as open() would.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


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
    """A self-contained HTML page (Vega libraries inlined) that shows the chart offline.

    The chart's data (segment values, file names, customer words) sits in the page as JSON in a
    `<script type="application/json">` block with `<`, `>` and `&` written as \\u escapes, so no value
    can close the block and run as script ("</script><script>…"). vl_convert's own page embeds the JSON
    as written, so the page is put together here around its JavaScript bundle.
    """
    import vl_convert

    data = json.dumps(with_footer(chart, footer), ensure_ascii=False)
    for character, escaped in _SCRIPT_SAFE.items():
        data = data.replace(character, escaped)
    head, rest = _HTML_PAGE.split("@BUNDLE@")
    middle, tail = rest.split("@SPEC@")
    return head + _vega_bundle(vl_convert) + middle + data + tail


# Characters that could end a <script> block or start markup inside it, as JSON string escapes.
_SCRIPT_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_HTML_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<title>Chart</title>
<script type="text/javascript">@BUNDLE@</script>
</head>
<body>
<div id="vega-chart"></div>
<script type="application/json" id="vega-spec">@SPEC@</script>
<script type="text/javascript">
vegaEmbed("#vega-chart", JSON.parse(document.getElementById("vega-spec").textContent), {"renderer": "svg"})
  .catch(console.error);
</script>
</body>
</html>
"""


def _vega_bundle(vl_convert) -> str:
    """Vega, Vega-Lite and Vega-Embed as one script (built once per process by vl_convert)."""
    if not hasattr(_vega_bundle, "cached"):
        bundle = vl_convert.javascript_bundle()
        if "</script" in bundle.lower():  # the bundle goes inside a <script> block as it is
            raise ValueError("the Vega bundle contains '</script' and cannot be inlined")
        _vega_bundle.cached = bundle
    return _vega_bundle.cached


def chart_json(chart, footer: str) -> str:
    return json.dumps(with_footer(chart, footer), ensure_ascii=False, indent=1)


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write `frame` as Parquet (types kept; no formula risk in a binary format), atomically."""
    write_files({path: to_parquet_bytes(frame)})


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    import io

    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()
