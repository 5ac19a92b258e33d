"""Drill-down — the analyst's page: a metric on a channel × touchpoint heat map; click a cell (or
pick it above) to select it; the selection broken down by segment (or any other text column: reason,
agent, team…) and by month; the interactions behind it, 50 a page, downloadable as CSV and Excel.

Everything the page shows is in the URL: ``metric``, ``drill_channel``, ``drill_touchpoint``,
``drill_segment``, ``drill_by`` and ``rows_page`` are bound widgets, and a click on the heat map writes
the cell into ``drill_channel``/``drill_touchpoint`` (a chart selection cannot be restored from a URL;
docs/architecture.md "Streamlit rules").

Numbers: ``cxdata.screens.drilldown.drilldown_screen`` (the heat map is
``cxdata.screens.figures.heat_map_figure``, which the meeting pack writes too; a metric with a follow-up window —
FCR, repeat contacts, verified containment — says which newest days it leaves out); this page only draws it.
"""

import streamlit as st

from cxdata import format as fmt
from cxdata.measures.metrics import Base, Metric
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.dashboard import contact_metrics
from cxdata.screens.drilldown import ROWS_PER_PAGE, DrilldownScreen, drilldown_screen
from cxdata.screens.export import Sheet, csv_bytes, workbook
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
from ui.state import bound_number_input, option_from_link
from ui.store import get_store
from ui.text import NO_VALUE, plain, slug

BIND = "query-params"
BY = "drill_by"
ALL = "All"
XLSX_MAX_ROWS = 50_000
CELL = {"channel": "drill_channel", "touchpoint": "drill_touchpoint", "segment": "drill_segment"}
HEAT = "_heatmap"
SEGMENT_BARS = "_segment_bars"


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
    option_from_link("metric", {m.key: m.label for m in metrics})
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


def heat_map(screen: DrilldownScreen) -> None:
    if screen.heat_map is None:
        st.info(plain(unlock_hint(screen.heat_map_needs or "") + " The heat map crosses channel and touchpoint."),
                icon=":material/lock:")
        return
    if screen.heat_map.figure.chart is None:
        st.info(no_data_message(screen.heat_map.scope))
        return
    draw(screen.heat_map.figure.chart, key=HEAT, on_select=_clicked_cell, selection_mode="cell")


def selection_tile(screen: DrilldownScreen, settings: Settings) -> None:
    kpi_tile(screen.tile, screen.selected, settings.symbol, label=screen.tile_label)
    st.caption(plain(screen.definition))
    if screen.followup_note:
        st.caption(plain(screen.followup_note))


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


def by_dimension(screen: DrilldownScreen) -> None:
    if screen.breakdown is None:
        st.info(plain(unlock_hint("needs segment") + " Or map a column to reason, agent or team to break the "
                                                     "metric down by it."), icon=":material/lock:")
        return
    chart = screen.breakdown.figure.chart
    if chart is None:
        st.info(no_data_message(screen.breakdown.scope))
    elif screen.segment_bars:
        draw(chart, key=SEGMENT_BARS, on_select=_clicked_segment, selection_mode="segment")
    else:
        draw(chart)


def over_time(screen: DrilldownScreen) -> None:
    if screen.by_month.figure.chart is None:
        st.info(no_data_message(screen.by_month.scope))
        return
    draw(screen.by_month.figure.chart)


def interactions(screen: DrilldownScreen, scope: Scope) -> None:
    rows, selected = screen.rows, screen.selected
    st.subheader(screen.rows_title, divider="gray")
    if not rows.height:
        st.info(no_data_message(selected))
        return
    if not 1 <= st.session_state.get("rows_page", 1) <= screen.pages:
        st.session_state.pop("rows_page", None)
    bar = st.container(horizontal=True, vertical_alignment="bottom")
    page = bound_number_input(bar, "Page", min_value=1, max_value=screen.pages, step=1, key="rows_page",
                              width=140, help=f"{ROWS_PER_PAGE} interactions a page, newest first.")
    bar.caption(plain(screen.rows_caption))
    stem = slug(f"{scope.dataset}-interactions-{screen.selection}")
    cover = [("Dataset", f"{scope.dataset} (version {scope.version.number})"), ("Filters", selected.describe()),
             ("Rows", rows.height if rows.height <= XLSX_MAX_ROWS else f"the newest {XLSX_MAX_ROWS:,} of {rows.height:,}")]
    bar.download_button("CSV", lambda: csv_bytes(rows), file_name=f"{stem}.csv", mime="text/csv",
                        on_click="ignore", icon=":material/download:", key="_rows_csv",
                        help="Every interaction of the selection (UTF-8 with BOM for Excel; text that looks like a "
                             "formula starts with ' so it stays text).")
    bar.download_button("Excel", lambda: workbook(f"Momento — interactions: {screen.selection}", cover,
                                                  [Sheet("Interactions", rows.head(XLSX_MAX_ROWS))]),
                        file_name=f"{stem}.xlsx", mime=XLSX_MIME, on_click="ignore", icon=":material/download:",
                        key="_rows_xlsx", help=f"Up to {XLSX_MAX_ROWS:,} interactions with the filters on a cover "
                                               "sheet; text that looks like a formula stays text.")
    st.dataframe(screen.page_table(int(page)), hide_index=True, placeholder=NO_VALUE, width="stretch",
                 column_config={fmt.dimension_label("comment"): st.column_config.TextColumn(width="large")})


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
    seg, time = st.columns(2, gap="medium")
    with seg:
        by = choose_breakdown(a, scope)
    screen = drilldown_screen(a, scope, settings, metric, **cell, by=by)
    with left:
        heat_map(screen)
    with right:
        selection_tile(screen, settings)
    with seg:
        by_dimension(screen)
    with time:
        over_time(screen)
    interactions(screen, scope)
    unavailable = missing_metrics(a, metric.base)
    if unavailable:
        with st.expander(f"{len(unavailable)} more metrics need other fields"):
            bullet_list([f"{m.label}: {unlock_hint(r)}" for m, r in unavailable])


main()
