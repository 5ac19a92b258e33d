"""The ROI planner: docs/method/planner.md's worked examples from the same inputs, the break-even containment,
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

import numpy as np
import polars as pl
import pytest
from openpyxl import load_workbook
from scipy.optimize import brentq

from cxdata.access import LOCAL
from cxdata.actions import roi
from cxdata.actions.roi import (
    Economics,
    Failure,
    Guardrail,
    Lever,
    NotPriced,
    PlannerBase,
    Scenario,
    break_even_containment,
    channel_shift,
    clv,
    delta_h1,
    financials,
    monthly_rate,
    result_dict,
    scenario_from_dict,
    scenario_to_dict,
    triangular,
)
from cxdata.catalog.store import Store
from cxdata.sample import SampleParams, generate
from cxdata.screens.export import scenario_workbook
from cxdata.settings import Settings, load_settings, save_settings

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
    # The textbook shortcut quotes 11.6 months: its undiscounted shortcut I / (B − R); the discounted definition gives 12.1
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


def test_a_failed_session_followed_by_another_contact_raises_the_break_even_containment():
    """κ is *verified* containment: a failed session that brings the customer back within W days costs that
    follow-up contact too, and risks its negative experience. Worked example C's inputs, by hand."""
    v = DH1 * CLV
    c_a, c_b, tau, p_a, p_b, p_e = 8.01, 0.50, 0.2, 0.28, 0.15, 0.45
    bare = break_even_containment(c_a, c_b, tau, p_a, p_b, p_e, v, Failure(escalated=1.0, follow_up=0.0))
    # half the failed sessions come back with a phone call (€8.01, P(neg) 30%)
    followed = Failure(escalated=1.0, follow_up=0.5, follow_up_cost=8.01, p_follow_up=0.30)
    c_f = 1.2 * 8.01 + 0.5 * 8.01  # e(1 + τ)c_a + u·c_u = 13.617
    p_f = 0.45 + 0.5 * 0.30  # e·p_e + (1 − e)·p_s + u·p_u = 0.60
    by_hand = (c_f + c_b - c_a + v * (p_f - p_a)) / (c_f + v * (p_f - p_b))
    assert break_even_containment(c_a, c_b, tau, p_a, p_b, p_e, v, followed) == pytest.approx(by_hand, rel=1e-12)
    assert bare == pytest.approx((0.2 * 8.01 + 0.50 + v * (0.45 - 0.28)) / (1.2 * 8.01 + v * (0.45 - 0.15)))
    assert round(bare, 2) == 0.32 and round(by_hand, 2) == 0.53  # docs/method/planner.md §5
    root = brentq(lambda k: channel_shift(1.0, k, c_a, c_b, tau, p_a, p_b, p_e, v, followed)[2], 0.0, 1.0)
    assert root == pytest.approx(by_hand, abs=1e-9)
    # a failure not handed over (e < 1) costs no agent time but carries its own P(neg) p_s
    silent = Failure(escalated=0.4, follow_up=0.0, p_silent=0.20)
    d_cost, d_neg, _ = channel_shift(100, 0.5, c_a, c_b, tau, p_a, p_b, p_e, v, silent)
    assert d_cost == pytest.approx(100 * (c_b + 0.5 * 0.4 * 1.2 * c_a - c_a))
    assert d_neg == pytest.approx(100 * (0.5 * p_b + 0.5 * (0.4 * p_e + 0.6 * 0.20) - p_a))


WORKED_C = (8.01, 0.50, 0.2, 0.28, 0.15, 0.45, DH1 * CLV)  # c_a, c_b, τ, p_a, p_b, p_e, V


@pytest.mark.parametrize("inputs, failure, missing, reach", [
    (WORKED_C, Failure(), (), "within"),
    # a bot dearer than the agent and worse for the customer: even 100% containment loses
    ((8.01, 10.0, 0.2, 0.28, 0.35, 0.45, DH1 * CLV), Failure(), (), "never"),
    # most failures go away quietly: even 0% containment saves agent time
    (WORKED_C, Failure(escalated=0.2, p_silent=0.28), (), "always"),
    # a contained session worse than a failed one (p_b far above p_F, V large): no threshold exists
    ((8.01, 0.50, 0.2, 0.28, 0.90, 0.45, 100.0), Failure(), (), "refused"),
    (WORKED_C, Failure(), ("escalated chatbot sessions",), "refused"),
])
def test_the_guardrail_gives_kappa_star_only_inside_0_1(inputs, failure, missing, reach):
    g = Guardrail.of(Lever("channel_shift", 100, containment=0.6), inputs, failure, missing, None, 7)
    assert g.reach == reach
    if reach == "within":
        assert g.kappa_star == pytest.approx(0.32, abs=0.005) and not g.loses
        assert "above 32%, the level needed to break even" in g.sentence() and "assumes 60%" in g.sentence()
    else:
        assert g.kappa_star is None
    if reach == "never":
        assert g.loses and "Out of reach" in g.sentence()
    if reach == "always":
        assert not g.loses and "any verified containment" in g.sentence()
    if missing:
        assert "needs escalated chatbot sessions in the scope" in g.sentence()
    elif reach == "refused":
        assert "comes out worse than a failed one" in g.sentence()


