"""The workspace settings as every page reads them: cached per store, cleared when they are saved.

Pages call :func:`current_settings`; the Settings page saves through :func:`store_settings` (as the acting
user: admins only, :class:`cxdata.access.Forbidden` otherwise), which empties the cache so the next run of any page reads the new values. The cache also expires after a
minute, so replicas of a shared deployment pick up a change saved on another one.
"""

from __future__ import annotations

import streamlit as st

from cxdata.catalog.store import Store
from cxdata.settings import Settings, load_settings, save_settings
from ui.auth import current_actor
from ui.store import store_identity


@st.cache_data(show_spinner=False, ttl=60, hash_funcs={Store: store_identity})
def current_settings(store: Store) -> Settings:
    """The saved settings of the workspace, defaults filled in."""
    return load_settings(store)


def store_settings(store: Store, settings: Settings) -> None:
    """Save ``settings`` in the catalog as the acting user and make every page read them from the next run on."""
    save_settings(store, settings, actor=current_actor())
    current_settings.clear()
