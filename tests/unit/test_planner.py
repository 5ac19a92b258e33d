"""What the ROI page shows, from the engine: scope choices and size, the verdict's test, the tiles and the
side-by-side comparison are the planner's own numbers."""

from __future__ import annotations

import math
from dataclasses import replace

import polars as pl
import pytest

from cxdata.actions.planner import (
    SCOPE_COLUMNS,
    UNDEFINED,
    comparison_frame,
    contacts_in_scope,
    guardrail_kpis,
    lever_words,
    make_scope,
    merge_scope,
    scenario_kpis,
    scope_options,
    shift_overreach,
)
from cxdata.actions.roi import Lever, Scenario
from cxdata.settings import Economics

PHONE_BILLING = (("channel", ("phone",)), ("touchpoint", ("billing",)))


def test_scope_options_are_the_values_in_the_data(planner):
    options = scope_options(planner)
    assert tuple(options) == SCOPE_COLUMNS
    assert options["channel"] == sorted(planner.contacts.get_column("channel").drop_nulls().unique().to_list())
    assert "Small Business" in options["segment"]


def test_make_scope_drops_empty_choices_and_normalises_order():
    scope = make_scope({"touchpoint": ["billing"], "channel": ["phone"], "segment": [], "region": ["South", "North"]})
    assert scope == (("channel", ("phone",)), ("region", ("North", "South")), ("touchpoint", ("billing",)))
    assert make_scope({"channel": []}) == ()


def test_contacts_in_scope_counts_the_baseline_contacts_a_month(planner):
    c = planner.contacts
    expected = c.filter((pl.col("channel") == "phone") & (pl.col("touchpoint") == "billing")).height / 3
    assert contacts_in_scope(planner, PHONE_BILLING) == pytest.approx(expected)
    assert contacts_in_scope(planner, ()) == pytest.approx(c.height / 3)
    r = planner.evaluate(Scenario("s", (Lever("wait_cut", 0.2, PHONE_BILLING),), Economics()))
    assert r.contacts_in_scope == pytest.approx(contacts_in_scope(planner, PHONE_BILLING))


def test_pays_is_the_verdicts_rule(planner):
    cheap = planner.evaluate(Scenario("c", (Lever("wait_cut", 0.3),), Economics(investment=1_000)))
    costly = planner.evaluate(Scenario("c", (Lever("wait_cut", 0.1, PHONE_BILLING),), Economics(running_cost=50_000)))
    assert cheap.pays and cheap.verdict().text.startswith("Pays back")
    assert not costly.pays and costly.verdict().text.startswith("Does not pay")


def test_kpis_are_the_results_fields(planner):
    r = planner.evaluate(Scenario("s", (Lever("transfer_cut", 0.5),), Economics(investment=50_000, running_cost=1_000)))
    kpis = {k.key: k for k in scenario_kpis(r)}
    assert list(kpis) == ["churners", "value", "savings", "npv12", "npv36", "p_roi", "roi12", "roi36",
                          "payback_value", "payback_cash", "csat", "negatives"]
    assert (kpis["npv36"].base, kpis["npv36"].p10, kpis["npv36"].p90) == (r.npv[36].base, r.npv[36].p10,
                                                                          r.npv[36].p90)
    assert kpis["churners"].base == r.churners_avoided.base and kpis["churners"].unit == "customers"
    assert kpis["p_roi"].base == r.p_roi_positive[36] and kpis["p_roi"].p10 is None
    assert kpis["payback_value"].base == r.payback_value.base
    assert all(k.help for k in kpis.values()), "every tile says what it is"


def test_a_payback_that_never_comes_is_none(planner):
    r = planner.evaluate(Scenario("c", (Lever("wait_cut", 0.05, PHONE_BILLING),), Economics(running_cost=50_000)))
    kpis = {k.key: k for k in scenario_kpis(r)}
    assert r.payback_value is None and kpis["payback_value"].base is None
    assert kpis["payback_cash"].base is None or math.isfinite(kpis["payback_cash"].base)


def test_guardrail_only_for_a_channel_shift(planner):
    shift = planner.evaluate(Scenario("s", (Lever("channel_shift", 1_000, containment=0.7),), Economics()))
    g = shift.guardrail
    assert g.kappa_star == shift.break_even_containment and g.planned == 0.7
    [kappa] = [k for k in guardrail_kpis(shift) if k.key == "kappa_star"]
    assert kappa.base == g.kappa_star and g.sentence() in kappa.help
    wait = planner.evaluate(Scenario("w", (Lever("wait_cut", 0.2),), Economics(investment=1_000)))
    assert wait.guardrail is None and "kappa_star" not in [k.key for k in guardrail_kpis(wait)]
    half = {k.key: k.base for k in guardrail_kpis(wait)}
    assert half["half_npv36"] == wait.half_effect.npv[36] and half["half_roi36"] == wait.half_effect.roi[36]