def test_no_investment_and_no_running_cost_leave_roi_undefined():
    f = financials(1_000.0, 500.0, 1.0, 30.0, 0.015, investment=0, running=0, d=D)
    assert f.roi == {12: None, 36: None}
    assert f.npv[12] == pytest.approx(sum(1_500 / (1 + D) ** t for t in range(12)))
    loss = financials(-1_000.0, 0.0, -1.0, 30.0, 0.015, investment=0, running=0, d=D)
    assert loss.roi == {12: None, 36: None} and loss.npv[36] < 0 and loss.payback_value is None
    assert financials(1_000.0, 0.0, 1.0, 30.0, 0.015, investment=0, running=10, d=D).roi[12] is not None


def test_triangular_draws_start_at_the_base_and_accept_a_base_of_zero():
    rng = np.random.default_rng(1)
    assert triangular(rng, 0.0, (0.85, 1.1), 5).tolist() == [0.0] * 5
    draws = triangular(rng, 0.6, (0.85, 1.1), 1_000)
    assert draws[0] == 0.6 and 0.51 <= draws.min() and draws.max() <= 0.66


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
    assert costly.verdict().text.startswith("Does not pay")
    cheap = planner.evaluate(Scenario("c", (Lever("wait_cut", 0.3, PHONE),), Economics(investment=1_000)))
    assert cheap.verdict().text.startswith("Pays back in")
    assert cheap.half_effect.npv[36] < cheap.base.npv[36]


def test_channel_shift_reports_its_guardrail(planner):
    r = planner.evaluate(Scenario("s", (Lever("channel_shift", 2_000, from_channel="phone", to_channel="chatbot",
                                               containment=0.6),), Economics()))
    assert 0 < r.break_even_containment < 1
    worse = planner.evaluate(Scenario("s", (Lever("channel_shift", 2_000, containment=0.2),), Economics()))
    assert worse.savings_per_month.base < r.savings_per_month.base


def test_the_planners_exposure_is_the_churn_models(sample_analysis, planner):
    """N of every baseline customer-month is the panel's exposure: the same counted contacts (not
    cancellation-like, not in the last 30 days before churn), the same fitted P(negative)."""
    exposure = planner.rows.get_column(sample_analysis.hazard.exposure).to_numpy()
    _, n = planner.hazard_terms(np.arange(planner.rows.height))
    assert n[:, 0] == pytest.approx(exposure, abs=1e-9)
    counted = planner.contacts.get_column("exposure_exclusion").is_null()
    assert planner.contacts.get_column("_counted").to_list() == counted.to_list() and not counted.all()
    # a lever on contacts the churn model does not count changes experience, not churn
    excluded = (planner.contacts.group_by("touchpoint").agg(pl.col("_counted").any())
                .filter(~pl.col("_counted")).get_column("touchpoint").to_list())
    assert excluded, "the sample's cancellation touchpoint is left out of the exposures"
    r = planner.evaluate(Scenario("x", (Lever("wait_cut", 0.5, (("touchpoint", tuple(excluded)),)),),
                                  Economics(investment=1_000)))
    assert r.negatives_avoided.base > 0 and r.churners_avoided.base == 0 and r.value_per_month.base == 0


def test_zero_cost_scenario_has_no_roi_and_says_so(planner):
    r = planner.evaluate(Scenario("free", (Lever("wait_cut", 0.2, PHONE),), Economics(investment=0, running_cost=0)))
    assert r.roi == {12: None, 36: None} and r.p_roi_positive == {12: None, 36: None} and not r.roi_defined
    assert r.half_effect.roi[36] is None
    assert "ROI is undefined" in r.verdict().text and "100%" not in r.verdict().text
    assert r.verdict().text.endswith("it adds value.") and r.npv[36].base > 0
    # the case: a free channel shift that loses value reads as a loss, never "100% chance ROI > 0"
    bad = planner.evaluate(Scenario("bot", (Lever("channel_shift", 500, containment=0.0),), Economics()))
    assert bad.npv[36].base < 0 and bad.p_roi_positive[36] is None
    assert bad.verdict("€").text.startswith("No investment and no running cost, so ROI is undefined")
    assert "loses value" in bad.verdict().text
    payload = result_dict(bad)
    assert payload["roi"] == {"12": None, "36": None} and payload["p_roi_positive"] == {"12": None, "36": None}


