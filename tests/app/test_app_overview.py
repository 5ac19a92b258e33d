"""The Overview: tiles, deltas, headlines, moments of service and trend equal what the engine computes
for the same filters (computed here, independently of the page's code); filters come from the URL;
data that cannot support a number says what would unlock it; no filter result ever raises."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from apptest_helpers import run_app, shown
from cxdata import format as fmt
from cxdata.access import LOCAL
from cxdata.actions.roi import PlannerBase
from cxdata.catalog.store import Store
from cxdata.ingest import import_file
from cxdata.measures.metrics import Filters, compute
from cxdata.screens.dashboard import headlines, kpi_tiles, risk_tile
from cxdata.screens.funding import NET_VALUE, funding_screen
from cxdata.settings import Settings, save_settings
from dashboard_helpers import OVERVIEW_PAGE, captions, chart_data, engine, last_months, page_links, tiles
from ui.dashboard import TILE_LABELS

#: The tiles the page shows with interactions and no customers-only snapshot: experience, contact centre, money.
KEYS = ("nps", "csat", "ces", "fcr", "contacts", "answer_rate", "aht", "resolution_rate", "logo_churn", "arpu",
        "cost_to_serve")


def expected_tiles(a, settings, filters, comparison) -> dict[str, tuple[str, str]]:
    """label → (value, delta) as the page must show them, from the engine's tiles."""
    out = {}
    for t in [*kpi_tiles(a, filters, comparison, settings.params(), keys=KEYS), risk_tile(a, filters)]:
        delta = fmt.delta(t["delta"], t["unit"], settings.symbol)
        out[TILE_LABELS.get(t["key"], t["label"])] = (
            fmt.number(t["value"], t["unit"], settings.symbol) if t["status"] == "ok" else "–",
            "" if delta is None else delta)
    return out


def test_the_tiles_are_the_engine_numbers_of_the_last_three_months(analysed_store: Path, sample_engine) -> None:
    a, settings = sample_engine
    want = last_months(analysed_store, 3)
    at = run_app()
    assert tiles(at) == expected_tiles(a, settings, want.filters, want.comparison)
    csat = kpi_tiles(a, want.filters, want.comparison, settings.params(), keys=("csat",))[0]
    assert f"95% CI {csat['low']:.1f}% to {csat['high']:.1f}%  \nn = {csat['n']:,}" in captions(at)
    assert at.sidebar.selectbox[1].value == "Last 3 months" and at.sidebar.selectbox[2].value == "Previous period"
    assert "Aug–Oct 2026 vs May–Jul 2026" in at.caption[0].value


def test_the_tiles_say_that_fcr_leaves_out_the_newest_days(analysed_store: Path, sample_engine) -> None:
    a, _ = sample_engine
    cutoff = a.contacts.get_column("started_at").max() - timedelta(days=7)
    at = run_app()  # the last 3 months reach the end of the data
    assert (f"First-contact resolution leaves out the contacts of the last 7 days of the data (after "
            f"{cutoff:%-d %b %Y}), whose follow-ups are not yet known.") in captions(at)


def test_filters_come_from_the_url(analysed_store: Path, sample_engine) -> None:
    a, settings = sample_engine
    at = run_app(period="Last 12 months", compare_to="Same period last year", channel=["phone", "chat"],
                   segment="Small Business")
    want = last_months(analysed_store, 12, channel=["phone", "chat"], segment=["Small Business"])
    last_year = Filters.of(date(want.filters.start.year - 1, want.filters.start.month, 1),
                           date(want.filters.end.year - 1, want.filters.end.month, want.filters.end.day),
                           channel=["phone", "chat"], segment=["Small Business"])
    assert tiles(at) == expected_tiles(a, settings, want.filters, last_year)
    sidebar = {m.label: m.value for m in at.sidebar.multiselect}
    assert sidebar["Channel"] == ["phone", "chat"] and sidebar["Segment"] == ["Small Business"]
    assert "Channel: phone, chat · Segment: Small Business" in at.caption[0].value
    assert any("applies to contacts only" in c for c in captions(at)), "churn tiles say the channel filter does not apply"


