"""URL-bound state of the dashboard (docs/architecture.md "Links"): the parameter names, their kinds, and in-app
navigation that sets bound widgets before switching page.

A bound widget's value can only be changed through ``st.session_state[key]``, before the widget
is drawn in a run, and a bound parameter cannot be passed to ``st.switch_page`` (docs/architecture.md "Streamlit rules").
So a link that must change filters (a moment's "Plan a fix", a saved view opened from the list) is
a button whose callback parks the target page and parameters here (:func:`go`); the entry script
applies them at the top of the next run, before any widget (:func:`apply`), and switches page:

- parameters whose widget is bound right now — the sidebar's drawn in the last run, the filter
  dimensions a page draws itself, and a dashboard page's own when the link stays on that page —
  are set through session state (typed as their widget expects): the widget changes value and
  Streamlit writes the new value into the URL;
- every other parameter goes into the URL of ``st.switch_page``, so Streamlit seeds the widget from
  it when the page draws it, whatever its type (a widget first drawn with a value from session
  state would not write it into the URL: the link would not show the view);
- in a fresh session (a ``?view=`` link just opened) nothing is bound yet, so everything goes
  through the URL, exactly as when the full link is opened.

Values are always lists of strings, as a URL carries them; nothing else is stored or read (no
pickled session state in links, docs/architecture.md "Links").

Every number input bound to the URL is drawn by :func:`bound_number_input`, which reads the link's
value first: a value that is not a finite number within the widget's bounds (``inf``, ``nan``,
``1e400``, text, or beyond :data:`URL_NUMBER_LIMIT` where the widget has no bound) is dropped from the
address with a notice under the input naming the parameter, so the widget shows its default and a
crafted link never raises. A selector of metrics reads the link's value first too (:func:`option_from_link`): a
link may name the metric by its key (``?metric=fcr``) as well as by the label the selector shows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.errors import StreamlitAPIException

# The URL's parameters are the engine's (cxdata.links: a saved view is read without the app); RESERVED re-exported.
from cxdata.links import GLOBAL_KINDS, PAGE_KINDS, RESERVED, Kind  # noqa: F401
from ui.text import plain

#: The largest magnitude a link may give a number input that has no bound of its own on that side
#: (money, seconds, contacts a month): beyond it a value is a crafted link or a typo, not a plan.
URL_NUMBER_LIMIT = 1e12
_SHOWN_CHARS = 24  # of a rejected value in the notice
_URL_NOTICES = "_url_number_notices"  # parameter → _Dropped

_PENDING = "_pending_navigation"
_DIM_KEYS = "_dimension_keys"  # every filter dimension's parameter of the current dataset (last run)
_BOUND = "_bound_keys"  # the sidebar's parameters bound in the last run (drawn, or drawn by the page)
_DEFAULTS = "_global_defaults"  # key → default value of the sidebar widgets (last run)


@dataclass(frozen=True)
class Navigation:
    """Go to ``page`` (a URL path, "" for the default page) with these parameters.

    ``reset`` restores every parameter of a known kind that is not listed to its default (a saved
    view is complete); otherwise only the listed parameters change (a link from a moment of service).
    """

    page: str
    params: Mapping[str, Sequence[str]] = field(default_factory=dict)
    reset: bool = False
    notice: str | None = None


def remember_sidebar(dimensions: Sequence[str], bound: Sequence[str], defaults: Mapping[str, object]) -> None:
    """Record this run's filter-dimension parameters, the sidebar's parameters bound to a widget
    (drawn in the sidebar or by the page) and their widget defaults, for :func:`apply` in a later run."""
    st.session_state[_DIM_KEYS] = tuple(dimensions)
    st.session_state[_BOUND] = frozenset(bound)
    st.session_state[_DEFAULTS] = dict(defaults)


def dimension_keys() -> tuple[str, ...]:
    return st.session_state.get(_DIM_KEYS, ())


def go(navigation: Navigation) -> None:
    """Callback: park ``navigation``; the entry script follows it at the top of the next run."""
    st.session_state[_PENDING] = navigation


def pending() -> Navigation | None:
    return st.session_state.pop(_PENDING, None)


def kind_of(key: str) -> Kind | None:
    if key in GLOBAL_KINDS:
        return GLOBAL_KINDS[key]
    if key in PAGE_KINDS:
        return PAGE_KINDS[key]
    return "many" if key in dimension_keys() else None


def _value(kind: Kind, values: Sequence[str]) -> object:
    if kind == "many":
        return list(values)
    if kind == "dates":
        return tuple(date.fromisoformat(v) for v in values)
    if kind == "int":
        return int(values[0])
    return values[0] if values else None


def apply(navigation: Navigation, current_page: str) -> dict[str, list[str]]:
    """Set the bound widgets' session state from ``navigation`` and return the parameters to pass in
    the URL of ``st.switch_page`` (call at the top of the entry script, before any widget is drawn;
    ``current_page`` is the URL path of the page the session is on). A value that cannot be parsed
    is dropped: a link never raises."""
    params = {key: [str(v) for v in values] for key, values in navigation.params.items()}
    if _BOUND not in st.session_state:  # a fresh session: nothing is bound yet
        return params
    bound = set(st.session_state[_BOUND])
    if navigation.page == current_page:
        bound |= set(PAGE_KINDS)  # the page's own widgets are drawn (those it draws on this data)
    through_url: dict[str, list[str]] = {}
    for key, values in params.items():
        kind = kind_of(key)
        if kind is None or key not in bound:
            through_url[key] = values
            continue
        try:
            st.session_state[key] = _value(kind, values)
        except (ValueError, IndexError):
            st.session_state.pop(key, None)
    for key in through_url:
        st.session_state.pop(key, None)  # a stale value must not win over the URL
    if navigation.reset:
        defaults = st.session_state.get(_DEFAULTS, {})
        for key in (*GLOBAL_KINDS, *dimension_keys(), *PAGE_KINDS):
            if key in params:
                continue
            if key in bound and key in defaults:
                st.session_state[key] = defaults[key]
            else:
                st.session_state.pop(key, None)
    return through_url


def url_params() -> dict[str, list[str]]:
    """The bound parameters of this run as the browser's URL shows them (defaults are left out)."""
    return {key: st.query_params.get_all(key) for key in st.query_params if key != "view"}


