"""Alerts — thresholds on any KPI × scope, checked on every new data version (issue 7): "escalation rate
of chatbot contacts in billing above 30%", "NPS of a segment falls 5 points against the previous month".

Create an alert, see each one's latest check on the active version, switch it off or delete it, and
check them all again. Fired alerts also appear at the top of the Overview, linked to their view.

Thin: evaluation is :func:`cxdata.actions.alerts.evaluate`; ``ui.alerts`` draws it.
"""

import streamlit as st

from cxdata.actions.alerts import list_alerts
from ui.alerts import HOW_RULES_WORK, after_create, alerts_list, new_alert_form, outcomes_of
from ui.dashboard import data_page_link, page_analysis
from ui.filters import current_scope
from ui.initiatives import initiative_metrics
from ui.loaders import data_shape
from ui.settings import current_settings
from ui.store import get_store
from ui.text import plain

store = get_store()
scope = current_scope()
st.title("Alerts")
if scope is None:
    st.info("No data yet. Import your exports on the Data page, then set alerts on any KPI and scope.")
    data_page_link()
    st.stop()

settings = current_settings(store)
st.caption(plain(f"Thresholds on any KPI and scope, checked on every new data version. Dataset {scope.dataset}, "
                 f"version {scope.version.number}; the sidebar's filters do not apply here."))
after_create()
a, problem = page_analysis(store, scope.version, settings)
if problem:
    st.warning(plain(problem), icon=":material/warning:")
metrics = initiative_metrics(a)
if not metrics:
    st.info("This version has no KPI an alert could watch: import interactions or customers on the Data page.")
    data_page_link()
    st.stop()

alerts = list_alerts(store, scope.dataset)
new_alert_form(store, scope.dataset, a, settings, data_shape(store, scope.version), metrics, expanded=not alerts)
st.caption(HOW_RULES_WORK)

st.subheader("Alerts and their latest check", divider="gray")
if not alerts:
    st.info("No alerts yet: create one above.", icon=":material/notifications_off:")
    st.stop()
force = st.button("Check now", icon=":material/refresh:",
                  help="Check every alert that is on against the active version again.")
outcomes = outcomes_of(store, scope.version, a, settings, force=force)
if force:
    st.toast(f"{len(outcomes)} alert{'s' * (len(outcomes) != 1)} checked on version {scope.version.number}.",
             icon=":material/refresh:")
alerts_list(store, scope.dataset, outcomes, settings)