def test_headlines_moments_and_their_links(analysed_store: Path, sample_engine) -> None:
    a, settings = sample_engine
    want = last_months(analysed_store, 3, segment=["Mid-Market"])
    at = run_app(segment="Mid-Market")
    lines = [shown(m.value).removeprefix("- ") for m in at.markdown if m.value.startswith("- ")]
    assert lines == [h.text for h in headlines(a, want.filters, settings.symbol)]

    top = a.risk.moments.filter(pl.col("segment") == "Mid-Market").head(5)
    rows = [shown(m.value) for m in at.markdown if m.value[:2] in {f"{i}." for i in range(1, 6)}]
    assert rows == [f"{i}. {r['channel']} · {r['touchpoint']} · {r['segment']}"
                    for i, r in enumerate(top.iter_rows(named=True), 1)]
    money = [shown(m.value) for m in at.markdown if m.value.startswith("**€")]
    assert money[0] == (f"**{fmt.money(top['revenue_at_risk'][0], '€')}** :gray[({fmt.money(top['low'][0], '€')} to "
                        f"{fmt.money(top['high'][0], '€')})]")
    first = top.row(0, named=True)
    assert page_links(at)[0] == ("Drill down", "drilldown", f"drill_channel={first['channel']}&drill_touchpoint="
                                 f"{first['touchpoint']}&drill_segment=Mid-Market")
    assert "roi?channel=" in at.button(key="_roi_1").help


def test_plan_a_fix_opens_the_roi_planner_scoped_to_the_moment(analysed_store: Path, sample_engine) -> None:
    a, _ = sample_engine
    first = a.risk.moments.row(0, named=True)
    at = run_app()
    at.button(key="_roi_1").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "ROI planner"
    scope = {m.label: m.value for m in at.multiselect}
    assert (scope["Channel"], scope["Touchpoint"], scope["Segment"]) == (
        [first["channel"]], [first["touchpoint"]], [first["segment"]])


def test_what_to_fund_lists_the_fixes_that_pay_and_opens_the_first_in_the_planner(analysed_store: Path,
                                                                                  sample_engine) -> None:
    a, settings = sample_engine
    want = funding_screen(a, PlannerBase.build(a), (), settings)
    at = run_app()
    titles = [shown(m.value) for m in at.markdown if m.value.startswith(("**1. ", "**2. ", "**3. "))]
    assert titles == [f"**{i}. {r.title}**" for i, r in enumerate(want.rows, 1)] and want.rows
    first = want.rows[0]
    cards = [(m.value, m.proto.delta) for m in at.metric if m.label == NET_VALUE]
    assert cards == [(r.net_value.value, r.net_value.band) for r in want.rows]
    at.button(key="_fund_1").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "ROI planner"
    (lever,) = first.scenario.levers
    assert at.number_input(key="a_invest").value == first.scenario.economics.investment
    assert at.number_input(key="a_running").value == first.scenario.economics.running_cost
    assert at.pills(key="a_levers").value == [lever.kind]
    verdict = next(t for t in at.tabs if t.label == "Scenario A")
    assert first.verdict.text in [shown(b.value) for b in (*verdict.success, *verdict.warning, *verdict.error)]


def test_the_trend_is_the_metric_by_month_with_the_dimension_filters(analysed_store: Path, sample_engine) -> None:
    a, settings = sample_engine
    at = run_app(trend="CSAT", region="North")
    expected = compute("csat", a.contacts, by=["month"], filters=Filters.of(region=["North"]), params=settings.params())
    drawn = chart_data(at, "months")[0]
    assert drawn["value"].to_list() == pytest.approx(expected["value"].to_list())
    assert drawn["n"].to_list() == expected["n"].to_list()
    assert [str(m)[:10] for m in drawn["month"]] == [str(m) for m in expected["month"]]


def test_a_link_may_name_the_trend_kpi_by_its_key(analysed_store: Path) -> None:
    at = run_app(trend="fcr")
    assert at.selectbox(key="trend").value == "First-contact resolution"
    assert at.query_params["trend"] == "First-contact resolution"


def test_money_is_in_the_currency_of_the_settings(analysed_store: Path) -> None:
    store = Store(analysed_store)
    save_settings(store, Settings(currency="USD"), actor=LOCAL)
    at = run_app()
    assert tiles(at)["Revenue / customer"][0].startswith("$")
    assert tiles(at)["Revenue at risk (CX)"][0].startswith("$")


# ---------------------------------------------------------------- data that cannot support everything


