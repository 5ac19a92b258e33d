"""Churn & Revenue — how experience links to money: churn by the negative experiences of the
previous month, the churn model's effect (adjusted beside naive, with its E-value), the key drivers
of negative experiences, expansion revenue by NPS category, revenue at risk by segment, and the
customers who left by any customer attribute — which is all a customers-only churn file (one row per
customer, churned yes/no, no dates) can show, with the monthly revenue they took.

Numbers: ``cxdata.screens.churn.churn_screen`` (its figures are the meeting pack's); this page only draws it. The
models are fitted once on all the data; the period and dimension filters apply where the page says so. URL
parameter of the page: ``churn_by`` (the attribute).
"""

import streamlit as st

from cxdata import format as fmt
from cxdata.measures.metrics import NO_DATA
from cxdata.scope import Scope
from cxdata.screens.churn import NEEDS, ChurnScreen, churn_screen
from ui.charts import draw
from ui.dashboard import (
    data_page_link,
    header,
    kpi_tile,
    no_data_message,
    page_analysis,
    unlock_hint,
    value_tile,
    value_tiles,
)
from ui.filters import current_scope
from ui.settings import current_settings
from ui.store import get_store
from ui.text import NO_VALUE, plain

LOCKED = ":material/lock:"
BIND = "query-params"
CHURN_BY = "churn_by"


def locked(section: str, withheld: str = "") -> None:
    """Why a section has no figure: ``withheld``, the screen's sentence when the user's access withholds it, else
    the upload that would unlock it."""
    st.info(plain(withheld or unlock_hint(NEEDS[section])), icon=LOCKED)


def churn_by_experience(screen: ChurnScreen, scope: Scope) -> None:
    st.subheader("Churn by negative experiences last month", divider="gray")
    figure = screen.by_negatives
    if figure is None:
        locked("by_negatives", screen.by_negatives_note)
        return
    if figure.chart is None:
        st.info(no_data_message(scope))
        return
    draw(figure.chart)
    st.caption(plain(screen.by_negatives_note))


def churn_model(screen: ChurnScreen) -> None:
    st.subheader("The churn model: what one more negative experience goes with", divider="gray")
    model = screen.model
    if model is None:
        locked("model")
        for note in screen.notes:
            st.caption(plain(note))
        return
    value_tiles(model.stats)
    if model.evident:
        st.markdown(f"**Association, adjusted for {plain(model.effect.controls_text)}:** " + plain(model.finding))
    else:
        st.info(plain(model.finding), icon=":material/balance:")
    st.markdown("**How the estimate moves with each safeguard**")
    st.dataframe(model.sensitivity, hide_index=True, placeholder=NO_VALUE, width="stretch")
    st.caption(plain(model.exclusions_note))
    st.caption(model.fit_note)


def key_drivers(screen: ChurnScreen) -> None:
    st.subheader("What drives negative experiences", divider="gray")
    if screen.drivers is None or screen.drivers.chart is None:
        locked("drivers")
        return
    left, right = st.columns(2, gap="large")
    with left:
        draw(screen.drivers.chart)
        st.caption("Labelled as what it is: where the explained variance of a CSAT of 1 or 2 is shared among correlated "
                   "drivers — not the effect of changing one. For that, see the marginal effects beside.")
    with right:
        if screen.effects is not None:
            st.markdown("**What one unit more goes with** (marginal effects, adjusted)")
            st.dataframe(screen.effects, hide_index=True, placeholder=NO_VALUE, width="stretch")
            st.caption(plain(screen.effects_note))


def expansion(screen: ChurnScreen) -> None:
    st.subheader("Expansion revenue by NPS category", divider="gray")
    if screen.expansion is None or screen.expansion.chart is None:
        locked("expansion", screen.expansion_note)
        return
    draw(screen.expansion.chart)
    st.caption(plain(screen.expansion_note))


def risk_by_segment(screen: ChurnScreen) -> None:
    st.subheader("Revenue at risk from CX, by segment", divider="gray")
    if screen.risk is None:
        locked("risk", screen.risk_note)
        return
    if screen.risk.chart is None:
        st.info(screen.risk_note)
        return
    draw(screen.risk.chart)
    st.caption(plain(screen.risk_note))


def customers_who_left(screen: ChurnScreen, scope: Scope, symbol: str) -> None:
    st.subheader("Customers who left, by customer attribute", divider="gray")
    left = screen.customers
    if left is None:
        if screen.customers_status == NO_DATA:
            st.info(no_data_message(scope))
        else:
            st.info(plain(unlock_hint(screen.customers_status)), icon=LOCKED)
        return
    cols = st.columns(3)
    for tile, col in zip(left.tiles, cols):
        with col:
            kpi_tile(dict(tile), scope, symbol)
    with cols[2]:
        value_tile(left.lost_revenue)
    if not left.ranked:
        st.info("The customers table has no attribute to break churn down by: import customers with columns such "
                "as segment, plan, contract or tenure.")
        return
    if st.session_state.get(CHURN_BY) not in left.ranked:
        st.session_state.pop(CHURN_BY, None)
    name = st.selectbox("Churn by", left.ranked, format_func=fmt.dimension_label, key=CHURN_BY, bind=BIND, width=320,
                        help="Any attribute of the customers, text or number (numbers in quartile bands); listed from "
                             "the one whose groups churn furthest apart.")
    if (chart := left.chart(name)) is not None:
        draw(chart)
    st.caption(plain(left.notes[name]))
    st.dataframe(left.listed[name], hide_index=True, placeholder=NO_VALUE, width="stretch")


def main() -> None:
    store = get_store()
    scope = current_scope()
    if scope is None:
        st.title("Churn & Revenue")
        st.info("No data yet. Import interactions and customers on the Data page to link experience to churn.")
        data_page_link()
        return
    settings = current_settings(store)
    header("Churn & Revenue", scope, "How experience links to churn and revenue.")
    a, problem = page_analysis(store, scope.version, settings, measured_first=False)  # a page of the models
    if problem:
        st.warning(plain(problem), icon=":material/warning:")
    screen = churn_screen(a, scope, settings)
    if a.panel is None and a.customers is None:
        st.info("Churn and revenue need a customers table (customer id, and the date each customer left or whether "
                "they left) and the customer id on the interactions: import them on the Data page.", icon=LOCKED)
        data_page_link("Import customers on the Data page")
        key_drivers(screen)
        return
    if a.panel is None:
        st.info("Monthly churn, the churn model and revenue at risk need to follow customers month by month: "
                "the customer id on interactions, or a revenue table by month. Import them on the Data page; below is "
                "what the customers table shows on its own.", icon=LOCKED)
        customers_who_left(screen, scope, settings.symbol)
        key_drivers(screen)
        return
    churn_by_experience(screen, scope)
    churn_model(screen)
    key_drivers(screen)
    risk_by_segment(screen)
    expansion(screen)
    customers_who_left(screen, scope, settings.symbol)


main()
