"""The ROI planner page: the numbers it shows are ``PlannerBase.evaluate`` on the same inputs, built here.

Every test runs the real app (app.py and its navigation) on a copy of the analysed sample store, so
the models are read back, never refitted. Expected numbers are computed in the test from the engine
and formatted with the page's formatters (``ui.text``); the waterfall is checked at full precision
from the chart's own data.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from apptest_helpers import APP, TIMEOUT_S
from cxdata.access import LOCAL
from cxdata.actions.planner import UNDEFINED
from cxdata.actions.roi import Lever, PlannerBase, Scenario, ScenarioResult
from cxdata.catalog.store import Store
from cxdata.format import money, months, points, quantity, share, signed_percent
from cxdata.ingest import import_file
from cxdata.models.analysis import load_or_analyse
from cxdata.settings import Settings, load_settings
from ui.text import plain

ROI_PAGE = "app_pages/roi.py"
SMALL_CSV = b"started_at,customer_id,channel\n2026-03-01 09:00,A1,phone\n2026-03-02 10:30,A2,chat\n"
MOMENT = (("channel", ("phone",)), ("segment", ("Small Business",)), ("touchpoint", ("billing",)))


# ---------------------------------------------------------------- helpers


def open_roi(**query: str | list[str]) -> AppTest:
    """Open ``/roi?…`` directly, as a link does (a list value is a repeated parameter)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page(ROI_PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def tab(at: AppTest, letter: str):
    """Scenario ``letter``'s tab, opened first if it is not (only the open tab draws its details and charts)."""
    label = f"Scenario {letter.upper()}"
    if at.session_state["scenario_tab"] != label:
        at.session_state["scenario_tab"] = label
        at.run()
        assert not at.exception, [e.message for e in at.exception]
    return next(t for t in at.tabs if t.label == label)


def tiles(block) -> dict[str, tuple[str, str]]:
    """label → (value, P10 to P90 band) of the metrics in ``block``."""
    return {m.label: (m.value, m.proto.delta) for m in block.metric}


def waterfall(block) -> pl.DataFrame:
    """The waterfall chart's data in ``block``, as the page sent it to the browser."""
    for chart in block.get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            frame = pl.from_pandas(dataframe_util.convert_arrow_bytes_to_pandas_df(dataset.data.data))
            if "kind" in frame.columns:
                return frame
    raise AssertionError("no waterfall chart")


def economics(settings: Settings, investment: float, running: float, ramp: float = 3, **more):
    return settings.economics(investment=investment, running_cost=running, ramp_months=ramp, **more)


def defaults(settings: Settings, scope=()) -> dict[str, Scenario]:
    """The three scenarios a first visit shows, written out from the page's documented defaults."""
    return {
        "a": Scenario("Faster answers", (Lever("wait_cut", 0.25, scope),), economics(settings, 100_000, 8_000)),
        "b": Scenario("Fewer transfers", (Lever("transfer_cut", 0.5, scope),), economics(settings, 120_000, 2_000)),
        "c": Scenario("Bot for simple contacts",
                      (Lever("channel_shift", 2_000, scope, from_channel="phone", to_channel="chatbot",
                             containment=0.6),),
                      economics(settings, 150_000, 3_000, reexplain_overhead=0.2)),
    }


def assert_shows(at: AppTest, letter: str, r: ScenarioResult, symbol: str = "€") -> None:
    """Scenario ``letter``'s tab shows ``r``: verdict, every tile with its band, the waterfall to NPV 36."""
    block = tab(at, letter)
    verdict = r.verdict(symbol)
    shown = plain(verdict.text)
    box = {"pays": block.success, "fragile": block.warning, "does_not_pay": block.error}[verdict.kind]
    assert shown in [a.value for a in box]
    t = tiles(block)
    band = lambda s, f: f"{f(s.p10)} to {f(s.p90)}"  # noqa: E731
    cur = lambda x: money(x, symbol)  # noqa: E731
    assert t["Customers kept/month"] == (quantity(r.churners_avoided.base), band(r.churners_avoided, quantity))
    assert t["Value retained/month"] == (cur(r.value_per_month.base), band(r.value_per_month, cur))
    assert t["Cost savings/month"] == (cur(r.savings_per_month.base), band(r.savings_per_month, cur))
    for h in (12, 36):
        assert t[f"NPV at {h} months"] == (cur(r.npv[h].base), band(r.npv[h], cur))
        assert t[f"ROI at {h} months"] == ((UNDEFINED, "") if r.roi[h] is None else
                                           (signed_percent(r.roi[h].base), band(r.roi[h], signed_percent)))
    assert t["P(ROI > 0) at 36 months"][0] == (UNDEFINED if r.p_roi_positive[36] is None
                                               else share(r.p_roi_positive[36]))
    assert t["Payback, value basis"][0] == months(None if r.payback_value is None else r.payback_value.base)
    assert t["Payback, cash basis"][0] == months(None if r.payback_cash is None else r.payback_cash.base)
    if any(lv.kind != "channel_shift" for lv in r.scenario.levers):
        csat = r.csat_points
        band_pts = f"{points(csat.p10).removesuffix(' pts')} to {points(csat.p90)}"
        assert t["Δ CSAT in scope"] == (points(csat.base), band_pts)
    else:  # the engine does not model a channel shift's CSAT: no made-up zero
        assert t["Δ CSAT in scope"] == ("–", "")
    assert t["Fewer negatives/month"][0] == quantity(r.negatives_avoided.base)
    if r.pays and r.roi_defined:  # a verdict that pays: its months are the tile's
        assert months(r.base.payback_value).split()[0] in shown
    steps = waterfall(block)
    assert steps.get_column("amount")[0] == pytest.approx(-r.scenario.economics.investment)
    assert steps.get_column("amount")[-1] == pytest.approx(r.npv[36].base, rel=1e-9, abs=1e-6)
    assert steps.get_column("label")[-1] == cur(r.npv[36].base)


@pytest.fixture(scope="module")
def planner(analysed_store_template: Path) -> tuple[PlannerBase, Settings]:
    """The planner built here, straight from the engine, on the same analysed sample the app reads."""
    store = Store(analysed_store_template)
    settings = load_settings(store)
    version = store.active_version("sample")
    base = PlannerBase.build(load_or_analyse(store, version.version_id, settings.params(),
                                             settings.churn_horizon_months))
    store.engine.dispose()
    return base, settings


# ---------------------------------------------------------------- tests


def test_a_first_visit_compares_three_scenarios_with_the_engines_numbers(analysed_store: Path, planner) -> None:
    base, settings = planner
    at = open_roi()
    assert [t.label for t in at.tabs] == ["Scenario A", "Scenario B", "Scenario C"]
    expected = {letter: base.evaluate(s) for letter, s in defaults(settings).items()}
    for letter, r in expected.items():
        assert_shows(at, letter, r)
    in_scope = f"In scope: {quantity(base.contacts.height / 3)} contacts a month"
    assert any(c.value.startswith(in_scope) for c in at.caption)
    # the side-by-side table: one column per scenario, NPV with its band
    table = next(d.value for d in at.dataframe if "measure" in d.value.columns)
    npv = table.set_index("measure").loc["NPV at 36 months"]
    for letter, r in expected.items():
        column = f"{letter.upper()} · {r.scenario.name}"
        s = r.npv[36]
        assert npv[column] == f"{money(s.base, '€')} ({money(s.p10, '€')} to {money(s.p90, '€')})"
    # only the open tab (C, the last one read) draws its details, charts and exports
    assert [b.label for b in at.main.get("download_button")] == ["Export to Excel", "Scenario file (JSON)"]
    assert tab(at, "c").get("vega_lite_chart") and not at.tabs[0].get("vega_lite_chart")


def test_a_link_preselects_the_scope_and_the_lever_amounts(analysed_store: Path, planner) -> None:
    base, settings = planner
    at = open_roi(channel="phone", touchpoint="billing", segment="Small Business", compare="2",
                  a_wait_cut="40", a_invest="20000", a_running="1000",
                  b_levers=["Fewer transfers", "Resolve first time"], b_transfer_cut="30", b_fcr_raise="8",
                  b_ramp="6")
    assert at.multiselect(key="channel").value == ["phone"]
    assert at.multiselect(key="touchpoint").value == ["billing"]
    assert at.multiselect(key="segment").value == ["Small Business"]
    assert at.multiselect(key="region").value == []
    assert at.number_input(key="a_wait_cut").value == 40
    assert at.pills(key="b_levers").value == ["transfer_cut", "fcr_raise"]
    assert [t.label for t in at.tabs] == ["Scenario A", "Scenario B"]

    contacts = base.contacts.filter((pl.col("channel") == "phone") & (pl.col("touchpoint") == "billing")
                                    & (pl.col("segment") == "Small Business")).height
    assert any(c.value.startswith(f"In scope: {quantity(contacts / 3)} contacts a month") for c in at.caption)
    a = base.evaluate(Scenario("Faster answers", (Lever("wait_cut", 0.4, MOMENT),),
                               economics(settings, 20_000, 1_000)))
    b = base.evaluate(Scenario("Fewer transfers", (Lever("transfer_cut", 0.3, MOMENT), Lever("fcr_raise", 8.0, MOMENT)),
                               economics(settings, 120_000, 2_000, ramp=6)))
    assert_shows(at, "a", a)
    assert_shows(at, "b", b)


def test_changing_an_input_reevaluates_the_scenario(analysed_store: Path, planner) -> None:
    base, settings = planner
    at = open_roi()
    at.number_input(key="a_invest").set_value(0).run()
    at.number_input(key="a_running").set_value(20_000).run()
    assert not at.exception
    scenario = defaults(settings)["a"]
    changed = Scenario(scenario.name, scenario.levers, economics(settings, 0, 20_000))
    assert_shows(at, "a", base.evaluate(changed))


def test_a_scenario_that_does_not_pay_says_so(analysed_store: Path, planner) -> None:
    base, settings = planner
    at = open_roi(channel="phone", touchpoint="billing", segment="Small Business", compare="1")
    r = base.evaluate(Scenario("Faster answers", (Lever("wait_cut", 0.25, MOMENT),),
                               economics(settings, 100_000, 8_000)))
    assert r.verdict().kind == "does_not_pay" and r.verdict().text.startswith("Does not pay")
    assert plain(r.verdict("€").text) in [w.value for w in tab(at, "a").error]
    assert_shows(at, "a", r)


def test_a_channel_shift_shows_its_break_even_containment(analysed_store: Path, planner) -> None:
    base, settings = planner
    at = open_roi()
    r = base.evaluate(defaults(settings)["c"])
    guard = tab(at, "c").info[0].value
    assert guard == plain(r.guardrail.sentence())
    assert plain(f"above {share(r.break_even_containment)}, the level needed to break even (κ*)") in guard
    assert "This plan assumes 60%" in guard
    f = r.guardrail.failure
    assert any(c.value.startswith(plain(r.guardrail.follow_up_words())) for c in tab(at, "c").caption), \
        "the page says how the failed sessions and their follow-up contacts are counted"
    assert f"{share(f.escalated)} handed to an agent, {share(f.follow_up)} followed by another contact" in \
        r.guardrail.follow_up_words()

    at.number_input(key="c_kappa").set_value(20).run()
    scenario = defaults(settings)["c"]
    low = Scenario(scenario.name, (Lever("channel_shift", 2_000, (), from_channel="phone", to_channel="chatbot",
                                         containment=0.2),), scenario.economics)
    r = base.evaluate(low)
    assert 0.2 < r.break_even_containment
    errors = [e.value for e in tab(at, "c").error]
    assert errors[0] == plain(r.verdict("€").text) and r.verdict().kind == "does_not_pay"  # red, then the guardrail
    assert "destroys value" in errors[1] and "This plan assumes 20%" in errors[1]
    assert any(e.value.startswith(f"Containment 20% is below the {share(r.break_even_containment)} needed to break "
                                  "even") for e in at.error), "the summary card warns too"
    assert_shows(at, "c", r)


def test_a_scenario_without_levers_asks_for_one(analysed_store: Path) -> None:
    at = open_roi()
    at.pills(key="a_levers").set_value([]).run()
    assert not at.exception
    assert "Pick at least one lever" in tab(at, "a").info[0].value
    assert not at.main.get("download_button"), "nothing to export in A"
    assert [b.label for b in tab(at, "b").get("download_button")] == ["Export to Excel", "Scenario file (JSON)"]
    assert at.pills(key="a_levers").value == [], "opening another tab keeps A's inputs"


def test_data_that_cannot_support_the_planner_says_what_to_upload(analysed_store: Path) -> None:
    import_file(Store(analysed_store), SMALL_CSV, "two.csv", "interactions", dataset="small", actor=LOCAL)
    at = open_roi(dataset="small")
    assert at.sidebar.selectbox[0].value == "small"
    assert at.warning[0].value.startswith("The planner needs the experience and churn models")
    assert "csat" in at.warning[0].value and "customers table" in at.warning[0].value
    assert any("csat answers" in m.value for m in at.markdown), "the analysis notes say what would unlock it"
    assert not at.tabs and not at.metric


def test_an_empty_store_shows_what_to_import(empty_store: Path) -> None:
    at = open_roi()
    assert at.info[0].value.startswith("No data yet")
    assert not at.tabs


def test_a_shift_bigger_than_the_scope_is_flagged(analysed_store: Path, planner) -> None:
    base, _ = planner
    at = open_roi(channel="phone", touchpoint="billing", segment="Small Business")
    phone = base.contacts.filter((pl.col("channel") == "phone") & (pl.col("touchpoint") == "billing")
                                 & (pl.col("segment") == "Small Business")).height / 3
    assert phone < 2_000, "the default shift of 2,000 contacts a month is more than this moment of service holds"
    warning = [w.value for w in tab(at, "c").warning]
    assert any(f"holds only {quantity(phone)} phone contacts a month" in w for w in warning)
    assert not any("holds only" in w.value for w in tab(at, "a").warning)


def test_a_free_oversized_shift_is_capped_and_has_no_roi(analysed_store: Path, planner) -> None:
    """The issue's case: no investment, no running cost and a shift of more contacts than the moment of
    service holds. The page says the shift was capped, and shows ROI as undefined — never +∞ or 100%."""
    base, settings = planner
    at = open_roi(channel="phone", touchpoint="billing", segment="Small Business", compare="3", c_invest="0",
                  c_running="0", c_kappa="0")
    phone = base.contacts.filter((pl.col("channel") == "phone") & (pl.col("touchpoint") == "billing")
                                 & (pl.col("segment") == "Small Business")).height / 3
    r = base.evaluate(Scenario("Bot for simple contacts",
                               (Lever("channel_shift", 2_000, MOMENT, from_channel="phone", to_channel="chatbot",
                                      containment=0.0),),
                               economics(settings, 0, 0, reexplain_overhead=0.2)))
    capped = base.evaluate(Scenario(r.scenario.name, (replace(r.scenario.levers[0], amount=phone),),
                                    r.scenario.economics))
    assert r.npv[36] == capped.npv[36], "the engine moves only the contacts the scope holds"
    warnings = [w.value for w in tab(at, "c").warning]
    assert any(f"holds only {quantity(phone)} phone contacts a month: the results move those" in w for w in warnings)
    assert any(w.value == f"Shift capped at the {quantity(phone)} phone contacts a month the scope holds."
               for w in at.warning), "the summary card says so too"
    assert "ROI is undefined" in plain(r.verdict("€").text)
    assert_shows(at, "c", r)
    t = tiles(tab(at, "c"))
    assert t["ROI at 36 months"][0] == t["P(ROI > 0) at 36 months"][0] == "undefined: no cost"
    card = next(m.value for m in at.markdown if m.value.startswith("ROI at 36 months **") and UNDEFINED in m.value)
    assert "**undefined: no cost**" in card
    assert not any("100%" in m.value for m in tab(at, "c").markdown if "ROI" in m.value)
