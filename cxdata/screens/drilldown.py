"""The Drill-down, built once for the page that draws it: a contact metric on a channel × touchpoint heat map, the
selected cell's tile, the selection broken down by one text column and by month, and the interactions behind it,
newest first, a page at a time. The heat map is :func:`cxdata.screens.figures.heat_map_figure`, which the meeting
pack writes too.

The selection is a channel, a touchpoint and a segment (each None for all) narrowing the scope's filters
(:meth:`cxdata.scope.Scope.narrowed`). Where each number comes from: the heat map — the metric by channel ×
touchpoint with its 95% interval and n (:func:`cxdata.measures.metrics.compute`), the selected channel and
touchpoint only highlighted, not filtered; the tile — the metric of the selection with its change against the
comparison period, Δ = now − before with Δ ± 1.96·√(SE₁² + SE₀²) (:func:`cxdata.screens.dashboard.kpi_tiles`); the
breakdown — the metric by the column's values, the :data:`~cxdata.screens.dashboard.MAX_BARS` groups with the most
answers (:func:`cxdata.screens.dashboard.metric_by`), with the selected segment highlighted rather than filtered when
the column is the segment; by month — the metric over every month of the data with the selection's dimension
filters (:func:`cxdata.measures.metrics.compute`); the follow-up note —
:func:`cxdata.measures.metrics.followup_note`; the interactions — the contacts of the selection in the period.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from cxdata import format as fmt
from cxdata.measures.metrics import Metric, compute, followup_note
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.charts import interval_bars, labelled, trend_chart
from cxdata.screens.dashboard import MAX_BARS, kpi_tiles, metric_by
from cxdata.screens.export import text_table
from cxdata.screens.figures import Figure, heat_map_figure
from cxdata.settings import Settings

#: Interactions a page of the table lists.
ROWS_PER_PAGE = 50
#: Columns of the interactions table, in this order (those the data has).
ROW_COLUMNS = ("started_at", "channel", "touchpoint", "reason", "segment", "region", "csat", "nps", "ces",
               "wait_seconds", "handle_seconds", "transfers", "resolved", "abandoned", "automated", "escalated",
               "comment", "agent", "team", "customer_id", "interaction_id")
#: The dimensions a heat-map cell crosses.
HEAT_MAP_DIMENSIONS = ("channel", "touchpoint")


@dataclass(frozen=True)
class Part:
    """One chart of the page: ``scope``, the filters it is computed with (what an empty result names), and
    ``figure``, its rows with their display strings and its chart (no chart when the scope leaves no row)."""

    scope: Scope
    figure: Figure


@dataclass(frozen=True)
class DrilldownScreen:
    """What the Drill-down shows for one scope, metric and selection.

    ``metric``: the contact KPI drawn; ``selection``: the selected channel · touchpoint · segment (``all contacts``
    when none); ``selected``: the scope narrowed to the selection (the tile, the months, the interactions).
    ``tile``: the selection's tile (``kpi_tiles``: value, low, high, n, delta, delta_low, delta_high, status,
    definition) and ``tile_label``; ``definition``: the metric's definition as a sentence; ``followup_note``: the
    newest contacts a follow-up metric leaves out (None when none). ``heat_map``: the metric by channel × touchpoint
    with the selected segment (None when the contacts lack a dimension, ``heat_map_needs`` then says which, as an
    engine status ``needs …``). ``by``: the breakdown's column (None when the data has none) and ``breakdown`` its
    bars (None without a column); ``by_month``: the selection's metric by month. ``rows``: every interaction of the
    selection (:data:`ROW_COLUMNS` the data has, then the other filter columns), newest first; ``rows_title`` says
    how many, ``pages`` of :data:`ROWS_PER_PAGE`, ``rows_caption`` what the pages cover."""

    metric: Metric
    selection: str
    selected: Scope
    tile: Mapping
    tile_label: str
    definition: str
    followup_note: str | None
    heat_map: Part | None
    heat_map_needs: str | None
    by: str | None
    breakdown: Part | None
    by_month: Part
    rows: pl.DataFrame
    rows_title: str
    pages: int
    rows_caption: str

    @property
    def segment_bars(self) -> bool:
        """The breakdown is by segment, so a click on a bar selects that segment."""
        return self.by == "segment"

    def page_rows(self, page: int) -> pl.DataFrame:
        """The interactions of page ``page`` (1: the newest :data:`ROWS_PER_PAGE`)."""
        return self.rows.slice((page - 1) * ROWS_PER_PAGE, ROWS_PER_PAGE)

    def page_table(self, page: int) -> pl.DataFrame:
        """:meth:`page_rows` as the table shows them (:func:`cxdata.screens.export.text_table`): each column under
        its one name, seconds as ``1,204``, a dash when missing."""
        return text_table(self.page_rows(page), units={"wait_seconds": "count", "handle_seconds": "count"})


def _heat_map(a: Analysis, metric: Metric, scope: Scope, channel: str | None, touchpoint: str | None,
              settings: Settings) -> Part | None:
    figure = heat_map_figure(a, metric, scope.filters, settings.params(), settings.symbol, (channel, touchpoint),
                             hint="click a cell to drill down")
    return None if figure is None else Part(scope, figure)


def _breakdown(a: Analysis, metric: Metric, scope: Scope, column: str, segment: str | None,
               settings: Settings) -> Part:
    selectable = column == "segment"
    rows = labelled(metric_by(a, metric, column, scope.filters, settings.params()), metric.unit, settings.symbol)
    if not rows.height:
        return Part(scope, Figure(rows, None))
    label = fmt.dimension_label(column)
    chart = interval_bars(rows, category=column, title=f"{metric.label} by {label.lower()}",
                          subtitle=scope.describe() + (" · click a bar to select it" if selectable else
                                                       f" · the {MAX_BARS} with the most answers at most"),
                          value_title=metric.label, highlight=segment if selectable else None,
                          selection="segment" if selectable else None, category_title=label)
    return Part(scope, Figure(rows, chart))


def _by_month(contacts: pl.DataFrame, metric: Metric, scope: Scope, selected: Scope, settings: Settings) -> Part:
    months = compute(metric, contacts, by=["month"], filters=selected.dimension_filters, params=settings.params())
    months = labelled(months, metric.unit, settings.symbol)
    if not months.height:
        return Part(selected, Figure(months, None))
    chart = trend_chart(months, title=f"{metric.label} by month", subtitle=f"{selected.where_text()} · hollow: n<30",
                        value_title=metric.label, period=(scope.start, scope.end) if scope.start else None,
                        comparison=scope.comparison, height=280)
    return Part(selected, Figure(months, chart))


def _interactions(contacts: pl.DataFrame, selected: Scope) -> pl.DataFrame:
    condition, _ = selected.filters.predicate(contacts.schema, "started_at")
    columns = [c for c in ROW_COLUMNS if c in contacts.columns]
    extras = [c for c, _ in selected.where if c in contacts.columns and c not in columns]
    lf = contacts.lazy() if condition is None else contacts.lazy().filter(condition)
    return lf.select(*columns, *extras).sort("started_at", descending=True).collect()


def drilldown_screen(a: Analysis, scope: Scope, settings: Settings, metric: Metric, *, channel: str | None = None,
                     touchpoint: str | None = None, segment: str | None = None,
                     by: str | None = None) -> DrilldownScreen:
    """The Drill-down of ``a`` (which has contacts) for ``scope`` in ``settings``' currency and definitions:
    ``metric`` with the selected ``channel``, ``touchpoint`` and ``segment`` (None: all), broken down by the column
    ``by`` (None: no breakdown)."""
    if a.contacts is None:
        raise ValueError("the Drill-down needs contacts")
    cell = {"channel": channel, "touchpoint": touchpoint, "segment": segment}

    def narrowed(*skip: str) -> Scope:
        return scope.narrowed(**{c: [v] for c, v in cell.items() if v is not None and c not in skip})

    selected = narrowed()
    selection = " · ".join(v for v in cell.values() if v is not None) or "all contacts"
    tile = kpi_tiles(a, selected.filters, selected.comparison_filters, settings.params(), keys=(metric.key,))[0]
    heat_map = _heat_map(a, metric, narrowed(*HEAT_MAP_DIMENSIONS), channel, touchpoint, settings)
    missing = [c for c in HEAT_MAP_DIMENSIONS if c not in a.contacts.columns]
    rows = _interactions(a.contacts, selected)
    pages = max(1, math.ceil(rows.height / ROWS_PER_PAGE))
    return DrilldownScreen(
        metric=metric, selection=selection, selected=selected, tile=tile, tile_label=f"{metric.label} · {selection}",
        definition=f"{metric.label}: {metric.definition}",
        followup_note=followup_note([metric], a.contacts, params=settings.params()),  # the trend reaches the end
        heat_map=heat_map, heat_map_needs=f"needs {', '.join(missing)}" if heat_map is None else None,
        by=by,
        breakdown=None if by is None else _breakdown(a, metric, narrowed("segment") if by == "segment" else selected,
                                                     by, segment, settings),
        by_month=_by_month(a.contacts, metric, scope, selected, settings),
        rows=rows, rows_title=f"The interactions behind it ({fmt.count(rows.height)})", pages=pages,
        rows_caption=f"of {fmt.count(pages)} · {selected.describe()}")