def interactions_only_csv() -> bytes:
    """Sixty surveyed contacts over two months, no customers table."""
    rows = ["started_at,customer_id,channel,touchpoint,csat,nps"]
    for i in range(60):
        rows.append(f"2026-{9 + i % 2:02d}-{1 + i % 28:02d} 10:00,C{i % 7},{'phone' if i % 3 else 'chat'},"
                    f"billing,{1 + i % 5},{i % 11}")
    return "\n".join(rows).encode()


def test_interactions_only_show_the_measured_kpis_and_what_unlocks_the_rest(analysed_store: Path) -> None:
    store = Store(analysed_store)
    import_file(store, interactions_only_csv(), "contacts.csv", "interactions", dataset="contacts-only", actor=LOCAL)
    a, settings = engine(analysed_store, "contacts-only")
    want = last_months(analysed_store, 3, "contacts-only")
    at = run_app(dataset="contacts-only")
    shown_tiles = tiles(at)
    assert shown_tiles == expected_tiles(a, settings, want.filters, want.comparison)
    assert shown_tiles["CSAT"][0] != "–" and shown_tiles["Logo churn / month"][0] == "–"
    assert "Needs customers" in captions(at)
    assert any("Needs the churn model" in i.value for i in at.info)


def test_a_filter_that_leaves_no_data_says_so(analysed_store: Path) -> None:
    at = run_app(dataset="sample", period="Custom", dates=["2026-10-01", "2026-10-01"], channel="store",
                   touchpoint="cancellation", segment="Enterprise", region="North")
    assert tiles(at)["CSAT"][0] == "–"
    assert any("No data matches these filters" in w.value for w in at.warning)


def test_switching_dataset_drops_filters_the_new_data_does_not_have(analysed_store: Path) -> None:
    import_file(Store(analysed_store), b"started_at,channel\n2026-03-01 09:00,web\n", "one.csv", "interactions",
                dataset="tiny", actor=LOCAL)
    at = run_app(channel="phone")
    at.sidebar.selectbox[0].set_value("tiny").run()
    assert not at.exception, [e.message for e in at.exception]
    assert {m.label: m.value for m in at.sidebar.multiselect}["Channel"] == []


def test_an_empty_store_asks_for_data(empty_store: Path) -> None:
    at = run_app(OVERVIEW_PAGE)
    assert "No data yet" in at.info[0].value
    assert page_links(at)[0][0] == "Go to the Data page"


def test_what_to_fund_of_a_view_not_priced_yet_comes_after_the_rest_of_the_page(
        analysed_store: Path, sample_engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the app (the models fitted in the background), a view whose fixes are not priced yet (a region filter) draws
    its tiles at once and What to fund as a progress bar while a thread prices them; the run after it draws the
    cards the engine computes for that view."""
    import streamlit as st

    import ui.dashboard
    from cxdata.settings import load_settings
    from ui.dashboard import page_analysis, price_view

    a, settings = sample_engine
    monkeypatch.setattr(ui.dashboard, "price_moments", lambda *_args: None)  # every moment's pricing: not this test's
    monkeypatch.setenv("MOMENTO_FIT", "background")
    at = run_app(region="North")
    assert "What to fund" in [h.value for h in at.subheader]
    assert not [m for m in at.metric if m.label == NET_VALUE], "no card before the view's fixes are priced"
    (bar,) = at.get("progress")
    assert shown(bar.proto.text).startswith("Pricing the fixes of this view, once:")
    scope = at.session_state["_scope"]
    assert tiles(at) == expected_tiles(a, settings, scope.filters, scope.comparison_filters), "the tiles, at once"
    store = Store(analysed_store)
    shown_a = page_analysis(store, scope.version, load_settings(store), draw=False)[0]
    job = price_view(store, scope.version, load_settings(store), scope.where, shown_a, scope.restricted)
    job.future.result(timeout=600)  # the page's pricing (or, when it is over already, one that finds them priced)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.get("progress")
    want = funding_screen(a, PlannerBase.build(a), scope.where, settings)
    cards = [(m.value, m.proto.delta) for m in at.metric if m.label == NET_VALUE]
    assert cards == [(r.net_value.value, r.net_value.band) for r in want.rows] and want.rows
    st.cache_resource.clear()  # the pricings of this version: not the next test's
