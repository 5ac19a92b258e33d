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
Numbers come from :mod:`cxdata.measures.journeys` through :mod:`ui.journeys`.
"""

import polars as pl
import streamlit as st

from cxdata import format as fmt
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.settings import Settings
from ui.charts import draw
from ui.dashboard import data_page_link, header, page_analysis
from ui.filters import current_scope
from ui.journeys import (
    account_tables,
    customer_issues,
    customer_profile,
    customers_frame,
    duration,
    journey_figures,
    known_customer,
    matching_customers,
    timeline,
    timeline_spec,
)
from ui.settings import current_settings
from ui.store import get_store
from ui.text import plain, when

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


def _on_search(store, version, contacts: pl.DataFrame) -> None:
    """A new search shows its best match (the customer with the most contacts among the matches)."""
    matches = matching_customers(store, version, st.session_state.get(FIND) or "", contacts)
    st.session_state[CUSTOMER] = matches[0] if matches else None


def _on_path_row(table_key: str, paths: list[str]) -> None:
    rows = st.session_state[table_key].selection.rows
    st.session_state[PATH] = paths[rows[0]] if rows else None


def _on_customer_row(table_key: str, ids: list[str]) -> None:
    rows = st.session_state[table_key].selection.rows
    if rows:
        _open_customer(ids[rows[0]])


# ---------------------------------------------------------------- channel paths


def summary_tiles(summary: dict, window: int) -> None:
    n = summary["issues"]
    tiles = st.columns(4)
    with tiles[0].container(border=True):
        st.metric("Issues", fmt.count(n),
                  help=f"Repeat-contact chains: contacts of one customer on one reason, each within W = {window} "
                       "days of the previous one (any channel). An issue counts when one of its contacts matches the "
                       "filters.")
        st.caption(plain(f"{fmt.count(summary['multi_contact'])} needed 2+ contacts · "
                         f"{summary['contacts_per_issue']:.2f} contacts per issue" if n else "No issue in scope."))
    with tiles[1].container(border=True):
        st.metric("Needing 2+ contacts", fmt.number(summary["multi_share"], "%"),
                  help="Share of issues the customer had to raise more than once: they repeated themselves.")
        st.caption(plain(f"{fmt.interval(summary['multi_low'], summary['multi_high'], '%')} · "
                         f"n {fmt.count(summary['complete'])} issues" if summary["complete"] else "No issue in scope."))
    with tiles[2].container(border=True):
        st.metric("Median resolution time", duration(summary["median_hours"]),
                  help="Issues needing 2+ contacts: from the first contact to the first resolved one (to the last "
                       "contact when none is marked resolved).")
        st.caption(plain(f"Issues needing 2+ contacts · n {fmt.count(summary['multi_contact'])}"))
    with tiles[3].container(border=True):
        st.metric("P90 resolution time", duration(summary["p90_hours"]),
                  help="Nine in ten multi-contact issues are resolved within this time; one in ten takes longer.")
        st.caption(plain(f"Issues needing 2+ contacts · n {fmt.count(summary['multi_contact'])}"))


def paths_table(paths: pl.DataFrame, chosen: str | None) -> None:
    """The ranked paths; clicking a row chooses the path (written into the bound ``path`` selectbox)."""
    has_churn = "churn" in paths.columns
    shown = paths.with_columns(
        churn_interval=pl.format("{}–{}%", pl.col("churn_low").round(1), pl.col("churn_high").round(1))
    ) if has_churn else paths
    names = paths.get_column("path").to_list()
    key = f"_paths_table_{chosen}"
    st.dataframe(
        shown.select("path", "issues", "share", "csat", "answers", *(["churn", "churn_interval"] if has_churn else [])),
        hide_index=True, width="stretch", key=key, on_select=lambda: _on_path_row(key, names),
        selection_mode="single-row",
        selection_default={"selection": {"rows": [names.index(chosen)]}} if chosen in names else None,
        column_config={
            "path": st.column_config.TextColumn("Channel path", width="medium",
                                                help="The channels of the issue's contacts, in order."),
            "issues": st.column_config.NumberColumn("Issues", format="localized"),
            "share": st.column_config.NumberColumn("Share", format="%.1f%%",
                                                   help="Share of the issues needing 2+ contacts."),
            "csat": st.column_config.NumberColumn("CSAT", format="%.2f",
                                                  help="Mean CSAT answer (1–5) of the path's contacts."),
            "answers": st.column_config.NumberColumn("CSAT answers", format="localized"),
            "churn": st.column_config.NumberColumn("Churn after", format="%.1f%%",
                                                   help="Share of the issues whose customer churned within 90 days of "
                                                        "the issue's last contact."),
            "churn_interval": st.column_config.TextColumn("Churn 95% CI"),
        },
    )


def path_customers(store, version, paths: pl.DataFrame, chosen: str | None) -> None:
    names = paths.get_column("path").to_list()
    st.markdown("**Customers behind a path**")
    st.selectbox("Channel path", names, index=None, key=PATH, bind=BIND, width=420,
                 placeholder="Click a row of the table, or pick a path",
                 help="The customers whose issues took this path; click one to open their history.")
    if chosen is None or chosen not in names:
        st.caption("Pick a path to list the customers behind it.")
        return
    row = paths.row(names.index(chosen), named=True)
    ids = list(row["customers"])
    frame = customers_frame(store, version, tuple(ids))
    key = f"_path_customers_{chosen}"
    st.dataframe(frame, hide_index=True, width=720, height=min(36 + 35 * len(ids), 320), key=key,
                 on_select=lambda: _on_customer_row(key, ids), selection_mode="single-row",
                 column_config={"customer_id": st.column_config.TextColumn("Customer"),
                                "segment": st.column_config.TextColumn("Segment"),
                                "plan": st.column_config.TextColumn("Plan"),
                                "region": st.column_config.TextColumn("Region"),
                                "churned_at": st.column_config.DateColumn("Churned", format="D MMM YYYY")})
    more = " (the first 200)" if len(ids) == 200 else ""
    st.caption(plain(f"{fmt.count(len(ids))} customers{more} with {fmt.count(row['issues'])} issues on this path. "
                     "Click one to open their history."))


def _period(scope: Scope) -> str:
    return fmt.month_span(scope.start, scope.end) if scope.start is not None else "all dates"


def paths_tab(store, version, a: Analysis, scope: Scope, settings: Settings) -> None:
    window = settings.repeat_window_days
    figures = journey_figures(store, version, window, scope.filters, a.contacts)
    summary, paths = figures.summary, figures.paths
    st.caption(plain(f"An issue is a chain of contacts from one customer on one reason, each within W = {window} "
                     "days of the previous one, in any channel (W is set on the Settings page). Counted: the issues "
                     f"with a contact in {_period(scope)} · {scope.where_text()}, each with all its contacts."))
    if not summary["issues"]:
        st.warning("No issue matches these filters: widen the period or clear a filter in the sidebar.",
                   icon=":material/filter_alt_off:")
        return
    summary_tiles(summary, window)
    if figures.note:
        st.caption(plain(figures.note))
    st.subheader("Channel hopping", divider="gray")
    if "channel" not in a.contacts.columns:
        st.info("Channel paths need a channel column on interactions: import interactions with a channel to see "
                "how customers move between channels.", icon=":material/lock:")
        return
    if not paths.height:
        st.info("No issue in scope needed more than one contact.")
        return
    chosen = st.session_state.get(PATH, st.query_params.get(PATH))
    st.caption("The most frequent channel paths of the issues needing 2+ contacts. Click a row to list the "
               "customers behind it.")
    paths_table(paths, chosen)
    notes = ["CSAT: mean answer on the path's contacts."]
    notes.append("Churn after: share of the issues whose customer left within 90 days of its last contact, with "
                 "its 95% interval (an association, not proof of cause)." if "churn" in paths.columns else
                 "Churn after an issue needs a customers table with churned_at: import it on the Data page.")
    st.caption(" ".join(notes))
    path_customers(store, version, paths, chosen)


# ---------------------------------------------------------------- customer history


def customer_picker(store, version, contacts: pl.DataFrame) -> str | None:
    search, pick = st.columns([1, 1], vertical_alignment="bottom")
    query = search.text_input("Find a customer", key=FIND, bind=BIND, placeholder="Part of a customer id",
                              on_change=_on_search, args=(store, version, contacts),
                              help="Customers whose id contains this text, those with the most contacts first.")
    options = matching_customers(store, version, query or "", contacts)
    wanted = _chosen_customer()
    if wanted and wanted not in options and known_customer(store, version, wanted, contacts):
        options = [*options, wanted]
    return pick.selectbox("Customer", options, index=None, key=CUSTOMER, bind=BIND,
                          placeholder=f"Choose one of {len(options)} matches" if query else
                          "Choose a customer (most contacts first)",
                          help="The customer whose history is shown; the link you share opens it. Without a search, "
                               f"the {len(options)} customers with the most contacts are offered.")


def customer_tiles(customer: str, profile: dict, events: pl.DataFrame, issues: pl.DataFrame) -> None:
    """Who the customer is (from the customers table) and four counts from their timeline and issues."""
    about = [str(profile[c]) for c in ("segment", "plan", "region") if profile.get(c) is not None]
    if profile.get("joined_at") is not None:
        about.append(f"customer since {when(profile['joined_at'])}")
    churned = profile.get("churned_at")
    about.append(f"churned {when(churned)}" if churned else "active" if profile else "not in the customers table")
    st.markdown(f"**{plain(customer)}** · {plain(' · '.join(about))}")
    contacts = events.filter(pl.col("event") == "contact")
    negative = contacts.filter(pl.col("csat") <= 2).height if contacts.get_column("csat").count() else None
    last = contacts.get_column("at").max() if contacts.height else None
    repeated = issues.filter(pl.col("contacts") >= 2).height
    tiles = st.columns(4)
    tiles[0].metric("Contacts", fmt.count(contacts.height), border=True,
                    help="Every contact of this customer in the data, on any channel.")
    tiles[1].metric("Last contact", last.strftime("%-d %b %y") if last else "–", border=True,
                    help=f"{when(last)}." if last else "No contact recorded.")
    tiles[2].metric("Negative experiences", fmt.count(negative), border=True,
                    help="Contacts answered with CSAT 1 or 2." if negative is not None else
                    "No CSAT answer from this customer.")
    tiles[3].metric("Repeated issues", f"{repeated} of {issues.height}", border=True,
                    help="Issues (repeat-contact chains) of this customer that needed 2+ contacts: the times they "
                         "had to come back about the same thing.")


HISTORY_COLUMNS = ("at", "event", "channel", "touchpoint", "reason", "comment", "csat", "nps", "ces", "wait_seconds",
                   "transfers", "resolved", "amount")


def history_table(events: pl.DataFrame, symbol: str) -> None:
    """Every event, newest first; comments are plain text cells (never Markdown or HTML)."""
    st.dataframe(
        events.select([c for c in HISTORY_COLUMNS if c in events.columns]).sort("at", descending=True),
        hide_index=True, width="stretch", height=420,
        column_config={
            "at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
            "event": st.column_config.TextColumn("Event"),
            "channel": st.column_config.TextColumn("Channel"),
            "touchpoint": st.column_config.TextColumn("Touchpoint"),
            "reason": st.column_config.TextColumn("Reason"),
            "comment": st.column_config.TextColumn("Comment", width="medium"),
            "csat": st.column_config.NumberColumn("CSAT"),
            "nps": st.column_config.NumberColumn("NPS"),
            "ces": st.column_config.NumberColumn("CES"),
            "wait_seconds": st.column_config.NumberColumn("Wait (s)", format="%.0f"),
            "transfers": st.column_config.NumberColumn("Transfers"),
            "resolved": st.column_config.CheckboxColumn("Resolved"),
            "amount": st.column_config.NumberColumn(f"Revenue ({symbol.strip()})", format="%.2f"),
        },
    )


def history_tab(store, version, a: Analysis, scope: Scope, settings: Settings) -> None:
    customer = customer_picker(store, version, a.contacts)
    if customer is None:
        st.info("Search for a customer, or choose one of those with the most contacts, to see their whole history. "
                "On the Channel paths tab, a path's customers open here too.", icon=":material/person_search:")
        return
    events = timeline(store, version, customer, a.contacts)
    issues = customer_issues(store, version, settings.repeat_window_days, customer, a.contacts)
    profile = customer_profile(store, version, customer)
    customer_tiles(customer, profile, events, issues)
    tables = account_tables(store, version)
    missing = []
    if tables.customers is None:
        missing.append("a customers table (joining and churn dates)")
    if tables.revenue is None:
        missing.append("a revenue table (monthly revenue)")
    spec, joined_early = timeline_spec(store, version, customer, (scope.start, scope.end), settings.symbol, a.contacts)
    draw(spec)
    notes = [f"The whole history of {customer}, whatever the filters; the sidebar period is shaded. Colour: the "
             "contact's CSAT; filled: resolved in that contact; hover for wait, transfers, scores and comment."]
    if joined_early:
        notes.append(f"Joined {when(profile.get('joined_at'))}, long before the data starts (left off the chart).")
    if missing:
        notes.append(f"Import {' and '.join(missing)} on the Data page to see them here.")
    st.caption(plain(" ".join(notes)))
    shown = events
    if tables.revenue is not None:
        with_revenue = st.toggle("Show the monthly revenue rows", key=REVENUE_ROWS, bind=BIND,
                                 help="Monthly revenue is on the chart's revenue lane (hover a tick); here it adds one "
                                      "row a month.")
        if not with_revenue:
            shown = events.filter(pl.col("event") != "revenue")
    history_table(shown, settings.symbol)


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
        st.info("Journeys need to know who made each contact: import interactions with a customer_id column on the "
                "Data page to see repeat contacts, channel paths and each customer's history.", icon=":material/lock:")
        data_page_link()
        return
    chosen = _chosen_customer()
    known = bool(chosen) and known_customer(store, scope.version, chosen, a.contacts)
    default = HISTORY_TAB if known else PATHS_TAB
    paths, history = st.tabs([PATHS_TAB, HISTORY_TAB], key=TAB, bind=BIND, default=default)
    with paths:
        paths_tab(store, scope.version, a, scope, settings)
    with history:
        history_tab(store, scope.version, a, scope, settings)


main()
