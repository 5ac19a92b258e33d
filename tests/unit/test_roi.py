"""The ROI planner: METHOD.md §3.8's worked examples from the same inputs, the break-even containment,
monotonicity, and the re-simulated truth of the sample inside the planner's interval."""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook
from scipy.optimize import brentq

from cxdata.export import scenario_workbook
from cxdata.roi import (Economics, Lever, PlannerBase, Scenario, break_even_containment, channel_shift, clv,
                        delta_h1, financials, monthly_rate, scenario_from_dict, scenario_to_dict)
from cxdata.sample import SampleParams, generate
from cxdata.settings import Settings, load_settings, save_settings
from cxdata.store import Store

ROOT = Path(__file__).resolve().parents[2]

D = monthly_rate(0.10)  # WACC 10% → 0.797% a month
CLV = clv(30.0, 0.015, D)  # ARPU 50 × margin 60%, churn 1.5%
DH1 = delta_h1(0.012, 0.60)


def expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_shared_inputs_of_the_worked_example():
    assert D == pytest.approx(0.00797, abs=1e-5)
    assert round(CLV) == 1316
    assert DH1 * 100 == pytest.approx(0.97, abs=0.005)


def test_worked_example_a_voice_wait_does_not_pay():
    p1 = expit(logit(0.30) - 0.30 * 1.0)  # mean wait 4 → 3 min, b_wait 0.30 per minute
    assert round(p1 * 100, 1) == 24.1
    d_neg = 30_000 * (0.30 - p1)
    assert round(d_neg) == 1771
    churners = d_neg * DH1
    assert round(churners, 1) == 17.1
    value = churners * CLV
    assert round(value / 1000, 1) == 22.5
    f = financials(value, 3_200, churners, 30.0, 0.015, investment=0, running=30_000, d=D)
    assert round(f.roi[12] * 100) == -14
    assert f.npv[12] < 0


def test_worked_example_b_transfers_pays_over_36_months():
    p1 = expit(logit(0.40) - 0.55)
    assert round(p1 * 100, 1) == 27.8
    d_neg = 10_000 * 0.30 * (0.40 - p1)
    assert round(d_neg) == 367
    churners = d_neg * DH1
    assert round(churners, 1) == 3.5
    value = churners * CLV
    assert round(value / 1000, 1) == 4.7
    f = financials(value, 7_000 + 700, churners, 30.0, 0.015, investment=120_000, running=2_000, d=D)
    assert round(f.roi[12] * 100) == -1
    assert round(f.roi[36] * 100) == 112
    assert math.ceil(f.payback_cash) == 20
    # METHOD quotes 11.6 months: its undiscounted shortcut I / (B − R); the discounted definition gives 12.1
    assert round(120_000 / (value + 7_700 - 2_000), 1) == 11.6
    assert f.payback_value == pytest.approx(12.1, abs=0.05)


@pytest.mark.parametrize("kappa, saving, extra_negatives, net", [(0.30, 3.9, 400, -1.2), (0.55, 15.9, 25, 15.6)])
def test_worked_example_c_channel_shift(kappa, saving, extra_negatives, net):
    v = DH1 * CLV
    d_cost, d_neg, value = channel_shift(5_000, kappa, 8.01, 0.50, 0.2, 0.28, 0.15, 0.45, v)
    assert round(-d_cost / 1000, 1) == saving
    assert round(d_neg) == extra_negatives
    assert round(value / 1000, 1) == net


def test_break_even_containment_is_the_root_of_net_value():
    v = DH1 * CLV
    args = (8.01, 0.50, 0.2, 0.28, 0.15, 0.45, v)
    kappa_star = break_even_containment(*args)
    assert round(kappa_star, 2) == 0.32
    root = brentq(lambda k: channel_shift(5_000, k, *args)[2], 0.0, 1.0)
    assert kappa_star == pytest.approx(root, abs=1e-9)


@pytest.fixture(scope="module")
def planner(sample_analysis) -> PlannerBase:
    return PlannerBase.build(sample_analysis)


PHONE = (("channel", ("phone",)),)


def test_a_bigger_cut_never_returns_less(planner):
    results = [planner.evaluate(Scenario("w", (Lever("wait_cut", y, PHONE),), Economics(running_cost=3_000)))
               for y in (0.1, 0.2, 0.3, 0.5)]
    for key in ("negatives_avoided", "churners_avoided", "value_per_month"):
        values = [getattr(r, key).base for r in results]
        assert values == sorted(values) and values[0] > 0, key
    npv = [r.npv[36].base for r in results]
    assert npv == sorted(npv)
    transfers = [planner.evaluate(Scenario("t", (Lever("transfer_cut", x),), Economics())).savings_per_month.base
                 for x in (0.2, 0.5)]
    assert 0 < transfers[0] < transfers[1]


def test_the_planner_says_when_a_scenario_does_not_pay(planner):
    costly = planner.evaluate(Scenario("c", (Lever("wait_cut", 0.1, PHONE),), Economics(running_cost=500_000)))
    assert costly.base.roi[36] < 0 and costly.p_roi_positive[36] == 0.0
    assert costly.verdict().startswith("Does not pay")
    cheap = planner.evaluate(Scenario("c", (Lever("wait_cut", 0.3, PHONE),), Economics(investment=1_000)))
    assert cheap.verdict().startswith("Pays back in")
    assert cheap.half_effect.npv[36] < cheap.base.npv[36]


