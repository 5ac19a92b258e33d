"""Settings: the workspace's business inputs and definitions (docs/architecture.md "The store"), saved in the catalog.

Every page reads them through ``ui.settings.current_settings``; saving clears that cache, so the next
run of any page uses the new values. Validation sentences come from ``cxdata.settings.settings_problems``.
Only an admin changes them: anyone else sees the same values, read-only, and the line saying why.
"""

import polars as pl
import streamlit as st

from cxdata.settings import CURRENCIES, PAPER_SIZES, Settings, settings_problems
from ui.auth import offered, refusals_shown
from ui.settings import current_settings, store_settings
from ui.store import get_store
from ui.text import plain

SAVED = "_settings_saved"  # the confirmation, shown on the run after a save
FORM_KEYS = ("set_currency", "set_margin", "set_wacc", "set_costs", "set_agent", "set_transfer", "set_window",
             "set_service", "set_horizon", "set_cancel_terms", "set_exclusion_window", "set_paper")


def restore_defaults() -> None:
    with refusals_shown():
        store_settings(get_store(), Settings())
        for name in FORM_KEYS:
            st.session_state.pop(name, None)
        st.session_state[SAVED] = "The defaults are restored and saved. Every page now uses them."


store = get_store()
current = current_settings(store)

st.title("Settings")
st.caption("Business inputs and definitions for the whole workspace. Every page and export starts from them; "
           "the ROI planner uses them for each scenario's margin, discounting and costs.")
locked = not offered("settings.change")  # read-only, with the reason, for anyone but an admin

