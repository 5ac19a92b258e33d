"""The Drill-down's screen: the selection's tile, heat map, breakdown, months and interactions against plain Polars,
on a table worked out by hand and on the sample, and the meeting pack writing the same heat map."""

import dataclasses
import math
from datetime import date, datetime

import polars as pl
import pytest

from cxdata.catalog.store import VersionInfo
from cxdata.measures.contacts import enrich_contacts
from cxdata.measures.metrics import REGISTRY
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope, where_of
from cxdata.screens.drilldown import ROW_COLUMNS, ROWS_PER_PAGE, drilldown_screen
from cxdata.screens.pack import meeting_pack
from cxdata.settings import Settings

CSAT = REGISTRY["csat"]
VERSION = VersionInfo(version_id=7, dataset="acme", number=3, created_at=datetime(2026, 11, 1), note="", active=True,
                      tables={})
#: channel, touchpoint, segment, csat; each row once in October (the period) and once in September.
HAND = [("phone", "billing", "SMB", 5), ("phone", "billing", "SMB", 1), ("phone", "billing", "Enterprise", 4),
        ("chat", "billing", "SMB", 2), ("phone", "delivery", "SMB", 5)]


def hand_made(*drop: str) -> Analysis:
    rows = [{"interaction_id": f"{month}-{i}", "customer_id": f"C{i}", "started_at": datetime(2026, month, 1 + i, 9),
             "channel": c, "touchpoint": t, "segment": s, "csat": score}
            for month in (9, 10) for i, (c, t, s, score) in enumerate(HAND)]
    return Analysis(enrich_contacts(pl.DataFrame(rows).drop(*drop)), None)


def october(**where: list[str]) -> Scope:
    return Scope("acme", VERSION, date(2026, 10, 1), date(2026, 10, 31), (date(2026, 9, 1), date(2026, 9, 30)),
                 where_of(where.items()))


def test_the_selection_narrows_the_tile_the_months_and_the_interactions_by_hand() -> None:
    screen = drilldown_screen(hand_made(), october(), Settings(), CSAT, channel="phone", touchpoint="billing",
                              by="segment")
    assert (screen.selection, screen.tile_label) == ("phone · billing", "CSAT · phone · billing")
    # October's phone billing answers: 5, 1, 4 → 2 of 3 are 4 or 5; September the same, so no change
    assert (screen.tile["value"], screen.tile["n"], screen.tile["delta"]) == (pytest.approx(200 / 3), 3, 0)
    assert screen.by_month.figure.table.select("month", "n").rows() == [(date(2026, 9, 1), 3), (date(2026, 10, 1), 3)]
    assert screen.rows.get_column("interaction_id").to_list() == ["10-2", "10-1", "10-0"]  # newest first
    assert screen.rows.columns == [c for c in ROW_COLUMNS if c in screen.rows.columns]
    assert (screen.rows_title, screen.pages) == ("The interactions behind it (3)", 1)
    assert screen.rows_caption.startswith("of 1 · Oct 2026 vs Sep 2026 · ")
    assert screen.definition == f"CSAT: {CSAT.definition}" and screen.followup_note is None


def test_the_heat_map_and_the_segment_bars_keep_what_they_select_among() -> None:
    screen = drilldown_screen(hand_made(), october(), Settings(), CSAT, channel="phone", touchpoint="billing",
                              segment="SMB", by="segment")
    assert screen.heat_map is not None and screen.heat_map_needs is None
    # every cell of the SMB contacts, the selected one only highlighted
    cells = {(r["channel"], r["touchpoint"]): (r["value"], r["n"]) for r in screen.heat_map.figure.table.iter_rows(named=True)}
    assert cells == {("phone", "billing"): (50, 2), ("chat", "billing"): (0, 1), ("phone", "delivery"): (100, 1)}
    assert screen.heat_map.scope.where == (("segment", ("SMB",)),)
    # every segment of phone billing: SMB 1 of 2, Enterprise 1 of 1
    assert screen.segment_bars and screen.breakdown is not None
    assert screen.breakdown.figure.table.select("segment", "value", "n", "label").rows() == [
        ("Enterprise", 100, 1, "100.0%"), ("SMB", 50, 2, "50.0%")]
    assert screen.rows.get_column("interaction_id").to_list() == ["10-1", "10-0"]


def test_a_breakdown_by_another_column_takes_the_whole_selection() -> None:
    screen = drilldown_screen(hand_made(), october(), Settings(), CSAT, segment="SMB", by="channel")
    assert not screen.segment_bars and screen.breakdown is not None
    assert screen.breakdown.figure.table.select("channel", "n").rows() == [("chat", 1), ("phone", 3)]
    assert screen.selection == "SMB" and screen.breakdown.scope == screen.selected


def test_what_the_page_cannot_show_on_this_data() -> None:
    bare = drilldown_screen(hand_made("touchpoint"), october(), Settings(), CSAT)
    assert bare.heat_map is None and bare.heat_map_needs == "needs touchpoint"
    assert bare.breakdown is None and bare.selection == "all contacts"
    nobody = drilldown_screen(hand_made(), october(channel=["fax"]), Settings(), CSAT, by="segment")
    assert nobody.heat_map is not None and nobody.heat_map.figure.chart is None
    assert nobody.breakdown is not None and nobody.breakdown.figure.chart is None
    assert nobody.by_month.figure.chart is None and nobody.rows.is_empty() and nobody.tile["status"] == "no data"
    with pytest.raises(ValueError, match="needs contacts"):
        drilldown_screen(Analysis(None, None), october(), Settings(), CSAT)


