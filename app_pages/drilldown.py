"""Drill-down — the analyst's page: a metric on a channel × touchpoint heat map; click a cell (or
pick it above) to select it; the selection broken down by segment (or any other text column: reason,
agent, team…) and by month; the interactions behind it, 50 a page, downloadable as CSV and Excel.

Everything the page shows is in the URL: ``metric``, ``drill_channel``, ``drill_touchpoint``,
``drill_segment``, ``drill_by`` and ``rows_page`` are bound widgets, and a click on the heat map writes
the cell into ``drill_channel``/``drill_touchpoint`` (a chart selection cannot be restored from a URL;
docs/architecture.md "Streamlit rules"). Numbers: ``cxdata.screens.figures.heat_map_figure`` (shared with the meeting pack), ``cxdata.measures.metrics.compute``, ``cxdata.screens.dashboard.kpi_tiles`` and ``metric_by``; a
metric with a follow-up window (FCR, repeat contacts, verified containment) says which newest days it
leaves out (``cxdata.measures.metrics.followup_note``).
"""

import math

import streamlit as st

from cxdata import format as fmt
from cxdata.measures.metrics import Base, Metric, compute, followup_note
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.charts import interval_bars, labelled, trend_chart
from cxdata.screens.dashboard import MAX_BARS, contact_metrics, kpi_tiles, metric_by
from cxdata.screens.export import Sheet, csv_bytes, workbook
from cxdata.screens.figures import heat_map_figure
from cxdata.settings import Settings
from ui.charts import draw
from ui.dashboard import (
    bullet_list,
    data_page_link,
    header,
    kpi_tile,
    missing_metrics,
    no_data_message,
    page_analysis,
    unlock_hint,
)
from ui.downloads import XLSX_MIME
from ui.filters import current_scope
from ui.loaders import data_shape
from ui.settings import current_settings
from ui.state import bound_number_input
from ui.store import get_store
from ui.text import plain, slug

BIND = "query-params"
BY = "drill_by"
ALL = "All"
ROWS_PER_PAGE = 50
XLSX_MAX_ROWS = 50_000
CELL = {"channel": "drill_channel", "touchpoint": "drill_touchpoint", "segment": "drill_segment"}
HEAT = "_heatmap"
SEGMENT_BARS = "_segment_bars"
#: Columns of the interactions table, in this order (those the data has).
ROW_COLUMNS = ("started_at", "channel", "touchpoint", "reason", "segment", "region", "csat", "nps", "ces",
               "wait_seconds", "handle_seconds", "transfers", "resolved", "abandoned", "automated", "escalated",
               "comment", "agent", "team", "customer_id", "interaction_id")


def _selected(values) -> dict | None:
    """The first selected point of a chart selection state (a list of field dicts, or a dict)."""
    if isinstance(values, list):
        return values[0] if values else None
    return values or None


def _clicked_cell() -> None:
    """Heat-map callback: write the clicked channel and touchpoint into the bound selectors."""
    point = _selected(st.session_state[HEAT]["selection"].get("cell"))
    for column in ("channel", "touchpoint"):
        st.session_state[CELL[column]] = str(point[column]) if point and point.get(column) is not None else ALL
    st.session_state["rows_page"] = 1


def _clicked_segment() -> None:
    point = _selected(st.session_state[SEGMENT_BARS]["selection"].get("segment"))
    st.session_state[CELL["segment"]] = str(point["segment"]) if point and point.get("segment") is not None else ALL
    st.session_state["rows_page"] = 1


def _first_page() -> None:
    st.session_state["rows_page"] = 1


def choose_metric(metrics: list[Metric]) -> Metric:
    labels = [m.label for m in metrics]
    if st.session_state.get("metric") not in labels:
        st.session_state.pop("metric", None)
    label = st.selectbox("Metric", labels, key="metric", bind=BIND, width=300,
                         help="Any contact-level KPI of the registry; its definition is in the tile's ⓘ below.")
    return metrics[labels.index(label)]


def choose_cell(a: Analysis, scope: Scope) -> dict[str, str | None]:
    """Channel, touchpoint and segment of the selection (None = all), three bound selectors."""
    chosen = {}
    dimensions = dict(data_shape(get_store(), scope.version).dimensions)
    columns = [c for c in CELL if c in a.contacts.columns and c in dimensions]
    for slot, column in zip(st.columns(max(len(columns), 1)), columns):
        values = dict(scope.where).get(column) or dimensions[column]
        options = [ALL, *values]
        if st.session_state.get(CELL[column]) not in options:
            st.session_state.pop(CELL[column], None)
        value = slot.selectbox(f"Selected {column}", options, key=CELL[column], bind=BIND, on_change=_first_page,
                               help=f"Click the heat map to pick a channel and touchpoint; {column} is part of the link.")
        chosen[column] = None if value == ALL else value
    return chosen | {c: None for c in CELL if c not in chosen}


