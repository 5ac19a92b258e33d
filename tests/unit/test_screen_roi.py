"""The ROI planner's screen: on a scenario result written by hand (every sentence, tile and step worked out
here), and on the analysed sample (the numbers against plain Polars and the waterfall's own arithmetic)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import numpy as np
import polars as pl
import pytest

from cxdata.actions.roi import (
    Failure,
    Financials,
    Guardrail,
    Lever,
    PlannerBase,
    Scenario,
    ScenarioResult,
    Spread,
)
from cxdata.catalog.store import Store, VersionInfo
from cxdata.format import money, quantity
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.roi import GARTNER, Alert, roi_screen
from cxdata.settings import Economics, Settings

PHONE = (("channel", ("phone",)),)


def spread(base: float, p10: float, p90: float) -> Spread:
    return Spread(base, p10, base, p90, p10, p90)


def scope_of(where=(), dataset: str = "shop", number: int = 4) -> Scope:
    version = VersionInfo(dataset, 1, number, datetime(2026, 11, 1), "", True, {})
    return Scope(dataset, version, None, None, None, where)


# ---------------------------------------------------------------- by hand


@pytest.fixture(scope="module")
def small_base() -> PlannerBase:
    """Six baseline contacts (3 months): four phone (three of them by the North team), two chat; nothing else is used."""
    contacts = pl.DataFrame({"channel": ["phone", "phone", "phone", "phone", "chat", "chat"],
                             "team": ["North", "North", "North", "South", "North", "South"]})
    empty = np.zeros((0, 1))
    return PlannerBase(Analysis(contacts, None), contacts, pl.DataFrame(), empty, empty, np.zeros(1), empty, empty,
                       0.0, np.full(contacts.height, -1), np.zeros(1, dtype=int), pl.DataFrame(), 7, np.zeros(1),
                       np.zeros(1))


#: A bot for 5 phone contacts a month at 40% verified containment, whose break-even κ* is 50%; no discounting and
#: no ramp, so the waterfall is whole months: −100,000 + 36 × 5,000 + 36 × 1,000 − 36 × 1,000 = 80,000.
SHIFT = Lever("channel_shift", 5.0, PHONE, from_channel="phone", to_channel="chatbot", containment=0.4)
BOT = Scenario("Bot", (SHIFT,), Economics(investment=100_000, running_cost=1_000, ramp_months=0,
                                          annual_discount_rate=0.0))
BY_HAND = ScenarioResult(
    scenario=BOT, contacts_in_scope=4 / 3, negatives_avoided=spread(3, 2, 4), csat_points=spread(0, 0, 0),
    churners_avoided=spread(2.5, 1.5, 3.5), churn_rate_pp=spread(0.01, 0.005, 0.015),
    value_per_month=spread(5_000, 4_000, 6_000), revenue_per_month=spread(8_000, 6_000, 9_000),
    savings_per_month=spread(1_000, 500, 1_500),
    npv={12: spread(-28_000, -40_000, -15_000), 36: spread(80_000, 40_000, 120_000)},
    roi={12: spread(-0.25, -0.4, -0.1), 36: spread(0.59, 0.3, 0.9)}, p_roi_positive={12: 0.1, 36: 0.85},
    payback_value=spread(20.2, 16.1, 27.5), payback_cash=spread(25.5, 20.1, 33.0),
    half_effect=Financials({12: -60_000, 36: 10_000}, {12: -0.5, 36: 0.07}, 33.2, None),
    guardrail=Guardrail(SHIFT, "within", 0.5, (1.0, 0.2, 0.2, 0.1, 0.05, 0.3, 100.0), Failure(), (), None, 7),
    base=Financials({12: -28_000, 36: 80_000}, {12: -0.25, 36: 0.59}, 20.2, 25.5),
)


def test_a_scenario_written_by_hand_reads_as_worked_out(small_base: PlannerBase) -> None:
    screen = roi_screen(small_base, scope_of((("plan", ("Premium",)), ("team", ("North",)))), Settings(), PHONE,
                        {"a": BOT, "b": None}, evaluate=lambda s: BY_HAND)
    assert screen.caption == ("What fixing a moment of service returns, and whether it pays. Dataset shop, version 4; "
                              "amounts in EUR, margin and costs from Settings.")
    assert screen.where == (("channel", ("phone",)), ("team", ("North",)))
    assert screen.in_scope == 1.0  # three North phone contacts over three months
    assert screen.scope_note == (
        "In scope: 1.0 contacts a month, the average of the last 3 months of data (the sidebar's period does not "
        "apply here), also filtered by the sidebar's team (North). The levers below change only these contacts. "
        "Not applied (not a contact attribute): plan.")
    assert screen.scenarios["b"] is None
    view = screen.scenarios["a"]
    assert view is not None and view.title == "A · Bot" and view.result is BY_HAND
    assert view.verdict == Alert("pays", "Pays back in 21 months on value and 26 months in cash; at half the churn "
                                         "effect it still pays back in 34 months; 85% chance that ROI > 0 at 36 months.")
    tiles = {t.key: (t.value, t.band) for t in view.tiles}
    assert tiles == {
        "churners": ("2.5", "1.5 to 3.5"), "value": ("€5.0k", "€4.0k to €6.0k"),
        "savings": ("€1.0k", "€500 to €1.5k"), "npv12": ("−€28.0k", "−€40.0k to −€15.0k"),
        "npv36": ("€80.0k", "€40.0k to €120.0k"), "p_roi": ("85%", None),
        "roi12": ("−25%", "−40% to −10%"), "roi36": ("+59%", "+30% to +90%"),
        "payback_value": ("21 months", "17 to 28 months"), "payback_cash": ("26 months", "21 to 33 months"),
        "csat": ("–", None),  # not modelled for a channel shift alone
        "negatives": ("3.0", "2.0 to 4.0"),
    }
    assert view.summary == "ROI at 36 months **+59%** · payback **21 months** · **2.5** customers kept a month"
    assert view.half_effect == ("**If the churn effect is half as strong:** NPV at 36 months €10.0k, ROI at 36 months "
                                "+7%, payback 34 months.")
    assert view.levers == "Levers: move 5 phone contacts a month to chatbot (verified containment 40%)."
    # four phone contacts in three months: the shift of 5 a month is capped at 1.3
    assert view.capped == (Alert("capped", "This plan asks to move 5.0 phone contacts a month, but the scope holds "
                                           "only 1.3 phone contacts a month: the results move those 1.3. Lower the "
                                           "number, or widen the scope."),)
    assert view.capped_short == (Alert("capped", "Shift capped at the 1.3 phone contacts a month the scope holds."),)
    assert view.guardrail == Alert("loses", "Plan with verified containment above 50%, the level needed to break even "
                                            "(κ*); below it the bot destroys value. This plan assumes 40%. At this "
                                            "containment the shift loses money and customers.")
    assert view.guardrail_short == Alert("loses", "Containment 40% is below the 50% needed to break even: the bot "
                                                  "destroys value.")
    assert view.guardrail_note is not None and view.guardrail_note.endswith(GARTNER)
    assert view.guardrail_note.startswith("Failed chatbot sessions in scope: 100% handed to an agent, 0% followed")
    assert view.waterfall.select("name", "amount", "label").rows() == [
        ("Investment", -100_000, "−€100.0k"), ("Customer value retained", 180_000, "€180.0k"),
        ("Cost-to-serve savings", 36_000, "€36.0k"), ("Running costs", -36_000, "−€36.0k"),
        ("Net value at 36 months", 80_000, "€80.0k")]
    assert "config" not in view.waterfall_chart
    assert any(rows[-1]["label"] == "€80.0k" for rows in view.waterfall_chart["datasets"].values())

    assert screen.bands is not None and screen.bands.select("name", "base", "label", "range").rows() == [
        ("A · Bot", 80_000, "€80.0k", "€40.0k to €120.0k")]
    assert screen.comparison is not None and screen.comparison.columns == ["measure", "A · Bot"]
    cells = dict(screen.comparison.rows())
    assert cells["NPV at 36 months"] == "€80.0k (€40.0k to €120.0k)"
    assert cells["NPV at 36 months, half churn effect"] == "€10.0k"
    assert cells["Containment needed to break even"] == "50%"

    with pytest.raises(dataclasses.FrozenInstanceError):
        screen.caption = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.title = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.tiles[0].value = "changed"  # type: ignore[misc]


def test_an_empty_scope_and_no_lever_show_a_warning_and_no_comparison(small_base: PlannerBase) -> None:
    screen = roi_screen(small_base, scope_of(), Settings(), (("channel", ("email",)),), {"a": None},
                        evaluate=lambda s: BY_HAND)
    assert screen.in_scope == 0
    assert screen.scope_note == Alert("empty_scope", "No contacts match this scope: widen it to plan a change.")
    assert screen.scenarios == {"a": None}
    assert screen.bands is None and screen.bands_chart is None and screen.comparison is None


# ---------------------------------------------------------------- the sample


def test_the_sample_screen_holds_the_engines_numbers(planner: PlannerBase, sample_store: Store) -> None:
    settings = Settings()
    symbol = settings.symbol
    chosen = (("channel", ("phone",)), ("touchpoint", ("billing",)))
    sidebar = Scope("sample", sample_store.active_version("sample"), None, None, None,
                    (("segment", ("Small Business",)),))
    where = (*chosen[:1], ("segment", ("Small Business",)), chosen[1])
    wait = Scenario("Faster answers", (Lever("wait_cut", 0.25, where),), settings.economics(investment=100_000))
    bot = Scenario("Bot", (Lever("channel_shift", 2_000, where),), settings.economics(investment=150_000))
    screen = roi_screen(planner, sidebar, settings, chosen, {"a": wait, "b": None, "c": bot})

    c = planner.contacts
    phone = c.filter((pl.col("channel") == "phone") & (pl.col("touchpoint") == "billing")
                     & (pl.col("segment") == "Small Business")).height / 3
    assert screen.where == where and screen.in_scope == pytest.approx(phone)
    assert isinstance(screen.scope_note, str) and screen.scope_note.startswith(f"In scope: {quantity(phone)} contacts")
    a, bot_view = screen.scenarios["a"], screen.scenarios["c"]
    assert a is not None and bot_view is not None and screen.scenarios["b"] is None
    assert a.result.contacts_in_scope == pytest.approx(phone)

    r = a.result
    assert (a.verdict.kind, a.verdict.text) == (r.verdict(symbol).kind, r.verdict(symbol).text)
    assert (a.verdict.kind == "does_not_pay") == (r.base.payback_value is None or r.base.npv[36] <= 0)
    npv = a.tile("npv36")
    assert (npv.value, npv.band) == (money(r.npv[36].base, symbol),
                                     f"{money(r.npv[36].p10, symbol)} to {money(r.npv[36].p90, symbol)}")
    # the waterfall from its own inputs: ramp r_t = min(1, t/3), discount (1 + WACC)^(−t/12), 36 months
    econ = r.scenario.economics
    t = np.arange(36)
    disc = (1 + econ.annual_discount_rate) ** (-t / 12)
    ramp = np.minimum(1.0, (t + 1) / econ.ramp_months)
    amounts = a.waterfall.get_column("amount").to_list()
    assert amounts[0] == -100_000
    assert amounts[1] == pytest.approx(float(np.sum(ramp * r.value_per_month.base * disc)))
    assert amounts[2] == pytest.approx(float(np.sum(ramp * r.savings_per_month.base * disc)))
    assert amounts[-1] == pytest.approx(sum(amounts[:-1])) == pytest.approx(r.npv[36].base)

    assert bot_view.guardrail is not None and bot_view.guardrail_note is not None
    assert phone < 2_000 and bot_view.capped[0].text.startswith(
        f"This plan asks to move 2,000 phone contacts a month, but the scope holds only {quantity(phone)} phone")

    assert screen.comparison is not None
    assert screen.comparison.columns == ["measure", "A · Faster answers", "C · Bot"]
    row = screen.comparison.filter(pl.col("measure") == "NPV at 36 months").row(0)
    assert row[1] == f"{npv.value} ({npv.band})"
    kappa = screen.comparison.filter(pl.col("measure") == "Containment needed to break even").row(0)
    assert kappa[1] == "–" and kappa[2] != "–", "κ* only for the channel shift"
    assert screen.bands is not None
    assert screen.bands.get_column("base").to_list() == [r.npv[36].base, bot_view.result.npv[36].base]
    assert screen.bands_chart is not None and "config" not in screen.bands_chart


@pytest.mark.parametrize(("change", "kind", "text"), [
    # the case: quick on value, 75 months in cash, never at half the effect, sure of ROI > 0
    ({"base": Financials({12: 1_000, 36: 80_000}, {12: 0.01, 36: 0.59}, 11.5, 74.2),
      "half_effect": Financials({12: -60_000, 36: -5_000}, {12: -0.5, 36: -0.04}, None, None),
      "p_roi_positive": {12: 0.5, 36: 1.0}},
     "fragile", "Pays back in 12 months on value but only in 75 months in cash; fragile: at half the churn effect "
                "it never pays back; 100% chance that ROI > 0 at 36 months."),
    # pays back at half the effect, but only after 36 months; never in cash
    ({"base": Financials({12: 1_000, 36: 80_000}, {12: 0.01, 36: 0.59}, 20.2, None),
      "half_effect": Financials({12: -60_000, 36: -4_000}, {12: -0.5, 36: -0.03}, 40.5, None)},
     "fragile", "Pays back in 21 months on value but never in cash; fragile: at half the churn effect it pays back "
                "only in 41 months (36-month NPV −€4.0k); 85% chance that ROI > 0 at 36 months."),
    # every check strong but P(ROI > 0) below 80%
    ({"p_roi_positive": {12: 0.1, 36: 0.62}},
     "fragile", "Pays back in 21 months on value and 26 months in cash; at half the churn effect it still pays back "
                "in 34 months; only 62% chance that ROI > 0 at 36 months."),
    ({"base": Financials({12: -90_000, 36: -1_000}, {12: -0.7, 36: -0.01}, None, None),
      "npv": {12: spread(-90_000, -99_000, -80_000), 36: spread(-1_000, -9_000, 9_000)}, "p_roi_positive": {12: 0.0, 36: 0.41}},
     "does_not_pay", "Does not pay at this cost: 36-month NPV −€1.0k (41% chance that ROI > 0 at 36 months)."),
])
def test_a_verdict_never_contradicts_its_own_numbers(change: dict, kind: str, text: str) -> None:
    """The colour is the weakest of value payback, cash payback, the half-effect row and P(ROI > 0)."""
    verdict = dataclasses.replace(BY_HAND, **change).verdict("€")
    assert (verdict.kind, verdict.text) == (kind, text)
