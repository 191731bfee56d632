"""Chart builders: check the Vega-Lite specs they produce."""

from __future__ import annotations

import pandas as pd

from journey import charts, metrics
from journey.taxonomy import load_preset

TAX = load_preset("restaurant")
STAGES, TOUCH = TAX.stage_keys(), TAX.touchpoint_keys()
STAGE_LABELS = {k: TAX.stage_label(k, "ja") for k in STAGES}
TOUCH_LABELS = {k: TAX.touchpoint_label(k, "ja") for k in TOUCH}
COMMENTS = pd.DataFrame({
    "comment_id": range(8), "response_id": range(8),
    "stages": ["purchase"] * 5 + ["usage", "usage|loyalty", "awareness"],
    "touchpoint": ["web"] * 5 + ["staff", "staff", "sns"],
    "sentiment": ["negative"] * 4 + ["positive"] * 4, "rating": [1, 2, 2, 1, 5, 5, 4, 5],
    "responded_at": pd.to_datetime(["2026-05-03"] * 4 + ["2026-06-10"] * 4)})


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def test_heatmap_spec_shows_n_marks_small_cells_and_selects_cells():
    cells = metrics.heatmap(COMMENTS, STAGES, TOUCH, "negative_share")
    spec = charts.heatmap_chart(cells, STAGES, TOUCH, STAGE_LABELS, TOUCH_LABELS, "negative_share", "ja").to_dict()
    rect, text = layers(spec)
    assert rect["mark"]["type"] == "rect" and rect["encoding"]["color"]["field"] == "value"
    assert any(p["name"] == "cell" and p["select"]["fields"] == ["stage", "touchpoint"] for p in spec["params"])
    assert text["encoding"]["text"]["field"] == "label"
    assert rect["encoding"]["x"]["scale"]["domain"] == [STAGE_LABELS[k] for k in STAGES]  # journey order
    data = next(iter(spec["datasets"].values()))
    purchase_web = next(d for d in data if d["stage"] == "purchase" and d["touchpoint"] == "web")
    assert purchase_web["label"] == "5" and not purchase_web["small"]
    assert next(d for d in data if d["stage"] == "awareness")["label"] == "1*"
    tooltip_fields = {t["field"] for t in rect["encoding"]["tooltip"]}
    assert "n" in tooltip_fields
    assert "IPAexGothic" in spec["config"]["axis"]["labelFont"]  # Japanese labels legible


def test_emotion_curve_has_band_previous_period_and_stage_colours():
    curve = metrics.stage_curve(COMMENTS, STAGES)
    spec = charts.emotion_curve_chart(curve, STAGES, STAGE_LABELS, "net_sentiment", "en", previous=curve,
                                      segments=curve.assign(segment="20代")).to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert "area" in marks and marks.count("line") >= 3 and "circle" in marks
    points = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "circle")
    scale = points["encoding"]["color"]["scale"]
    assert scale["range"][STAGES.index("purchase")] == charts.STAGE_COLORS["purchase"]
    assert any(p["name"] == "stage" and p["select"]["fields"] == ["stage"] for p in spec["params"])
    assert {t["field"] for t in points["encoding"]["tooltip"]} >= {"n", "low", "high"}


def test_one_colour_per_stage_everywhere():
    frame = metrics.series(COMMENTS, "M", "stage", STAGES)
    spec = charts.trend_chart(frame, "negative_share", STAGES, STAGE_LABELS, "ja", stage_colors=True).to_dict()
    line = spec["layer"][0]
    domain, colours = line["encoding"]["color"]["scale"]["domain"], line["encoding"]["color"]["scale"]["range"]
    assert dict(zip(domain, colours))[STAGE_LABELS["usage"]] == charts.STAGE_COLORS["usage"]


def test_impact_chart_sorts_by_cost_and_colours_losses():
    impact = pd.DataFrame({"key": ["purchase", "usage"], "raised": [5, 3], "impact": [-12.0, 4.0],
                           "nps_without": [20.0, 4.0]})
    spec = charts.impact_chart(impact, STAGE_LABELS, "ja", "段階").to_dict()
    assert spec["encoding"]["y"]["sort"]["field"] == "impact"
    assert "datum.impact < 0" in spec["encoding"]["color"]["condition"]["test"]


def series_frame(keys: list[str], freq: str = "M") -> pd.DataFrame:
    periods = pd.date_range("2026-05-01", periods=6, freq="MS" if freq == "M" else "W-MON")
    return pd.DataFrame([{"period": p, "key": k, "volume": 10, "satisfaction": 3.5, "negative_share": 20.0 + i}
                         for i, k in enumerate(keys) for p in periods])


def test_trend_dates_read_in_japanese_and_the_plot_keeps_its_height():
    spec = charts.trend_chart(series_frame(STAGES), "negative_share", STAGES, STAGE_LABELS, "ja", True,
                              pd.Timestamp("2026-08-01")).to_dict()
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}  # the legend never squeezes the plot
    line = layers(spec)[0]
    assert line["encoding"]["x"]["axis"]["format"] == "%Y年%-m月"
    assert {t["title"] for t in line["encoding"]["tooltip"]} >= {"期間", "系列"}
    weekly = charts.trend_chart(series_frame(STAGES, "W"), "volume", STAGES, STAGE_LABELS, "en", True).to_dict()
    assert layers(weekly)[0]["encoding"]["x"]["axis"]["format"] == "%b %-d, %Y"


def test_many_series_get_one_small_panel_each():
    touch = TOUCH + ["unclassified"]
    labels = {**TOUCH_LABELS, "unclassified": "未分類"}
    spec = charts.trend_chart(series_frame(touch), "negative_share", touch, labels, "ja", False,
                              pd.Timestamp("2026-08-01")).to_dict()
    assert len(touch) == 17 and spec["columns"] == 4
    assert spec["facet"]["field"] == "label" and spec["facet"]["sort"] == [labels[k] for k in touch]
    assert spec["spec"]["height"] >= 90  # every panel readable, whatever the count
    few = charts.trend_chart(series_frame(STAGES), "volume", STAGES, STAGE_LABELS, "ja", True).to_dict()
    assert "facet" not in few and few["height"] == 300


def test_long_stage_labels_wrap_instead_of_being_cut():
    cells = metrics.heatmap(COMMENTS, STAGES, TOUCH, "volume")
    spec = charts.heatmap_chart(cells, STAGES, TOUCH, STAGE_LABELS, TOUCH_LABELS, "volume", "ja").to_dict()
    assert "split(datum.label, '・')" in layers(spec)[0]["encoding"]["x"]["axis"]["labelExpr"]
    curve = charts.emotion_curve_chart(metrics.stage_curve(COMMENTS, STAGES), STAGES, STAGE_LABELS,
                                       "net_sentiment", "ja").to_dict()
    tooltips = {t.get("title") for layer in layers(curve) for t in layer["encoding"].get("tooltip", [])}
    assert "95%区間の下限" in tooltips and "95% low" not in tooltips


def test_monthly_volume_axis_reads_in_japanese():
    volume = pd.DataFrame({"month": pd.to_datetime(["2026-05-01", "2026-06-01"]), "source": ["a.csv", "a.csv"],
                           "responses": [3, 4]})
    spec = charts.volume_chart(volume, "ja").to_dict()
    assert spec["encoding"]["x"]["axis"]["format"] == "%Y年%-m月"
