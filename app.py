"""Momento's entry point: page config, the store, who is using the app, navigation, the global filters bound to
the URL, and the Share and Meeting pack controls.

Run with ``make run`` (``python -m ui.serve``, which is ``streamlit run app.py``). Global widgets live here, in the
sidebar, so they stay in the URL on every page (docs/architecture.md "Links"). Order matters:

0. the acting user (``ui.auth.current_actor``): a visitor who has not signed in gets the sign-in page, one
   without a role the "no access" page, and nothing else runs;
1. the pages are registered (``st.navigation``), so a ``?view=`` link or a parked in-app link can
   switch page before any widget is drawn (``ui.share.follow``); Users and Audit log are in the menu of admins
   only (opened by a link, they tell anyone else "You do not have access to this page");
2. the sidebar: who is signed in (name, role, "Sign out"), Share and Meeting pack (filled in last), dataset,
   period and comparison, dimension filters;
3. the page runs; then the Share control is drawn with the parameters the page bound, and the
   Meeting pack with the filters in force (``ui.pack``);
4. the models' fit the page asked for, if any, starts in the background (``ui.analysis.start_deferred``).
"""

from pathlib import Path

import streamlit as st

from ui.analysis import start_deferred
from ui.auth import account_sidebar, current_actor
from ui.dataset import dataset_selector
from ui.filters import global_filters
from ui.pack import pack_control
from ui.share import follow, share_control
from ui.store import get_store, load_sample_once
from ui.text import plain

st.set_page_config(page_title="Momento", page_icon=":material/insights:", layout="wide")
st.logo(str(Path(__file__).parent / "ui" / "assets" / "logo.svg"), size="large")

store = get_store()
actor = current_actor()  # stops the run with the sign-in or the no-access page
with st.spinner("First start: importing the sample company into Momento (its three files, once; the models are "
                "fitted afterwards, in the background)…"):
    sample_notice = load_sample_once(store)

PAGES = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("app_pages/drilldown.py", title="Drill-down", icon=":material/grid_on:", url_path="drilldown"),
    st.Page("app_pages/churn.py", title="Churn & Revenue", icon=":material/trending_down:", url_path="churn"),
    st.Page("app_pages/journeys.py", title="Journeys", icon=":material/route:", url_path="journeys"),
    st.Page("app_pages/voice.py", title="Voice of the customer", icon=":material/forum:", url_path="voice"),
    st.Page("app_pages/roi.py", title="ROI planner", icon=":material/savings:", url_path="roi"),
    st.Page("app_pages/initiatives.py", title="Initiatives", icon=":material/flag:", url_path="initiatives"),
    st.Page("app_pages/alerts.py", title="Alerts", icon=":material/notifications:", url_path="alerts"),
    st.Page("app_pages/deliveries.py", title="Deliveries", icon=":material/schedule_send:", url_path="deliveries"),
    st.Page("app_pages/data.py", title="Data", icon=":material/upload_file:"),
    st.Page("app_pages/settings.py", title="Settings", icon=":material/settings:", url_path="settings"),
]

#: Pages for admins: (script, title, icon, address, the change that opens them). Registered for everyone, so a link
#: opened by anyone else reaches the page's own "You do not have access to this page", but in their menu only.
ADMIN_PAGES = [("app_pages/users.py", "Users", ":material/group:", "users", "user.update"),
               ("app_pages/audit.py", "Audit log", ":material/history:", "audit", "audit.read")]
PAGES += [st.Page(path, title=title, icon=icon, url_path=url_path,
                  visibility="visible" if actor.can(action) else "hidden")
          for path, title, icon, url_path, action in ADMIN_PAGES]
#: Parameters a page draws itself (the ROI planner's scope has the filters' names and meaning).
PAGE_OWNED = {"roi": ("channel", "touchpoint", "segment", "region")}

page = st.navigation(PAGES)
follow(store, {p.url_path: p for p in PAGES}, page)

account_sidebar(actor)
share_slot = st.sidebar.container()
dataset = dataset_selector(store)
if sample_notice and not store.datasets():
    st.sidebar.warning(plain(sample_notice))
global_filters(store, dataset, owned=PAGE_OWNED.get(page.url_path, ()))

try:
    page.run()
    with share_slot:
        share_control(store, page)
        pack_control(store)
finally:  # also when the run is stopped or fails: a fit the page asked for must not wait for another run
    start_deferred()
