"""The Drill-down: the metric and the selected cell come from the URL; the heat map, the selection's
tile, the breakdown by segment and the interactions behind it are what the engine computes for the
same filters (here, independently); the interactions are paged; data without the needed fields says
which upload unlocks the view. Clicking the heat map is a browser test (tests/e2e)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from apptest_helpers import run_app
from cxdata import format as fmt
from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.ingest import import_file
from cxdata.measures.metrics import compute
from cxdata.screens.dashboard import kpi_tiles
from dashboard_helpers import DRILLDOWN_PAGE, captions, chart_data, chart_titles, last_months, tiles

CELL = {"drill_channel": "phone", "drill_touchpoint": "billing", "drill_segment": "Small Business"}
WHERE = {"channel": ["phone"], "touchpoint": ["billing"], "segment": ["Small Business"]}


def rows_behind(a, filters) -> pl.DataFrame:
    """The interactions of a selection, newest first, filtered here with polars."""
    f = filters
    rows = a.contacts.filter(pl.col("started_at").dt.date().is_between(f.start, f.end))
    for column, values in f.where:
        rows = rows.filter(pl.col(column).is_in(list(values)))
    return rows.sort("started_at", descending=True)


def test_a_link_opens_the_metric_and_the_cell(analysed_store: Path, sample_engine) -> None:
    a, settings = sample_engine
    at = run_app(DRILLDOWN_PAGE, metric="NPS", **CELL)
    assert at.selectbox(key="metric").value == "NPS"
    assert [at.selectbox(key=k).value for k in CELL] == list(CELL.values())

    want = last_months(analysed_store, 3, **WHERE)
    tile = kpi_tiles(a, want.filters, want.comparison, settings.params(), keys=("nps",))[0]
    label = "NPS · phone · billing · Small Business"
    assert tiles(at)[label] == (fmt.number(tile["value"], "points"), fmt.delta(tile["delta"], "points"))


def test_the_heat_map_is_the_metric_by_channel_and_touchpoint(analysed_store: Path, sample_engine) -> None:
    a, settings = sample_engine
    at = run_app(DRILLDOWN_PAGE, metric="CSAT", drill_segment="Enterprise")
    want = last_months(analysed_store, 3, segment=["Enterprise"])
    cells = compute("csat", a.contacts, by=["channel", "touchpoint"], filters=want.filters, params=settings.params())
    drawn = chart_data(at, "cells")[0].sort("channel", "touchpoint")
    assert drawn["n"].to_list() == cells["n"].to_list()
    assert drawn["value"].to_list() == pytest.approx(cells["value"].to_list(), nan_ok=True)
    small = cells.filter(pl.col("small"))
    assert small.height, "the sample has small cells"
    shrunk = drawn.filter(pl.col("small"))
    assert shrunk["shown"].to_list() == pytest.approx(small["shrunk"].to_list()), "small cells show the shrunk rate"
    assert all(label.endswith("°") for label in shrunk["label"])
    assert chart_titles(at)[0] == "CSAT by channel and touchpoint"


def test_the_breakdown_by_segment_and_the_interactions_behind_the_selection(analysed_store: Path, sample_engine) -> None:
    a, settings = sample_engine
    at = run_app(DRILLDOWN_PAGE, metric="CSAT", drill_channel="phone", drill_touchpoint="billing")
    want = last_months(analysed_store, 3, channel=["phone"], touchpoint=["billing"])
    by_segment = compute("csat", a.contacts, by=["segment"], filters=want.filters, params=settings.params())
    drawn = chart_data(at, "bars")[0].sort("segment")
    assert drawn["value"].to_list() == pytest.approx(by_segment.sort("segment")["value"].to_list())

    behind = rows_behind(a, want.filters)
    assert at.subheader[0].value == f"The interactions behind it ({behind.height:,})"
    table = next(d.value for d in at.dataframe if "Comment" in d.value.columns)
    assert len(table) == 50
    assert list(table["Contact id"]) == behind["interaction_id"].head(50).to_list()
    assert {b.label for b in at.download_button} >= {"CSV", "Excel"}

    at = run_app(DRILLDOWN_PAGE, metric="CSAT", drill_channel="phone", drill_touchpoint="billing", rows_page="3")
    table = next(d.value for d in at.dataframe if "Comment" in d.value.columns)
    assert list(table["Contact id"]) == behind["interaction_id"].slice(100, 50).to_list()


def test_comments_are_plain_text_in_a_dataframe(analysed_store: Path) -> None:
    csv = (b"started_at,customer_id,channel,touchpoint,comment\n"
           b"2026-03-01 09:00,A1,phone,billing,\"**bold** <b>x</b> =HYPERLINK(\"\"http://x\"\")\"\n")
    import_file(Store(analysed_store), csv, "c.csv", "interactions", dataset="comments", actor=LOCAL)
    at = run_app(DRILLDOWN_PAGE, dataset="comments")
    table = next(d.value for d in at.dataframe if "Comment" in d.value.columns)
    assert table["Comment"][0] == '**bold** <b>x</b> =HYPERLINK("http://x")'
    assert not any("<b>" in m.value for m in at.markdown)


def test_interactions_without_touchpoint_or_surveys_say_what_unlocks_the_view(analysed_store: Path) -> None:
    import_file(Store(analysed_store), b"started_at,customer_id,channel\n2026-03-01 09:00,A1,phone\n", "one.csv",
                "interactions", dataset="bare", actor=LOCAL)
    at = run_app(DRILLDOWN_PAGE, dataset="bare")
    assert at.selectbox(key="metric").options == ["First-contact resolution", "Repeat contacts (1 d)",
                                                  "Repeat contacts (7 d)", "Repeat contacts (30 d)",
                                                  "Contact volume", "Cost per contact"]
    assert any("Needs touchpoint" in i.value for i in at.info)
    assert any("more metrics need other fields" in e.label for e in at.expander)


def test_an_empty_store_asks_for_data(empty_store: Path) -> None:
    at = run_app(DRILLDOWN_PAGE)
    assert "No data yet" in at.info[0].value


def test_a_metric_with_a_follow_up_window_says_which_newest_days_it_leaves_out(analysed_store: Path,
                                                                                 sample_engine) -> None:
    a, _ = sample_engine
    cutoff = a.contacts.get_column("started_at").max() - timedelta(days=7)
    at = run_app(DRILLDOWN_PAGE, metric="First-contact resolution")
    assert (f"First-contact resolution leaves out the contacts of the last 7 days of the data (after "
            f"{cutoff:%-d %b %Y}), whose follow-ups are not yet known.") in captions(at)
    at = run_app(DRILLDOWN_PAGE, metric="CSAT")
    assert not any("follow-ups are not yet known" in c for c in captions(at))


@pytest.mark.parametrize(("asked", "label"), [("fcr", "First-contact resolution"), ("abandonment", "Abandonment")])
def test_a_link_may_name_the_metric_by_its_key(analysed_store: Path, asked: str, label: str) -> None:
    at = run_app(DRILLDOWN_PAGE, metric=asked)
    assert at.selectbox(key="metric").value == label
    assert at.query_params["metric"] == label, "the address carries the label the selector writes"
    assert chart_titles(at)[0] == f"{label} by channel and touchpoint"
