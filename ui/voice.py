"""Streamlit glue of the Voice of the customer page: the sentiment fit cached per dataset version,
and the small results for one set of filters.

The sentiment model is fitted once per version (``st.cache_resource`` keyed by the store and the
version's id and creation time; under a second on the sample) and every comment labelled with it;
the figures for one scope are ``st.cache_data`` keyed by the filters, the page's touchpoint and
channel and the theme, never by a frame (docs/architecture.md "Speed"). Numbers come from :mod:`cxdata.measures.text`; the
share of negative comments per cell is :func:`cxdata.measures.text.negative_share` (docs/method/contact-metrics.md, "% negative comments
per cell", with a Wilson interval from :mod:`cxdata.measures.stats`).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import streamlit as st

from cxdata.catalog.store import Store, VersionInfo
from cxdata.measures import text
from cxdata.measures.metrics import Filters
from ui.loaders import version_identity
from ui.store import store_identity

_KEYS = {Store: store_identity, VersionInfo: version_identity, Filters: repr}
#: Months with fewer negative comments than this are drawn hollow on the theme's trend.
SMALL_MONTH = 30
#: Comments listed behind a theme.
COMMENTS_SHOWN = 50
NONE = text.NONE  # comments without a touchpoint or channel, in the shares and their selection
COMMENT_COLUMNS = ("started_at", "comment", "csat", "tone", "channel", "touchpoint", "reason")


@dataclass(frozen=True)
class Voice:
    """The sentiment fit of a version and its comments labelled with a tone."""

    sentiment: text.Sentiment
    labelled: pl.DataFrame  # text.labelled_comments


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=_KEYS)
def has_comments(store: Store, version: VersionInfo, _contacts: pl.DataFrame) -> bool:
    """Whether the version's contacts hold at least one non-empty comment."""
    return "comment" in _contacts.columns and text.comment_frame(_contacts.select("comment")).height > 0


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=_KEYS)
def voice(store: Store, version: VersionInfo, _contacts: pl.DataFrame) -> Voice:
    """:func:`cxdata.measures.text.fit_sentiment` and :func:`cxdata.measures.text.labelled_comments`, once per version."""
    sentiment = text.fit_sentiment(_contacts)
    return Voice(sentiment, text.labelled_comments(_contacts, sentiment))


def in_scope(labelled: pl.DataFrame, filters: Filters, touchpoint: str | None = None,
             channel: str | None = None) -> pl.DataFrame:
    """The labelled comments passing the sidebar's filters and the page's touchpoint and channel."""
    scoped, _ = filters.apply(labelled, "started_at")
    for column, value in (("touchpoint", touchpoint), ("channel", channel)):
        if value is not None and column in scoped.columns:
            scoped = scoped.filter(pl.col(column).is_null() if value == NONE else pl.col(column) == value)
    return scoped


@dataclass(frozen=True)
class Shares:
    overall: dict  # n, negative, value, low, high
    by_touchpoint: pl.DataFrame | None
    by_channel: pl.DataFrame | None
    ignored: tuple[str, ...]  # filter columns the comments do not have


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=_KEYS)
def shares(store: Store, version: VersionInfo, filters: Filters, _voice: Voice) -> Shares:
    """Negative share of the comments in scope: overall, by touchpoint and by channel."""
    scoped, ignored = filters.apply(_voice.labelled, "started_at")
    by = {c: text.negative_share(scoped, c) if c in scoped.columns and scoped.height else None
          for c in ("touchpoint", "channel")}
    return Shares(text.negative_share(scoped).row(0, named=True), by["touchpoint"], by["channel"], tuple(ignored))


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=_KEYS)
def theme_table(store: Store, version: VersionInfo, filters: Filters, touchpoint: str | None, channel: str | None,
                _voice: Voice) -> pl.DataFrame:
    """:func:`cxdata.measures.text.themes` of the comments in scope that lean negative (z > 0): with few terms the
    engine's top list also holds the terms of positive comments (negative z)."""
    return text.themes(in_scope(_voice.labelled, filters, touchpoint, channel)).filter(pl.col("z") > 0)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=_KEYS)
def theme_comments(store: Store, version: VersionInfo, filters: Filters, touchpoint: str | None, channel: str | None,
                   term: str, _voice: Voice) -> pl.DataFrame:
    """:func:`cxdata.measures.text.comments_with` ``term`` in scope (negative first, newest first)."""
    hits = text.comments_with(in_scope(_voice.labelled, filters, touchpoint, channel), term, COMMENTS_SHOWN)
    return hits.select([c for c in COMMENT_COLUMNS if c in hits.columns])


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=_KEYS)
def theme_trend(store: Store, version: VersionInfo, filters: Filters, touchpoint: str | None, channel: str | None,
                term: str, _voice: Voice) -> pl.DataFrame:
    """:func:`cxdata.measures.text.theme_trend` in scope, with the chart's fields: value, n, small."""
    trend = text.theme_trend(in_scope(_voice.labelled, filters, touchpoint, channel), term)
    return trend.with_columns(value=pl.col("share"), n=pl.col("negative"), small=pl.col("negative") < SMALL_MONTH)
