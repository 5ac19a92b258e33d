"""Journeys — customers quit when they must repeat themselves, are bounced between channels and talk to
staff who do not know their history. Two tabs:

- **Channel paths**: issues as repeat-contact chains (a follow-up on the same reason within W days of
  Settings), the share needing 2+ contacts with its interval, the time to resolution of those, and the
  most frequent channel paths with their CSAT and churn; a path's row lists its customers, and a
  customer's row opens their history.
- **Customer history**: one customer's whole history on one timeline — every contact with channel,
  touchpoint, wait, transfers, scores and comment, monthly revenue, joining and churn: what an agent
  should know before answering.

URL parameters of the page: ``tab`` (Channel paths · Customer history; the default is the history
when a customer is chosen), ``find`` (search text), ``customer`` (customer id), ``path`` (a channel
path, e.g. ``chatbot → phone``), ``revenue_rows`` (the history table lists monthly revenue too).
Numbers: cxdata.screens.journeys.journeys_screen (drawn here through :func:`ui.journeys.journeys_view`).
"""

import polars as pl
import streamlit as st

from cxdata.scope import Scope
from cxdata.screens.journeys import CustomerHistory, JourneysScreen, PathCustomers
from ui.charts import draw
from ui.dashboard import data_page_link, header, page_analysis, value_tiles
from ui.filters import current_scope
from ui.journeys import journeys_view, known_customer, matching_customers
from ui.settings import current_settings
from ui.store import get_store
from ui.text import NO_VALUE, plain

BIND = "query-params"
TAB, FIND, CUSTOMER, PATH, REVENUE_ROWS = "tab", "find", "customer", "path", "revenue_rows"
PATHS_TAB, HISTORY_TAB = "Channel paths", "Customer history"


# ---------------------------------------------------------------- state callbacks


def _chosen_customer() -> str | None:
    """The customer chosen in this session, else the one the link names (before the widget is drawn)."""
    if CUSTOMER in st.session_state:
        return st.session_state[CUSTOMER]
    return st.query_params.get(CUSTOMER)


def _open_customer(customer_id: str) -> None:
    st.session_state[CUSTOMER] = customer_id
    st.session_state[TAB] = HISTORY_TAB


def _on_search(store, scope: Scope, contacts: pl.DataFrame) -> None:
    """A new search shows its best match (the customer with the most contacts among the matches)."""
    matches = matching_customers(store, scope, st.session_state.get(FIND) or "", contacts)
    st.session_state[CUSTOMER] = matches[0] if matches else None


def _on_path_row(table_key: str, paths: list[str]) -> None:
    rows = st.session_state[table_key].selection.rows
    st.session_state[PATH] = paths[rows[0]] if rows else None


def _on_customer_row(table_key: str, ids: list[str]) -> None:
    rows = st.session_state[table_key].selection.rows
    if rows:
        _open_customer(ids[rows[0]])


# ---------------------------------------------------------------- channel paths


def paths_table(paths: pl.DataFrame, chosen: str | None) -> None:
    """The ranked paths; clicking a row chooses the path (written into the bound ``path`` selectbox)."""
    names = paths.get_column("path").to_list()
    key = f"_paths_table_{chosen}"
    st.dataframe(
        paths, hide_index=True, placeholder=NO_VALUE, width="stretch", key=key, on_select=lambda: _on_path_row(key, names),
        selection_mode="single-row",
        selection_default={"selection": {"rows": [names.index(chosen)]}} if chosen in names else None,
        column_config={
            "path": st.column_config.TextColumn("Channel path", width="medium",
                                                help="The channels of the issue's contacts, in order."),
            "issues": st.column_config.NumberColumn("Issues", format="localized"),
            "share": st.column_config.NumberColumn("Share", format="%.1f%%",
                                                   help="Share of the issues needing 2+ contacts."),
            "csat": st.column_config.NumberColumn("Mean CSAT (1 to 5)", format="%.2f",
                                                  help="The mean CSAT answer, on the 1 to 5 scale, of the path's "
                                                       "contacts (not the Overview's CSAT, the share answering 4 or 5)."),
            "answers": st.column_config.NumberColumn("CSAT answers", format="localized"),
            "churn": st.column_config.NumberColumn("Churn after", format="%.1f%%",
                                                   help="Share of the issues whose customer churned within 90 days of "
                                                        "the issue's last contact."),
            "churn_interval": st.column_config.TextColumn("Churn 95% CI"),
        },
    )


def path_customers(names: list[str], behind: PathCustomers | None) -> None:
    st.markdown("**Customers behind a path**")
    st.selectbox("Channel path", names, index=None, key=PATH, bind=BIND, width=420,
                 placeholder="Click a row of the table, or pick a path",
                 help="The customers whose issues took this path; click one to open their history.")
    if behind is None:
        st.caption("Pick a path to list the customers behind it.")
        return
    ids = behind.table.get_column("customer_id").to_list()
    key = f"_path_customers_{behind.path}"
    st.dataframe(behind.table, hide_index=True, placeholder=NO_VALUE, width=720, height=min(36 + 35 * len(ids), 320), key=key,
                 on_select=lambda: _on_customer_row(key, ids), selection_mode="single-row",
                 column_config={"customer_id": st.column_config.TextColumn("Customer"),
                                "segment": st.column_config.TextColumn("Segment"),
                                "plan": st.column_config.TextColumn("Plan"),
                                "region": st.column_config.TextColumn("Region"),
                                "churned_at": st.column_config.TextColumn("Churned")})
    st.caption(plain(f"{behind.caption} Click one to open their history."))