def cell_scope(scope: Scope, cell: dict[str, str | None], *skip: str) -> Scope:
    return scope.narrowed(**{c: [v] for c, v in cell.items() if v is not None and c not in skip})


def selection_text(cell: dict[str, str | None]) -> str:
    parts = [v for v in cell.values() if v is not None]
    return " · ".join(parts) if parts else "all contacts"


def heat_map(a: Analysis, metric: Metric, scope: Scope, cell: dict[str, str | None], settings: Settings) -> None:
    in_scope = cell_scope(scope, cell, "channel", "touchpoint")
    figure = heat_map_figure(a, metric, in_scope.filters, settings.params(), settings.symbol,
                             (cell["channel"], cell["touchpoint"]), hint="click a cell to drill down")
    if figure is None:
        missing = [c for c in ("channel", "touchpoint") if c not in a.contacts.columns]
        st.info(plain(unlock_hint(f"needs {', '.join(missing)}") + " The heat map crosses channel and touchpoint."),
                icon=":material/lock:")
        return
    if figure.chart is None:
        st.info(no_data_message(in_scope))
        return
    draw(figure.chart, key=HEAT, on_select=_clicked_cell, selection_mode="cell")


def selection_tile(a: Analysis, metric: Metric, scope: Scope, cell: dict[str, str | None], settings: Settings) -> None:
    selected = cell_scope(scope, cell)
    tile = kpi_tiles(a, selected.filters, selected.comparison_filters, settings.params(), keys=(metric.key,))[0]
    kpi_tile(tile, selected, settings.symbol, label=f"{metric.label} · {selection_text(cell)}")


def choose_breakdown(a: Analysis, scope: Scope) -> str | None:
    """The dimension of the bars (bound to ``drill_by``): segment when the data has it, else the first
    text column of the contacts (reason, agent, team… of a contact log without customers)."""
    dimensions = [c for c, _ in data_shape(get_store(), scope.version).dimensions if c in a.contacts.columns]
    if not dimensions:
        return None
    if st.session_state.get(BY) not in dimensions:
        st.session_state.pop(BY, None)
    default = dimensions.index("segment") if "segment" in dimensions else 0
    return st.selectbox("Break down by", dimensions, index=default, format_func=fmt.dimension_label, key=BY,
                        bind=BIND, width=260, help="Any text column of the contacts and their customers.")


def by_dimension(a: Analysis, metric: Metric, scope: Scope, cell: dict[str, str | None], settings: Settings) -> None:
    column = choose_breakdown(a, scope)
    if column is None:
        st.info(plain(unlock_hint("needs segment") + " Or map a column to reason, agent or team to break the "
                                                     "metric down by it."), icon=":material/lock:")
        return
    selectable = column == "segment"
    in_scope = cell_scope(scope, cell, "segment") if selectable else cell_scope(scope, cell)
    rows = labelled(metric_by(a, metric, column, in_scope.filters, settings.params()), metric.unit, settings.symbol)
    if not rows.height:
        st.info(no_data_message(in_scope))
        return
    label = fmt.dimension_label(column)
    chart = interval_bars(rows, category=column, title=f"{metric.label} by {label.lower()}",
                          subtitle=in_scope.describe() + (" · click a bar to select it" if selectable else
                                                          f" · the {MAX_BARS} with the most answers at most"),
                          value_title=metric.label, highlight=cell["segment"] if selectable else None,
                          selection="segment" if selectable else None, category_title=label)
    if selectable:
        draw(chart, key=SEGMENT_BARS, on_select=_clicked_segment, selection_mode="segment")
    else:
        draw(chart)


def over_time(a: Analysis, metric: Metric, scope: Scope, cell: dict[str, str | None], settings: Settings) -> None:
    in_scope = cell_scope(scope, cell)
    months = compute(metric, a.contacts, by=["month"], filters=in_scope.dimension_filters, params=settings.params())
    months = labelled(months, metric.unit, settings.symbol)
    if not months.height:
        st.info(no_data_message(in_scope))
        return
    chart = trend_chart(months, title=f"{metric.label} by month", subtitle=f"{in_scope.where_text()} · hollow: n<30",
                        value_title=metric.label, period=(scope.start, scope.end) if scope.start else None,
                        comparison=scope.comparison, height=280)
    draw(chart)


