"""The "Meeting pack" control of the sidebar (every page with data): the current view's numbers as an
Excel workbook and a standalone HTML report, both from :func:`cxdata.screens.pack.meeting_pack` — the
function the command line ``python -m cxdata export`` calls — on the analysis the pages show.

The files are made only when a button is clicked (``st.download_button`` with a callable ``data``,
run on a separate thread: no session state there, so the scope and settings are captured when the
control is drawn).
"""

from __future__ import annotations

import streamlit as st

from cxdata.catalog.store import Store
from cxdata.measures.metrics import REGISTRY
from cxdata.scope import Scope
from cxdata.screens.pack import Pack, action_sheets, meeting_pack, pack_html, pack_stem, pack_workbook
from cxdata.settings import Settings
from ui.dashboard import page_analysis
from ui.downloads import XLSX_MIME
from ui.filters import current_scope
from ui.settings import current_settings
from ui.text import plain


def build_pack(store: Store, scope: Scope, settings: Settings, drill_metric: str | None = None) -> Pack:
    """The pack of ``scope``: the pages' analysis of its version, its filters and comparison period,
    the Drill-down's KPI, and the version's initiatives and alerts."""
    a, _problem = page_analysis(store, scope.version, settings, draw=False)  # the models, without drawing
    return meeting_pack(a, scope, settings, drill_metric=drill_metric, extra=action_sheets(a, scope, settings, store))


def drilldown_metric() -> str | None:
    """The KPI the Drill-down shows (its bound ``metric`` selector holds the label), if it was drawn."""
    label = st.session_state.get("metric")
    return next((m.key for m in REGISTRY.values() if m.label == label), None)


def pack_control(store: Store) -> None:
    """The Meeting pack popover: what it holds and two downloads (Excel, HTML); nothing without data."""
    scope = current_scope()
    if scope is None:
        return
    settings = current_settings(store)
    drill = drilldown_metric()  # read now: the files are made on another thread, without session state
    stem = pack_stem(scope.version, scope.filters)
    with st.popover("Meeting pack", icon=":material/summarize:", width="stretch"):
        st.markdown("**This view's numbers, to take to a meeting**")
        st.caption(plain(f"Dataset {scope.dataset}, version {scope.version.number} · {scope.describe()}. KPI tiles "
                         "with their change, headlines, the moments of service with the most revenue at risk, the "
                         "trend of every KPI, the Drill-down's heat map, churn by negative experiences, the key drivers, the "
                         "initiatives and the alerts."))
        row = st.container(horizontal=True)
        row.download_button("Excel workbook", lambda: pack_workbook(build_pack(store, scope, settings, drill)),
                            file_name=f"{stem}.xlsx", mime=XLSX_MIME, key="_pack_xlsx", on_click="ignore",
                            icon=":material/table_view:",
                            help="A cover with the filters, period and data version, one sheet per table, "
                                 "charts as images (a few seconds to make).")
        row.download_button("HTML report", lambda: pack_html(build_pack(store, scope, settings, drill)).encode("utf-8"),
                            file_name=f"{stem}.html", mime="text/html", key="_pack_html", on_click="ignore",
                            icon=":material/article:",
                            help="One page with the same tables and interactive charts; opens in any browser, "
                                 "offline.")
