"""Chart frames and builders: the waterfall adds up to the engine's NPV, bands keep their order, and the
builders give valid Vega-Lite from small frames."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from cxdata.actions.roi import (
    Economics,
    Lever,
    Scenario,
    Spread,
    clv,
    delta_h1,
    financials,
    monthly_rate,
    ramp,
)
from cxdata.screens.charts import (
    GAIN,
    LOSS,
    TOTAL,
    band_chart,
    band_frame,
    heatmap_chart,
    money_axis,
    scenario_waterfall,
    waterfall_chart,
    waterfall_frame,
)

D = monthly_rate(0.10)
CLV = clv(30.0, 0.015, D)
DH1 = delta_h1(0.012, 0.60)
#: docs/method/planner.md B: halve transfers at touchpoint Z — 367 negatives avoided a month, worth 3.5 churners.
B_CHURNERS = 10_000 * 0.30 * (0.40 - 1 / (1 + np.exp(-(np.log(0.4 / 0.6) - 0.55)))) * DH1
B_VALUE = B_CHURNERS * CLV
B_SAVINGS = 7_000 + 700


def test_the_waterfall_of_the_worked_example_ends_at_its_npv():
    frame = waterfall_frame(B_VALUE, B_SAVINGS, investment=120_000, running_cost=2_000, annual_discount_rate=0.10,
                            ramp_months=0, horizon=36)
    f = financials(B_VALUE, B_SAVINGS, B_CHURNERS, 30.0, 0.015, investment=120_000, running=2_000, d=D)
    assert frame.get_column("name").to_list() == ["Investment", "Customer value retained", "Cost-to-serve savings",
                                                  "Running costs", "Net value at 36 months"]
    amounts = frame.get_column("amount").to_list()
    assert amounts[0] == -120_000
    annuity = ((1 + D) ** -np.arange(36)).sum()  # Σ δ_t, payments at the start of each month
    assert amounts[1] == pytest.approx(B_VALUE * annuity)
    assert amounts[2] == pytest.approx(B_SAVINGS * annuity)
    assert amounts[3] == pytest.approx(-2_000 * annuity)
    assert amounts[4] == pytest.approx(f.npv[36]) == pytest.approx(sum(amounts[:4]))
    assert frame.get_column("kind").to_list() == [LOSS, GAIN, GAIN, LOSS, TOTAL]


def test_steps_chain_and_the_ramp_is_the_engines():
    frame = waterfall_frame(10_000, -500, investment=50_000, running_cost=1_000, annual_discount_rate=0.08,
                            ramp_months=4, horizon=12)
    start, end = frame.get_column("start").to_list(), frame.get_column("end").to_list()
    assert start[0] == 0 and all(start[i + 1] == pytest.approx(end[i]) for i in range(3))
    assert start[-1] == 0 and end[-1] == pytest.approx(end[3])
    d = monthly_rate(0.08)
    disc = (1 + d) ** -np.arange(12)
    assert frame.get_column("amount")[1] == pytest.approx(float(np.sum(ramp(12, 4) * 10_000 * disc)))
    assert frame.row(2, named=True)["kind"] == LOSS, "savings that cost more are a loss step"
    f = financials(10_000, -500, 1.0, 30.0, 0.015, investment=50_000, running=1_000, d=d, ramp_months=4, horizons=(12,))
    assert frame.get_column("amount")[-1] == pytest.approx(f.npv[12])


@pytest.mark.parametrize("lever", [Lever("wait_cut", 0.3, (("channel", ("phone",)),)), Lever("transfer_cut", 0.5),
                                   Lever("channel_shift", 1_500, containment=0.3)])
def test_the_waterfall_of_a_scenario_ends_at_the_planners_npv(planner, lever):
    r = planner.evaluate(Scenario("s", (lever,), Economics(investment=80_000, running_cost=3_000, ramp_months=3)))
    frame = scenario_waterfall(r, 36)
    assert frame.get_column("amount")[-1] == pytest.approx(r.npv[36].base, rel=1e-9, abs=1e-6)
    assert frame.row(-1, named=True)["p10"] == r.npv[36].p10 and frame.row(-1, named=True)["p90"] == r.npv[36].p90
    assert frame.get_column("p10").null_count() == 4, "only the net value carries its band"
    frame12 = scenario_waterfall(r, 12)
    assert frame12.get_column("amount")[-1] == pytest.approx(r.npv[12].base, rel=1e-9, abs=1e-6)


def test_band_frame_keeps_order_and_values():
    spreads = {"NPV 12": Spread(-5.0, -9.0, -4.0, -1.0, -12.0, 2.0),
               "NPV 36": Spread(20.0, 10.0, 19.0, 30.0, 5.0, 40.0)}
    frame = band_frame(spreads)
    assert frame.get_column("name").to_list() == ["NPV 12", "NPV 36"]
    assert frame.get_column("order").to_list() == [0, 1]
    assert frame.row(1, named=True) == {"name": "NPV 36", "order": 1, "base": 20.0, "p10": 10.0, "p50": 19.0,
                                        "p90": 30.0}


def test_builders_make_layered_vega_lite_from_small_frames():
    frame = waterfall_frame(1_000, 200, investment=5_000, running_cost=100, annual_discount_rate=0.1, ramp_months=3)
    spec = waterfall_chart(frame.with_columns(label=pl.lit("x")), "€").to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "text", "rule", "tick", "tick", "rule"]
    bars = spec["layer"][0]["encoding"]
    assert bars["y"]["field"] == "start" and bars["y2"]["field"] == "end"
    assert bars["x"]["sort"] == {"field": "step"}
    band = band_frame({"A": Spread(1.0, 0.0, 1.0, 2.0, -1.0, 3.0)}).with_columns(label=pl.lit("1"), range=pl.lit("0–2"))
    spec = band_chart(band, "$").to_dict()
    assert [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]] \
        == ["rule", "point", "text", "rule"]
    assert spec["layer"][0]["encoding"]["x2"]["field"] == "p90"


def test_money_axis_escapes_the_symbol():
    assert money_axis("€").count("'€'") == 1
    assert "\\'" in money_axis("it's")


def test_a_heat_map_cell_too_narrow_for_its_value_leaves_it_to_the_tooltip():
    """A phone draws the heat map across its 390 px: ten channels leave cells of about 20 px, where "65.8%" texts
    would run into each other. The text layer is see-through below 44 px of cell width (Vega's ``bandwidth('x')``)."""
    frame = pl.DataFrame({"channel": ["app", "web"], "touchpoint": ["billing"] * 2, "shown": [65.8, 51.4],
                          "label": ["65.8%", "51.4%"], "interval": ["", ""], "n": [40, 40], "is_shrunk": [False] * 2,
                          "selected": [False] * 2})
    spec = heatmap_chart(frame, x="channel", y="touchpoint", title="t", subtitle="s", value_title="CSAT",
                         higher_is_better=True)
    text = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text")
    assert text["mark"]["opacity"] == {"expr": "bandwidth('x') < 44 ? 0 : 1"}
    assert text["encoding"]["text"]["field"] == "label"
