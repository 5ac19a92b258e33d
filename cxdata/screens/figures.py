"""Parts every screen is built from: a :class:`Tile` (one number as written, with its help and caption), and a
:class:`Figure` (a table and its chart) that a page draws and the meeting pack writes, so the two agree by
construction: a KPI's trend by month (Overview), the channel × touchpoint heat map (Drill-down), churn by negative
experiences and the key drivers (Churn & Revenue).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import polars as pl

from cxdata import format as fmt
from cxdata.measures.metrics import MIN_ANSWERS, Filters, Metric, Params, compute, compute_many
from cxdata.models.analysis import Analysis
from cxdata.screens.charts import (
    BAD,
    heatmap_cells,
    heatmap_chart,
    interval_bars,
    labelled,
    small_cells_note,
    trend_chart,
)
from cxdata.screens.dashboard import BUCKETS, churn_by_negatives


@dataclass(frozen=True)
class Tile:
    """One number as a screen shows it: ``label``, ``value`` as written, ``help`` (what it is, behind its ?),
    ``caption`` under it (None: none) and a change drawn as a delta (``delta_color``: ``normal``, ``inverse`` or
    ``off``, as Streamlit's metric takes it)."""

    label: str
    value: str
    help: str = ""
    caption: str | None = None
    delta: str | None = None
    delta_color: Literal["normal", "inverse", "off"] = "off"


@dataclass(frozen=True)
class Figure:
    """``table``: every row, as the pack writes it; ``chart``: the rows worth drawing (None when none is)."""


    table: pl.DataFrame
    chart: dict | None  # a Vega-Lite spec (cxdata.screens.charts)

    @property
    def charts(self) -> list[dict]:
        """The chart as a pack sheet lists its charts."""
        return [] if self.chart is None else [self.chart]


def churn_by_negatives_figure(a: Analysis, filters: Filters) -> Figure | None:
    """Monthly churn by the expected number of negative experiences in the previous month (buckets 0, 1, 2–3, 4+)
    with Wilson 95% intervals (:func:`cxdata.screens.dashboard.churn_by_negatives`); the chart leaves out buckets with
    fewer than ``MIN_ANSWERS`` customer-months. None without the experience model."""
    if a.panel is None or "expected_negatives_prev" not in a.panel.columns:
        return None
    table = churn_by_negatives(a.panel, filters)
    shown = table.filter(pl.col("n") >= MIN_ANSWERS)
    chart = None if not shown.height else interval_bars(
        labelled(shown.rename({"churn": "value"}), "%", ""), category="bucket", order=list(BUCKETS), colour=BAD,
        category_title="Negative experiences",
        title="Monthly churn by the number of negative experiences in the previous month",
        subtitle=f"{fmt.period_text(filters.start, filters.end)} · {fmt.where_text(filters.where)} · bars: 95% interval",
        value_title="Monthly churn (%)")
    return Figure(table, chart)


def key_drivers_figure(a: Analysis) -> Figure | None:
    """The key drivers of negative experiences: each driver's share of the explained variance (relative weights)
    with its bootstrap 95% interval, and the model's R², over all contacts. None without drivers."""
    if a.drivers is None or not a.drivers.height:
        return None
    table = a.drivers.with_columns(pl.col("driver").replace(fmt.DRIVER_LABELS))
    r2 = float(table.get_column("r2")[0])
    chart = interval_bars(labelled(table.with_columns(value=pl.col("share")), "%", ""),
                          category="driver", category_title=None, title="Key drivers of negative experiences",
                          subtitle=f"share of explained variance · relative weights, R² = {r2:.2f} · all contacts",
                          value_title="Share of explained variance (%)")
    return Figure(table, chart)


def heat_map_figure(a: Analysis, metric: Metric, filters: Filters, params: Params, symbol: str,
                    selected: tuple[str | None, str | None] = (None, None), hint: str = "") -> Figure | None:
    """``metric`` by channel × touchpoint with its 95% interval and n (:func:`cxdata.measures.metrics.compute`); small cells
    shrunk toward the overall rate or hidden (:func:`cxdata.screens.charts.heatmap_cells`). ``selected`` highlights a cell,
    ``hint`` ends the subtitle (the page's "click a cell"). None when the contacts lack channel or touchpoint;
    no chart when the filters leave no contact."""
    if a.contacts is None or not {"channel", "touchpoint"} <= set(a.contacts.columns):
        return None
    cells = compute(metric, a.contacts, by=["channel", "touchpoint"], filters=filters, params=params)
    if not cells.height:
        return Figure(cells, None)
    subtitle = " · ".join(part for part in (fmt.period_text(filters.start, filters.end), fmt.where_text(filters.where),
                                            hint, small_cells_note(cells)) if part)
    chart = heatmap_chart(heatmap_cells(cells, metric, symbol, selected), x="channel", y="touchpoint",
                          title=f"{metric.label} by channel and touchpoint", subtitle=subtitle,
                          value_title=metric.label, higher_is_better=metric.higher_is_better)
    return Figure(cells, chart)


def trend_figure(a: Analysis, metric: Metric, filters: Filters, comparison: Filters | None, params: Params,
                 symbol: str) -> Figure:
    """``metric`` by month over every month of the data with the dimension filters of ``filters`` (the period does
    not apply), with its 95% interval; the chart shades the period and the ``comparison`` period. No chart when the
    filters leave no month."""
    return trend_figures(a, [metric], filters, comparison, params, symbol)[0]


def trend_figures(a: Analysis, metrics: Sequence[Metric], filters: Filters, comparison: Filters | None,
                  params: Params, symbol: str) -> list[Figure]:
    """:func:`trend_figure` of each of ``metrics``, in their order: the metrics of one base frame by month in one
    query (:func:`cxdata.measures.metrics.compute_many`)."""
    every_month = replace(filters, start=None, end=None)
    tables: dict[str, pl.DataFrame] = {}
    for base in dict.fromkeys(m.base for m in metrics):
        group = [m for m in metrics if m.base is base]
        tables |= compute_many(group, a.frames.for_metric(group[0]), by=["month"], filters=every_month, params=params)
    return [_trend(m, tables[m.key], filters, comparison, symbol) for m in metrics]


def _trend(metric: Metric, by_month: pl.DataFrame, filters: Filters, comparison: Filters | None,
           symbol: str) -> Figure:
    """The trend figure of ``metric`` from its table by month."""
    if not by_month.height:
        return Figure(by_month, None)
    period = (filters.start, filters.end) if filters.start is not None and filters.end is not None else None
    compared = (comparison.start, comparison.end) if comparison is not None and comparison.start is not None else None
    chart = trend_chart(labelled(by_month, metric.unit, symbol), title=f"{metric.label} by month, with its 95% interval",
                        subtitle=f"{fmt.where_text(filters.where)} · hollow points: fewer than 30 answers",
                        value_title=f"{metric.label} ({metric.unit})", period=period, comparison=compared)
    return Figure(by_month, chart)