def test_channel_shift_reports_its_guardrail(planner):
    r = planner.evaluate(Scenario("s", (Lever("channel_shift", 2_000, from_channel="phone", to_channel="chatbot",
                                               containment=0.6),), Economics()))
    assert 0 < r.break_even_containment < 1
    worse = planner.evaluate(Scenario("s", (Lever("channel_shift", 2_000, containment=0.2),), Economics()))
    assert worse.savings_per_month.base < r.savings_per_month.base


def test_resimulated_truth_lies_inside_the_planners_interval(sample_analysis, planner):
    """Phone wait × 0.7: the generator re-run with common random numbers gives the true change of the
    hazard of every baseline customer-month; its mean must lie in the planner's 95% interval."""
    params = SampleParams()
    as_is = generate(params).truth["customer_months"]
    lever = generate(replace(params, wait_multiplier=(("phone", 0.7),))).truth["customer_months"]
    rows = planner.rows.select("customer_id", "month")
    truth = (rows.join(as_is, on=["customer_id", "month"]).join(lever, on=["customer_id", "month"], suffix="_lever")
             .select((pl.col("hazard") - pl.col("hazard_lever")).mean()).item())
    r = planner.evaluate(Scenario("phone wait × 0.7", (Lever("wait_cut", 0.3, PHONE),), Economics()))
    assert r.churn_rate_pp.low <= truth * 100 <= r.churn_rate_pp.high
    assert truth > 0


def test_scenario_files_round_trip_and_refuse_mistakes():
    data = {"name": "Phones", "levers": [{"kind": "wait_cut", "amount": 0.25, "scope": {"channel": ["phone"]}},
                                         {"kind": "channel_shift", "amount": 1500, "containment": 0.5}],
            "economics": {"investment": 10000, "margin_range": [0.8, 1.2]}}
    scenario = scenario_from_dict(data, Economics(gross_margin=0.7))
    assert scenario.economics.gross_margin == 0.7 and scenario.economics.investment == 10000
    assert scenario_from_dict(scenario_to_dict(scenario)) == scenario
    for bad, words in (({"levers": []}, "non-empty"),
                       ({"levers": [{"kind": "teleport", "amount": 1}]}, "'kind' must be one of"),
                       ({"levers": [{"kind": "transfer_cut", "amount": 1.5}]}, "out of range"),
                       ({"levers": [{"kind": "custom", "amount": 0.5}]}, "needs 'driver'"),
                       ({"levers": [{"kind": "wait_cut", "amount": 0.1}], "economics": {"margn": 1}}, "Unknown")):
        with pytest.raises(ValueError, match=words):
            scenario_from_dict(bad)


def test_settings_persist_and_feed_the_planner(tmp_path):
    store = Store(tmp_path)
    assert load_settings(store) == Settings()
    changed = Settings(currency="USD", gross_margin=0.45, cost_per_contact={"phone": 9.0})
    save_settings(store, changed)
    loaded = load_settings(Store(tmp_path))
    assert loaded.currency == "USD" and loaded.symbol == "$"
    assert loaded.cost_per_contact["phone"] == 9.0 and loaded.cost_per_contact["email"] == 4.0  # defaults kept
    assert loaded.economics(investment=5).gross_margin == 0.45
    assert loaded.params().cost_per_contact["phone"] == 9.0


def test_scenario_workbook_carries_the_numbers_and_no_formula(planner):
    result = planner.evaluate(Scenario('=HYPERLINK("http://x","click")', (Lever("wait_cut", 0.3, PHONE),),
                                       Economics(investment=10_000, running_cost=2_000)))
    data = scenario_workbook(result, currency="€", dataset="sample", version=3)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Cover", "Levers", "Results", "Checks", "Assumptions", "Cost per contact"]
    cover = {r[0]: r[1] for r in wb["Cover"].iter_rows(min_row=3, values_only=True)}
    assert cover["Scenario"].startswith("=HYPERLINK")  # text, not a formula (a string cell, quote prefix)
    assert wb["Cover"]["B3"].data_type == "s" and wb["Cover"]["B3"].quotePrefix
    results = {r[0]: r for r in wb["Results"].iter_rows(min_row=4, values_only=True)}
    assert results["NPV 36 months"][2] == pytest.approx(result.npv[36].base)
    assert results["customers retained a month"][3] == pytest.approx(result.churners_avoided.p10)
    assert results["payback, value basis"][2] == pytest.approx(result.payback_value.base)


def test_roi_command(sample_store, sample_analysis, tmp_path):
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps({"name": "Phones", "levers": [
        {"kind": "wait_cut", "amount": 0.3, "scope": {"channel": ["phone"]}}], "economics": {"running_cost": 2000}}))
    env = os.environ | {"MOMENTO_DATA_DIR": str(sample_store.data_dir)}
    run = subprocess.run([sys.executable, "-m", "cxdata", "roi", "--scenario", str(scenario), "--json",
                          "--xlsx", str(tmp_path / "s.xlsx")], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["scenario"]["name"] == "Phones" and out["dataset"] == "sample"
    assert out["npv"]["36"]["p10"] <= out["npv"]["36"]["p50"] <= out["npv"]["36"]["p90"]
    assert 0 <= out["p_roi_positive"]["12"] <= 1
    assert (tmp_path / "s.xlsx").stat().st_size > 0
    scenario.write_text("{not json")
    bad = subprocess.run([sys.executable, "-m", "cxdata", "roi", "--scenario", str(scenario)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and "not valid JSON" in bad.stderr and "Traceback" not in bad.stderr