def test_a_containment_of_zero_is_evaluated(planner):
    """κ = 0 (every session fails) used to crash the triangular draw; ΔCost = S·[c_b + c_F − c_a] by hand."""
    r = planner.evaluate(Scenario("s", (Lever("channel_shift", 300, containment=0.0),), Economics(investment=1_000)))
    c_a, c_b, tau, *_ = r.guardrail.inputs
    f = r.guardrail.failure
    c_f = f.escalated * (1 + tau) * c_a + f.follow_up * f.follow_up_cost
    assert r.savings_per_month.base == pytest.approx(-300 * (c_b + c_f - c_a))
    assert r.guardrail.loses, "at 0% containment the sample's bot destroys value"


def test_the_failed_sessions_are_measured_on_the_data(planner):
    """e, u and today's verified containment, counted here on the target channel's baseline sessions."""
    r = planner.evaluate(Scenario("s", (Lever("channel_shift", 300),), Economics(investment=1_000)))
    bot = planner.contacts.filter(pl.col("channel") == "chatbot")
    followed = (pl.col("next_any_gap_s") <= 7 * 86400).fill_null(False)
    failed = bot.filter((pl.col("escalated") > 0) | followed | pl.col("negative").fill_null(False))
    g = r.guardrail
    assert g.failure.escalated == pytest.approx(failed.select((pl.col("escalated") > 0).mean()).item())
    assert g.failure.follow_up == pytest.approx(failed.select(followed.mean()).item())
    assert g.failure.follow_up > 0, "failed sessions do bring customers back"
    assert g.measured == pytest.approx(1 - failed.height / bot.height)
    assert f"{g.failure.follow_up:.0%} followed by another contact" in g.follow_up_words()
    assert g.reach == "within" and g.kappa_star == pytest.approx(break_even_containment(*g.inputs, g.failure))
    assert g.kappa_star > break_even_containment(*g.inputs, replace(g.failure, follow_up=0.0))


def test_a_scope_without_escalated_bot_sessions_refuses_kappa_star(planner):
    billing_bot = (pl.col("channel") == "chatbot") & (pl.col("touchpoint") == "billing")
    calm = replace(planner, contacts=planner.contacts.with_columns(
        escalated=pl.when(billing_bot).then(0.0).otherwise(pl.col("escalated"))))
    billing = (("touchpoint", ("billing",)),)
    r = calm.evaluate(Scenario("s", (Lever("channel_shift", 200, billing),), Economics(investment=1_000)))
    assert r.guardrail.reach == "refused" and r.break_even_containment is None
    assert "escalated chatbot sessions" in r.guardrail.sentence() and "whole data" in r.guardrail.sentence()
    assert np.isfinite(r.npv[36].base), "the plan is still priced, from the whole data"
    # the page's scope of phone contacts still finds the chatbot's billing sessions (its channel filter aside)
    phone = planner.evaluate(Scenario("p", (Lever("channel_shift", 200, billing + (("channel", ("phone",)),)),),
                                      Economics(investment=1_000)))
    assert phone.guardrail.missing == () and phone.guardrail.reach != "refused"


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
    save_settings(store, changed, actor=LOCAL)
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


def test_a_moments_fixes_share_their_scope_and_a_large_scope_is_not_kept(sample_analysis, planner, monkeypatch):
    """``PlannerBase.in_scope``: the fixes of one moment (levers on the same scope) share its contacts and their
    terms, which changes no number; a scope larger than SCOPE_BYTES_KEPT is computed each time, not remembered."""
    phone = (("channel", ("phone",)),)
    cut = Scenario("cut", (Lever("transfer_cut", 0.5, phone),), Economics(investment=10_000))
    first = planner.in_scope([Lever("wait_cut", 0.25, phone)])
    assert planner.in_scope(list(cut.levers)) is first
    fresh = PlannerBase.build(sample_analysis)  # nothing remembered
    assert result_dict(planner.evaluate(cut)) == result_dict(fresh.evaluate(cut))
    monkeypatch.setattr(roi, "SCOPE_BYTES_KEPT", first.nbytes - 1)
    everyone = [Lever("wait_cut", 0.25)]
    assert planner.in_scope(everyone) is not planner.in_scope(everyone)


def test_a_scenario_is_read_priced_only_once_it_was_evaluated(planner):
    """``PlannerBase.priced``: the result ``evaluate`` remembers, or NotPriced, computing nothing (What to fund of a
    view is read this way, and priced in the background when it raises)."""
    scenario = Scenario("never seen", (Lever("wait_cut", 0.123, (("channel", ("email",)),)),), Economics())
    with pytest.raises(NotPriced):
        planner.priced(scenario)
    result = planner.evaluate(scenario)
    assert planner.priced(scenario) is result
