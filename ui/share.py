"""Sharing (docs/architecture.md "Links"): the full link of the current view, saved views with a short id
(``?view=abc123``, stored in the catalog by :mod:`cxdata.catalog.views`), and opening them.

The link is the current page's address plus the bound parameters of this run (``st.query_params``
at the end of the run holds exactly what the browser's address bar shows). A saved view stores
that page path and those parameters, as strings; opening it sets the sidebar's widgets through
session state, passes the page's own parameters in the URL of ``st.switch_page`` and drops
``view`` from the address (:mod:`ui.state`).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.navigation.page import StreamlitPage

from cxdata import format as fmt
from cxdata.catalog.store import Store
from cxdata.catalog.views import View, list_views, load_view, save_view
from ui import state
from ui.auth import current_actor, refusals_shown
from ui.text import plain

_NOTICE = "_share_notice"
_SAVED = "_share_saved"
SHOWN_VIEWS = 8


def page_url(page: StreamlitPage, params: Mapping[str, list[str]]) -> str:
    """The address of ``page`` with ``params``: absolute when the browser told us where the app
    lives (``st.context.url``), else relative (``drilldown?metric=CSAT``)."""
    base = st.context.url
    path = page.url_path
    if base:
        base = base.rstrip("/")
        if path and base.endswith("/" + path):
            base = base[: -len(path) - 1]
        prefix = f"{base}/{path}" if path else f"{base}/"
    else:
        prefix = path or "./"
    query = urlencode({k: v for k, v in params.items() if v}, doseq=True)
    return f"{prefix}?{query}" if query else prefix


def view_url(page: StreamlitPage, view_id: str) -> str:
    """The short link of a saved view: the app's address with ``?view=<id>``."""
    base = st.context.url
    if base:
        base = base.rstrip("/")
        if page.url_path and base.endswith("/" + page.url_path):
            base = base[: -len(page.url_path) - 1]
        return f"{base}/?view={view_id}"
    return f"./?view={view_id}"


def follow(store: Store, pages: Mapping[str, StreamlitPage], current: StreamlitPage) -> None:
    """At the top of the entry script, before any widget: follow a parked in-app navigation or a
    ``?view=`` link (switching page), and show the notice of the last one. ``current``: the page
    ``st.navigation`` returned for this run."""
    navigation = state.pending()
    if navigation is None and "view" in st.query_params:
        view = load_view(store, st.query_params["view"])
        if view is None:
            del st.query_params["view"]
            st.sidebar.warning("That saved view does not exist (any more): showing the current view instead.",
                               icon=":material/bookmark_remove:")
            return
        navigation = _navigation(view)
    if navigation is None:
        notice = st.session_state.pop(_NOTICE, None)
        if notice is not None:
            st.toast(notice, icon=":material/bookmark:")
        return
    through_url = state.apply(navigation, current.url_path)
    if navigation.notice:
        st.session_state[_NOTICE] = navigation.notice
    target = pages.get(navigation.page) or pages[""]
    try:  # a mapping, even empty: None would try to clear the bound parameters, which raises
        st.switch_page(target, query_params=through_url)
    except StreamlitAPIException:  # another page's input bound on this page: open the page without it
        st.session_state[_NOTICE] = "Some inputs of that view belong to this page: open its link to see them."
        st.switch_page(target, query_params={})


def _navigation(view: View) -> state.Navigation:
    return state.Navigation(view.page, view.params, reset=True, notice=plain(f"Opened the saved view “{view.name}”."))


def _save(store: Store, page: StreamlitPage, params: dict[str, list[str]]) -> None:
    name = st.session_state.get("_view_name", "").strip()
    with refusals_shown():
        view_id = save_view(store, name or "Untitled view", page.url_path, params, actor=current_actor())
        st.session_state[_SAVED] = view_id
        st.session_state["_view_name"] = ""


def share_control(store: Store, page: StreamlitPage) -> None:
    """The Share popover: this view's full link, "save as a named view", and the saved views."""
    params = state.url_params()
    with st.popover("Share this view", icon=":material/share:", width="stretch"):
        st.markdown("**Link to this view** — page, filters and drill-down")
        st.code(page_url(page, params), language=None, wrap_lines=True)
        st.caption("Copy it with the button at its right. Anyone who opens it sees the same numbers "
                   "(on the same data version).")
        st.markdown("**Save as a named view** — a short link for a meeting")
        row = st.container(horizontal=True, vertical_alignment="bottom")
        row.text_input("View name", key="_view_name", max_chars=80, placeholder="e.g. Billing calls, Q3",
                       label_visibility="collapsed")
        row.button("Save view", icon=":material/bookmark_add:", on_click=_save, args=(store, page, params))
        saved = st.session_state.pop(_SAVED, None)
        if saved is not None:
            st.success("Saved. Its short link:", icon=":material/check:")
            st.code(view_url(page, saved), language=None)
        views = list_views(store)
        if views:
            st.markdown("**Saved views**")
            for view in views[:SHOWN_VIEWS]:
                line = st.container(horizontal=True, vertical_alignment="center")
                line.button(plain(view.name), key=f"_open_{view.id}", type="tertiary", icon=":material/bookmark:",
                            on_click=state.go, args=(_navigation(view),),
                            help=f"Open this view ({view.page or 'overview'} page, saved {fmt.when(view.created_at)} UTC)")
                line.code(view_url(page, view.id), language=None)
            if len(views) > SHOWN_VIEWS:
                st.caption(f"The {SHOWN_VIEWS} newest of {len(views)} views are listed.")
