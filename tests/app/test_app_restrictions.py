"""A user restricted to region = North (docs/access.md) sees North's numbers alone on the Overview, the Drill-down
and in the meeting pack — each equal to the engine's numbers on North's rows, computed here on frames that hold
North's rows only — also when the link was made by an unrestricted user and asks for South."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from apptest_helpers import DATA_PAGE, SIGN_IN, run_app, shown
from cxdata import format as fmt
from cxdata.access import LOCAL
from cxdata.actions.alerts import check_alert, create_alert, delete_alert, list_alerts
from cxdata.catalog.store import Store
from cxdata.catalog.users import set_user
from cxdata.catalog.views import save_view
from cxdata.measures.metrics import REGISTRY
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.dashboard import TILE_KEYS, kpi_tiles
from cxdata.screens.pack import meeting_pack
from cxdata.settings import Settings
from dashboard_helpers import OVERVIEW_PAGE, last_months, tiles
from ui.dashboard import TILE_LABELS

DRILLDOWN_PAGE = "app_pages/drilldown.py"
NORTH_USER = {"is_logged_in": True, "email": "north@example.com", "name": "North"}
IS_NORTH = pl.col("region") == "North"

@pytest.fixture
def north_store(analysed_store: Path) -> Path:
    """The analysed sample with the account north@example.com: a viewer restricted to region North."""
    store = Store(analysed_store)
    set_user(store, LOCAL, "north@example.com", role="viewer", name="North", restrictions={"region": ["North"]})
    store.engine.dispose()
    return analysed_store


@pytest.fixture(scope="module")
def north(sample_engine) -> tuple[Analysis, Settings]:
    """The sample's analysis with North's rows alone in every frame, and the settings the pages use."""
    a, settings = sample_engine
    return dataclasses.replace(a, contacts=a.contacts.filter(IS_NORTH), panel=a.panel.filter(IS_NORTH),
                               customers=a.customers.filter(IS_NORTH)), settings


def as_north(page: str | None = None, **query: str | list[str]) -> AppTest:
    """Run the app signed in as north@example.com on ``page`` with these URL parameters."""
    return run_app(page, secrets={"auth": SIGN_IN, "momento": {"admins": ["boss@example.com"]}}, user=NORTH_USER,
                   **query)


def north_tiles(north: tuple[Analysis, Settings], data_dir: Path) -> dict[str, tuple[str, str]]:
    """label → (value, delta) the Overview must show: the engine's tiles on North's rows alone, the last three
    months against the three before; revenue at risk (over every customer's moments) withheld."""
    a, settings = north
    want = last_months(data_dir, 3)
    out = {}
    for t in kpi_tiles(a, want.filters, want.comparison, settings.params(), keys=TILE_KEYS):
        if t["key"] in ("customer_churn", "lost_revenue_share"):
            continue  # the customers row: not shown beside the money row
        delta = fmt.delta(t["delta"], t["unit"], settings.symbol)
        out[TILE_LABELS.get(t["key"], t["label"])] = (fmt.number(t["value"], t["unit"], settings.symbol),
                                                      "" if delta is None else delta)
    return out | {TILE_LABELS["revenue_at_risk"]: ("–", "")}


def warnings(at: AppTest) -> list[str]:
    return [shown(w.value) for w in at.sidebar.warning]


def test_the_overview_shows_north_alone(north_store: Path, north) -> None:
    at = as_north()
    assert tiles(at) == north_tiles(north, north_store)
    contacts = north[0].contacts.filter(pl.col("month") >= last_months(north_store, 3).filters.start)
    assert tiles(at)[TILE_LABELS.get("contacts", REGISTRY["contacts"].label)][0] == fmt.number(contacts.height,
                                                                                                 "contacts", "€")
    assert {m.label: m.options for m in at.sidebar.multiselect}["Region"] == ["North"]
    assert not any("asked for more" in w for w in warnings(at))


def test_a_link_asking_for_south_shows_north(north_store: Path, north) -> None:
    at = as_north(region="South")
    assert tiles(at) == north_tiles(north, north_store)
    assert any("This link asked for more than your account may see" in w for w in warnings(at))


def test_a_view_saved_by_an_unrestricted_user_shows_north(north_store: Path, north) -> None:
    store = Store(north_store)
    view = save_view(store, "South, for the board", "", {"region": ["South"], "period": ["Last 3 months"]},
                     actor=LOCAL)
    store.engine.dispose()
    at = as_north(view=view)
    assert tiles(at) == north_tiles(north, north_store)
    assert at.session_state["_scope"].where == (("region", ("North",)),)


def test_the_drilldown_lists_north_alone(north_store: Path, north) -> None:
    a, settings = north
    want = last_months(north_store, 3)
    at = as_north(DRILLDOWN_PAGE, region=["South", "North"])
    rows = a.contacts.filter(pl.col("started_at").dt.date().is_between(want.filters.start, want.filters.end))
    titles = [h.value for h in at.subheader]
    assert f"The interactions behind it ({fmt.count(rows.height)})" in titles
    csat = kpi_tiles(a, want.filters, want.comparison, settings.params(), keys=("csat",))[0]
    values = {m.label: m.value for m in at.metric}
    assert values["CSAT · all contacts"] == fmt.number(csat["value"], "%", settings.symbol)
    table = at.dataframe[-1].value
    assert set(table[fmt.dimension_label("region")]) == {"North"}
    newest = rows.sort("started_at", descending=True).get_column("interaction_id").head(len(table)).to_list()
    assert table[fmt.dimension_label("interaction_id")].tolist() == newest


def test_the_meeting_pack_is_made_of_north_alone(north_store: Path, north, sample_engine) -> None:
    a, settings = north
    at = as_north(OVERVIEW_PAGE, region="South")
    scope: Scope = at.session_state["_scope"]  # what the Meeting pack control makes its files of
    assert scope.where == scope.restrictions == (("region", ("North",)),)
    pack = {s.title: s for s in meeting_pack(sample_engine[0], scope, settings).sheets}
    alone = {s.title: s for s in meeting_pack(a, dataclasses.replace(scope, where=(), restrictions=()),
                                              settings).sheets}
    kept = pl.col("KPI") != "Revenue at risk from CX"
    assert_frame_equal(pack["KPIs"].frame.filter(kept), alone["KPIs"].frame.filter(kept), check_exact=False,
                       rel_tol=1e-9)
    assert_frame_equal(pack["Customers who left"].frame, alone["Customers who left"].frame)
    assert "What to fund" not in pack
    assert "not shown under your access" in pack["Moments of service"].finding


def test_the_overview_fires_alerts_on_north_alone(north_store: Path, north, sample_engine) -> None:
    """An alert fired on every row and on North's: the Overview under the restriction tells North's check alone."""
    store = Store(north_store)
    alert_id = create_alert(store, actor=LOCAL, dataset="sample", metric="csat", rule="above", threshold=1)
    try:
        [alert] = [a for a in list_alerts(store, "sample") if a.id == alert_id]
        a, settings = north
        expected = check_alert(alert, a.contacts, a.panel, settings.params()).message
        everyone = check_alert(alert, sample_engine[0].contacts, sample_engine[0].panel, settings.params()).message
        assert expected != everyone, "the test needs North's check to read differently from every row's"
        at = as_north()
        fired = [shown(w.value) for w in at.main.warning if shown(w.value).startswith(alert.name)]
        assert fired == [shown(expected)]
    finally:
        delete_alert(store, alert_id, actor=LOCAL)
        store.engine.dispose()


def test_the_data_page_counts_no_rows_for_north(north_store: Path) -> None:
    """The versions' row counts and the rejected rows count and list every region's rows: not shown to North."""
    at = as_north(DATA_PAGE)
    [versions] = [d.value for d in at.main.dataframe if "version" in d.value.columns]
    assert "interactions" not in versions.columns and len(versions) >= 1
    assert not [d for d in at.main.dataframe if "rows rejected" in d.value.columns]
    assert any("Row counts and rejected rows are not shown under your access" in shown(c.value) for c in at.caption)
    everyone = run_app(DATA_PAGE)
    assert [d for d in everyone.main.dataframe if "rows rejected" in d.value.columns], "the local admin sees them"
