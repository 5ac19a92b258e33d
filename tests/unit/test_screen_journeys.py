"""The Journeys screen: its tiles, paths, a path's customers and a customer's history against numbers worked out
by hand on a small table and with plain Polars on the sample's issues."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import polars as pl
import pytest

from cxdata import format as fmt
from cxdata.catalog.store import VersionInfo
from cxdata.measures import journeys
from cxdata.measures.contacts import enrich_contacts
from cxdata.models.analysis import Analysis, Tables
from cxdata.scope import Scope
from cxdata.screens.journeys import Accounts, duration, journeys_screen
from cxdata.settings import Settings

T0 = datetime(2026, 3, 2, 9, 0)
DAY = timedelta(days=1)
VERSION = VersionInfo("small", 1, 1, T0, "", True, {})
EVERYTHING = Scope("small", VERSION, None, None, None)

ROWS = [
    # A: chatbot → phone → email on billing, fixed at the third contact, 48 h after the first
    ("A", "billing", "chatbot", T0, False, 1),
    ("A", "billing", "phone", T0 + DAY, False, None),
    ("A", "billing", "email", T0 + 2 * DAY, True, 3),
    # A on billing 12 days after: a new issue (W = 7), in the last W days of the data
    ("A", "billing", "phone", T0 + 12 * DAY, True, None),
    # B and D: chatbot → phone, fixed on the phone after 6 h and 3 h
    ("B", "delivery", "chatbot", T0, False, None),
    ("B", "delivery", "phone", T0 + timedelta(hours=6), True, 5),
    ("D", "delivery", "chatbot", T0 + DAY, False, None),
    ("D", "delivery", "phone", T0 + DAY + timedelta(hours=3), True, None),
    # C: one contact, not in the customers table
    ("C", "billing", "phone", T0, True, None),
]


@pytest.fixture(scope="module")
def small() -> tuple[Analysis, Accounts]:
    schema = {"customer_id": pl.String, "reason": pl.String, "channel": pl.String, "started_at": pl.Datetime("us"),
              "resolved": pl.Boolean, "csat": pl.Int64}
    frame = pl.DataFrame(ROWS, schema=schema, orient="row").with_columns(
        interaction_id=pl.format("I{}", pl.int_range(pl.len())))
    customers = pl.DataFrame({"customer_id": ["A", "B", "D"], "segment": ["Small Business", "Enterprise", None],
                              "region": ["North", "South", "South"],
                              "joined_at": [date(2020, 1, 15), date(2026, 1, 5), date(2026, 2, 1)],
                              "churned_at": [date(2026, 3, 22), None, None]})
    revenue = pl.DataFrame({"customer_id": ["A"], "month": [date(2026, 3, 1)], "revenue": [50.0]})
    return Analysis(enrich_contacts(frame, customers), None), Accounts(customers, revenue)


def test_tiles_and_paths_of_a_small_table(small) -> None:
    a, accounts = small
    screen = journeys_screen(a, EVERYTHING, Settings(), accounts)
    # 5 issues, 9 contacts; A's second issue started in the last 7 days: 3 of the other 4 needed 2+ contacts
    assert screen.issues == 5 and screen.window == 7
    tiles = {t.label: t for t in screen.tiles}
    assert tiles["Issues"].value == "5"
    assert tiles["Issues"].caption == "3 needed 2+ contacts · 1.80 contacts per issue"
    assert tiles["Needing 2+ contacts"].value == fmt.number(75.0, "%")
    assert tiles["Needing 2+ contacts"].caption.endswith("· n 4 issues")
    assert tiles["Median resolution time"].value == "6.0 h"  # 3 h, 6 h, 48 h
    assert tiles["P90 resolution time"].value == "2.0 days"
    assert screen.censored is not None and "leaves out the 1 issue that started" in screen.censored
    assert "in all dates · all customers and contacts" in screen.intro
    # CSAT weighted by answers; churn: A left 20 days after its issue, B and D stayed
    assert screen.paths.drop("churn_interval").rows() == [
        ("chatbot → phone", 2, pytest.approx(200 / 3), 5.0, 1, 0.0),
        ("chatbot → phone → email", 1, pytest.approx(100 / 3), 2.0, 2, 100.0)]
    low, high = screen.paths.get_column("churn_interval").to_list()
    assert low.startswith("0.0% to ") and high.endswith(" to 100.0%") and "within 90 days" in screen.paths_note


def test_a_channel_filter_keeps_whole_issues(small) -> None:
    a, accounts = small
    screen = journeys_screen(a, EVERYTHING.narrowed(channel=["email"]), Settings(), accounts)
    assert screen.issues == 1 and screen.censored is None
    assert screen.paths.get_column("path").to_list() == ["chatbot → phone → email"]
    assert "Channel: email" in screen.intro


def test_a_path_lists_its_customers(small) -> None:
    a, accounts = small
    behind = journeys_screen(a, EVERYTHING, Settings(), accounts, path="chatbot → phone").path
    assert behind is not None and behind.path == "chatbot → phone"
    assert behind.table.select("customer_id", "segment", "churned_at").rows() == [("B", "Enterprise", "–"),
                                                                                  ("D", "–", "–")]  # none left
    chained = journeys_screen(a, EVERYTHING, Settings(), accounts, path="chatbot → phone → email").path
    assert chained is not None and chained.table.select("customer_id", "churned_at").rows() == [("A", "22 Mar 2026")]
    assert behind.caption == "2 customers with 2 issues on this path."
    assert journeys_screen(a, EVERYTHING, Settings(), accounts, path="fax → phone").path is None


def test_a_customers_history(small) -> None:
    a, accounts = small
    history = journeys_screen(a, EVERYTHING, Settings(), accounts, customer="A").history
    assert history is not None
    assert history.about == "Small Business · North · customer since 15 Jan 2020 · churned 22 Mar 2026"
    assert [(t.label, t.value) for t in history.tiles] == [
        ("Contacts", "4"), ("Last contact", "14 Mar 26"), ("Negative experiences", "1"), ("Repeated issues", "1 of 2")]
    assert history.tiles[1].help == "14 Mar 2026 09:00."
    assert "Joined 15 Jan 2020, long before the data starts" in history.note and "Import" not in history.note
    drawn = [row for rows in history.chart["datasets"].values() for row in rows if "event" in row]
    assert sorted(r["event"] for r in drawn) == ["churned", "contact", "contact", "contact", "contact", "revenue"]
    assert history.has_revenue
    assert history.table(True).get_column("event").to_list() == [
        "churned", "contact", "contact", "contact", "contact", "revenue", "joined"]  # newest first
    assert "revenue" not in history.table(False).get_column("event").to_list()
    shown = history.shown(True, "€")  # A's rows: CSAT 1, none, 3, none (newest first: 12 d, 2 d, 1 d, 0 d)
    assert shown.columns[:3] == ["When", "Event", "Channel"] and shown.columns[-1] == "Revenue"
    contacts = shown.filter(pl.col("Event") == "contact")
    assert contacts.get_column("When").to_list() == ["14 Mar 2026 09:00", "4 Mar 2026 09:00", "3 Mar 2026 09:00",
                                                     "2 Mar 2026 09:00"]
    assert contacts.get_column("CSAT answer (1 to 5)").to_list() == ["–", "3", "–", "1"]
    assert contacts.get_column("Resolved").to_list() == ["yes", "yes", "no", "no"]
    assert shown.filter(pl.col("Event") == "revenue").get_column("Revenue").to_list() == ["€50.00"]

    stranger = journeys_screen(a, EVERYTHING, Settings(), accounts, customer="C").history
    assert stranger is not None and stranger.about == "not in the customers table"
    assert stranger.tiles[2].value == "–" and stranger.tiles[2].help == "No CSAT answer from this customer."


def test_without_customers_and_revenue_it_says_what_to_import(small) -> None:
    a, _ = small
    screen = journeys_screen(a, EVERYTHING, Settings(), Accounts(None, None), customer="A")
    assert "churn" not in screen.paths.columns and "needs a customers table with the date each customer left" in screen.paths_note
    assert screen.history is not None and not screen.history.has_revenue
    assert screen.history.note.endswith("Import a customers table (joining and churn dates) and a revenue table "
                                        "(monthly revenue) on the Data page to see them here.")


def test_the_screen_is_frozen(small) -> None:
    a, accounts = small
    screen = journeys_screen(a, EVERYTHING, Settings(), accounts, customer="A")
    with pytest.raises(dataclasses.FrozenInstanceError):
        screen.issues = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        screen.history.customer = "B"  # type: ignore[misc, union-attr]


def test_the_sample_against_plain_polars(sample_analysis, sample_store) -> None:
    version = sample_store.active_version("sample")
    tables = Tables.from_store(sample_store, version.version_id)
    contacts = sample_analysis.contacts
    start, end = date(2026, 8, 1), date(2026, 10, 31)
    scope = Scope("sample", version, start, end, None, (("segment", ("Small Business",)),))
    screen = journeys_screen(sample_analysis, scope, Settings(), Accounts(tables.customers, tables.revenue),
                             customer="C000139")

    every = journeys.issue_table(contacts, tables.customers, 7).table
    members = tables.customers.filter(pl.col("segment") == "Small Business").get_column("customer_id")
    scoped = every.filter(pl.col("customer_id").is_in(members.implode()) & (pl.col("first_at").dt.date() <= end)
                          & (pl.col("last_at").dt.date() >= start))
    newest = contacts.get_column("started_at").max()
    complete = scoped.filter(pl.col("first_at") <= newest - timedelta(days=7))
    multi = scoped.filter(pl.col("contacts") >= 2)
    tiles = {t.label: t.value for t in screen.tiles}
    assert screen.issues == scoped.height > 0
    assert tiles["Issues"] == fmt.count(scoped.height)
    assert tiles["Needing 2+ contacts"] == fmt.number(
        complete.filter(pl.col("contacts") >= 2).height / complete.height * 100, "%")
    assert tiles["Median resolution time"] == duration(multi.get_column("resolution_hours").median())

    ranked = multi.group_by("path").agg(n=pl.len(), churn=pl.col("churned_after").mean() * 100).sort(
        ["n", "path"], descending=[True, False]).head(20)
    assert screen.paths.get_column("path").to_list() == ranked.get_column("path").to_list()
    assert screen.paths.get_column("churn").to_list() == pytest.approx(ranked.get_column("churn").to_list())

    own = contacts.filter(pl.col("customer_id") == "C000139")
    assert screen.history is not None
    assert screen.history.tiles[0].value == fmt.count(own.height)
    assert screen.history.tiles[2].value == fmt.count(own.filter(pl.col("csat") <= 2).height)
