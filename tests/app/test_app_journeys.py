"""The Journeys page: the numbers it shows are :mod:`cxdata.measures.journeys` on the same data, computed here.

Every test runs the real app (app.py, its sidebar filters and navigation) on a copy of the analysed
sample store. The expected figures are built in the test from the engine (issues of the whole
version, then the issues the filters select, derived here without the page's code: a segment filter
keeps that segment's customers, a channel filter the issues whose path went through the channel, a
period the issues that overlap it) and formatted with the page's formatters.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from apptest_helpers import metrics, run_app
from cxdata import format as fmt
from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.ingest import import_file
from cxdata.measures import journeys
from cxdata.models.analysis import Tables, load_or_analyse
from cxdata.screens.journeys import duration
from cxdata.settings import load_settings
from ui.text import plain

PAGE = "app_pages/journeys.py"
CUSTOMER = "C000139"


# ---------------------------------------------------------------- helpers


def frame_with(at: AppTest, column: str) -> pl.DataFrame:
    """The first ``st.dataframe`` showing ``column``, as Polars."""
    return next(pl.from_pandas(d.value) for d in at.dataframe if column in d.value.columns)


def chart_rows(at: AppTest) -> pl.DataFrame:
    """Every data row the page's charts sent to the browser, stacked (columns the charts share)."""
    frames = []
    for chart in at.get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            frames.append(pl.from_pandas(dataframe_util.convert_arrow_bytes_to_pandas_df(dataset.data.data)))
        for rows in json.loads(chart.proto.spec).get("datasets", {}).values():
            frames.append(pl.DataFrame(rows, infer_schema_length=None))
    return pl.concat(frames, how="diagonal_relaxed")


def tile_captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