def url_number_usable(raw: str, min_value: float | None, max_value: float | None) -> bool:
    """Whether a link's text is a number a widget bounded by [min_value, max_value] can take: it parses,
    is finite, and lies within the bounds (±:data:`URL_NUMBER_LIMIT` where a bound is None)."""
    try:
        number = float(raw)
    except ValueError:
        return False
    low = -URL_NUMBER_LIMIT if min_value is None else min_value
    high = URL_NUMBER_LIMIT if max_value is None else max_value
    return math.isfinite(number) and low <= number <= high


@dataclass
class _Dropped:
    """A link value dropped for the input of one parameter: the notice, and the value the input showed
    when the notice was first drawn under it (the default), once it was."""

    notice: str
    drawn: bool = False
    value: object = None


def check_url_number(key: str, min_value: float | None, max_value: float | None) -> None:
    """Before the widget bound to ``key`` is drawn: drop the link's value of ``key`` if it is not usable
    (:func:`url_number_usable`) and park a notice naming it for :func:`url_number_notice`.

    Streamlit seeds a widget from the address the run started with, so removing the parameter is not
    enough: the run starts again (``st.rerun``) from the corrected address, where the widget shows its
    default. (A run that starts again drops what it drew, so the notice is drawn from session state in
    the runs that follow, not as a one-off toast.)"""
    bad = next((v for v in st.query_params.get_all(key) if not url_number_usable(v, min_value, max_value)), None)
    if bad is None or not _drop(key):
        return
    shown = bad if len(bad) <= _SHOWN_CHARS else bad[: _SHOWN_CHARS - 1] + "…"
    notice = plain(f"The link's {key}={shown} is not a number Momento can use; the default is shown.")
    st.session_state[_URL_NOTICES] = {**st.session_state.get(_URL_NOTICES, {}), key: _Dropped(notice)}
    st.rerun()


def _drop(key: str) -> bool:
    """Remove ``key`` from the address; False when it is bound to a widget drawn in the last run (whose
    value it then is, not the link's: Streamlit seeds a widget from the address only when it first
    draws it)."""
    try:
        del st.query_params[key]
    except StreamlitAPIException:
        return False
    return True


def option_from_link(key: str, labels: Mapping[str, str]) -> None:
    """Before the selector bound to ``key`` is drawn: a link may name its option by the option's key
    (``?metric=fcr``, the metric registry's) or by its label in any case (``?metric=abandonment``), as well
    as by the exact label the selector shows and writes. Such a name is rewritten to the label and the run starts
    again from the corrected address (Streamlit seeds a widget from the address the run started with), so the
    selector shows that option and a shared link carries it. ``labels``: option key → label. A name that is
    neither is left to Streamlit, which drops it (the selector shows its default)."""
    asked = st.query_params.get(key)
    if asked is None or asked in labels.values():
        return
    wanted = asked.casefold()
    label = next((shown for option, shown in labels.items() if wanted in (option.casefold(), shown.casefold())), None)
    if label is None:
        return
    try:
        st.query_params[key] = label
    except StreamlitAPIException:  # bound to the selector drawn in the last run: its value, not the link's
        return
    st.rerun()


def url_number_notice(slot: DeltaGenerator, key: str, value: object) -> None:
    """Under the input of ``key``: the notice of its dropped link value, as long as the input still shows
    the default that replaced it (once the analyst changes it, the notice goes)."""
    dropped = st.session_state.get(_URL_NOTICES, {}).get(key)
    if dropped is None:
        return
    if not dropped.drawn:
        dropped.drawn, dropped.value = True, value
    if value != dropped.value:
        del st.session_state[_URL_NOTICES][key]
        return
    slot.caption(dropped.notice)


def bound_number_input(slot: DeltaGenerator, label: str, *, key: str, min_value: float | None = None,
                       max_value: float | None = None, **kwargs: Any) -> Any:
    """``slot.number_input`` bound to the URL parameter ``key``: a value of the link it cannot take (with
    the same bounds as the widget) is dropped first (:func:`check_url_number`), and the notice saying so
    is drawn under it (:func:`url_number_notice`)."""
    check_url_number(key, min_value, max_value)
    value = slot.number_input(label, min_value=min_value, max_value=max_value, key=key, bind="query-params",
                              **kwargs)
    url_number_notice(slot, key, value)
    return value
