"""Numbers of the executive pages: tiles and deltas, churn by negative experiences, headlines,
revenue at risk in any scope, dataset facts, saved views."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime

import polars as pl
import pytest

from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.catalog.views import delete_view, list_views, load_view, save_view
from cxdata.measures import stats
from cxdata.measures.contacts import enrich_contacts
from cxdata.measures.metrics import REGISTRY, Base, Filters
from cxdata.measures.periods import (
    LAST_YEAR,
    NO_COMPARISON,
    PREVIOUS,
    comparison_of,
    comparison_period,
    default_period,
    preset_period,
)
from cxdata.models.analysis import Analysis, Tables, load_unfitted, with_panel
from cxdata.screens.dashboard import (
    OVERVIEW_TILES,
    PANEL_PENDING,
    TILE_KEYS,
    churn_by_negatives,
    headlines,
    kpi_tiles,
    moments_in_scope,
    overview_rows,
    overview_tiles,
    risk_tile,
    trend_metrics,
    unranked_moments,
)


def test_comparison_periods():
    assert comparison_period(date(2026, 10, 1), date(2026, 10, 31)) == (date(2026, 8, 31), date(2026, 9, 30))
    assert comparison_period(date(2024, 2, 29), date(2024, 3, 31), "last_year") == (date(2023, 2, 28), date(2023, 3, 31))


def test_named_periods_end_with_the_last_month_and_compare_with_whole_months() -> None:
    span = (date(2024, 11, 1), date(2026, 10, 31))
    assert preset_period("Last 3 months", *span) == (date(2026, 8, 1), date(2026, 10, 31))
    assert preset_period("Last 12 months", *span) == (date(2025, 11, 1), date(2026, 10, 31))
    assert preset_period("All data", *span) == (date(2024, 11, 1), date(2026, 10, 31))
    assert preset_period("Last 6 months", date(2026, 9, 10), date(2026, 10, 15)) == (date(2026, 9, 1), date(2026, 10, 31))
    assert comparison_of(date(2026, 8, 1), date(2026, 10, 31), PREVIOUS) == (date(2026, 5, 1), date(2026, 7, 31))
    assert comparison_of(date(2026, 10, 1), date(2026, 10, 31), PREVIOUS) == (date(2026, 9, 1), date(2026, 9, 30))
    assert comparison_of(date(2026, 8, 1), date(2026, 10, 31), LAST_YEAR) == (date(2025, 8, 1), date(2025, 10, 31))
    assert comparison_of(date(2026, 3, 5), date(2026, 3, 14), PREVIOUS) == (date(2026, 2, 23), date(2026, 3, 4))
    assert comparison_of(date(2026, 8, 1), date(2026, 10, 31), NO_COMPARISON) is None
    assert default_period(*span) == ((date(2026, 8, 1), date(2026, 10, 31)), (date(2026, 5, 1), date(2026, 7, 31)))


def test_tiles_carry_value_interval_and_delta_against_the_comparison_period():
    rows = [{"customer_id": "A", "started_at": datetime(2025, 1, 10), "csat": 5}] * 30
    rows += [{"customer_id": "A", "started_at": datetime(2025, 2, 10), "csat": c} for c in [5, 1] * 15]
    contacts = enrich_contacts(pl.DataFrame(rows))
    a = Analysis(contacts, None)
    feb, jan = Filters.of(date(2025, 2, 1), date(2025, 2, 28)), Filters.of(date(2025, 1, 1), date(2025, 1, 31))
    tiles = {t["key"]: t for t in kpi_tiles(a, feb, jan)}
    csat = tiles["csat"]
    assert (csat["value"], csat["n"], csat["delta"]) == (pytest.approx(50.0), 30, pytest.approx(-50.0))
    assert csat["delta_low"] < -50 < csat["delta_high"] < 0
    assert tiles["nps"]["status"] == "needs nps"
    assert tiles["logo_churn"]["status"] == "needs customers"
    assert risk_tile(a, feb)["status"].startswith("needs")


def test_churn_by_negative_experiences_buckets_and_intervals():
    panel = pl.DataFrame({
        "customer_id": [f"C{i}" for i in range(12)],
        "month": [date(2025, 1, 1)] * 2 + [date(2025, 2, 1)] * 10,
        "expected_negatives_prev": [0.0, 0.0, 0.2, 0.4, 0.6, 1.4, 1.6, 3.2, 3.6, 5.0, 0.1, 0.3],
        "churn": [True, False, False, True, False, True, True, False, True, True, False, False],
    })
    table = churn_by_negatives(panel)  # January is the first month: left out
    rows = {r["bucket"]: r for r in table.iter_rows(named=True)}
    assert list(table.get_column("bucket")) == ["0", "1", "2 or 3", "4+"]
    assert (rows["0"]["n"], rows["0"]["events"]) == (4, 1)  # 0.2, 0.4, 0.1, 0.3
    assert (rows["1"]["n"], rows["1"]["events"]) == (2, 1)  # 0.6, 1.4
    assert (rows["2 or 3"]["n"], rows["2 or 3"]["events"]) == (2, 1)  # 1.6, 3.2
    assert (rows["4+"]["n"], rows["4+"]["events"]) == (2, 2)  # 3.6, 5.0
    lo, hi = pl.select(*(e.alias(f"x{i}") for i, e in enumerate(stats.wilson(pl.lit(1), pl.lit(4.0))))).row(0)
    assert rows["0"]["churn"] == pytest.approx(25.0)
    assert (rows["0"]["low"], rows["0"]["high"]) == (pytest.approx(lo * 100), pytest.approx(hi * 100))


def test_revenue_at_risk_in_any_scope_adds_up(sample_analysis):
    risk = sample_analysis.risk
    whole = risk.in_scope().row(0, named=True)
    assert whole["revenue_at_risk"] == pytest.approx(risk.attributable[0])
    assert (whole["low"], whole["high"]) == (pytest.approx(risk.attributable[1]), pytest.approx(risk.attributable[2]))
    by_segment = risk.in_scope(by="segment")
    assert by_segment.get_column("revenue_at_risk").sum() == pytest.approx(risk.attributable[0])
    phone = risk.in_scope({"channel": ("phone",)}).item(0, "revenue_at_risk")
    assert phone == pytest.approx(risk.moments.filter(pl.col("channel") == "phone").get_column("revenue_at_risk").sum())
    tile = risk_tile(sample_analysis, Filters.of(channel=["phone"]))
    assert tile["value"] == pytest.approx(phone) and tile["low"] < phone < tile["high"]


def test_moments_in_scope_follow_the_moment_filters_only(sample_analysis):
    risk = sample_analysis.risk
    ranked = risk.moments.filter(pl.col("low") > 0)  # only a moment whose own interval is above zero is ranked
    assert 0 < ranked.height <= risk.moments.height
    assert moments_in_scope(sample_analysis, n=3).equals(ranked.head(3))
    phone = moments_in_scope(sample_analysis, Filters.of(channel=["phone"], region=["North"]).where)
    assert phone.height and set(phone.get_column("channel")) == {"phone"}  # region is not a moment filter
    assert phone.equals(ranked.filter(pl.col("channel") == "phone"))
    assert not moments_in_scope(sample_analysis, [("segment", ("nobody",))]).height


def test_a_moment_whose_interval_reaches_zero_is_not_ranked_nor_any_when_the_churn_effect_is_not_evident(
        sample_analysis):
    risk = sample_analysis.risk
    top = risk.moments.row(0, named=True)
    doubtful = replace(risk, moments=risk.moments.with_columns(
        low=pl.when(pl.int_range(pl.len()) == 0).then(-1.0).otherwise(pl.col("low"))))
    a = replace(sample_analysis, risk=doubtful)
    assert moments_in_scope(a, n=1).row(0, named=True)["touchpoint"] == risk.moments.row(1, named=True)["touchpoint"]
    assert top["revenue_at_risk"] > moments_in_scope(a, n=1).item(0, "revenue_at_risk")
    churn = sample_analysis.churn
    null = replace(sample_analysis, churn=replace(churn, gamma=(churn.gamma[0], -0.01, churn.gamma[2])))
    assert not moments_in_scope(null).height
    assert unranked_moments(null).startswith("No moment of service is ranked: this data shows no evidence")
    texts = [h.text for h in headlines(null)]
    assert texts[0].startswith("This data shows no evidence that the experience drives churn")
    assert not any("costliest" in t for t in texts)


def test_overview_tiles_are_the_kpi_tiles_and_the_risk_tile_in_the_page_order(sample_analysis):
    filters = Filters.of(date(2026, 8, 1), date(2026, 10, 31))
    comparison = Filters.of(date(2026, 5, 1), date(2026, 7, 31))
    tiles = overview_tiles(sample_analysis, filters, comparison)
    assert [t["key"] for t in tiles] == list(OVERVIEW_TILES)
    assert tiles[0] == kpi_tiles(sample_analysis, filters, comparison, keys=("nps",))[0]
    assert tiles[OVERVIEW_TILES.index("revenue_at_risk")] == risk_tile(sample_analysis, filters)
    # the customers table's snapshot tiles have no months: every other tile has a trend on the sample
    snapshot = ("revenue_at_risk", "customer_churn", "lost_revenue_share")
    assert [m.key for m in trend_metrics(sample_analysis)] == [k for k in OVERVIEW_TILES if k not in snapshot]
    assert overview_rows(sample_analysis) == [OVERVIEW_TILES[:4], OVERVIEW_TILES[4:8], OVERVIEW_TILES[8:12]]
    assert [t["delta"] for t in tiles[12:]] == [None, None]  # a snapshot has no change against a period


def test_headlines_state_their_numbers(sample_analysis):
    lines = headlines(sample_analysis, symbol="€")
    assert len(lines) == 3
    odds, low, high = (math.exp(g) for g in sample_analysis.churn.gamma)  # the adjusted estimate, not a crude ratio
    assert (lines[0].value, lines[0].low, lines[0].high) == (pytest.approx(odds), pytest.approx(low), pytest.approx(high))
    assert lines[0].text.startswith(f"Each negative experience in a month goes with {odds - 1:.0%} higher odds")
    assert "contact volume" in lines[0].text
    top = sample_analysis.risk.moments.filter(pl.col("low") > 0).row(0, named=True)
    assert lines[1].value == pytest.approx(top["revenue_at_risk"]) and top["touchpoint"] in lines[1].text
    assert lines[2].text.startswith("Wait explains")


def test_saved_views(tmp_path):
    store = Store(tmp_path)
    view_id = save_view(store, "Phones in billing", "drilldown",
                        {"channel": ["phone", "chat"], "metric": ["csat"], "view": ["old"]}, actor=LOCAL)
    view = load_view(Store(tmp_path), view_id)
    assert (view.name, view.page) == ("Phones in billing", "drilldown")
    assert view.params == {"channel": ["phone", "chat"], "metric": ["csat"]}  # "view" itself is never stored
    assert [v.id for v in list_views(store)] == [view_id]
    assert load_view(store, "'; drop table --") is None and load_view(store, "zzzzzzzz") is None
    delete_view(store, view_id, actor=LOCAL)
    assert load_view(store, view_id) is None


def test_drivers_that_explain_nothing_are_not_ranked_in_the_headline() -> None:
    """A call log whose CSAT is independent of wait and resolution (as in the public call-centre export):
    the headline says no lever stands out instead of "unresolved explains 100% of what is explained"."""
    import numpy as np

    from cxdata.models.analysis import analyse

    rng = np.random.default_rng(7)
    n = 2000
    calls = pl.DataFrame({
        "interaction_id": [f"C{i}" for i in range(n)],
        "started_at": [datetime(2026, 1, 1 + i % 28, 9) for i in range(n)],
        "wait_seconds": rng.uniform(0, 120, n), "resolved": rng.random(n) < 0.7,
        "csat": rng.integers(1, 6, n),
    })
    a = analyse(Tables(calls, None, None))
    NAMES = {"wait_minutes": "wait", "unresolved": "not resolved"}  # noqa: N806
    r2 = a.drivers.get_column("r2")[0]
    assert r2 < 0.01
    texts = [h.text for h in headlines(a)]
    assert texts == [f"The service drivers in this data ({', '.join(NAMES[d] for d in a.drivers['driver'])})"
                     f" explain almost none of the negative experiences (R² {r2:.1%}): no lever here stands out — what "
                     "makes customers unhappy is not in these fields."]


def _left(groups: dict[str, tuple[int, int]]) -> Analysis:
    """A customers table: per segment, (customers, how many left)."""
    rows = [(segment, i < left) for segment, (n, left) in groups.items() for i in range(n)]
    customers = pl.DataFrame({"customer_id": [f"c{i}" for i in range(len(rows))],
                              "segment": [r[0] for r in rows], "churned": [r[1] for r in rows]})
    return Analysis(None, None, customers)


def test_the_attribute_headline_names_a_gap_only_when_its_interval_excludes_zero() -> None:
    from cxdata.screens.dashboard import customer_headlines

    # 50 of 100 against 10 of 100: 40 points apart, Wilson intervals far from each other
    clear = customer_headlines(_left({"Enterprise": (100, 50), "SMB": (100, 10)}))[1]
    assert clear.text.startswith("Churn differs most by segment: 50.0% of customers with segment Enterprise left")
    assert "against 10.0% of those with SMB" in clear.text
    # 20 of 100 against 18 of 100: a 2-point gap whose interval (about ±11 points) includes zero
    unclear = customer_headlines(_left({"Enterprise": (100, 20), "SMB": (100, 18)}))[1]
    assert unclear.text.startswith("No customer attribute clearly separates who left: the widest gap, by segment")
    assert unclear.value == pytest.approx(2.0) and unclear.low < 0 < unclear.high


def test_the_panel_left_for_later_is_the_panel_built_at_once(sample_store: Store) -> None:
    """A new version's Overview draws its contact tiles before the customer-month panel is built
    (``load_unfitted(panel=False)``, then ``with_panel``): meanwhile the customer-month tiles say they are being
    computed and the contact tiles are the ones the whole frames give; the panel built later is the same panel."""
    version_id = sample_store.active_version("sample").version_id
    horizon = 5  # a fit never made: the frames are built from the tables
    whole = load_unfitted(sample_store, version_id, horizon=horizon)
    first = load_unfitted(sample_store, version_id, horizon=horizon, panel=False)
    assert first.panel is None and first.panel_pending and first.contacts.equals(whole.contacts)
    assert overview_rows(first) == overview_rows(whole)
    waiting = {t["key"]: t for t in kpi_tiles(first, Filters(), None)}
    done = {t["key"]: t for t in kpi_tiles(whole, Filters(), None)}
    panel_keys = {k for k in TILE_KEYS if REGISTRY[k].base is Base.CUSTOMER_MONTHS}
    assert panel_keys and all(waiting[k]["status"] == PANEL_PENDING for k in panel_keys)
    assert all(done[k]["status"] == "ok" for k in panel_keys)
    assert {k: t for k, t in waiting.items() if k not in panel_keys} == \
           {k: t for k, t in done.items() if k not in panel_keys}
    later = with_panel(sample_store, version_id, first)
    assert not later.panel_pending and later.contacts is first.contacts
    assert later.panel.equals(whole.panel)
