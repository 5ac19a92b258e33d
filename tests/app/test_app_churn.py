"""Churn & Revenue: churn by negative experiences, the churn model (adjusted beside naive, E-value),
key drivers, expansion by NPS category and revenue at risk by segment are the engine's numbers for
the same filters; without customers the page says which upload unlocks it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from apptest_helpers import run_app
from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.ingest import import_file
from cxdata.screens.dashboard import churn_by_negatives
from dashboard_helpers import CHURN_PAGE, captions, chart_data, chart_titles, last_months, tiles


def by_category(frames, column: str):
    return next(f for f in frames if column in f.columns)


def test_churn_by_negative_experiences_with_intervals(analysed_store: Path, sample_engine) -> None:
    a, _ = sample_engine
    at = run_app(CHURN_PAGE, region="South")
    want = last_months(analysed_store, 3, region=["South"])
    table = churn_by_negatives(a.panel, want.filters)
    shown = table.filter(table["n"] >= 30)  # buckets with fewer than 30 customer-months are not drawn
    drawn = by_category(chart_data(at, "bars"), "bucket")
    assert drawn["bucket"].to_list() == shown["bucket"].to_list()
    for column in ("value", "low", "high"):
        source = "churn" if column == "value" else column
        assert drawn[column].to_list() == pytest.approx(shown[source].to_list())
    assert chart_titles(at)[0] == "Monthly churn by the number of negative experiences in the previous month"


def test_the_churn_model_adjusted_beside_naive_with_its_e_value(analysed_store: Path, sample_engine) -> None:
    a, _ = sample_engine
    c = a.churn
    at = run_app(CHURN_PAGE)
    shown = tiles(at)
    assert shown["Odds of leaving per bad experience"][0] == f"{c.odds_ratio[0]:.2f}×"
    assert shown["The same, before comparing like with like"][0] == f"{c.naive_odds_ratio[0]:.2f}×"
    assert shown["Churn per bad experience"][0] == f"{c.ame_pp[0]:+.2f} pts".replace("-", "\u2212")
    assert shown["Could something else explain it?"][0] == f"{c.e_value:.2f}"
    assert f"95% CI {c.odds_ratio[1]:.2f}× to {c.odds_ratio[2]:.2f}×" in captions(at)  # under the tile
    assert any(m.value.startswith("**Association, adjusted for contact volume, segment") for m in at.markdown)
    # the safeguards' table: γ as reported, without the volume control, counting every contact, naive
    table = at.dataframe[0].value
    assert table["Odds ratio per negative experience"].to_list() == [
        f"{math.exp(g[0]):.2f}×" for g in (c.gamma, c.gamma_without_volume, c.gamma_without_exclusions, c.naive_gamma)]
    excluded = sum(c.excluded.values())
    assert excluded == a.contacts.get_column("exposure_exclusion").is_not_null().sum() > 0


def test_drivers_expansion_and_revenue_at_risk_by_segment(analysed_store: Path, sample_engine) -> None:
    a, _ = sample_engine
    at = run_app(CHURN_PAGE, channel="phone")
    bars = chart_data(at, "bars")
    drivers = by_category(bars, "driver")
    assert drivers["value"].to_list() == pytest.approx(a.drivers["share"].to_list())
    expansion = by_category(bars, "category")
    assert expansion["value"].to_list() == pytest.approx(a.expansion["mean"].to_list())
    risk = by_category(bars, "segment").sort("segment")
    expected = a.risk.in_scope({"channel": ("phone",)}, by="segment").sort("segment")
    assert risk["value"].to_list() == pytest.approx(expected["revenue_at_risk"].to_list())
    assert risk["low"].to_list() == pytest.approx(expected["low"].to_list())
    titles = chart_titles(at)
    assert "Key drivers of negative experiences" in titles


def test_without_customers_the_page_says_what_to_import(analysed_store: Path) -> None:
    import_file(Store(analysed_store), b"started_at,customer_id,csat\n2026-03-01 09:00,A1,4\n", "one.csv",
                "interactions", dataset="no-customers", actor=LOCAL)
    at = run_app(CHURN_PAGE, dataset="no-customers")
    assert any("need a customers table" in i.value for i in at.info)
    assert not at.get("vega_lite_chart")


def test_an_empty_store_asks_for_data(empty_store: Path) -> None:
    at = run_app(CHURN_PAGE)
    assert "No data yet" in at.info[0].value
