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
