"""Initiatives — "we found it; what did we do, and did it work?" (issue 7).

The list of initiatives by status and impact, then the selected one (``?initiative=``): the KPI before
and after the start with intervals, the difference-in-differences against the rest of the data with its
pre-trend check, the monthly chart, and realised value and ROI against the ROI scenario's plan. The New
initiative form is filled in by a link from a moment of service on the Overview (``?new=true&new_…``);
the ROI planner creates initiatives from a scenario.

Numbers: cxdata.screens.initiatives.initiatives_screen (through ``ui.initiatives.page_screen``, which caches it);
``ui.initiatives`` draws it.
"""

import streamlit as st

from ui.auth import offered
from ui.dashboard import data_page_link, page_analysis
from ui.filters import current_scope
from ui.initiatives import (
    after_save,
    choose_initiative,
    form_defaults,
    initiative_detail,
    initiatives_list,
    new_initiative_form,
    page_screen,
    scope_keys,
)
from ui.loaders import data_shape
from ui.settings import current_settings
from ui.store import get_store
from ui.text import plain

store = get_store()
scope = current_scope()
st.title("Initiatives")
if scope is None:
    st.info("No data yet. Import your exports on the Data page, then turn what they show into initiatives "
            "whose result is measured here.")
    data_page_link()
    st.stop()

settings = current_settings(store)
a, problem = page_analysis(store, scope.version, settings)
screen = page_screen(store, scope, a, settings)
st.caption(plain(screen.intro))
if problem:
    st.warning(plain(problem), icon=":material/warning:")
metrics = screen.metrics
if not metrics:
    st.info("This version has no KPI an initiative could be measured on: import interactions (with CSAT, NPS "
            "or operational fields) or customers with churn dates on the Data page.")
    data_page_link()
    st.stop()

shape = data_shape(store, scope.version)
keys = scope_keys(shape)
after_save(form_defaults(metrics, keys))
if offered("initiative.create"):
    new_initiative_form(store, scope.dataset, a, settings, shape, metrics, keys, expanded=not screen.details)

st.subheader("By status and impact", divider="gray")
if not screen.details:
    st.info("No initiatives yet. Start one from a moment of service on the Overview (“Start an initiative”), "
            "from a scenario of the ROI planner (“Track as an initiative”), or with New initiative above.",
            icon=":material/flag:")
    st.stop()
initiatives_list(screen)
st.caption("Active first, then planned, done and dropped; within a status, the largest realised value to date "
           "(else the planned 36-month NPV) first. Effect: the difference-in-differences against the rest of the "
           "data where there is one, else the change from before to after the start, with its 95% interval. "
           "Click a row to see it below.")

st.subheader("The initiative", divider="gray")
initiative_detail(store, choose_initiative(screen), settings)
