"""Deliveries — a saved view's meeting pack sent on a schedule (issue 17): by e-mail, into a folder or to a Slack or
Teams webhook, daily, weekly or monthly at a local time.

Add a schedule, see each one's last outcome and next run, switch it off or delete it (analysts and admins), and read
the delivery log.
``python -m cxdata deliver`` (cron, a systemd timer) sends what is due; this page only manages the schedules.

Everything: cxdata.delivery.schedules; ``ui.deliveries`` draws it.
"""

import streamlit as st

from cxdata.catalog.views import list_views
from cxdata.delivery.schedules import LOG_SHOWN, list_schedules
from ui.auth import offered
from ui.deliveries import HOW_IT_RUNS, after_add, delivery_log, new_schedule_form, schedules_list
from ui.store import get_store

store = get_store()
st.title("Deliveries")
st.caption(HOW_IT_RUNS)
after_add()
views = list_views(store)
schedules = list_schedules(store)
if offered("schedule.create"):
    if views:
        new_schedule_form(store, views, expanded=not schedules)
    else:
        st.info("A schedule sends a saved view: open a page, set its filters, and use Share this view → Save as a "
                "named view in the sidebar first.", icon=":material/bookmark_add:")

st.subheader("Schedules", divider="gray")
if schedules:
    schedules_list(store, schedules, views)
else:
    st.caption("No schedules yet.")

st.subheader(f"Delivery log — the last {LOG_SHOWN}", divider="gray")
delivery_log(store, schedules)
