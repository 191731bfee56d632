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


STEPS = pd.DataFrame([{"stage": "awareness", "count": 4210, "next_stage": "purchase", "n": 4210, "conversion": 5.1,
                       "conv_low": 4.4, "conv_high": 5.8, "drop_off": 94.9, "drop_low": 94.2, "drop_high": 95.6,
                       "nested": True, "small": False, "order": 0, "periods": 1, "next_count": 214},
                      {"stage": "purchase", "count": 214, "next_stage": None, "n": None, "conversion": None,
                       "conv_low": None, "conv_high": None, "drop_off": None, "drop_low": None, "drop_high": None,
                       "nested": True, "small": False, "order": 1, "periods": 1, "next_count": None}])
MARKS = pd.DataFrame({"number": [1, 2], "when": pd.to_datetime(["2026-08-01", "2026-09-05"]),
                      "stage": ["purchase", None], "touchpoint": [None, "app"],
                      "label": ["① 2026-08-01 決済画面を刷新 (予約・注文)", "② 2026-09-05 アプリ 3.3.0 (アプリ)"],
                      "mark": ["①", "②"]})


def test_journey_map_puts_the_funnel_under_the_stage_columns():
    cells = metrics.heatmap(COMMENTS, STAGES, TOUCH, "negative_share")
    spec = charts.heatmap_chart(cells, STAGES, TOUCH, STAGE_LABELS, TOUCH_LABELS, "negative_share", "ja",
                                funnel=STEPS).to_dict()
    grid, strip = spec["vconcat"]
    assert spec["resolve"]["scale"]["x"] == "shared" and [p["name"] for p in spec["params"]] == ["cell"]
    domain = [STAGE_LABELS[k] for k in STAGES]
    assert grid["layer"][0]["encoding"]["x"]["scale"]["domain"] == domain
    assert strip["layer"][0]["encoding"]["x"]["scale"]["domain"] == domain
    # The same room for row labels in both views, so the bars sit under their columns.
    assert grid["layer"][0]["encoding"]["y"]["axis"]["minExtent"] == strip["layer"][0]["encoding"]["y"]["axis"]["minExtent"]
    data = spec["datasets"][strip["data"]["name"]]
    assert [row["step_label"] for row in data] == ["→ 5.1% (4–6)", ""]
    assert [row["count_label"] for row in data] == ["4,210", "214"]
    plain = charts.heatmap_chart(cells, STAGES, TOUCH, STAGE_LABELS, TOUCH_LABELS, "negative_share", "ja").to_dict()
    assert "vconcat" not in plain  # no counts: the grid alone, as before


def test_funnel_chart_labels_conversion_with_its_interval_and_marks_small_steps():
    small = STEPS.assign(small=[True, False])
    spec = charts.funnel_chart(small, STAGES, STAGE_LABELS, "ja").to_dict()
    data = spec["datasets"][spec["data"]["name"]] if "data" in spec else next(iter(spec["datasets"].values()))
    assert data[0]["step_label"] == "→ 5.1% (4–6)*" and data[0]["stage_label"] == "認知"
    assert spec["title"]["text"] == "ファネル: 到達数と次の段階への転換率"


def test_trend_charts_mark_each_action_and_list_it_under_the_title():
    frame = metrics.series(COMMENTS, "M", "stage", STAGES)
    spec = charts.trend_chart(frame, "negative_share", STAGES, STAGE_LABELS, "ja", True, actions=MARKS).to_dict()
    rules = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    texts = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert rules and texts and texts[0]["encoding"]["text"]["field"] == "mark"
    assert spec["title"]["subtitle"][1:] == MARKS["label"].tolist()
    in_app = charts.trend_chart(frame, "negative_share", STAGES, STAGE_LABELS, "ja", True, actions=MARKS,
                                list_actions=False).to_dict()
    assert "subtitle" not in in_app["title"]  # the app lists them under the chart, keeping the plot tall
    series = pd.DataFrame({"period": pd.to_datetime(["2026-07-01", "2026-08-01"]), "stage": "consideration",
                           "next_stage": "purchase", "n": [700, 750], "conversion": [34.0, 60.0], "low": [31.0, 56.0],
                           "high": [37.0, 63.0], "nested": True})
    conversion = charts.conversion_trend_chart(series, STAGE_LABELS, "ja", MARKS).to_dict()
    assert any(layer["mark"]["type"] == "rule" for layer in conversion["layer"])


def test_emotion_curve_marks_actions_over_their_stage():
    curve = metrics.stage_curve(COMMENTS, STAGES)
    spec = charts.emotion_curve_chart(curve, STAGES, STAGE_LABELS, "net_sentiment", "ja", actions=MARKS).to_dict()
    flags = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "text"]
    data = spec["datasets"][flags[0]["data"]["name"]]
    assert [(row["stage_label"], row["mark"]) for row in data] == [("予約・注文", "①")]  # ② is touchpoint-only
    assert spec["title"]["subtitle"][-2:] == MARKS["label"].tolist()  # both listed, ② included


def test_persona_heatmaps_one_grid_per_persona():
    cells = pd.concat([metrics.heatmap(COMMENTS, STAGES, TOUCH, "negative_share").assign(persona=name)
                       for name in ("家族連れ", "一人客")])
    spec = charts.persona_heatmaps_chart(cells, STAGES, TOUCH, STAGE_LABELS, TOUCH_LABELS, "ja").to_dict()
    assert spec["facet"]["field"] == "persona" and spec["columns"] == 2


def test_funnel_and_action_charts_write_their_dates_in_the_pages_language():
    """The funnel's conversion chart and an action's chart had English month names in the Japanese UI."""
    import json

    series = pd.DataFrame({"period": pd.to_datetime(["2026-05-01", "2026-06-01"]), "stage": ["awareness"] * 2,
                           "next_stage": ["interest"] * 2, "conversion": [50.0, 55.0], "low": [45.0, 50.0],
                           "high": [55.0, 60.0], "n": [100, 120], "pain_share": [4.0, 6.0], "pain": [4, 7]})
    labels = {"awareness": "認知", "interest": "興味・関心"}
    for chart in (charts.conversion_trend_chart(series, labels, "ja"), charts.pain_share_chart(series, "認知", "ja")):
        spec = json.dumps(chart.to_dict(), ensure_ascii=False)
        assert "%Y年%-m月" in spec and "95% low" not in spec
