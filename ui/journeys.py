"""Streamlit glue of the Journeys page: the version's tables and issue chains read once, customer search, and the
page's screen (:func:`cxdata.screens.journeys.journeys_screen`) of one view.

Caches are keyed by the store, the dataset version (id and creation time), the settings, the scope and the page's
choices, never by a frame (docs/architecture.md "Speed"): the issue table of a version is built once
(``st.cache_resource``, about half a second on the sample) and the screen of one view is ``st.cache_data``.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from cxdata.catalog.store import Store, VersionInfo
from cxdata.measures import journeys
from cxdata.measures.metrics import Filters
from cxdata.models.analysis import Analysis, Tables
from cxdata.scope import Scope
from cxdata.screens.journeys import Accounts, JourneysScreen, journeys_screen
from cxdata.settings import Settings
from ui.analysis import CACHE_KEYS

#: Customers offered by the search at once.
MATCHES = 20


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=CACHE_KEYS)
def account_tables(store: Store, version: VersionInfo) -> Accounts:
    """Customers and revenue of ``version``, read once per version."""
    tables = Tables.from_store(store, version.version_id)
    return Accounts(tables.customers, tables.revenue)


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=CACHE_KEYS)
def issue_table(store: Store, version: VersionInfo, window_days: int, _contacts: pl.DataFrame) -> journeys.IssueTable:
    """:func:`cxdata.measures.journeys.issue_table` of the whole version (chains are cut on all the data, before any
    filter)."""
    return journeys.issue_table(_contacts, account_tables(store, version).customers, window_days)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=CACHE_KEYS)
def journeys_view(store: Store, settings: Settings, scope: Scope, path: str | None, customer: str | None,
                  _a: Analysis) -> JourneysScreen:
    """The Journeys screen of one view (:func:`cxdata.screens.journeys.journeys_screen`), computed once for every
    session: keyed by store, settings, scope and the chosen path and customer, which also determine ``_a`` (the
    analysis of the scope's version under the settings; not hashed)."""
    every = issue_table(store, scope.version, settings.repeat_window_days, _a.contacts)
    return journeys_screen(_a, scope, settings, account_tables(store, scope.version), issue_table=every, path=path,
                           customer=customer)


def matching_customers(store: Store, scope: Scope, query: str, contacts: pl.DataFrame) -> list[str]:
    """:func:`cxdata.measures.journeys.find_customers`: ids containing ``query``, most contacts first, among the
    customers and ``contacts`` (its version's) within the scope's restrictions; computed once per version,
    restrictions and query, whatever the period and the other filters."""
    return _matching_customers(store, scope.version, scope.filters.restrictions, query, contacts)


def known_customer(store: Store, scope: Scope, customer_id: str, contacts: pl.DataFrame) -> bool:
    """Whether ``customer_id`` is in the customers table or made contact (``contacts``: its version's), within the
    scope's restrictions (a link may name anyone); computed once per version, restrictions and customer."""
    return _known_customer(store, scope.version, scope.filters.restrictions, customer_id, contacts)


def _customers_within(store: Store, version: VersionInfo, allowed: Filters) -> pl.DataFrame | None:
    """The version's customers table within the restrictions of ``allowed`` (None without one)."""
    customers = account_tables(store, version).customers
    return None if customers is None else allowed.within(customers)


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=CACHE_KEYS)
def _matching_customers(store: Store, version: VersionInfo, allowed: Filters, query: str,
                        _contacts: pl.DataFrame) -> list[str]:
    customers = _customers_within(store, version, allowed)
    return journeys.find_customers(customers, allowed.within(_contacts), query, MATCHES)


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=CACHE_KEYS)
def _known_customer(store: Store, version: VersionInfo, allowed: Filters, customer_id: str,
                    _contacts: pl.DataFrame) -> bool:
    customers = _customers_within(store, version, allowed)
    if customers is not None and customers.get_column("customer_id").eq(customer_id).any():
        return True
    return bool(allowed.within(_contacts).get_column("customer_id").eq(customer_id).any())
