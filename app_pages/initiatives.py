"""Initiatives — "we found it; what did we do, and did it work?" (issue 7).

The list of initiatives by status and impact, then the selected one (``?initiative=``): the KPI before
and after the start with intervals, the difference-in-differences against the rest of the data with its
pre-trend check, the monthly chart, and realised value and ROI against the ROI scenario's plan. The New
initiative form is filled in by a link from a moment of service on the Overview (``?new=true&new_…``);
the ROI planner creates initiatives from a scenario.

Thin: every number comes from :mod:`cxdata.actions.initiatives`; ``ui.initiatives`` draws it.
"""

import streamlit as st

from ui.dashboard import data_page_link, page_analysis
from ui.filters import current_scope
from ui.initiatives import (
    after_save,
    choose_initiative,
    form_defaults,
    initiative_detail,
    initiative_metrics,
    initiatives_list,
    new_initiative_form,
    scope_keys,
    tracked_initiatives,
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
st.caption(plain(f"Findings turned into actions with a measured result. Dataset {scope.dataset}, version "
                 f"{scope.version.number}. Each initiative is measured in its own scope, before and after its "
                 "start: the sidebar's filters do not apply on this page."))
a, problem = page_analysis(store, scope.version, settings)
if problem:
    st.warning(plain(problem), icon=":material/warning:")
metrics = initiative_metrics(a)
if not metrics:
    st.info("This version has no KPI an initiative could be measured on: import interactions (with CSAT, NPS "
            "or operational fields) or customers with churn dates on the Data page.")
    data_page_link()
    st.stop()

shape = data_shape(store, scope.version)
keys = scope_keys(shape)
after_save(form_defaults(metrics, keys))
tracked = tracked_initiatives(store, scope.version, a, settings)
new_initiative_form(store, scope.dataset, a, settings, shape, metrics, keys, expanded=not tracked)

st.subheader("By status and impact", divider="gray")
if not tracked:
    st.info("No initiatives yet. Start one from a moment of service on the Overview (“Start an initiative”), "
            "from a scenario of the ROI planner (“Track as an initiative”), or with New initiative above.",
            icon=":material/flag:")
    st.stop()
initiatives_list(tracked, settings.symbol)
st.caption("Active first, then planned, done and dropped; within a status, the largest realised value to date "
           "(else the planned 36-month NPV) first. Effect: the difference-in-differences against the rest of the "
           "data where there is one, else the change from before to after the start, with its 95% interval. "
           "Click a row to see it below.")

st.subheader("The initiative", divider="gray")
initiative_detail(store, choose_initiative(tracked), settings)
