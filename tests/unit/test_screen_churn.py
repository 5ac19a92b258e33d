"""Churn & Revenue's screen: its numbers against plain Polars and the fitted model on the sample, its sections
locked when the data cannot show them, and the meeting pack writing the same figures."""

import dataclasses
import math
import re
from datetime import date

import polars as pl
import pytest

from cxdata import format as fmt
from cxdata.measures.metrics import NO_DATA
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.churn import churn_screen
from cxdata.screens.pack import churn_sheet, drivers_sheet
from cxdata.settings import Settings

PERIOD = (date(2026, 8, 1), date(2026, 10, 31))


@pytest.fixture(scope="module")
def version(sample_store):
    return sample_store.active_version("sample")


@pytest.fixture(scope="module")
def screen(sample_analysis, version):
    return churn_screen(sample_analysis, Scope("sample", version, *PERIOD, None, (("channel", ("phone",)),)),
                        Settings())


def test_the_model_is_stated_with_its_odds_ratios_and_safeguards(sample_analysis, screen) -> None:
    c = sample_analysis.churn
    model = screen.model
    assert model is not None and model.evident == (c.gamma[1] > 0) is True
    assert [s.value for s in model.stats[:2]] == [f"{math.exp(c.gamma[0]):.2f}×", f"{math.exp(c.naive_gamma[0]):.2f}×"]
    assert model.sensitivity.height == 4  # reported, without volume, without exclusions, naive
    assert model.sensitivity.get_column("Evidence of an effect")[0] == "yes"
    assert f"{fmt.count(c.events)} churn events" in model.fit_note
    assert not c.sampled and "all the data" in model.fit_note  # the sample is below the sampling threshold


def test_a_model_fitted_on_a_sample_of_customers_says_so(sample_analysis, version) -> None:
    sampled = dataclasses.replace(sample_analysis.churn, panel_customers=sample_analysis.churn.n_customers * 3)
    analysis = dataclasses.replace(sample_analysis, churn=sampled)
    note = churn_screen(analysis, Scope("sample", version, *PERIOD, None, ()), Settings()).model.fit_note
    assert note.startswith(f"Fitted once on a random sample of {fmt.count(sampled.n_customers)} of this version's "
                           f"{fmt.count(sampled.panel_customers)} customers")
    assert "above 2,000,000 customer-months" in note and "the interval is the sample's" in note


def test_churn_by_negatives_counts_every_customer_month_of_the_period(sample_analysis, screen) -> None:
    """Σ n over the buckets = the panel's customer-months in the period after its first month (the channel is a
    contact filter: the panel ignores it)."""
    panel = sample_analysis.panel
    months = panel.filter(pl.col("month").is_between(*PERIOD) & (pl.col("month") > panel.get_column("month").min()))
    table = screen.by_negatives.table
    assert table.get_column("n").sum() == months.height
    assert table.get_column("events").sum() == months.get_column("churn").sum()


def test_revenue_at_risk_by_segment_of_the_moments_the_filters_allow(sample_analysis, screen) -> None:
    phone = sample_analysis.risk.moments.filter(pl.col("channel") == "phone")
    by_segment = phone.group_by("segment").agg(pl.col("revenue_at_risk").sum())
    got = dict(screen.risk.table.select("segment", "revenue_at_risk").iter_rows())
    assert got == pytest.approx(dict(by_segment.iter_rows()))
    assert screen.risk_note.startswith(f"Total {fmt.money(phone.get_column('revenue_at_risk').sum(), '€')}")


def test_customers_who_left_by_segment(sample_analysis, screen) -> None:
    customers = sample_analysis.customers.filter(pl.col("churned").is_not_null())
    want = customers.group_by("segment").agg(left=pl.col("churned").mean() * 100)
    left = screen.customers
    assert screen.customers_status == "ok" and "segment" in left.ranked
    listed = left.listed["segment"]
    assert listed.columns == ["Segment", "Customers", "Who left", "Share who left", "95% CI"]
    assert dict(listed.select("Segment", "Share who left").iter_rows()) == {s: f"{v:.1f}%" for s, v in want.iter_rows()}
    counts = customers.group_by("segment").agg(pl.len(), pl.col("churned").sum())
    assert {r[0]: r[1:3] for r in listed.iter_rows()} == {s: (f"{n:,}", f"{k:,}") for s, n, k in counts.iter_rows()}
    assert all(re.fullmatch(r"\d+\.\d% to \d+\.\d%", ci) for ci in listed.get_column("95% CI"))
    assert left.chart("segment") is not None and left.where == "Channel: phone"


def test_sections_say_what_they_need_and_when_the_filters_leave_no_customer(sample_analysis, version) -> None:
    contacts_only = Analysis(sample_analysis.contacts, None)
    bare = churn_screen(contacts_only, Scope("sample", version, *PERIOD, None), Settings())
    assert (bare.by_negatives, bare.model, bare.risk, bare.customers) == (None, None, None, None)
    assert bare.customers_status.startswith("needs")
    nobody = churn_screen(sample_analysis, Scope("sample", version, *PERIOD, None, (("segment", ("nobody",)),)),
                          Settings())
    assert nobody.customers is None and nobody.customers_status == NO_DATA


def test_the_pack_writes_the_screens_figures(sample_analysis, screen, version) -> None:
    scope = Scope("sample", version, *PERIOD, None, (("channel", ("phone",)),))
    sheet = churn_sheet(sample_analysis, scope.filters)
    assert sheet.frame.get_column("Customer-months").to_list() == screen.by_negatives.table.get_column("n").to_list()
    assert drivers_sheet(sample_analysis).charts == screen.drivers.charts
    with pytest.raises(dataclasses.FrozenInstanceError):
        screen.notes = ()  # type: ignore[misc]
