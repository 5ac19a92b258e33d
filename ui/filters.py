"""The global filters (docs/architecture.md "Links"): period with a comparison period, and one multiselect per
categorical dimension of the data, drawn in the sidebar by the entry script and bound to the URL.

URL parameters (values equal to the default are left out):

- ``period``: ``Last month`` · ``Last 3 months`` (default) · ``Last 6 months`` · ``Last 12 months`` ·
  ``All data`` · ``Custom``, with ``dates=YYYY-MM-DD&dates=YYYY-MM-DD`` for a custom period;
- ``compare_to``: ``Previous period`` (default) · ``Same period last year`` · ``Custom`` (with
  ``compare_dates``) · ``No comparison``;
- one repeated parameter per dimension: ``channel``, ``touchpoint``, ``segment``, ``region``, then
  ``plan``, ``reason``, ``team``… and the extra text columns of an upload (``x_<name>`` when the
  column's name is taken by another parameter).

Periods named in months end on the last day of the data's last month. "Previous period" is the same
number of whole months just before (any other period: the same number of days); "same period last
year" shifts both ends by a year (the date logic is :mod:`cxdata.measures.periods`).
Pages read the result, a :class:`cxdata.scope.Scope`, with :func:`current_scope`.

A user restricted to values of a dimension (:attr:`cxdata.access.Actor.restrictions`, e.g. ``region = North``)
is offered only those values, and the scope is always within them: a link or saved view asking for more
shows the restricted view and says so in one sentence (:func:`cxdata.scope.beyond_sentence`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import streamlit as st

from cxdata.access import Restrictions
from cxdata.catalog.store import Store, VersionInfo
from cxdata.format import dimension_label, month_span
from cxdata.links import dimension_key, scope_of  # dimension_key re-exported: the filters' URL parameters
from cxdata.measures.periods import (
    COMPARISONS,
    CUSTOM,
    DEFAULT_PERIOD,
    PERIODS,
    PREVIOUS,
    comparison_of,
    month_end,
    preset_period,
)
from cxdata.scope import Scope, beyond_sentence, where_of
from ui import state
from ui.auth import current_actor
from ui.loaders import DataShape, data_shape
from ui.text import plain

BIND = "query-params"
PERIOD, DATES, COMPARE, COMPARE_DATES = "period", "dates", "compare_to", "compare_dates"
MAIN_SHOWN = 4  # dimensions outside the "More filters" expander
_SCOPE = "_scope"


def _sanitise(key: str, valid: Sequence[object]) -> None:
    """Drop a stale value (another dataset's option) before its widget is drawn."""
    if key not in st.session_state:
        return
    value = st.session_state[key]
    if isinstance(value, list):
        kept = [v for v in value if v in valid]
        if kept != value:
            st.session_state[key] = kept
    elif value not in valid:
        del st.session_state[key]


def _sanitise_dates(key: str, low: date, high: date) -> None:
    value = st.session_state.get(key)
    if value is not None and not all(isinstance(d, date) and low <= d <= high for d in value):
        del st.session_state[key]


def _date_range(label: str, key: str, default: tuple[date, date], low: date, high: date, help: str) -> tuple[date, date]:
    _sanitise_dates(key, low, high)
    chosen = st.sidebar.date_input(label, value=default, min_value=low, max_value=high, key=key, bind=BIND,
                                   format="YYYY-MM-DD", help=help)
    if isinstance(chosen, date):
        return chosen, chosen
    if not chosen:
        return default
    return (chosen[0], chosen[-1])


def _period(shape: DataShape, drawn: list[str]) -> tuple[str, date, date, tuple[date, date] | None]:
    _sanitise(PERIOD, PERIODS)
    name = st.sidebar.selectbox(
        "Period", PERIODS, index=PERIODS.index(DEFAULT_PERIOD), key=PERIOD, bind=BIND,
        help="Every number on every page covers this period (models are fitted on all the data). "
             "Named periods end with the last month of the data.")
    drawn.append(PERIOD)
    low, high = shape.first, month_end(shape.last)
    if name == CUSTOM:
        drawn.append(DATES)
        default = preset_period(DEFAULT_PERIOD, shape.first, shape.last)
        start, end = _date_range("Dates", DATES, default, low, high, "First and last day of the period (both included).")
    else:
        start, end = preset_period(name, shape.first, shape.last)
    _sanitise(COMPARE, COMPARISONS)
    mode = st.sidebar.selectbox(
        "Compare with", COMPARISONS, index=0, key=COMPARE, bind=BIND,
        help="The deltas on the KPI tiles are against this period: the same number of months just before, "
             "or the same dates a year earlier.")
    drawn.append(COMPARE)
    if mode == CUSTOM:
        drawn.append(COMPARE_DATES)
        default = comparison_of(start, end, PREVIOUS)
        default = (max(default[0], low), max(default[1], low))
        comparison = _date_range("Comparison dates", COMPARE_DATES, default, low, high,
                                 "First and last day of the comparison period.")
    else:
        comparison = comparison_of(start, end, mode)
    return name, start, end, comparison


def _clear(keys: Sequence[str]) -> None:
    for key in keys:
        st.session_state[key] = []


def _asked(key: str) -> list[str]:
    """The values a dimension's widget is about to show: set by a saved view or an in-app link, else the URL's."""
    chosen = st.session_state.get(key)
    return [str(v) for v in chosen] if isinstance(chosen, list) else st.query_params.get_all(key)


def _allowed(dimensions: Sequence[tuple[str, Sequence[str]]], restrictions: Restrictions
             ) -> list[tuple[str, list[str]]]:
    """Each dimension with the values the user may see (a restricted one: only its allowed values)."""
    limits = dict(restrictions)
    return [(c, [v for v in values if c not in limits or str(v) in limits[c]]) for c, values in dimensions]


def _dimensions(shape: DataShape, owned: Sequence[str], restrictions: Restrictions) -> dict[str, tuple[str, ...]]:
    where: dict[str, tuple[str, ...]] = {}
    drawn = [(c, v) for c, v in _allowed(shape.dimensions, restrictions) if dimension_key(c) not in owned]
    keys = [dimension_key(c) for c, _ in drawn]
    beyond = beyond_sentence([(c, _asked(dimension_key(c))) for c, _ in drawn], restrictions)
    if beyond:
        st.sidebar.warning(plain(beyond), icon=":material/lock:")
    where_to = st.sidebar
    for i, (column, values) in enumerate(drawn):
        key = dimension_key(column)
        _sanitise(key, values)
        if i == MAIN_SHOWN:
            where_to = st.sidebar.expander("More filters", expanded=any(st.session_state.get(dimension_key(c))
                                                                         for c, _ in drawn[MAIN_SHOWN:]))
        label = dimension_label(column)
        chosen = where_to.multiselect(label, values, key=key, bind=BIND, placeholder=f"All ({len(values)})",
                                      help=f"Only contacts and customers with these {label.lower()} values; empty = all.")
        if chosen:
            where[column] = tuple(chosen)
    if owned:
        names = [dimension_label(c).lower() for c, _ in shape.dimensions if dimension_key(c) in owned]
        if names:
            st.sidebar.caption(f"This page sets {', '.join(names)} itself (its scope, on the page).")
    if where:
        st.sidebar.button("Clear filters", icon=":material/filter_alt_off:", type="tertiary", on_click=_clear,
                          args=(keys,), key="_clear_filters")
    return where


def default_scope(store: Store, version: VersionInfo) -> Scope:
    """The scope of a link without filters: the default period against the default comparison, no dimension
    filter (what :func:`global_filters` draws before any choice, :func:`cxdata.links.scope_of` of no parameter;
    all dates when the version has none)."""
    shape = data_shape(store, version)
    return scope_of({}, version, (shape.first, shape.last), {})


def global_filters(store: Store, dataset: str | None, owned: Sequence[str] = ()) -> Scope | None:
    """Draw the period and dimension filters of ``dataset`` in the sidebar; return (and keep for the
    pages) the scope they define, within the acting user's restrictions. ``owned``: parameters the current page
    draws itself."""
    st.session_state.pop(_SCOPE, None)
    version = store.active_version(dataset) if dataset is not None else None
    if version is None:
        return None
    shape = data_shape(store, version)
    drawn = ["dataset"]
    if shape.first is None:
        scope = Scope(dataset, version, None, None, None)
    else:
        name, start, end, comparison = _period(shape, drawn)
        st.sidebar.caption(f"{month_span(start, end)}" + (f" vs {month_span(*comparison)}" if comparison else ""))
        scope = Scope(dataset, version, start, end, comparison, period_name=name)
    restrictions = current_actor().restrictions  # none in the single-user local mode
    where = _dimensions(shape, owned, restrictions)
    every = [dimension_key(c) for c, _ in shape.dimensions]  # drawn here, or by the page (owned): bound
    state.remember_sidebar(every, drawn + every,
                           {PERIOD: DEFAULT_PERIOD, COMPARE: COMPARISONS[0], **{k: [] for k in every}})
    scope = replace(scope, where=where_of(where.items()), restrictions=restrictions)
    st.session_state[_SCOPE] = scope
    return scope


def current_scope() -> Scope | None:
    """The scope the sidebar defined in this run (None without data)."""
    return st.session_state.get(_SCOPE)
