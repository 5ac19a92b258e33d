"""Momento's entry point: page config, the store, the dataset selector bound to the URL, navigation.

Run with ``make run`` (``streamlit run app.py``). Global widgets live here, in the sidebar, so they
stay in the URL on every page (DESIGN.md §7).
"""

from pathlib import Path

import streamlit as st

from ui.dataset import dataset_selector
from ui.store import get_store, load_sample_once
from ui.text import plain

st.set_page_config(page_title="Momento", page_icon=":material/insights:", layout="wide")
st.logo(str(Path(__file__).parent / "ui" / "assets" / "logo.svg"), size="large")

store = get_store()
with st.spinner("First start: loading the sample company into Momento (a few seconds)…"):
    sample_notice = load_sample_once(store)

dataset_selector(store)
if sample_notice and not store.datasets():
    st.sidebar.warning(plain(sample_notice))

st.navigation([
    st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("app_pages/data.py", title="Data", icon=":material/upload_file:"),
]).run()