def test_the_screen_is_frozen() -> None:
    screen = drilldown_screen(hand_made(), october(), Settings(), CSAT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        screen.pages = 2  # type: ignore[misc]


# ---------------------------------------------------------------- the sample

PERIOD = (date(2026, 8, 1), date(2026, 10, 31))
COMPARISON = (date(2026, 5, 1), date(2026, 7, 31))


@pytest.fixture(scope="module")
def scope(sample_store) -> Scope:
    return Scope("sample", sample_store.active_version("sample"), *PERIOD, COMPARISON)


def in_period(contacts: pl.DataFrame, start: date, end: date, **where: str) -> pl.DataFrame:
    rows = contacts.filter(pl.col("started_at").dt.date().is_between(start, end))
    for column, value in where.items():
        rows = rows.filter(pl.col(column) == value)
    return rows


def test_the_sample_selection_against_plain_polars(sample_analysis, scope) -> None:
    cell = {"channel": "phone", "touchpoint": "billing", "segment": "Small Business"}
    screen = drilldown_screen(sample_analysis, scope, Settings(), CSAT, **cell, by="segment")
    contacts = sample_analysis.contacts
    now = in_period(contacts, *PERIOD, **cell).filter(pl.col("csat").is_not_null())
    before = in_period(contacts, *COMPARISON, **cell).filter(pl.col("csat").is_not_null())
    share = (now.get_column("csat") >= 4).mean() * 100
    assert (screen.tile["value"], screen.tile["n"]) == (pytest.approx(share), now.height)
    assert screen.tile["delta"] == pytest.approx(share - (before.get_column("csat") >= 4).mean() * 100)

    segment = in_period(contacts, *PERIOD, segment="Small Business").filter(pl.col("csat").is_not_null())
    cells = segment.group_by("channel", "touchpoint").len().sort("channel", "touchpoint")
    assert screen.heat_map is not None
    assert screen.heat_map.figure.table.sort("channel", "touchpoint").select("n").to_series().to_list() == \
        cells.get_column("len").to_list()

    bars = (in_period(contacts, *PERIOD, channel="phone", touchpoint="billing").filter(pl.col("csat").is_not_null())
            .group_by("segment").agg(value=(pl.col("csat") >= 4).mean() * 100).sort("segment"))
    assert screen.breakdown is not None
    assert screen.breakdown.figure.table.get_column("value").to_list() == pytest.approx(bars.get_column("value").to_list())

    behind = in_period(contacts, *PERIOD, **cell).sort("started_at", descending=True)
    assert screen.rows.height == behind.height and screen.pages == math.ceil(behind.height / ROWS_PER_PAGE) > 2
    assert screen.page_rows(3).get_column("interaction_id").to_list() == \
        behind.get_column("interaction_id").slice(2 * ROWS_PER_PAGE, ROWS_PER_PAGE).to_list()
    shown, raw = screen.page_table(3), behind.slice(2 * ROWS_PER_PAGE, ROWS_PER_PAGE)
    assert shown.columns[:4] == ["Contact start", "Channel", "Touchpoint", "Contact reason"]
    assert "Contact id" in shown.columns and "Wait (seconds)" in shown.columns
    assert shown.get_column("Contact start").to_list() == [t.strftime("%-d %b %Y %H:%M") for t in raw["started_at"]]
    assert shown.get_column("CSAT").to_list() == ["–" if v is None else str(v) for v in raw["csat"]]
    assert shown.get_column("Resolved").to_list() == [{True: "yes", False: "no", None: "–"}[v] for v in raw["resolved"]]
    assert shown.get_column("Wait (seconds)").to_list() == [f"{v:,.0f}" for v in raw["wait_seconds"]]


def test_a_follow_up_metric_says_which_newest_days_it_leaves_out(sample_analysis, scope) -> None:
    screen = drilldown_screen(sample_analysis, scope, Settings(), REGISTRY["fcr"])
    assert screen.followup_note is not None and screen.followup_note.startswith(
        "First-contact resolution leaves out the contacts of the last 7 days of the data")


def test_the_pack_writes_the_heat_map_the_page_draws(sample_analysis, scope) -> None:
    settings = Settings()
    screen = drilldown_screen(sample_analysis, scope, settings, CSAT)
    sheet = next(s for s in meeting_pack(sample_analysis, scope, settings, drill_metric="csat").sheets
                 if s.title == "Drill-down CSAT")
    assert screen.heat_map is not None
    assert sheet.frame.select("Channel", "Touchpoint", "Value", "95% CI low", "95% CI high", "n").rows() == \
        screen.heat_map.figure.table.select("channel", "touchpoint", "value", "low", "high", "n").rows()
    assert len(sheet.charts) == 1 and screen.heat_map.figure.chart is not None  # the page's adds "click a cell"
