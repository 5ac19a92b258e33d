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

A scope also carries the acting user's **restrictions** (:mod:`cxdata.access`: ``region = North``), and its
filters are always within them (:func:`cxdata.access.restrict`, however the scope was made or narrowed). A
restricted dimension is never ignored: a frame without it yields no row (:attr:`cxdata.measures.metrics.Filters.restricted`),
and a screen says the number is not shown under the user's access (:meth:`Scope.withheld_by`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from cxdata.access import Restrictions, restrict
from cxdata.catalog.store import VersionInfo
from cxdata.format import dimension_label, period_text, where_text
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


def withheld_sentence(columns: Sequence[str], what: str = "These figures are") -> str:
    """One sentence: ``what`` (subject and verb) is not shown because this data cannot be limited to the ``columns``
    the user is restricted to."""
    names = " and ".join(dimension_label(c).lower() for c in columns)
    return f"{what} not shown under your access: this data cannot be limited to the {names} your account may see."


def beyond_sentence(asked: Iterable[tuple[str, Sequence[str]]], restrictions: Restrictions) -> str | None:
    """One sentence when the filters ``asked`` (a link, a saved view) hold values outside the ``restrictions``:
    the view shown is the restricted one, never more. None when they ask for nothing more."""
    allowed = dict(restrictions)
    if not any(str(v) not in allowed[c] for c, values in asked if c in allowed for v in values):
        return None
    return (f"This link asked for more than your account may see; it shows only {where_text(restrictions)}, "
            "the rows your account may see.")


def ignored_by(where: Iterable[tuple[str, Sequence[str]]], frame: pl.DataFrame | None) -> list[str]:
    """The filter columns ``frame`` does not have, so they cannot apply to it (none when there is no frame)."""
    return [] if frame is None else [column for column, _ in where if column not in frame.columns]


@dataclass(frozen=True)
class Scope:
    """The dataset version, the period (inclusive dates; None for data without dates), the comparison period,
    the dimension filters (``where``: column → allowed values) of one screen and the acting user's
    ``restrictions``, which ``where`` is always within (a value outside them is dropped on construction)."""

    dataset: str
    version: VersionInfo
    start: date | None
    end: date | None
    comparison: tuple[date, date] | None
    where: Where = ()
    period_name: str = DEFAULT_PERIOD
    restrictions: Restrictions = ()

    def __post_init__(self) -> None:
        if self.restrictions:
            object.__setattr__(self, "where", restrict(self.where, self.restrictions)[0])

    @property
    def restricted(self) -> tuple[str, ...]:
        """The dimensions the user is restricted on."""
        return tuple(column for column, _ in self.restrictions)

    def _filters(self, start: date | None, end: date | None) -> Filters:
        return replace(Filters.of(start, end, **dict(self.where)), restricted=self.restricted)

    @property
    def filters(self) -> Filters:
        """The period and the dimension filters, for the contacts and the panel."""
        return self._filters(self.start, self.end)

    @property
    def comparison_filters(self) -> Filters | None:
        return None if self.comparison is None else self._filters(*self.comparison)

    @property
    def dimension_filters(self) -> Filters:
        """The dimension filters alone, for charts over every month."""
        return self._filters(None, None)

    @property
    def moment_where(self) -> dict[str, tuple[str, ...]]:
        """The filters that apply to the moments of service."""
        return moment_where(self.where)

    @property
    def moments_withheld(self) -> list[str]:
        """The restricted dimensions the moments of service cannot be limited to (not in :data:`MOMENT_FILTERS`):
        their revenue at risk is then not shown."""
        return [c for c in self.restricted if c not in MOMENT_FILTERS]

    def ignored_by(self, frame: pl.DataFrame | None) -> list[str]:
        """The filter columns ``frame`` (e.g. the panel) does not have: the numbers of that frame ignore them (a
        restricted column is never ignored: :meth:`withheld_by`)."""
        return [c for c in ignored_by(self.where, frame) if c not in self.restricted]

    def withheld_by(self, frame: pl.DataFrame | None) -> list[str]:
        """The restricted columns ``frame`` does not have: its rows cannot be limited to the user's, so its numbers
        are not shown (none when there is no frame)."""
        return [] if frame is None else self.filters.withheld(frame.columns)

    def within(self, frame: pl.DataFrame | None) -> pl.DataFrame | None:
        """``frame``'s rows within the restrictions alone (every period, no other filter): what a screen whose own
        scope replaces the sidebar's (an initiative, an alert, a customer's history) may read. No row when the
        frame lacks a restricted column; the frame itself without restrictions."""
        return None if frame is None else self.filters.within(frame)

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
