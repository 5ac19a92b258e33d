"""Overview (placeholder until the executive dashboard lands): what the selected dataset holds."""

import streamlit as st

from cxdata.schema import TABLES
from ui.dataset import current_dataset
from ui.loaders import interactions_overview
from ui.store import get_store
from ui.text import count, plain, when

TILE_LABELS = {"interactions": "Interactions", "customers": "Customers", "revenue": "Revenue rows (customer-months)"}

store = get_store()
name = current_dataset()
st.title("Overview")
if name is None:
    st.info("No data yet. Import your exports on the Data page to see them here.")
    st.page_link("app_pages/data.py", label="Go to the Data page", icon=":material/upload_file:")
    st.stop()

version = store.active_version(name)
st.caption(plain(f"Dataset {name} · version {version.number}, imported {when(version.created_at)} UTC"))

for tile, table in zip(st.columns(len(TABLES)), TABLES):
    tile.metric(TILE_LABELS[table], count(version.tables.get(table)), border=True,
                help=f"Rows of the {table} table in this version." if table in version.tables
                else f"This version has no {table} table yet: import one on the Data page.")

overview = interactions_overview(store, version)
if overview is None:
    st.info("This version has no interactions yet: import them on the Data page.")
    st.stop()

period, contacted = st.columns([2, 1])
period.metric("Period of the interactions", f"{when(overview.first.date())} – {when(overview.last.date())}",
              border=True, help="Earliest and latest contact start.")
contacted.metric("Customers who made contact", count(overview.customers), border=True,
                 help="Distinct customer ids among the interactions.")
st.markdown("**Channels present**")
if overview.by_channel:
    st.dataframe({"channel": list(overview.by_channel), "contacts": list(overview.by_channel.values())},
                 hide_index=True, width=360,
                 column_config={"contacts": st.column_config.NumberColumn(format="localized")})
else:
    st.caption("These interactions have no channel column: map one to `channel` when importing to see them.")
