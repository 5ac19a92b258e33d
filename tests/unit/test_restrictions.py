"""Data restrictions (docs/access.md): a user restricted to region = North sees, on every screen, the numbers of
North's rows alone — each screen under the restriction equals the same screen on an analysis whose frames hold
North's rows only — and a number whose rows cannot be limited to the restriction is withheld, never computed over
every row."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, date, datetime, time

import polars as pl
import pytest
from openpyxl import load_workbook
from polars.testing import assert_frame_equal

from cxdata.access import LOCAL, Actor, Role, restrict, restrictions_of
from cxdata.actions.planner import contacts_in_scope
from cxdata.catalog.store import VersionInfo
from cxdata.catalog.views import delete_view, save_view
from cxdata.delivery.deliver import outgoing
from cxdata.delivery.schedules import add_schedule, delete_schedule, list_schedules
from cxdata.links import link_where, scope_of
from cxdata.measures import journeys
from cxdata.measures.metrics import REGISTRY, WITHHELD, Filters, Frames, compute, kpi_status
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope, beyond_sentence
from cxdata.screens.churn import churn_screen
from cxdata.screens.dashboard import TILE_KEYS, headlines
from cxdata.screens.drilldown import drilldown_screen
from cxdata.screens.funding import funding_screen
from cxdata.screens.journeys import Accounts, journeys_screen
from cxdata.screens.overview import overview_screen
from cxdata.screens.pack import meeting_pack
from cxdata.screens.roi import roi_screen
from cxdata.screens.summary import report_dict
from cxdata.screens.voice import Voice, fit_voice, voice_screen
from cxdata.settings import Settings

NORTH = restrictions_of([("region", ["North"])])
PERIOD = (date(2026, 8, 1), date(2026, 10, 31))
COMPARISON = (date(2026, 5, 1), date(2026, 7, 31))
VERSION = VersionInfo(version_id=7, dataset="acme", number=3, created_at=datetime(2026, 5, 1), note="", active=True,
                      tables={})
SPAN = (date(2025, 11, 1), date(2026, 10, 31))
DIMENSIONS = {"channel": "channel", "region": "region", "segment": "segment"}
IS_NORTH = pl.col("region") == "North"


# ---------------------------------------------------------------- restrict, Scope, links


@pytest.mark.parametrize(("asked", "where", "refused"), [
    ((), (("region", ("North",)),), []),
    ((("region", ("South",)),), (("region", ("North",)),), ["region"]),
    ((("region", ("North", "South")), ("channel", ("phone",))), (("channel", ("phone",)), ("region", ("North",))), []),
])
def test_restrict_keeps_the_filters_within_the_restrictions(asked, where, refused) -> None:
    assert restrict(asked, NORTH) == (where, refused)


def test_restrict_without_restrictions_passes_the_filters() -> None:
    assert restrict([("channel", ["phone"])], ()) == ((("channel", ("phone",)),), [])


def test_a_scope_is_always_within_its_restrictions() -> None:
    scope = Scope("acme", VERSION, *PERIOD, COMPARISON, (("region", ("South",)),), restrictions=NORTH)
    assert scope.where == (("region", ("North",)),)
    assert scope.narrowed(region=["South"], channel=["phone"]).where == (("channel", ("phone",)),
                                                                         ("region", ("North",)))
    assert dataclasses.replace(scope, where=()).where == (("region", ("North",)),)
    assert scope.filters.restricted == scope.dimension_filters.restricted == ("region",)
    assert scope.comparison_filters is not None and scope.comparison_filters.restricted == ("region",)
    assert scope.moments_withheld == ["region"]


def test_a_link_made_by_an_unrestricted_user_shows_the_restricted_view() -> None:
    params = {"region": ["South"], "channel": ["phone"], "period": ["Last month"]}
    scope = scope_of(params, VERSION, SPAN, DIMENSIONS, NORTH)
    assert scope.where == (("channel", ("phone",)), ("region", ("North",)))
    assert (scope.start, scope.end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert "asked for more than your account may see" in beyond_sentence(link_where(params, DIMENSIONS), NORTH)
    assert beyond_sentence(link_where({"region": ["North"]}, DIMENSIONS), NORTH) is None
    assert scope_of(params, VERSION, SPAN, DIMENSIONS).where == (("channel", ("phone",)), ("region", ("South",)))


# ---------------------------------------------------------------- the engine never ignores a restriction


def test_a_restricted_column_the_frame_lacks_withholds_every_row() -> None:
    frame = pl.DataFrame({"customer_id": ["a", "b", "c"], "month": [date(2026, 1, 1)] * 3,
                          "churn": [True, False, False]})
    restricted = Filters(where=(("region", ("North",)),), restricted=("region",))
    unrestricted = Filters(where=(("region", ("North",)),))
    rows, ignored = restricted.apply(frame, "month")
    assert (rows.height, ignored, restricted.withheld(frame.columns)) == (0, [], ["region"])
    rows, ignored = unrestricted.apply(frame, "month")  # a filter that is no restriction is ignored, as before
    assert (rows.height, ignored, unrestricted.withheld(frame.columns)) == (3, ["region"], [])
    assert kpi_status(Frames(None, frame), REGISTRY["logo_churn"], restricted) == (None, WITHHELD)
    assert kpi_status(Frames(None, frame), REGISTRY["logo_churn"], unrestricted)[0].value == pytest.approx(100 / 3)


def test_a_user_restricted_to_a_channel_sees_no_churn_of_every_customer(sample_analysis, sample_store) -> None:
    phone = restrictions_of([("channel", ["phone"])])
    scope = Scope("sample", sample_store.active_version("sample"), *PERIOD, COMPARISON, restrictions=phone)
    screen = overview_screen(sample_analysis, scope, Settings())
    for key in ("logo_churn", "arpu", "cost_to_serve"):
        assert (screen.tiles[key]["status"], screen.tiles[key]["value"]) == (WITHHELD, None)
    assert "not shown under your access" in screen.tiles_note
    phone_rows = sample_analysis.contacts.filter((pl.col("channel") == "phone")
                                                 & pl.col("started_at").dt.date().is_between(*PERIOD))
    assert screen.tiles["contacts"]["value"] == phone_rows.height
    churn = churn_screen(sample_analysis, scope, Settings())
    assert churn.by_negatives is None and "not shown under your access" in churn.by_negatives_note
    assert churn.customers is None and churn.customers_status == WITHHELD


# ---------------------------------------------------------------- each screen = the screen of North's rows alone


@pytest.fixture(scope="module")
def north(sample_analysis: Analysis) -> Analysis:
    """The sample's analysis with North's rows alone in every frame (the models are the whole data's)."""
    a = sample_analysis
    return dataclasses.replace(a, contacts=a.contacts.filter(IS_NORTH), panel=a.panel.filter(IS_NORTH),
                               customers=a.customers.filter(IS_NORTH))


@pytest.fixture(scope="module")
def restricted(sample_store) -> Scope:
    """The scope of a user restricted to North, opened from a link that asked for South."""
    return Scope("sample", sample_store.active_version("sample"), *PERIOD, COMPARISON, (("region", ("South",)),),
                 restrictions=NORTH)


@pytest.fixture(scope="module")
def everything(sample_store) -> Scope:
    return Scope("sample", sample_store.active_version("sample"), *PERIOD, COMPARISON)


def _numbers(tile: dict) -> tuple:
    """A tile's status and numbers, the floats to 9 significant digits (sums in another order differ in the last)."""
    def rounded(x: float | None) -> float | None:
        return None if x is None else float(f"{x:.9g}")

    return (tile["status"], tile["n"], *(rounded(tile[k]) for k in ("value", "low", "high", "delta")))


def test_overview_tiles_are_north_alone(sample_analysis, north, restricted, everything) -> None:
    screen = overview_screen(sample_analysis, restricted, Settings())
    alone = overview_screen(north, everything, Settings())
    assert {k: _numbers(screen.tiles[k]) for k in TILE_KEYS} == {k: _numbers(alone.tiles[k]) for k in TILE_KEYS}
    rows = sample_analysis.contacts.filter(IS_NORTH & pl.col("started_at").dt.date().is_between(*PERIOD))
    answers = rows.get_column("csat").drop_nulls()
    assert screen.tiles["contacts"]["value"] == rows.height
    assert screen.tiles["csat"]["value"] == pytest.approx((answers >= 4).mean() * 100)
    assert screen.tiles["csat"]["n"] == answers.len()
    customer_months = sample_analysis.panel.filter(IS_NORTH & pl.col("month").is_between(*PERIOD))
    assert screen.tiles["logo_churn"]["value"] == pytest.approx(customer_months.get_column("churn").mean() * 100)
    # revenue at risk is by channel × touchpoint × segment over every customer: withheld, with the moments
    assert screen.tiles["revenue_at_risk"]["status"] == WITHHELD and screen.tiles["revenue_at_risk"]["value"] is None
    assert screen.moments is not None and screen.moments.height == 0
    assert "not shown under your access" in screen.unranked and "not shown under your access" in screen.tiles_note
    assert all("costliest moment" not in h.text and "on a base of" not in h.text for h in screen.headlines)


def test_drilldown_is_north_alone(sample_analysis, north, restricted, everything) -> None:
    metric = REGISTRY["csat"]
    screen = drilldown_screen(sample_analysis, restricted, Settings(), metric, channel="phone", by="segment")
    alone = drilldown_screen(north, everything, Settings(), metric, channel="phone", by="segment")
    assert _numbers(screen.tile) == _numbers(alone.tile)
    assert screen.rows.drop("region").equals(alone.rows.select(screen.rows.drop("region").columns))
    assert set(screen.rows.get_column("region")) == {"North"}
    want = sample_analysis.contacts.filter(IS_NORTH & (pl.col("channel") == "phone")
                                           & pl.col("started_at").dt.date().is_between(*PERIOD))
    assert screen.rows.height == want.height
    assert screen.heat_map is not None and alone.heat_map is not None
    assert screen.heat_map.figure.table.equals(alone.heat_map.figure.table)
    cells = compute(metric, want, by=["touchpoint"]).sort("touchpoint")
    assert (screen.heat_map.figure.table.filter(pl.col("channel") == "phone").sort("touchpoint")
            .select("touchpoint", "value", "n").equals(cells.select("touchpoint", "value", "n")))
    assert screen.breakdown is not None and alone.breakdown is not None
    assert screen.breakdown.figure.table.equals(alone.breakdown.figure.table)
    assert screen.by_month.figure.table.equals(alone.by_month.figure.table)


def test_churn_is_north_alone(sample_analysis, north, restricted, everything) -> None:
    screen = churn_screen(sample_analysis, restricted, Settings())
    alone = churn_screen(north, everything, Settings())
    assert screen.by_negatives is not None and alone.by_negatives is not None
    assert screen.by_negatives.table.equals(alone.by_negatives.table)
    assert screen.customers is not None and alone.customers is not None
    assert screen.customers.ranked == alone.customers.ranked
    assert all(screen.customers.tables[k].equals(alone.customers.tables[k]) for k in screen.customers.ranked)
    customers = sample_analysis.customers.filter(IS_NORTH)
    by_plan = screen.customers.tables["plan"].sort("value")
    want = customers.group_by("plan").agg(customers=pl.len(), churned=pl.col("churned").sum()).sort("plan")
    assert by_plan.select("customers", "churned").rows() == want.select("customers", "churned").rows()
    # over every customer: withheld (revenue at risk by segment, expansion) or without its counts (the model)
    assert screen.risk is None and "not shown under your access" in screen.risk_note
    assert screen.expansion is None and "not shown under your access" in screen.expansion_note
    assert screen.model is not None and f"{sample_analysis.churn.n_customers:,}" not in screen.model.fit_note


def test_journeys_are_north_alone(sample_analysis, north, restricted, everything, sample_store) -> None:
    settings = Settings()
    accounts = Accounts(sample_analysis.customers, None)
    every = journeys.issue_table(sample_analysis.contacts, sample_analysis.customers, settings.repeat_window_days)
    south = sample_analysis.contacts.filter(pl.col("region") == "South").get_column("customer_id")[0]
    screen = journeys_screen(sample_analysis, restricted, settings, accounts, issue_table=every, customer=south)
    alone = journeys_screen(north, everything, settings, Accounts(north.customers, None))
    assert (screen.issues, screen.tiles, screen.censored) == (alone.issues, alone.tiles, alone.censored)
    assert screen.paths.equals(alone.paths)
    assert screen.history is None  # a customer of another region has no history here
    mine = sample_analysis.contacts.filter(IS_NORTH).get_column("customer_id")[0]
    history = journeys_screen(sample_analysis, restricted, settings, accounts, issue_table=every, customer=mine).history
    assert history is not None and history.events.filter(pl.col("event") == "contact").height == (
        sample_analysis.contacts.filter(pl.col("customer_id") == mine).height)


def test_voice_is_north_alone(sample_analysis, restricted, everything) -> None:
    some = sample_analysis.contacts.head(20_000)
    fit = fit_voice(some)
    north_only = Voice(fit.sentiment, fit.labelled.filter(IS_NORTH))
    screen = voice_screen(dataclasses.replace(sample_analysis, contacts=some), restricted, Settings(), voice=fit)
    alone = voice_screen(dataclasses.replace(sample_analysis, contacts=some.filter(IS_NORTH)), everything, Settings(),
                         voice=north_only)
    assert screen.n == alone.n == fit.labelled.filter(IS_NORTH & pl.col("started_at").dt.date().is_between(*PERIOD)).height
    assert screen.tiles == alone.tiles and screen.themes.equals(alone.themes)
    counted = f"{fit.sentiment.n_test:,}"  # the sentiment's check counts every region's comments: not shown
    assert counted in alone.sentiment + alone.sentiment_method
    assert counted not in screen.sentiment + screen.sentiment_method and "times in 100" in screen.sentiment


def test_what_to_fund_and_the_planner_stay_within_north(sample_analysis, planner, restricted) -> None:
    funding = funding_screen(sample_analysis, planner, restricted.where, Settings(), restricted=restricted.restricted)
    assert funding.rows == () and "not shown under your access" in funding.finding
    screen = roi_screen(planner, restricted, Settings(), (("region", ("South",)),), {"a": None})
    assert screen.where == (("region", ("North",)),)
    assert screen.in_scope == pytest.approx(contacts_in_scope(planner, (("region", ("North",)),)))


def test_the_pack_and_report_are_north_alone(sample_analysis, north, restricted, everything) -> None:
    at = datetime(2026, 11, 2, 9, 0)
    pack = meeting_pack(sample_analysis, restricted, Settings(), generated_at=at)
    alone = meeting_pack(north, everything, Settings(), generated_at=at)
    sheets, alone_sheets = {s.title: s for s in pack.sheets}, {s.title: s for s in alone.sheets}
    kpis, alone_kpis = sheets["KPIs"].frame, alone_sheets["KPIs"].frame
    kept = pl.col("KPI") != "Revenue at risk from CX"
    assert_frame_equal(kpis.filter(kept), alone_kpis.filter(kept), check_exact=False, rel_tol=1e-9)
    assert_frame_equal(sheets["Trend by month"].frame, alone_sheets["Trend by month"].frame, check_exact=False,
                       rel_tol=1e-9)
    assert_frame_equal(sheets["Customers who left"].frame, alone_sheets["Customers who left"].frame)
    report = report_dict(sample_analysis, restricted, Settings())
    assert report["revenue_at_risk"] is None and report["expansion_by_nps"] is None
    assert "n_customers" not in report["churn_model"]
    alone_report = report_dict(north, everything, Settings())
    assert [r["value"] for r in report["kpis"]] == pytest.approx([r["value"] for r in alone_report["kpis"]], rel=1e-9)
    mine, theirs = report["customer_churn"], alone_report["customer_churn"]
    assert (mine["customers"], mine["churned"], mine["by"]) == (theirs["customers"], theirs["churned"], theirs["by"])
    assert mine["customers"] == sample_analysis.customers.filter(IS_NORTH).height


def test_headlines_leave_out_the_base_rate_of_every_customer(sample_analysis, restricted) -> None:
    assert not any("on a base of" in h.text for h in headlines(sample_analysis, restricted.filters))


def cells(workbook: bytes) -> list[tuple]:
    """Every row of every sheet of a workbook, numbers to 9 significant digits (sums in another order differ in
    the last)."""
    return [tuple(float(f"{c:.9g}") if isinstance(c, float) else c for c in row)
            for sheet in load_workbook(io.BytesIO(workbook)) for row in sheet.iter_rows(values_only=True)]


def test_a_scheduled_pack_keeps_to_the_restrictions_of_whoever_made_the_schedule(sample_store) -> None:
    """A North user schedules a view saved as South by an unrestricted user: the pack sent is the one of their North
    view (which :func:`test_the_pack_and_report_are_north_alone` proves is North's rows alone); the same view
    scheduled by an unrestricted user is South's."""
    north_user = Actor("north@example.com", "North Manager", Role.ANALYST, NORTH)
    made = []
    try:
        for region, actor in (("South", north_user), ("North", north_user), ("South", LOCAL)):
            view = save_view(sample_store, "Regional", "overview", {"dataset": ["sample"], "region": [region]},
                             actor=LOCAL)
            made.append((view, add_schedule(sample_store, view_id=view, formats=["xlsx"], targets=["/srv/packs"],
                                            cadence="daily", at=time(6), timezone="UTC", actor=actor)))
        schedules = {s.id: s for s in list_schedules(sample_store)}
        now = datetime(2026, 11, 2, 7, tzinfo=UTC)
        sent, north, south = (outgoing(sample_store, schedules[s], now, env={}) for _, s in made)
        assert schedules[made[0][1]].restrictions == {"region": ["North"]}
        assert schedules[made[2][1]].restrictions == {}
        assert "Filters: Region: North" in sent.text.splitlines()
        assert (sent.text, cells(sent.files[0][1])) == (north.text, cells(north.files[0][1]))
        assert "Filters: Region: South" in south.text.splitlines()
    finally:
        for view, schedule in made:
            delete_schedule(sample_store, schedule, actor=LOCAL)
            delete_view(sample_store, view, actor=LOCAL)