with st.form("settings", border=False):
    st.subheader("Money", divider="gray")
    currency_col, margin_col, wacc_col = st.columns(3)
    currency = currency_col.selectbox(
        "Currency", list(CURRENCIES), index=list(CURRENCIES).index(current.currency) if current.currency in CURRENCIES
        else 0, format_func=lambda c: f"{c} ({CURRENCIES[c].strip()})", key="set_currency", disabled=locked,
        help="How money is labelled on every page and export. Amounts are not converted: enter the costs below "
             "in this currency.")
    margin = margin_col.number_input(
        "Gross margin (%)", value=round(current.gross_margin * 100, 2), step=1.0, format="%.1f", key="set_margin", disabled=locked,
        help="Share of revenue left after direct costs. Sets the margin of a retained customer, so it scales the "
             "customer value retained, the NPV and the ROI of every scenario.")
    wacc = wacc_col.number_input(
        "Discount rate, WACC (% a year)", value=round(current.annual_discount_rate * 100, 2), step=0.5, format="%.1f",
        key="set_wacc", disabled=locked,
        help="Weighted average cost of capital. Discounts future benefits and costs in NPV, ROI and payback, and "
             "the lifetime value of a retained customer.")

    st.subheader("Cost to serve", divider="gray")
    costs_col, agent_col = st.columns([1, 1], gap="large")
    costs = costs_col.data_editor(
        pl.DataFrame({"channel": list(current.cost_per_contact), "cost": list(current.cost_per_contact.values())},
                     schema={"channel": pl.String, "cost": pl.Float64}),
        key="set_costs", hide_index=True, disabled=True if locked else ["channel"], num_rows="fixed", width=360,
        column_config={
            "channel": st.column_config.TextColumn("Channel"),
            "cost": st.column_config.NumberColumn(
                f"Cost per contact ({current.currency})", format="%.2f", step=0.01,
                help="Fully loaded cost of one contact. Used for contact costs when the data has none, repeat "
                     "contacts avoided, and the savings of moving contacts to self-service."),
        },
    )
    agent = agent_col.number_input(
        f"Agent cost per minute ({current.currency})", value=float(current.agent_cost_per_minute), step=0.05,
        format="%.2f", key="set_agent", disabled=locked,
        help="Loaded cost of one agent minute (salary, overheads, tools). With the minutes below, prices the handling "
             "time each avoided transfer saves.")
    transfer = agent_col.number_input(
        "Minutes saved per avoided transfer", value=float(current.minutes_per_transfer), step=0.5, format="%.1f",
        key="set_transfer", disabled=locked, help="Handling time one avoided hand-off saves; about 4 minutes is typical.")

    st.subheader("Definitions", divider="gray")
    window_col, service_col, horizon_col = st.columns(3)
    window = window_col.number_input(
        "Repeat window W (days)", value=int(current.repeat_window_days), step=1, key="set_window", disabled=locked,
        help="A follow-up contact within W days counts as a repeat: defines first-contact resolution, repeat "
             "contacts and the verified containment of a bot.")
    service = service_col.number_input(
        "Service-level threshold (seconds)", value=float(current.service_level_seconds), step=5.0, format="%.0f",
        key="set_service", disabled=locked, help="A contact answered within this many seconds meets the service level.")
    horizon = horizon_col.number_input(
        "Churn horizon (months)", value=int(current.churn_horizon_months), step=1, key="set_horizon", disabled=locked,
        help="Months ahead over which revenue at risk is counted.")
    st.subheader("Churn model", divider="gray")
    terms_col, exclusion_col = st.columns([2, 1], gap="large")
    terms = terms_col.text_area(
        "Cancellation-like touchpoints and reasons", value=", ".join(current.cancellation_terms),
        key="set_cancel_terms", disabled=locked, height=110,
        help="Contacts whose touchpoint or reason has a word starting with one of these terms (comma-separated; case "
             "and accents ignored: \"cancel\" finds \"Cancellation fee\", \"kundig\" finds \"Kündigung\") are left "
             "out of the churn model's exposures: a customer who calls to cancel is already leaving, so the call "
             "would put the churn itself into the month before it.")
    exclusion = exclusion_col.number_input(
        "Window before churn (days)", value=int(current.exclusion_window_days), step=1, key="set_exclusion_window", disabled=locked,
        help="Contacts in this many days before a customer's churn date are left out of the churn model's "
             "exposures too, whatever their reason. 0 switches the window off.")
    st.subheader("Meeting packs", divider="gray")
    paper = st.columns(3)[0].selectbox(
        "PDF paper size", PAPER_SIZES, index=PAPER_SIZES.index(current.paper) if current.paper in PAPER_SIZES else 0,
        key="set_paper", disabled=locked, help="The page size of the meeting pack's PDF, downloaded or delivered on a schedule.")
    st.caption("Saving changed margin, discount rate, costs per contact or definitions makes the models refit once "
               "per dataset version (about 10 to 20 seconds) the next time a page needs them.")
    submitted = st.form_submit_button("Save settings", type="primary", icon=":material/save:", disabled=locked)

if submitted:
    cost_rows = costs.iter_rows() if isinstance(costs, pl.DataFrame) else costs.itertuples(index=False)
    edited = Settings(
        currency=currency,
        gross_margin=None if margin is None else margin / 100,
        annual_discount_rate=None if wacc is None else wacc / 100,
        cost_per_contact={channel: None if cost is None or cost != cost else float(cost)  # NaN: an emptied cell
                          for channel, cost in cost_rows},
        agent_cost_per_minute=agent,
        minutes_per_transfer=transfer,
        repeat_window_days=window,
        service_level_seconds=service,
        churn_horizon_months=horizon,
        cancellation_terms=tuple(t.strip() for t in terms.split(",") if t.strip()),
        exclusion_window_days=exclusion,
        paper=paper,
    )
    problems = settings_problems(edited)
    if problems:
        st.error("Not saved. " + " ".join(plain(p) for p in problems), icon=":material/error:")
    elif edited == current:
        st.info("Nothing changed: these are the saved settings.")
    else:
        with refusals_shown():
            store_settings(store, edited)
            st.session_state[SAVED] = "Saved. Every page now uses these settings."
            st.rerun()

saved = st.session_state.pop(SAVED, None)
if saved:
    st.success(saved, icon=":material/check_circle:")
    st.toast(saved)

if not locked:
    st.button("Restore the defaults", type="tertiary", icon=":material/restart_alt:", on_click=restore_defaults,
              help="Save the product's default settings (EUR, 60% margin, 10% WACC, 7-day repeat window…).")
