"""Cached reads of one dataset version (docs/architecture.md "Speed"): keyed by store and version, small results only.

Cache keys use the store's identity and the version's id *and* creation time, so a key can never
name another version's data (SQLite catalogs created before ids were made never-reused hand a
deleted version's id to the next import).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl
import streamlit as st

from cxdata.catalog.store import Store, VersionInfo
from cxdata.ingest.report import CLEARED, REJECTED
from cxdata.measures.periods import data_span
from ui.store import store_identity


def version_identity(version: VersionInfo) -> tuple[str, int, datetime]:
    return version.dataset, version.version_id, version.created_at


_KEYS = {Store: store_identity, VersionInfo: version_identity}


@st.cache_data(show_spinner=False, hash_funcs=_KEYS)
def problem_counts(store: Store, version: VersionInfo, table: str) -> tuple[int, int]:
    """(rejected rows, cleared values) recorded by the import that produced ``table`` of ``version``."""
    problems = store.problems(version.version_id, table)
    if problems is None:
        return 0, 0
    actions = problems.get_column("action")
    return int((actions == REJECTED).sum()), int((actions == CLEARED).sum())


#: Interaction columns that are identifiers or free text, never filter dimensions.
NOT_DIMENSIONS = frozenset({"interaction_id", "customer_id", "comment"})
#: A text column with more distinct values than this is not offered as a filter.
MAX_FILTER_VALUES = 100
#: Filter dimensions shown first, in this order; any other categorical column follows alphabetically.
MAIN_DIMENSIONS = ("channel", "touchpoint", "segment", "region")


@dataclass(frozen=True)
class DataShape:
    """What the global filters of a version can offer: its period and its categorical dimensions."""

    first: date | None  # first day with data (contacts, else revenue months)
    last: date | None  # last day with data
    dimensions: tuple[tuple[str, tuple[str, ...]], ...]  # (column, sorted values), display order

    @property
    def months(self) -> int:
        if self.first is None or self.last is None:
            return 0
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1


def _text_values(lf: pl.LazyFrame, exclude: frozenset[str]) -> dict[str, list[str]]:
    schema = lf.collect_schema()
    columns = [c for c, t in schema.items() if t == pl.String and c not in exclude]
    if not columns:
        return {}
    counts = lf.select(pl.col(c).drop_nulls().n_unique() for c in columns).collect().row(0, named=True)
    keep = [c for c in columns if 0 < counts[c] <= MAX_FILTER_VALUES]
    if not keep:
        return {}
    uniques = lf.select(pl.col(c).drop_nulls().unique().sort().implode() for c in keep).collect().row(0, named=True)
    return {c: [str(v) for v in uniques[c]] for c in keep}


@st.cache_data(show_spinner=False, hash_funcs=_KEYS)
def data_shape(store: Store, version: VersionInfo) -> DataShape:
    """Period and filter dimensions of a version, from lazy scans (no model is fitted for this)."""
    interactions = store.scan(version.version_id, "interactions")
    customers = store.scan(version.version_id, "customers")
    first, last = data_span(store, version.version_id)
    values: dict[str, list[str]] = {}
    if interactions is not None:
        values |= _text_values(interactions, NOT_DIMENSIONS)
    if customers is not None:
        values |= {c: v for c, v in _text_values(customers, frozenset({"customer_id"})).items() if c not in values}
    order = [c for c in MAIN_DIMENSIONS if c in values] + sorted(c for c in values if c not in MAIN_DIMENSIONS)
    return DataShape(first, last, tuple((c, tuple(values[c])) for c in order))
