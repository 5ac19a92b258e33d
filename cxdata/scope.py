"""What a screen shows, as one frozen value: the dataset version, the period, the comparison period and the
dimension filters. The app builds it from the link once (``ui.filters``), the command line from its options; the
engine's screens take it and say which of its filters a number could not apply.

A filter is a column and its allowed values. It applies to a frame that has the column:

- **contacts** (the interactions) have every dimension of a contact: channel, touchpoint, segment, region…;
- the **customer-month panel** (churn, revenue per customer, cost to serve) has the customer's attributes only,
  so a contact's channel or touchpoint filter cannot apply to it: those KPIs count every customer;
- the **moments of service** (revenue at risk by channel × touchpoint × segment) take the channel, touchpoint and
  segment filters (:data:`MOMENT_FILTERS`) and no other.

The period applies to contacts by their start and to the panel by its month; the customers table is a snapshot
and revenue at risk is the model's expectation at the end of the data, so the period applies to neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from cxdata.catalog.store import VersionInfo
from cxdata.format import period_text, where_text
from cxdata.measures.metrics import Filters
from cxdata.measures.periods import DEFAULT_PERIOD

#: Dimension filters: (column, allowed values) pairs, sorted by column; hashable for caches.
Where = tuple[tuple[str, tuple[str, ...]], ...]
#: The filter columns the moments of service (revenue at risk by moment) can be restricted by.
MOMENT_FILTERS = ("channel", "touchpoint", "segment")


def where_of(where: Iterable[tuple[str, Sequence[str]]]) -> Where:
    """Filters in their one shape: sorted by column, values as tuples of text, empty ones left out."""
    return tuple(sorted((column, tuple(map(str, values))) for column, values in where if values))


def moment_where(where: Iterable[tuple[str, Sequence[str]]]) -> dict[str, tuple[str, ...]]:
    """The filters that apply to the moments of service (:data:`MOMENT_FILTERS`)."""
    return {column: tuple(values) for column, values in where if column in MOMENT_FILTERS}


def ignored_by(where: Iterable[tuple[str, Sequence[str]]], frame: pl.DataFrame | None) -> list[str]:
    """The filter columns ``frame`` does not have, so they cannot apply to it (none when there is no frame)."""
    return [] if frame is None else [column for column, _ in where if column not in frame.columns]


@dataclass(frozen=True)
class Scope:
    """The dataset version, the period (inclusive dates; None for data without dates), the comparison period
    and the dimension filters (``where``: column → allowed values) of one screen."""

    dataset: str
    version: VersionInfo
    start: date | None
    end: date | None
    comparison: tuple[date, date] | None
    where: Where = ()
    period_name: str = DEFAULT_PERIOD

    @property
    def filters(self) -> Filters:
        """The period and the dimension filters, for the contacts and the panel."""
        return Filters.of(self.start, self.end, **dict(self.where))

    @property
    def comparison_filters(self) -> Filters | None:
        return None if self.comparison is None else Filters.of(*self.comparison, **dict(self.where))

    @property
    def dimension_filters(self) -> Filters:
        """The dimension filters alone, for charts over every month."""
        return Filters.of(**dict(self.where))

    @property
    def moment_where(self) -> dict[str, tuple[str, ...]]:
        """The filters that apply to the moments of service."""
        return moment_where(self.where)

    def ignored_by(self, frame: pl.DataFrame | None) -> list[str]:
        """The filter columns ``frame`` (e.g. the panel) does not have: the numbers of that frame ignore them."""
        return ignored_by(self.where, frame)

    def narrowed(self, **where: Sequence[str]) -> Scope:
        """This scope with more dimension filters (a drill-down selection); empty values are ignored."""
        merged = dict(self.where) | {k: tuple(v) for k, v in where.items() if v}
        return replace(self, where=where_of(merged.items()))

    def period_text(self) -> str:
        return period_text(self.start, self.end, self.comparison)

    def where_text(self) -> str:
        return where_text(self.where)

    def describe(self) -> str:
        """``Aug–Oct 2026 vs May–Jul 2026 · Channel: phone · Segment: Small Business`` (plain text)."""
        return f"{self.period_text()} · {self.where_text()}"
