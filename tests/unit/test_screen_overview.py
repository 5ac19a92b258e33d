"""The Overview's screen: its numbers against plain Polars on the sample's frames, its sentences for what the
filters cannot apply, and the meeting pack and ``report --json`` writing the same screen."""

import dataclasses
import io
from datetime import date

import polars as pl
import pytest
from openpyxl import load_workbook
from statsmodels.stats.proportion import proportion_confint

from cxdata.scope import Scope
from cxdata.screens.dashboard import EXPERIENCE_TILES, MONEY_TILES, OPERATIONS_TILES
from cxdata.screens.overview import TOP_MOMENTS, overview_screen
from cxdata.screens.pack import TOP_MOMENTS as PACK_MOMENTS
from cxdata.screens.pack import meeting_pack, pack_workbook
from cxdata.screens.summary import report_dict
from cxdata.settings import Settings

PERIOD = (date(2026, 8, 1), date(2026, 10, 31))
COMPARISON = (date(2026, 5, 1), date(2026, 7, 31))


@pytest.fixture(scope="module")
def scope(sample_store):
    return Scope("sample", sample_store.active_version("sample"), *PERIOD, COMPARISON, (("channel", ("phone",)),))


def top_two_box(contacts: pl.DataFrame, start: date, end: date) -> tuple[float, int]:
    """CSAT by hand: answers of 4 or 5 / answers, phone contacts started in [start, end]."""
    rows = contacts.filter((pl.col("channel") == "phone") & pl.col("started_at").dt.date().is_between(start, end)
                           & pl.col("csat").is_not_null())
    return (rows.get_column("csat") >= 4).mean() * 100, rows.height


def test_tiles_are_the_kpis_of_the_scope_with_their_change(sample_analysis, scope) -> None:
    screen = overview_screen(sample_analysis, scope, Settings())
    csat = screen.tiles["csat"]
    value, n = top_two_box(sample_analysis.contacts, *PERIOD)
    before, n_before = top_two_box(sample_analysis.contacts, *COMPARISON)
    low, high = proportion_confint(round(value / 100 * n), n, method="wilson")
    assert (csat["value"], csat["n"]) == (pytest.approx(value), n)
    assert (csat["low"], csat["high"]) == (pytest.approx(low * 100), pytest.approx(high * 100))
    assert csat["delta"] == pytest.approx(value - before) and n_before > 0
    assert screen.rows == (EXPERIENCE_TILES, OPERATIONS_TILES, MONEY_TILES)
    assert [t["key"] for t in screen.shown] == [*EXPERIENCE_TILES, *OPERATIONS_TILES, *MONEY_TILES]
    assert not screen.filtered_out


def test_moments_are_the_ranked_moments_the_filters_allow(sample_analysis, scope) -> None:
    screen = overview_screen(sample_analysis, scope, Settings())
    want = (sample_analysis.risk.moments.filter((pl.col("low") > 0) & (pl.col("channel") == "phone"))
            .sort("revenue_at_risk", descending=True).head(TOP_MOMENTS))
    assert screen.moments is not None and screen.unranked is None
    assert screen.moments.select("touchpoint", "segment").rows() == want.select("touchpoint", "segment").rows()
    assert screen.horizon == sample_analysis.risk.horizon == 12
    assert "Channel: phone" in screen.moments_note


def test_it_says_which_filters_the_customer_numbers_cannot_apply(sample_analysis, sample_store) -> None:
    version = sample_store.active_version("sample")
    by_channel = overview_screen(sample_analysis, Scope("sample", version, *PERIOD, None, (("channel", ("chat",)),)),
                                 Settings())
    assert "the channel filter applies to contacts only" in by_channel.tiles_note
    nobody = overview_screen(sample_analysis, Scope("sample", version, *PERIOD, None, (("channel", ("fax",)),)),
                             Settings())
    assert nobody.filtered_out and nobody.tiles["csat"]["status"] == "no data"


def test_the_screen_is_frozen(sample_analysis, scope) -> None:
    screen = overview_screen(sample_analysis, scope, Settings())
    with pytest.raises(dataclasses.FrozenInstanceError):
        screen.horizon = 36  # type: ignore[misc]


def test_the_pack_and_the_report_write_the_same_screen(sample_analysis, scope) -> None:
    settings = Settings()
    screen = overview_screen(sample_analysis, scope, settings, moments=PACK_MOMENTS)
    book = load_workbook(io.BytesIO(pack_workbook(meeting_pack(sample_analysis, scope, settings))))
    kpis = {row[0]: row[1] for row in book["KPIs"].iter_rows(min_row=7, values_only=True) if row[0]}
    assert kpis["CSAT"] == pytest.approx(screen.tiles["csat"]["value"], rel=1e-12)
    headlines = [row[0] for row in book["Headlines"].iter_rows(min_row=7, values_only=True) if row[0]]
    assert headlines == [h.text for h in screen.headlines]
    report = report_dict(sample_analysis, scope, settings, top=PACK_MOMENTS)
    assert [h["text"] for h in report["headlines"]] == headlines
    assert [m["touchpoint"] for m in report["moments_of_service"]] == screen.moments.get_column("touchpoint").to_list()