def test_a_scenario_that_costs_nothing_shows_an_undefined_roi(planner):
    r = planner.evaluate(Scenario("free", (Lever("wait_cut", 0.2),), Economics(investment=0, running_cost=0)))
    kpis = {k.key: k for k in (*scenario_kpis(r), *guardrail_kpis(r))}
    for key in ("roi12", "roi36", "p_roi", "half_roi36"):
        assert kpis[key].text == UNDEFINED == "undefined: no cost" and kpis[key].base is None, key
        assert "no investment and no running cost" in kpis[key].help
    assert kpis["npv36"].text is None and kpis["npv36"].base == r.npv[36].base, "NPV still stands"
    frame = comparison_frame({"A": r})
    assert frame.filter(pl.col("key") == "roi36").select("base", "text").row(0) == (None, UNDEFINED)
    assert frame.filter(pl.col("key") == "npv36").get_column("text").to_list() == [None]


def test_a_refused_guardrail_shows_words_not_a_number(planner):
    c = planner.contacts
    calm = replace(planner, contacts=c.with_columns(
        escalated=pl.when((pl.col("channel") == "chatbot") & (pl.col("touchpoint") == "billing")).then(0.0)
        .otherwise(pl.col("escalated"))))
    r = calm.evaluate(Scenario("s", (Lever("channel_shift", 100, make_scope({"touchpoint": ["billing"]})),),
                                Economics(investment=1_000)))
    [kappa] = [k for k in guardrail_kpis(r) if k.key == "kappa_star"]
    assert r.guardrail.reach == "refused" and kappa.base is None and kappa.text == "not estimated"
    assert "escalated chatbot sessions" in kappa.help


def test_comparison_frame_has_a_row_per_scenario_and_measure(planner):
    a = planner.evaluate(Scenario("a", (Lever("wait_cut", 0.2),), Economics(investment=10_000)))
    c = planner.evaluate(Scenario("c", (Lever("channel_shift", 1_000),), Economics(investment=10_000)))
    frame = comparison_frame({"A": a, "C": c})
    assert frame.get_column("scenario").unique(maintain_order=True).to_list() == ["A", "C"]
    npv = frame.filter(pl.col("key") == "npv36").select("scenario", "base", "p10", "p90").rows()
    assert npv == [("A", a.npv[36].base, a.npv[36].p10, a.npv[36].p90), ("C", c.npv[36].base, c.npv[36].p10,
                                                                         c.npv[36].p90)]
    assert frame.filter(pl.col("key") == "kappa_star").get_column("scenario").to_list() == ["C"]


def test_merge_scope_adds_the_sidebars_filters_the_contacts_carry(planner):
    chosen = make_scope({"channel": ["phone"]})
    scope, ignored = merge_scope(planner, chosen, (("plan", ("Premium",)), ("channel", ("chat",)),
                                                   ("no_such_column", ("x",))))
    assert scope == (("channel", ("phone",)), ("plan", ("Premium",))), "the page's own choice wins"
    assert ignored == ["no_such_column"]
    assert merge_scope(planner, (), ()) == ((), [])


def test_a_shift_of_more_contacts_than_the_scope_holds_is_flagged(planner):
    scope = make_scope({"channel": ["phone"], "touchpoint": ["billing"]})
    phone_billing = contacts_in_scope(planner, scope)
    small = Scenario("s", (Lever("channel_shift", phone_billing * 0.5, scope),), Economics())
    big = Scenario("b", (Lever("channel_shift", phone_billing * 2, scope),), Economics())
    assert shift_overreach(planner, small) == []
    [(lever, available)] = shift_overreach(planner, big)
    assert lever is big.levers[0] and available == pytest.approx(phone_billing)
    email = Scenario("e", (Lever("channel_shift", 10, make_scope({"channel": ["email"]})),), Economics())
    assert shift_overreach(planner, email)[0][1] == 0, "no phone contacts in an email-only scope"


def test_a_shift_of_more_contacts_than_the_scope_holds_moves_only_those(planner):
    scope = make_scope({"channel": ["phone"], "touchpoint": ["billing"]})
    available = contacts_in_scope(planner, scope)
    economics = Economics(investment=10_000)
    asked = planner.evaluate(Scenario("b", (Lever("channel_shift", available * 3, scope),), economics))
    exact = planner.evaluate(Scenario("x", (Lever("channel_shift", available, scope),), economics))
    less = planner.evaluate(Scenario("l", (Lever("channel_shift", available / 2, scope),), economics))
    for key in ("savings_per_month", "negatives_avoided", "value_per_month", "churners_avoided"):
        assert getattr(asked, key) == getattr(exact, key), key
    assert asked.npv[36] == exact.npv[36]
    assert less.savings_per_month.base == pytest.approx(exact.savings_per_month.base / 2), "ΔCost is linear in S"
    assert shift_overreach(planner, asked.scenario) == [(asked.scenario.levers[0], pytest.approx(available))]


def test_lever_words_leave_the_scope_out():
    lever = Lever("wait_cut", 0.25, make_scope({"channel": ["phone"]}))
    assert lever_words(lever) == "cut waits by 25%"
