"""The dashboard's chart builders: what a heat-map cell shows (small cells shrunk or hidden), and every
filled spec is valid Vega-Lite carrying its data, its title and the filters in its subtitle."""

from __future__ import annotations

from datetime import date

import altair as alt
import polars as pl
import pytest

from cxdata.measures.metrics import compute
from cxdata.screens.charts import heatmap_chart, heatmap_frame, interval_bars, trend_chart


def valid(spec: dict) -> dict:
    """Validate against the Vega-Lite schema Altair ships (raises on an invalid spec)."""
    alt.LayerChart.from_dict(spec, validate=True)
    return spec


def cells() -> pl.DataFrame:
    rows = [{"started_at": f"2026-03-{1 + i % 28:02d}", "channel": "phone" if i < 80 else "chat",
             "touchpoint": "billing" if i % 2 else "support", "csat": 1 + i % 5} for i in range(100)]
    frame = pl.DataFrame(rows).with_columns(pl.col("started_at").str.to_datetime())
    return compute("csat", frame, by=["channel", "touchpoint"])


def labelled(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(label=pl.lit("x"), interval=pl.lit("y"))


def test_small_proportion_cells_show_their_shrunk_rate_and_the_selection_is_flagged() -> None:
    computed = cells()
    frame = heatmap_frame(computed, "channel", "touchpoint", ("phone", None))
    small = frame.filter(pl.col("small"))
    assert small.height == 2, "chat has 10 answers per touchpoint"
    assert small["shown"].to_list() == pytest.approx(small["shrunk"].to_list())
    assert small["is_shrunk"].all() and not frame.filter(~pl.col("small"))["is_shrunk"].any()
    big = frame.filter(~pl.col("small"))
    assert big["shown"].to_list() == big["value"].to_list()
    assert frame.filter(pl.col("selected"))["channel"].unique().to_list() == ["phone"]
    assert not heatmap_frame(computed, "channel", "touchpoint")["selected"].any(), "no selection, nothing outlined"


def test_small_cells_of_a_mean_are_hidden() -> None:
    frame = pl.DataFrame({"channel": ["a", "b", None], "touchpoint": ["x", "x", "x"], "value": [5.0, 3.0, 4.0],
                          "low": [4.0, 2.0, 3.0], "high": [6.0, 4.0, 5.0], "n": [40, 3, 50], "small": [False, True, False]})
    shown = heatmap_frame(frame, "channel", "touchpoint")
    assert shown["channel"].to_list() == ["a", "b"], "a cell without a key cannot be clicked: dropped"
    assert shown["shown"].to_list() == [5.0, None]


def test_the_heat_map_spec_selects_a_cell_by_its_fields() -> None:
    frame = labelled(heatmap_frame(cells(), "channel", "touchpoint"))
    spec = valid(heatmap_chart(frame, x="channel", y="touchpoint", title="CSAT by channel and touchpoint",
                               subtitle="Aug–Oct 2026 · Channel: phone", value_title="CSAT", higher_is_better=True))
    assert spec["title"]["text"] == "CSAT by channel and touchpoint"
    assert spec["title"]["subtitle"] == "Aug–Oct 2026 · Channel: phone"
    assert len(spec["datasets"]["cells"]) == frame.height
    params = spec.get("params", []) + [p for layer in spec["layer"] for p in layer.get("params", [])]
    assert params[0]["name"] == "cell" and params[0]["select"]["fields"] == ["channel", "touchpoint"]
    assert spec["width"] == {"step": 90}, "two channels: wide cells"


def test_the_trend_spec_shades_the_period_and_the_comparison() -> None:
    months = pl.DataFrame({"month": [date(2026, m, 1) for m in range(1, 7)], "value": [50.0] * 6, "low": [45.0] * 6,
                           "high": [55.0] * 6, "n": [100] * 5 + [10], "small": [False] * 5 + [True]})
    spec = valid(trend_chart(labelled(months), title="CSAT by month", subtitle="all", value_title="CSAT",
                             period=(date(2026, 4, 1), date(2026, 6, 30)), comparison=(date(2026, 1, 1), date(2026, 3, 31))))
    assert spec["datasets"]["spans"] == [
        {"start": "2026-01-01", "end": "2026-03-31", "what": "comparison period"},
        {"start": "2026-04-01", "end": "2026-06-30", "what": "selected period"}]
    assert spec["datasets"]["months"][0]["month"] == "2026-01-01"
    no_periods = trend_chart(labelled(months), title="t", subtitle="s", value_title="v")
    assert valid(no_periods)["datasets"]["spans"] == []


def test_interval_bars_keep_their_order_and_highlight_one_category() -> None:
    frame = labelled(pl.DataFrame({"bucket": ["0", "1", "2–3"], "value": [1.2, 1.8, 2.6], "low": [1.1, 1.5, 1.6],
                                   "high": [1.3, 2.1, 4.1]}))
    spec = valid(interval_bars(frame, category="bucket", order=["0", "1", "2–3"], highlight="1", selection="pick",
                               title="Churn", subtitle="all", value_title="%", money_symbol="€"))
    assert [r["highlighted"] for r in spec["datasets"]["bars"]] == [False, True, False]
    assert [r["n"] for r in spec["datasets"]["bars"]] == [None, None, None]
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["0", "1", "2–3"]
    assert "labelExpr" in spec["layer"][0]["encoding"]["x"]["axis"]


def test_interval_bars_without_an_order_are_sorted_by_value_once_compiled() -> None:
    """Vega-Lite unions the layers' domains and keeps a sort there only with op count/min/max."""
    vl_convert = pytest.importorskip("vl_convert")
    frame = labelled(pl.DataFrame({"cat": ["a", "b", "c"], "value": [1.0, 3.0, 2.0], "low": [0.5, 2.5, 1.5],
                                   "high": [1.5, 3.5, 2.5]}))
    vega = vl_convert.vegalite_to_vega(interval_bars(frame, category="cat", title="t", subtitle="s", value_title="v"))
    y = next(s for s in vega["scales"] if s["name"] == "y")
    assert y["domain"]["sort"] == {"op": "max", "field": "value", "order": "descending"}