def interactions(a: Analysis, scope: Scope, cell: dict[str, str | None], settings: Settings) -> None:
    selected = cell_scope(scope, cell)
    condition, _ = selected.filters.predicate(a.contacts.schema, "started_at")
    columns = [c for c in ROW_COLUMNS if c in a.contacts.columns]
    extras = [c for c, _ in selected.where if c in a.contacts.columns and c not in columns]
    lf = a.contacts.lazy() if condition is None else a.contacts.lazy().filter(condition)
    rows = lf.select(*columns, *extras).sort("started_at", descending=True).collect()
    st.subheader(f"The interactions behind it ({fmt.count(rows.height)})", divider="gray")
    if not rows.height:
        st.info(no_data_message(selected))
        return
    pages = max(1, math.ceil(rows.height / ROWS_PER_PAGE))
    if not 1 <= st.session_state.get("rows_page", 1) <= pages:
        st.session_state.pop("rows_page", None)
    bar = st.container(horizontal=True, vertical_alignment="bottom")
    page = bound_number_input(bar, "Page", min_value=1, max_value=pages, step=1, key="rows_page",
                              width=140, help=f"{ROWS_PER_PAGE} interactions a page, newest first.")
    bar.caption(plain(f"of {pages:,} · {selected.describe()}"))
    stem = slug(f"{scope.dataset}-interactions-{selection_text(cell)}")
    cover = [("Dataset", f"{scope.dataset} (version {scope.version.number})"), ("Filters", selected.describe()),
             ("Rows", rows.height if rows.height <= XLSX_MAX_ROWS else f"the newest {XLSX_MAX_ROWS:,} of {rows.height:,}")]
    bar.download_button("CSV", lambda: csv_bytes(rows), file_name=f"{stem}.csv", mime="text/csv",
                        on_click="ignore", icon=":material/download:", key="_rows_csv",
                        help="Every interaction of the selection (UTF-8 with BOM for Excel; text that looks like a "
                             "formula starts with ' so it stays text).")
    bar.download_button("Excel", lambda: workbook(f"Momento — interactions: {selection_text(cell)}", cover,
                                                  [Sheet("Interactions", rows.head(XLSX_MAX_ROWS))]),
                        file_name=f"{stem}.xlsx", mime=XLSX_MIME, on_click="ignore", icon=":material/download:",
                        key="_rows_xlsx", help=f"Up to {XLSX_MAX_ROWS:,} interactions with the filters on a cover "
                                               "sheet; text that looks like a formula stays text.")
    shown = rows.slice((int(page) - 1) * ROWS_PER_PAGE, ROWS_PER_PAGE)
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "started_at": st.column_config.DatetimeColumn("started", format="D MMM YYYY, HH:mm"),
        "comment": st.column_config.TextColumn("comment", width="large"),
        "wait_seconds": st.column_config.NumberColumn("wait (s)", format="%.0f"),
        "handle_seconds": st.column_config.NumberColumn("handle (s)", format="%.0f"),
    })


def main() -> None:
    store = get_store()
    scope = current_scope()
    if scope is None:
        st.title("Drill-down")
        st.info("No data yet. Import your exports on the Data page to drill into them.")
        data_page_link()
        return
    settings = current_settings(store)
    header("Drill-down", scope, "Where a metric breaks, down to the single interactions.")
    a, problem = page_analysis(store, scope.version, settings)
    if problem:
        st.warning(plain(problem), icon=":material/warning:")
    if a.contacts is None:
        st.info("This version has no interactions: import them on the Data page to drill into the experience.")
        data_page_link()
        return
    metrics = contact_metrics(a)
    if not metrics:
        st.info("None of the experience metrics can be computed on these interactions.")
        bullet_list([f"{m.label}: {unlock_hint(r)}" for m, r in missing_metrics(a, Base.CONTACTS)])
        return
    top = st.columns([1, 3], vertical_alignment="bottom")
    with top[0]:
        metric = choose_metric(metrics)
    with top[1]:
        cell = choose_cell(a, scope)
    left, right = st.columns([3, 1.1], gap="medium")
    with left:
        heat_map(a, metric, scope, cell, settings)
    with right:
        selection_tile(a, metric, scope, cell, settings)
        st.caption(plain(f"{metric.label}: {metric.definition}"))
        if note := followup_note([metric], a.contacts, params=settings.params()):  # the trend reaches the end
            st.caption(plain(note))
    seg, time = st.columns(2, gap="medium")
    with seg:
        by_dimension(a, metric, scope, cell, settings)
    with time:
        over_time(a, metric, scope, cell, settings)
    interactions(a, scope, cell, settings)
    unavailable = missing_metrics(a, metric.base)
    if unavailable:
        with st.expander(f"{len(unavailable)} more metrics need other fields"):
            bullet_list([f"{m.label}: {unlock_hint(r)}" for m, r in unavailable])


main()