class Engine:
    """The sample as the engine sees it: contacts, customers, revenue, W and every issue."""

    def __init__(self, data_dir: Path) -> None:
        store = Store(data_dir)
        settings = load_settings(store)
        version = store.active_version("sample")
        self.contacts = load_or_analyse(store, version.version_id, settings.params(),
                                        settings.churn_horizon_months).contacts
        tables = Tables.from_store(store, version.version_id)
        self.customers, self.revenue = tables.customers, tables.revenue
        self.window = settings.repeat_window_days
        self.issues = journeys.issue_table(self.contacts, self.customers, self.window).table
        store.engine.dispose()

    def last_three_months(self) -> tuple[date, date]:
        """The sidebar's default period: the data's last three whole months."""
        last = self.contacts.get_column("started_at").max().date()
        end = (last.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        index = last.year * 12 + last.month - 1 - 2
        return date(index // 12, index % 12 + 1, 1), end


@pytest.fixture(scope="module")
def engine(analysed_store_template: Path) -> Engine:
    return Engine(analysed_store_template)


def assert_summary_shown(at: AppTest, issues: pl.DataFrame, engine: Engine) -> None:
    """The tiles show the engine's summary; the 2+ contacts share counts the issues that started at least W
    days before the newest contact of the data (whether the others need another contact is not yet known)."""
    s = journeys.journey_summary(issues, engine.contacts.get_column("started_at").max(), engine.window)
    shown = metrics(at)
    assert shown["Issues"] == fmt.count(s["issues"])
    assert shown["Needing 2+ contacts"] == fmt.number(s["multi_share"], "%")
    assert shown["Median resolution time"] == duration(s["median_hours"])
    assert shown["P90 resolution time"] == duration(s["p90_hours"])
    captions = tile_captions(at)
    interval = fmt.interval(s["multi_low"], s["multi_high"], "%")
    assert plain(f"{interval} · n {fmt.count(s['complete'])} issues") in captions
    assert plain(f"{fmt.count(s['multi_contact'])} needed 2+ contacts · {s['contacts_per_issue']:.2f} contacts "
                 "per issue") in captions


def assert_paths_shown(at: AppTest, issues: pl.DataFrame) -> pl.DataFrame:
    """The table lists the 20 most frequent paths with the engine's figures for each (paths tied on
    their count may come in either order, so rows are matched by path)."""
    every = journeys.channel_paths(issues, top=100_000)
    shown = frame_with(at, "path")
    assert shown.get_column("issues").to_list() == every.get_column("issues").head(20).to_list()
    expected = shown.select("path").join(every, on="path", how="left", maintain_order="left")
    assert expected.get_column("issues").to_list() == shown.get_column("issues").to_list()
    for column in ("share", "csat", "churn"):
        assert shown.get_column(column).to_list() == pytest.approx(expected.get_column(column).to_list())
    first = expected.row(0, named=True)
    assert shown.get_column("churn_interval")[0] == f"{round(first['churn_low'], 1)}% to {round(first['churn_high'], 1)}%"
    return expected


# ---------------------------------------------------------------- channel paths


def test_all_data_shows_the_engines_issues_and_paths(analysed_store: Path, engine: Engine) -> None:
    at = run_app(PAGE, period="All data")
    assert [t.label for t in at.tabs] == ["Channel paths", "Customer history"]
    assert_summary_shown(at, engine.issues, engine)
    assert_paths_shown(at, engine.issues)
    assert any(f"within W = {engine.window} days" in c for c in tile_captions(at))
    assert any("leaves out the" in c and f"last {engine.window} days of the data" in c for c in tile_captions(at))


def test_the_default_period_counts_the_issues_that_overlap_it(analysed_store: Path, engine: Engine) -> None:
    start, end = engine.last_three_months()
    overlapping = engine.issues.filter((pl.col("first_at").dt.date() <= end) & (pl.col("last_at").dt.date() >= start))
    at = run_app(PAGE)
    assert_summary_shown(at, overlapping, engine)
    assert_paths_shown(at, overlapping)


def test_segment_and_channel_filters_select_whole_issues(analysed_store: Path, engine: Engine) -> None:
    small_business = engine.customers.filter(pl.col("segment") == "Small Business").get_column("customer_id")
    via_phone = engine.issues.filter(pl.col("customer_id").is_in(small_business.implode())
                                     & pl.col("path").str.split(" → ").list.contains("phone"))
    at = run_app(PAGE, period="All data", segment="Small Business", channel="phone")
    assert_summary_shown(at, via_phone, engine)
    paths = assert_paths_shown(at, via_phone)
    assert any(path != "phone → phone" and "phone" in path for path in paths.get_column("path")), \
        "each issue keeps every channel it went through"


def test_a_path_in_the_link_lists_its_customers(analysed_store: Path, engine: Engine) -> None:
    expected = journeys.channel_paths(engine.issues, top=20).row(0, named=True)  # the most frequent: no tie
    at = run_app(PAGE, period="All data", path=expected["path"])
    assert at.selectbox(key="path").value == expected["path"]
    customers = frame_with(at, "customer_id")
    assert customers.get_column("customer_id").to_list() == expected["customers"]
    segments = engine.customers.select("customer_id", "segment")
    assert customers.join(segments, on="customer_id", how="left", suffix="_engine").select(
        (pl.col("segment") == pl.col("segment_engine")).all()).item()


# ---------------------------------------------------------------- customer history


def test_a_customer_link_opens_their_whole_history(analysed_store: Path, engine: Engine) -> None:
    timeline = journeys.customer_timeline(engine.contacts, CUSTOMER, engine.customers, engine.revenue)
    contacts = timeline.filter(pl.col("event") == "contact")
    own = engine.issues.filter(pl.col("customer_id") == CUSTOMER)
    at = run_app(PAGE, customer=CUSTOMER)
    assert at.selectbox(key="customer").value == CUSTOMER
    assert at.session_state["tab"] == "Customer history", "a customer link opens their history"
    shown = metrics(at)
    assert shown["Contacts"] == fmt.count(contacts.height)
    assert shown["Negative experiences"] == fmt.count(contacts.filter(pl.col("csat") <= 2).height)
    assert shown["Repeated issues"] == f"{own.filter(pl.col('contacts') >= 2).height} of {own.height}"
    profile = engine.customers.filter(pl.col("customer_id") == CUSTOMER).row(0, named=True)
    assert any(m.value.startswith(f"**{CUSTOMER}** · {profile['segment']}") for m in at.markdown)

    table = frame_with(at, "Event")
    without_revenue = timeline.filter(pl.col("event") != "revenue").sort("at", descending=True)
    assert table.height == without_revenue.height
    assert table.get_column("Event").to_list() == without_revenue.get_column("event").to_list()
    assert table.get_column("Channel").to_list() == without_revenue.get_column("channel").fill_null("–").to_list()
    assert table.get_column("CSAT answer (1 to 5)").to_list() == [
        "–" if v is None else str(v) for v in without_revenue.get_column("csat")]  # a dash, never None

    drawn = chart_rows(at).filter(pl.col("event") == "contact")
    assert drawn.height == contacts.height, "every contact is on the timeline chart"
    assert set(drawn.get_column("lane")) == set(contacts.get_column("channel")), "one lane per channel"

    at.toggle(key="revenue_rows").set_value(True).run()
    assert frame_with(at, "Event").height == timeline.height, "monthly revenue rows on request"


def test_searching_offers_the_matching_customers(analysed_store: Path, engine: Engine) -> None:
    at = run_app(PAGE, tab="Customer history")
    assert at.selectbox(key="customer").value is None
    assert any("Search for a customer" in i.value for i in at.info)
    at.text_input(key="find").input("0139").run()
    expected = journeys.find_customers(engine.customers, engine.contacts, "0139", 20)
    assert at.selectbox(key="customer").options == expected
    assert at.selectbox(key="customer").value == expected[0], "a new search shows its best match"
    assert metrics(at)["Contacts"] == fmt.count(
        engine.contacts.filter(pl.col("customer_id") == expected[0]).height)


def test_a_link_to_an_unknown_customer_is_ignored(analysed_store: Path) -> None:
    at = run_app(PAGE, customer="NO-SUCH-CUSTOMER")
    assert at.selectbox(key="customer").value is None


# ---------------------------------------------------------------- data that cannot support it


def test_an_empty_store_says_what_to_import(empty_store: Path) -> None:
    at = run_app(PAGE)
    assert at.info[0].value.startswith("No data yet")
    assert not at.tabs


def test_interactions_without_customer_ids_say_which_upload_unlocks_the_page(analysed_store: Path) -> None:
    csv = b"started_at,channel\n2026-03-01 09:00,phone\n2026-03-02 10:30,chat\n"
    import_file(Store(analysed_store), csv, "anonymous.csv", "interactions", dataset="anonymous", actor=LOCAL)
    at = run_app(PAGE, dataset="anonymous")
    assert "customer id column" in at.info[0].value
    assert not at.tabs and not at.metric


def test_interactions_only_still_show_journeys_and_say_what_customers_would_add(analysed_store: Path) -> None:
    csv = (b"started_at,customer_id,channel,reason,comment\n"
           b"2026-03-01 09:00,A1,chatbot,billing,<b>html</b> stays text\n"
           b"2026-03-02 10:30,A1,phone,billing,**markdown** stays text\n"
           b"2026-03-20 11:00,A2,chat,delivery,\n")
    import_file(Store(analysed_store), csv, "two.csv", "interactions", dataset="small", actor=LOCAL)
    at = run_app(PAGE, dataset="small", period="All data")
    assert metrics(at)["Issues"] == "2"
    assert frame_with(at, "path").get_column("path").to_list() == ["chatbot → phone"]
    assert any("needs a customers table with the date each customer left" in c for c in tile_captions(at))

    at = run_app(PAGE, dataset="small", customer="A1")
    comments = frame_with(at, "Comment").get_column("Comment").to_list()
    assert comments == ["**markdown** stays text", "<b>html</b> stays text"], "comments verbatim, newest first"
    assert any("Import a customers table" in c for c in tile_captions(at))
    assert not any("<b>" in m.value or "**markdown**" in m.value for m in at.markdown)
