"""Streamlit glue of the Voice of the customer page: the sentiment fit cached per dataset version, and the
screen of one view cached for every session.

The sentiment model is fitted once per version (``st.cache_resource`` keyed by the store and the
version's id and creation time; under a second on the sample) and every comment labelled with it;
the screen of one view is ``st.cache_data`` keyed by the store, the settings, the scope and the page's touchpoint,
channel and theme, never by a frame (docs/architecture.md "Speed"). Numbers: :func:`cxdata.screens.voice.voice_screen`.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from cxdata.catalog.store import Store, VersionInfo
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens import voice as screen
from cxdata.screens.voice import Voice, VoiceScreen
from cxdata.settings import Settings
from ui.analysis import CACHE_KEYS


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=CACHE_KEYS)
def unavailable(store: Store, version: VersionInfo, _contacts: pl.DataFrame | None) -> str | None:
    """:func:`cxdata.screens.voice.unavailable`: why the version has no comments to show (None when it has some)."""
    return screen.unavailable(_contacts)


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=CACHE_KEYS)
def voice(store: Store, version: VersionInfo, _contacts: pl.DataFrame) -> Voice:
    """:func:`cxdata.screens.voice.fit_voice`, once per version."""
    return screen.fit_voice(_contacts)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=CACHE_KEYS)
def view_voice(store: Store, settings: Settings, scope: Scope, touchpoint: str | None, channel: str | None,
               theme: str | None, _a: Analysis) -> VoiceScreen:
    """The page's screen (:func:`cxdata.screens.voice.voice_screen`) with the version's cached sentiment fit, computed
    once for every session: keyed by store, settings, scope and the page's choices, which also determine ``_a``
    (the page's analysis of the scope's version; not hashed). Call it on a version with comments
    (:func:`unavailable` is None)."""
    assert _a.contacts is not None
    return screen.voice_screen(_a, scope, settings, touchpoint, channel, theme,
                               voice(store, scope.version, _a.contacts))
