"""The Data page's readiness section: for the active version of the chosen dataset, which pages and KPIs
this data supports and what to upload or map to unlock the rest. The answers are
:func:`cxdata.screens.readiness.page_readiness` and :func:`cxdata.screens.readiness.kpi_readiness`, computed once per
version and settings (no model is fitted for them); this module only caches and draws them.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from cxdata.catalog.store import Store, VersionInfo
from cxdata.measures.metrics import Params
from cxdata.models.analysis import load_unfitted
from cxdata.screens.readiness import LOCKED, PARTLY, READY, KpiReadiness, PageReadiness, kpi_readiness, page_readiness
from ui.analysis import CACHE_KEYS
from ui.settings import current_settings
from ui.text import NO_VALUE

MARKS = {READY: "✅ ready", PARTLY: "🟡 partly ready", LOCKED: "🔒 not ready"}


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=CACHE_KEYS)
def readiness(store: Store, version: VersionInfo, params: Params,
              horizon: int) -> tuple[list[PageReadiness], list[KpiReadiness]]:
    """The pages' and the KPIs' readiness of ``version`` (small results; the frames are dropped)."""
    a = load_unfitted(store, version.version_id, params, horizon)
    return page_readiness(a, version.tables), kpi_readiness(a, version.tables)


def readiness_section(store: Store, dataset: str | None) -> None:
    """What the active version of ``dataset`` can show, page by page and KPI by KPI, and how to unlock the rest."""
    version = store.active_version(dataset) if dataset is not None else None
    if version is None:
        return
    st.subheader("What this data can show", divider="gray")
    settings = current_settings(store)
    with st.spinner("Checking what the data supports…"):
        pages, kpis = readiness(store, version, settings.params(), settings.churn_horizon_months)
    ready = sum(k.ready for k in kpis)
    st.caption(f"Dataset {dataset}, version {version.number}: {ready} of {len(kpis)} KPIs and "
               f"{sum(p.status == READY for p in pages)} of {len(pages)} pages fully ready. Each line says what to "
               "upload, or which column to map, to unlock the rest.")
    st.dataframe(pl.DataFrame({
        "page": [p.page for p in pages],
        "status": [MARKS[p.status] for p in pages],
        "shows on this data": [p.shows for p in pages],
        "to unlock more": ["\n".join(p.unlock) for p in pages],
    }), hide_index=True, placeholder=NO_VALUE, width="stretch", key="_readiness_pages", column_config={
        "shows on this data": st.column_config.TextColumn(width="large"),
        "to unlock more": st.column_config.TextColumn(width="large"),
    })
    with st.expander(f"KPIs: {ready} of {len(kpis)} ready"):
        st.dataframe(pl.DataFrame({
            "KPI": [k.label for k in kpis],
            "ready": [k.ready for k in kpis],
            "to unlock": [k.unlock or "" for k in kpis],
        }), hide_index=True, placeholder=NO_VALUE, width="stretch", key="_readiness_kpis",
            column_config={"to unlock": st.column_config.TextColumn(width="large")})
