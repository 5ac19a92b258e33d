"""The "Meeting pack" control of the sidebar (every page with data): the current view's numbers as an Excel
workbook, a print-ready PDF, a PowerPoint deck and a standalone HTML report, all from
:func:`cxdata.screens.pack.meeting_pack` — the function the command line ``python -m cxdata export`` and the
scheduled deliveries call — on the analysis the pages show.

The files are made only when a button is clicked (``st.download_button`` with a callable ``data``,
run on a separate thread: no session state there, so the scope and settings are captured when the
control is drawn).
"""

from __future__ import annotations

import streamlit as st

from cxdata.catalog.store import Store
from cxdata.measures.metrics import REGISTRY
from cxdata.scope import Scope
from cxdata.screens.pack import PACK_FORMATS, Pack, action_sheets, meeting_pack, pack_file, pack_stem
from cxdata.settings import Settings
from ui.dashboard import page_analysis, view_funding
from ui.downloads import XLSX_MIME
from ui.filters import current_scope
from ui.settings import current_settings
from ui.text import plain

#: Each format's button: MIME type, icon and what it holds.
BUTTONS = {
    "xlsx": (XLSX_MIME, ":material/table_view:", "A cover with the filters, period and data version, one sheet per "
                                                  "table in its number formats, charts as images."),
    "pdf": ("application/pdf", ":material/picture_as_pdf:",
            "Print-ready: the cover, then each table with its finding and its charts, the filters and page number "
            "on every page (paper size from Settings)."),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ":material/slideshow:",
             "One slide per chart or table, titled with its finding, the filters in the footer and the numbers in "
             "the speaker notes."),
    "html": ("text/html", ":material/article:", "One page with the same tables and interactive charts; opens in any "
                                                "browser, offline."),
}


def build_pack(store: Store, scope: Scope, settings: Settings, drill_metric: str | None = None) -> Pack:
    """The pack of ``scope``: the pages' analysis of its version, its filters and comparison period (within the
    user's restrictions, which the scope carries), the Drill-down's KPI, What to fund (the Overview's, cached),
    and the version's initiatives and alerts."""
    a, _problem = page_analysis(store, scope.version, settings, draw=False)  # the models, without drawing
    funding = view_funding(store, scope.version, settings, scope.where, a, scope.restricted)
    return meeting_pack(a, scope, settings, drill_metric=drill_metric, funding=funding,
                        extra=action_sheets(a, scope, settings, store))


def drilldown_metric() -> str | None:
    """The KPI the Drill-down shows (its bound ``metric`` selector holds the label), if it was drawn."""
    label = st.session_state.get("metric")
    return next((m.key for m in REGISTRY.values() if m.label == label), None)


def pack_control(store: Store) -> None:
    """The Meeting pack popover: what it holds and one download per format; nothing without data."""
    scope = current_scope()
    if scope is None:
        return
    settings = current_settings(store)
    drill = drilldown_metric()  # read now: the files are made on another thread, without session state
    stem = pack_stem(scope.version, scope.filters)
    with st.popover("Meeting pack", icon=":material/summarize:", width="stretch"):
        st.markdown("**This view's numbers, to take to a meeting**")
        st.caption(plain(f"Dataset {scope.dataset}, version {scope.version.number} · {scope.describe()}. KPI tiles "
                         "with their change, headlines, the moments of service with the most revenue at risk, what "
                         "to fund, the trend of every KPI, the Drill-down's heat map, churn by negative experiences, "
                         "the key drivers, the initiatives and the alerts. A few seconds to make."))
        row = st.container(horizontal=True)
        for kind, label in PACK_FORMATS.items():
            mime, icon, help = BUTTONS[kind]
            row.download_button(label, lambda kind=kind: pack_file(build_pack(store, scope, settings, drill), kind),
                                file_name=f"{stem}.{kind}", mime=mime, key=f"_pack_{kind}", on_click="ignore",
                                icon=icon, help=help)
