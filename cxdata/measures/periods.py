"""Periods of the global filters (docs/architecture.md "Links"): named periods, comparison periods and the span of a
dataset version. Pure date logic, shared by the sidebar (``ui.filters``) and the command line, so
``python -m cxdata export`` defaults to the period the app opens on.

- Named periods in months (``Last 3 months``…) end on the last day of the data's last month and
  start no earlier than the data's first month.
- "Previous period" is the same number of whole months just before a whole-month period, else the
  same number of days just before (:func:`comparison_period`); "Same period last year" shifts both
  ends by a year.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

import polars as pl

from cxdata.catalog.store import Store

PERIOD_MONTHS = {"Last month": 1, "Last 3 months": 3, "Last 6 months": 6, "Last 12 months": 12}
ALL_DATA, CUSTOM = "All data", "Custom"
PERIODS = (*PERIOD_MONTHS, ALL_DATA, CUSTOM)
DEFAULT_PERIOD = "Last 3 months"
PREVIOUS, LAST_YEAR, NO_COMPARISON = "Previous period", "Same period last year", "No comparison"
COMPARISONS = (PREVIOUS, LAST_YEAR, CUSTOM, NO_COMPARISON)


def month_start(d: date, months_back: int = 0) -> date:
    """The first day of the month ``months_back`` months before ``d``'s month."""
    index = d.year * 12 + d.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def month_end(d: date) -> date:
    """The last day of ``d``'s month."""
    return month_start(d, -1) - timedelta(days=1)


def is_whole_months(start: date, end: date) -> bool:
    return start.day == 1 and (end + timedelta(days=1)).day == 1


def comparison_period(start: date, end: date, mode: Literal["previous", "last_year"] = "previous") -> tuple[date, date]:
    """The period to compare with: the same number of days just before, or the same dates a year earlier."""
    if mode == "last_year":
        return _minus_year(start), _minus_year(end)
    length = end - start
    prev_end = start - timedelta(days=1)
    return prev_end - length, prev_end


def _minus_year(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def preset_period(name: str, first: date, last: date) -> tuple[date, date]:
    """The dates of a named period on data from ``first`` to ``last`` (``Last N months`` end with the
    data's last month); any other name: all the data."""
    if name in PERIOD_MONTHS:
        return max(month_start(last, PERIOD_MONTHS[name] - 1), month_start(first)), month_end(last)
    return first, last


def comparison_of(start: date, end: date, mode: str) -> tuple[date, date] | None:
    """The comparison period of ``start``–``end`` for a comparison mode other than ``Custom``."""
    if mode == NO_COMPARISON:
        return None
    if mode == LAST_YEAR:
        return comparison_period(start, end, "last_year")
    if is_whole_months(start, end):
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        return month_start(start, months), start - timedelta(days=1)
    return comparison_period(start, end, "previous")


def data_span(store: Store, version_id: int) -> tuple[date | None, date | None]:
    """First and last day with data in a version: the interactions' first and last contact, else the
    revenue table's first month and the end of its last month; (None, None) without either."""
    interactions = store.scan(version_id, "interactions")
    first = last = None
    if interactions is not None:
        first, last = interactions.select(pl.col("started_at").min().alias("first"),
                                          pl.col("started_at").max().alias("last")).collect().row(0)
        first, last = (None if v is None else v.date() if isinstance(v, datetime) else v for v in (first, last))
    revenue = store.scan(version_id, "revenue") if first is None else None
    if revenue is not None and "month" in revenue.collect_schema().names():
        first, last = revenue.select(pl.col("month").min().alias("first"),
                                     pl.col("month").max().dt.month_end().alias("last")).collect().row(0)
    return first, last


def default_period(first: date, last: date) -> tuple[tuple[date, date], tuple[date, date] | None]:
    """The period the app opens on (``Last 3 months``) and its comparison (the previous period)."""
    start, end = preset_period(DEFAULT_PERIOD, first, last)
    return (start, end), comparison_of(start, end, PREVIOUS)
