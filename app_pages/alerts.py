"""Alerts — thresholds on any KPI × scope, checked on every new data version (issue 7): "escalation rate
of chatbot contacts in billing above 30%", "NPS of a segment falls 5 points against the previous month".

Create an alert, see each one's latest check on the active version, switch it off or delete it (analysts and
admins; a viewer sees the alerts and their checks), and check them all again. Fired alerts also appear at the top of the Overview, linked to their view.

Numbers: cxdata.screens.alerts.alerts_screen; ``ui.alerts`` draws it.
"""

import streamlit as st

from cxdata.screens.alerts import alerts_screen
from ui.alerts import HOW_RULES_WORK, after_create, alerts_list, check_now, new_alert_form
from ui.auth import offered
from ui.dashboard import data_page_link, page_analysis
from ui.filters import current_scope
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
after_create()
a, problem = page_analysis(store, scope.version, settings)
screen = alerts_screen(a, scope, settings, store)
st.caption(plain(screen.intro))
if problem:
    st.warning(plain(problem), icon=":material/warning:")
metrics = screen.metrics
if not metrics:
    st.info("This version has no KPI an alert could watch: import interactions or customers on the Data page.")
    data_page_link()
    st.stop()

creates = offered("alert.create")
if creates:
    new_alert_form(store, scope.dataset, a, settings, data_shape(store, scope.version), metrics,
                   expanded=not screen.rows)
st.caption(HOW_RULES_WORK)

st.subheader("Alerts and their latest check", divider="gray")
if not screen.rows:
    st.info("No alerts yet" + (": create one above." if creates else "."), icon=":material/notifications_off:")
    st.stop()
check_now(store, scope.version, a, settings)
alerts_list(store, scope.dataset, screen)
