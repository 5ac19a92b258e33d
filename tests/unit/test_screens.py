"""Screens built once for the page and the pack: the heat map on a table worked out by hand."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from cxdata.measures.metrics import REGISTRY, Filters, Params
from cxdata.models.analysis import Analysis
from cxdata.screens.figures import heat_map_figure, trend_figure


def _contacts() -> pl.DataFrame:
    rows = [("phone", "billing", 3), ("phone", "billing", 1), ("chat", "billing", 5), ("phone", "delivery", 2)]
    return pl.DataFrame({
        "interaction_id": [f"i{i}" for i in range(len(rows))],
        "started_at": [datetime(2026, 10, 1 + i, 9) for i in range(len(rows))],
        "channel": [r[0] for r in rows], "touchpoint": [r[1] for r in rows], "csat": [r[2] for r in rows],
    })


def test_the_heat_map_holds_each_cell_with_its_n_and_draws_it() -> None:
    figure = heat_map_figure(Analysis(_contacts(), None), REGISTRY["contacts"], Filters(), Params(), "€")
    cells = {(r["channel"], r["touchpoint"]): (r["value"], r["n"]) for r in figure.table.iter_rows(named=True)}
    assert cells == {("phone", "billing"): (2, 2), ("chat", "billing"): (1, 1), ("phone", "delivery"): (1, 1)}
    assert figure.chart is not None and figure.charts == [figure.chart]
    assert "by channel and touchpoint" in str(figure.chart)


def test_no_heat_map_without_its_dimensions_and_no_chart_when_the_filters_leave_nothing() -> None:
    assert heat_map_figure(Analysis(_contacts().drop("touchpoint"), None), REGISTRY["contacts"], Filters(),
                           Params(), "€") is None
    empty = heat_map_figure(Analysis(_contacts(), None), REGISTRY["contacts"],
                            Filters.of(date(2025, 1, 1), date(2025, 1, 31)), Params(), "€")
    assert empty is not None and empty.chart is None and empty.charts == []


def test_the_trend_covers_every_month_and_shades_the_period() -> None:
    contacts = _contacts().vstack(_contacts().with_columns(pl.col("started_at").dt.offset_by("-1mo")))
    contacts = contacts.with_columns(month=pl.col("started_at").dt.date().dt.truncate("1mo"))
    period = Filters.of(date(2026, 10, 1), date(2026, 10, 31), channel=["phone"])
    figure = trend_figure(Analysis(contacts, None), REGISTRY["contacts"], period, None, Params(), "€")
    # the period does not filter the months; the channel filter does: 3 phone contacts a month
    assert figure.table.select("month", "value").rows() == [(date(2026, 9, 1), 3), (date(2026, 10, 1), 3)]
    assert "2026-10-01" in str(figure.chart)  # the period is shaded

