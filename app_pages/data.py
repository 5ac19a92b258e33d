"""Data: import exports (mapping, validation report), manage datasets and their versions, and see what
the active data can show (its readiness, page by page and KPI by KPI).

Everyone sees the datasets, their versions and the readiness (a user restricted to part of the rows without the row
counts and rejected rows, which are every row's); importing needs the analyst role, making a version active or
deleting one the admin role (the page says so instead of offering the control)."""

import streamlit as st

from cxdata.actions.alerts import fired_sentence
from ui.auth import current_actor, offered
from ui.dataset import current_dataset
from ui.importer import LAST_IMPORT, import_form
from ui.readiness import readiness_section
from ui.report import fired_alerts, show_report
from ui.store import get_store
from ui.text import plain
from ui.versions import datasets_section

store = get_store()
current = current_dataset()

st.title("Data")
st.caption("Import exports from your CRM, contact-centre or billing system. Every import becomes a new "
           "version of a dataset; rejected rows are listed with their reason, and nothing is lost.")

st.subheader("Import a file", divider="gray")
if offered("data.import"):
    import_form(store, current)

last = st.session_state.get(LAST_IMPORT)
if last is not None:
    st.subheader("Import report", divider="gray")
    st.success(plain(last.result.message + fired_sentence(last.fired)))
    fired_alerts(last.fired)
    show_report(last.result.report, key="last-import")
    st.button("Dismiss the report", type="tertiary", on_click=st.session_state.pop, args=(LAST_IMPORT, None))

st.subheader("Datasets and versions", divider="gray")
datasets_section(store, current, [c for c, _ in current_actor().restrictions])

readiness_section(store, current)
