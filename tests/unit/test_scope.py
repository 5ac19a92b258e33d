"""The scope: one frozen value from the link (or the CLI) to the numbers, and which of its filters apply where."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from cxdata.catalog.store import VersionInfo
from cxdata.measures.metrics import Filters
from cxdata.scope import MOMENT_FILTERS, Scope, where_of

VERSION = VersionInfo(version_id=7, dataset="acme", number=3, created_at=datetime(2026, 11, 1), note="", active=True,
                      tables={})


def _scope(**where: list[str]) -> Scope:
    return Scope("acme", VERSION, date(2026, 8, 1), date(2026, 10, 31), (date(2026, 5, 1), date(2026, 7, 31)),
                 where_of(where.items()))


def test_filters_have_one_shape_sorted_and_without_empty_choices() -> None:
    scope = _scope(segment=["SMB"], channel=["phone", "chat"], region=[])
    assert scope.where == (("channel", ("phone", "chat")), ("segment", ("SMB",)))
    assert scope.filters == Filters(date(2026, 8, 1), date(2026, 10, 31), scope.where)
    assert scope.comparison_filters == Filters(date(2026, 5, 1), date(2026, 7, 31), scope.where)
    assert scope.dimension_filters == Filters(None, None, scope.where)
    assert hash(scope) == hash(_scope(channel=["phone", "chat"], segment=["SMB"]))  # usable as a cache key


def test_the_scope_says_which_filters_apply_to_the_panel_and_the_moments() -> None:
    scope = _scope(channel=["phone"], region=["North"], plan=["gold"])
    panel = pl.DataFrame({"customer_id": ["c1"], "month": [date(2026, 8, 1)], "region": ["North"]})
    assert scope.ignored_by(panel) == ["channel", "plan"]  # a contact's channel cannot filter customer-months
    assert scope.ignored_by(None) == []
    assert scope.moment_where == {"channel": ("phone",)}  # moments take channel, touchpoint and segment only
    assert set(MOMENT_FILTERS) == {"channel", "touchpoint", "segment"}


def test_a_drill_down_narrows_without_losing_the_global_filters() -> None:
    scope = _scope(channel=["phone"])
    narrowed = scope.narrowed(touchpoint=["billing"], segment=[])
    assert narrowed.where == (("channel", ("phone",)), ("touchpoint", ("billing",)))
    assert narrowed.start == scope.start and scope.where == (("channel", ("phone",)),)  # frozen: the original stays
    assert narrowed.describe().endswith("Channel: phone · Touchpoint: billing")
