"""ROI planner: "what should we fund?" Up to three scenarios side by side, each a link (docs/method/planner.md);
a scenario can be tracked as an initiative whose result is then measured (Initiatives page).

Numbers: cxdata.screens.roi.roi_screen (over the planner of ``ui.analysis``, built once per dataset version,
which remembers the scenarios it evaluated), cached per view by ``ui.planner.view_roi``. The inputs and the drawing are
``ui.planner``'s.
"""

import streamlit as st

from cxdata.screens.roi import planner_scope, scope_choices
from ui.analysis import Unavailable, planner
from ui.filters import current_scope
from ui.initiatives import track_scenario
from ui.planner import (
    SCENARIOS,
    compare_input,
    scenario_charts,
    scenario_details,
    scenario_inputs,
    scope_inputs,
    scope_note,
    side_by_side,
    summary_card,
    view_roi,
)
from ui.settings import current_settings
from ui.store import get_store
from ui.text import plain

store = get_store()
scope = current_scope()
st.title("ROI planner")
if scope is None:
    st.info("No data yet. Import interactions (with CSAT answers) and customers (with churn dates) on the Data "
            "page to plan what fixing the experience would return.")
    st.page_link("app_pages/data.py", label="Go to the Data page", icon=":material/upload_file:")
    st.stop()

version = scope.version
settings = current_settings(store)
base = planner(store, version, settings)
if isinstance(base, Unavailable):
    st.warning(plain(base.sentence), icon=":material/info:")
    for note in base.notes:
        st.markdown(f"- {plain(note)}")
    st.page_link("app_pages/data.py", label="Upload the missing data on the Data page", icon=":material/upload_file:")
    st.stop()

intro = st.empty()
chosen = scope_inputs(scope_choices(base, scope))
lever_scope = planner_scope(base, chosen, scope)[0]
in_scope = st.container()
shown = SCENARIOS[:compare_input()]
cards = st.columns(len(SCENARIOS))

st.subheader("Scenarios: inputs and details", divider="gray")
# Every tab keeps its inputs (a widget not drawn in a run loses its value); only the open tab draws its details
# and charts, so a first visit sends one scenario's charts, not three.
tabs = st.tabs([f"Scenario {letter.upper()}" for letter in shown], key="scenario_tab", on_change="rerun")
scenarios = {}
for letter, tab in zip(shown, tabs):
    with tab:
        scenarios[letter] = scenario_inputs(letter, lever_scope, settings)

screen = view_roi(store, version, settings, scope, chosen, scenarios, base)
intro.caption(plain(screen.caption))
with in_scope:
    scope_note(screen)

for letter, tab in zip(shown, tabs):
    view = screen.scenarios[letter]
    if not tab.open:
        continue
    with tab:
        if view is None:
            st.info("Pick at least one lever to see what this scenario returns.")
            continue
        scenario_details(view)
        scenario_charts(view, settings.symbol, scope.dataset, version.number)
        track_scenario(store, scope.dataset, letter, view.result, base.analysis, settings)

for letter, card in zip(shown, cards):
    with card:
        summary_card(letter, screen.scenarios[letter])

side_by_side(screen)