def paths_tab(screen: JourneysScreen, chosen: str | None) -> None:
    st.caption(plain(screen.intro))
    if not screen.issues:
        st.warning("No issue matches these filters: widen the period or clear a filter in the sidebar.",
                   icon=":material/filter_alt_off:")
        return
    value_tiles(screen.tiles)
    if screen.censored:
        st.caption(plain(screen.censored))
    st.subheader("Channel hopping", divider="gray")
    if not screen.has_channel:
        st.info("Channel paths need a channel column on interactions: import interactions with a channel to see "
                "how customers move between channels.", icon=":material/lock:")
        return
    if not screen.paths.height:
        st.info("No issue in scope needed more than one contact.")
        return
    st.caption("The most frequent channel paths of the issues needing 2+ contacts. Click a row to list the "
               "customers behind it.")
    paths_table(screen.paths, chosen)
    st.caption(screen.paths_note)
    path_customers(screen.paths.get_column("path").to_list(), screen.path)


# ---------------------------------------------------------------- customer history


def customer_picker(store, scope: Scope, contacts: pl.DataFrame) -> str | None:
    search, pick = st.columns([1, 1], vertical_alignment="bottom")
    query = search.text_input("Find a customer", key=FIND, bind=BIND, placeholder="Part of a customer id",
                              on_change=_on_search, args=(store, scope, contacts),
                              help="Customers whose id contains this text, those with the most contacts first.")
    options = matching_customers(store, scope, query or "", contacts)
    wanted = _chosen_customer()
    if wanted and wanted not in options and known_customer(store, scope, wanted, contacts):
        options = [*options, wanted]
    return pick.selectbox("Customer", options, index=None, key=CUSTOMER, bind=BIND,
                          placeholder=f"Choose one of {len(options)} matches" if query else
                          "Choose a customer (most contacts first)",
                          help="The customer whose history is shown; the link you share opens it. Without a search, "
                               f"the {len(options)} customers with the most contacts are offered.")


def customer_tiles(history: CustomerHistory) -> None:
    """Who the customer is (from the customers table) and four counts from their timeline and issues."""
    st.markdown(f"**{plain(history.customer)}** · {plain(history.about)}")
    value_tiles(history.tiles)


def history_table(events: pl.DataFrame) -> None:
    """Every event, newest first, as text (:meth:`CustomerHistory.shown`); comments are plain text cells (never
    Markdown or HTML)."""
    st.dataframe(events, hide_index=True, placeholder=NO_VALUE, width="stretch", height=420,
                 column_config={"Comment": st.column_config.TextColumn(width="medium")})


def history_tab(history: CustomerHistory | None, symbol: str) -> None:
    if history is None:
        st.info("Search for a customer, or choose one of those with the most contacts, to see their whole history. "
                "On the Channel paths tab, a path's customers open here too.", icon=":material/person_search:")
        return
    customer_tiles(history)
    draw(history.chart)
    st.caption(plain(history.note))
    revenue_rows = history.has_revenue and st.toggle(
        "Show the monthly revenue rows", key=REVENUE_ROWS, bind=BIND,
        help="Monthly revenue is on the chart's revenue lane (hover a tick); here it adds one row a month.")
    history_table(history.shown(revenue_rows, symbol))


# ---------------------------------------------------------------- page


def main() -> None:
    store = get_store()
    scope = current_scope()
    if scope is None:
        st.title("Journeys")
        st.info("No data yet. Import interactions with a customer id on the Data page to follow customers across "
                "channels.")
        data_page_link()
        return
    settings = current_settings(store)
    header("Journeys", scope, "Where customers repeat themselves and are bounced between channels.")
    a, _ = page_analysis(store, scope.version, settings)  # journeys need the contacts, not the models
    if a.contacts is None:
        st.info("This version has no interactions yet: import interactions with a customer id on the Data page to "
                "see customer journeys.", icon=":material/lock:")
        data_page_link()
        return
    if "customer_id" not in a.contacts.columns:
        st.info("Journeys need to know who made each contact: import interactions with a customer id column on the "
                "Data page to see repeat contacts, channel paths and each customer's history.", icon=":material/lock:")
        data_page_link()
        return
    chosen = _chosen_customer()
    known = bool(chosen) and known_customer(store, scope, chosen, a.contacts)
    default = HISTORY_TAB if known else PATHS_TAB
    paths, history = st.tabs([PATHS_TAB, HISTORY_TAB], key=TAB, bind=BIND, default=default)
    with history:  # the customer is chosen before the screen is built; the tabs keep their order
        customer = customer_picker(store, scope, a.contacts)
    path = st.session_state.get(PATH, st.query_params.get(PATH))
    screen = journeys_view(store, settings, scope, path, customer, a)
    with paths:
        paths_tab(screen, path)
    with history:
        history_tab(screen.history, settings.symbol)


main()
