"""ROI planner: "what should we fund?" Up to three scenarios side by side, each a link (docs/method/planner.md);
a scenario can be tracked as an initiative whose result is then measured (Initiatives page).

Thin: the planner comes from ``ui.analysis`` (built once per dataset version), the inputs and their
drawing from ``ui.planner``, every number from ``cxdata.actions.planner`` / ``cxdata.screens.charts`` over
``PlannerBase.evaluate``.
"""

import streamlit as st

from cxdata.actions.planner import SCOPE_COLUMNS, comparison_frame, contacts_in_scope, merge_scope, scope_options
from cxdata.format import quantity
from ui.analysis import Unavailable, evaluate, planner
from ui.dataset import current_dataset
from ui.filters import current_scope
from ui.initiatives import track_scenario
from ui.planner import (
    SCENARIOS,
    compare_input,
    comparison_table,
    npv_bands,
    scenario_charts,
    scenario_details,
    scenario_inputs,
    scope_inputs,
    summary_card,
)
from ui.settings import current_settings
from ui.store import get_store
from ui.text import plain

store = get_store()
name = current_dataset()
st.title("ROI planner")
if name is None:
    st.info("No data yet. Import interactions (with CSAT answers) and customers (with churn dates) on the Data "
            "page to plan what fixing the experience would return.")
    st.page_link("app_pages/data.py", label="Go to the Data page", icon=":material/upload_file:")
    st.stop()

version = store.active_version(name)
settings = current_settings(store)
base = planner(store, version, settings)
if isinstance(base, Unavailable):
    st.warning(plain(base.sentence), icon=":material/info:")
    for note in base.notes:
        st.markdown(f"- {plain(note)}")
    st.page_link("app_pages/data.py", label="Upload the missing data on the Data page", icon=":material/upload_file:")
    st.stop()

symbol = settings.symbol
st.caption(plain(f"What fixing a moment of service returns, and whether it pays. Dataset {name}, version "
                 f"{version.number}; amounts in {settings.currency}, margin and costs from Settings."))

sidebar = current_scope()
scope, ignored = merge_scope(base, scope_inputs(scope_options(base)), sidebar.where if sidebar else ())
in_scope = contacts_in_scope(base, scope)
also = [f"{c} ({', '.join(v)})" for c, v in scope if c not in SCOPE_COLUMNS]
if in_scope == 0:
    st.warning("No contacts match this scope: widen it to plan a change.", icon=":material/filter_alt_off:")
else:
    st.caption(plain(
        f"In scope: {quantity(in_scope)} contacts a month, the average of the last 3 months of data (the "
        "sidebar's period does not apply here)" + (f", also filtered by the sidebar's {'; '.join(also)}" if also
                                                    else "")
        + ". The levers below change only these contacts."
        + (f" Not applied (not a contact attribute): {', '.join(ignored)}." if ignored else "")))

shown = SCENARIOS[:compare_input()]
cards = st.columns(len(SCENARIOS))

st.subheader("Scenarios: inputs and details", divider="gray")
results = {}
for letter, tab in zip(shown, st.tabs([f"Scenario {letter.upper()}" for letter in shown])):
    with tab:
        scenario = scenario_inputs(letter, scope, settings)
        result = None if scenario is None else evaluate(store, version, settings.params(),
                                                        settings.churn_horizon_months, scenario)
        results[letter] = result
        if result is None:
            st.info("Pick at least one lever to see what this scenario returns.")
            continue
        scenario_details(base, result, symbol)
        scenario_charts(letter, result, symbol, name, version.number)
        track_scenario(store, name, letter, result, base.analysis, settings)

for letter, card in zip(shown, cards):
    with card:
        summary_card(base, letter, results[letter], symbol)

done = {letter: r for letter, r in results.items() if r is not None}
if done:
    st.subheader("Side by side", divider="gray")
    labels = {letter: f"{letter.upper()} · {r.scenario.name}" for letter, r in done.items()}
    st.markdown("**NPV at 36 months, with its P10–P90 range**")
    st.altair_chart(npv_bands({labels[letter]: r.npv[36] for letter, r in done.items()}, symbol), width="stretch")
    table = comparison_table(comparison_frame(done), labels, symbol)
    st.markdown("**All the numbers** (base case, with P10–P90 in brackets)")
    st.dataframe(table, hide_index=True, width="stretch", height=35 * (table.height + 1) + 3,
                 column_config={"measure": st.column_config.TextColumn("", width="medium")})
