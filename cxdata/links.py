"""Links on the engine's side (docs/architecture.md "Links"): the URL parameters the app binds, and a saved view's
parameters read back as the :class:`cxdata.scope.Scope` its page showed — what a scheduled delivery
(:mod:`cxdata.delivery`) sends without running the app.

A view's parameters are the sidebar's (``dataset``, ``period`` with ``dates``, ``compare_to`` with
``compare_dates``), one per filter dimension (:func:`dimension_key`), and the page's own (``metric``…). They
are read as the sidebar reads them: a named period on the version's data span
(:func:`cxdata.measures.periods.preset_period`), its comparison (:func:`cxdata.measures.periods.comparison_of`),
the dimension filters of the columns the data has.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Literal

import polars as pl

from cxdata.access import Restrictions
from cxdata.catalog.store import Store, VersionInfo
from cxdata.measures.periods import (
    COMPARISONS,
    CUSTOM,
    DEFAULT_PERIOD,
    PERIODS,
    PREVIOUS,
    comparison_of,
    data_span,
    preset_period,
)
from cxdata.scope import Scope, Where, where_of

Kind = Literal["one", "many", "dates", "int"]

#: Parameters of the sidebar (entry script) with the kind of their widget; filter dimensions
#: (``channel``, ``segment``, extra columns…) are multiselects, recorded per run.
GLOBAL_KINDS: dict[str, Kind] = {
    "dataset": "one",
    "period": "one",
    "dates": "dates",
    "compare_to": "one",
    "compare_dates": "dates",
}
#: The dashboard pages' own parameters (reset when a saved view is opened).
PAGE_KINDS: dict[str, Kind] = {
    "trend": "one",
    "metric": "one",
    "drill_channel": "one",
    "drill_touchpoint": "one",
    "drill_segment": "one",
    "rows_page": "int",
    "drill_by": "one",
    "churn_by": "one",
}
#: Keys a data column may not take as its filter parameter (they mean something else in the URL):
#: the sidebar's, the dashboard pages', the ROI planner's (``compare``), Journeys', Voice's and the
#: Initiatives page's (``initiative``, ``new``; its form's ``new_…`` keys avoid the filters' own).
RESERVED = frozenset({*GLOBAL_KINDS, *PAGE_KINDS, "view", "compare", "tab", "find", "customer", "path", "theme",
                      "theme_touchpoint", "theme_channel", "initiative", "new"})
_SAFE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
#: The tables whose text columns can be filter dimensions (the sidebar offers those with few values).
_DIMENSION_TABLES = ("interactions", "customers")

Params = Mapping[str, Sequence[str]]


def dimension_key(column: str) -> str:
    """The URL parameter of a dimension: its name, or ``x_<name>`` when that is taken or unsafe."""
    if _SAFE_KEY.match(column) and column not in RESERVED and not column.startswith(("a_", "b_", "c_", "x_")):
        return column
    return "x_" + re.sub(r"[^a-z0-9_]+", "_", column.lower()).strip("_")[:40]


def _one(params: Params, key: str, default: str) -> str:
    values = params.get(key) or []
    return str(values[0]) if values else default


def _dates(params: Params, key: str) -> tuple[date, date]:
    """A ``dates``/``compare_dates`` pair (one date is a one-day period); ValueError in one sentence."""
    try:
        days = sorted(date.fromisoformat(str(v)) for v in params.get(key) or [])
    except ValueError:
        raise ValueError(f"The view's {key} are not dates (YYYY-MM-DD): {', '.join(map(str, params[key]))}.") from None
    if not days:
        raise ValueError(f"The view's custom period has no {key}.")
    return days[0], days[-1]


def view_dataset(store: Store, params: Params) -> str:
    """The view's dataset: its ``dataset`` parameter, else the one the sidebar opens on (``sample``, else the
    first); ValueError when it no longer exists."""
    names = store.datasets()
    dataset = _one(params, "dataset", "sample" if "sample" in names else names[0] if names else "")
    if dataset not in names:
        raise ValueError(f"The view's dataset '{dataset}' no longer exists; the datasets are: "
                         f"{', '.join(names) or 'none'}.")
    return dataset


def dimension_columns(store: Store, version: VersionInfo) -> dict[str, str]:
    """``{URL parameter: column}`` for every text column of the version's interactions and customers."""
    columns: dict[str, str] = {}
    for table in _DIMENSION_TABLES:
        frame = store.scan(version.version_id, table)
        if frame is not None:
            columns |= {dimension_key(c): c for c, kind in frame.collect_schema().items()
                        if kind == pl.String and dimension_key(c) not in columns}
    return columns


def link_where(params: Params, dimensions: Mapping[str, str]) -> Where:
    """The dimension filters ``params`` ask for, of ``dimensions`` (``{URL parameter: column}``)."""
    return where_of((column, [str(v) for v in params.get(key) or []]) for key, column in dimensions.items())


def scope_of(params: Params, version: VersionInfo, span: tuple[date | None, date | None],
             dimensions: Mapping[str, str], restrictions: Restrictions = ()) -> Scope:
    """The scope a page showed for ``params`` on ``version`` (data from ``span[0]`` to ``span[1]``), with the
    filters of ``dimensions`` (``{URL parameter: column}``), within the acting user's ``restrictions`` (a link
    never shows a restricted user more: :func:`cxdata.scope.beyond_sentence` says when it asked for more);
    ValueError in one sentence for a period, a comparison or dates the sidebar would not offer."""
    where = link_where(params, dimensions)
    first, last = span
    if first is None or last is None:  # a customers table alone: no dates, every row
        return Scope(version.dataset, version, None, None, None, where, restrictions=restrictions)
    name = _one(params, "period", DEFAULT_PERIOD)
    if name not in PERIODS:
        raise ValueError(f"The view's period '{name}' is not one of {', '.join(PERIODS)}.")
    start, end = _dates(params, "dates") if name == CUSTOM else preset_period(name, first, last)
    mode = _one(params, "compare_to", PREVIOUS)
    if mode not in COMPARISONS:
        raise ValueError(f"The view's comparison '{mode}' is not one of {', '.join(COMPARISONS)}.")
    comparison = _dates(params, "compare_dates") if mode == CUSTOM else comparison_of(start, end, mode)
    return Scope(version.dataset, version, start, end, comparison, where, period_name=name, restrictions=restrictions)


def view_scope(store: Store, params: Params, restrictions: Restrictions = ()) -> Scope:
    """The scope of a saved view's parameters on its dataset's active version now (:func:`scope_of`), within the
    ``restrictions`` of the user it is read for (a scheduled delivery: its owner's)."""
    dataset = view_dataset(store, params)
    version = store.active_version(dataset)
    if version is None:
        raise ValueError(f"Dataset '{dataset}' has no version to use; import its data again.")
    return scope_of(params, version, data_span(store, version.version_id), dimension_columns(store, version),
                    restrictions)
