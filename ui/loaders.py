"""Cached reads of one dataset version (DESIGN.md §8): keyed by store and version, small results only.

Cache keys use the store's identity and the version's id *and* creation time, so a key can never
name another version's data (SQLite catalogs created before ids were made never-reused hand a
deleted version's id to the next import).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl
import streamlit as st

from cxdata.ingest.report import CLEARED, REJECTED
from cxdata.store import Store, VersionInfo
from ui.store import store_identity


def version_identity(version: VersionInfo) -> tuple[str, int, datetime]:
    return version.dataset, version.version_id, version.created_at


_KEYS = {Store: store_identity, VersionInfo: version_identity}


@dataclass(frozen=True)
class InteractionsOverview:
    """What the interactions table of a version covers."""

    first: datetime | None
    last: datetime | None
    customers: int  # distinct customer ids that made contact
    by_channel: dict[str, int]  # contacts per channel, most first; "(none)" for contacts without one


@st.cache_data(show_spinner=False, hash_funcs=_KEYS)
def interactions_overview(store: Store, version: VersionInfo) -> InteractionsOverview | None:
    """Period, contacting customers and channels of a version's interactions (None without that table).

    Display glue pending an engine summary function (see the issue report): one lazy query.
    """
    lf = store.scan(version.version_id, "interactions")
    if lf is None:
        return None
    names = lf.collect_schema().names()
    span = lf.select(
        first=pl.col("started_at").min(),
        last=pl.col("started_at").max(),
        customers=pl.col("customer_id").drop_nulls().n_unique() if "customer_id" in names else pl.lit(0),
    ).collect().row(0, named=True)
    channels = (
        lf.group_by(pl.col("channel").fill_null("(none)")).len().sort("len", descending=True).collect()
        if "channel" in names else pl.DataFrame({"channel": [], "len": []})
    )
    return InteractionsOverview(span["first"], span["last"], int(span["customers"]),
                                dict(channels.iter_rows()))


@st.cache_data(show_spinner=False, hash_funcs=_KEYS)
def problem_counts(store: Store, version: VersionInfo, table: str) -> tuple[int, int]:
    """(rejected rows, cleared values) recorded by the import that produced ``table`` of ``version``."""
    problems = store.problems(version.version_id, table)
    if problems is None:
        return 0, 0
    actions = problems.get_column("action")
    return int((actions == REJECTED).sum()), int((actions == CLEARED).sum())
