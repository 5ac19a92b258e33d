"""The meeting pack of a scope, checked first: what ``python -m cxdata export`` writes and a delivery sends.

:func:`scope_problem` refuses filters the data cannot honour — a field it does not have, a value it does not
hold (a saved view's value from another import), or filters and a period that leave no data — in one sentence;
:func:`scope_pack` is :func:`cxdata.screens.pack.meeting_pack` with What to fund and the version's initiatives and
alerts, as the app's Meeting pack control makes it.
"""

from __future__ import annotations

from datetime import datetime

from cxdata.catalog.store import Store
from cxdata.format import period_text, where_text
from cxdata.models.analysis import Analysis, load_or_analyse
from cxdata.scope import Scope
from cxdata.screens.funding import funding_of
from cxdata.screens.pack import Pack, action_sheets, meeting_pack
from cxdata.settings import Settings

#: Values of a field listed in the sentence that names a missing one.
_SHOWN_VALUES = 12


def scope_problem(a: Analysis, scope: Scope) -> str | None:
    """Why the pack of ``scope`` on ``a`` would be empty or wrong, in one sentence; None when it can be made."""
    frames = [(frame, time) for frame, time in ((a.contacts, "started_at"), (a.panel, "month"), (a.customers, None))
              if frame is not None]
    for field, values in scope.where:
        having = [frame for frame, _ in frames if field in frame.columns]
        if not having:
            return (f"'{scope.dataset}' has no field '{field}' to filter on: use one of its columns, e.g. "
                    "--where channel=phone --where segment=Enterprise.")
        known = sorted({str(v) for frame in having for v in frame.get_column(field).drop_nulls().unique().to_list()})
        if missing := [v for v in values if v not in known]:
            shown = ", ".join(known[:_SHOWN_VALUES]) + (", …" if len(known) > _SHOWN_VALUES else "")
            return f"{field} has no value {', '.join(map(repr, missing))} in '{scope.dataset}'; its values: {shown}."
    filters = scope.filters
    dated = [(frame, time) for frame, time in frames if time is not None] or frames  # the period applies to them
    matched = [filters.apply(frame, time) for frame, time in dated]
    if not any(rows.height for rows, ignored in matched if not ignored):  # a frame the filters fully apply to
        return (f"No data matches these filters ({period_text(scope.start, scope.end)} · {where_text(filters.where)}): "
                "widen the period or check the values.")
    return None


def scope_analysis(store: Store, scope: Scope, settings: Settings) -> Analysis:
    """The models of ``scope``'s version (fitted once, then read back); ValueError when :func:`scope_problem`
    finds one."""
    a = load_or_analyse(store, scope.version.version_id, settings.params(), settings.churn_horizon_months)
    problem = scope_problem(a, scope)
    if problem is not None:
        raise ValueError(problem)
    return a


def scope_pack(store: Store, a: Analysis, scope: Scope, settings: Settings, *, drill_metric: str | None = None,
               generated_at: datetime | None = None) -> Pack:
    """The meeting pack of ``scope`` with What to fund under its filters and the Initiatives and Alerts sheets of its
    version."""
    funding = funding_of(a, scope.where, settings, scope.restricted)
    return meeting_pack(a, scope, settings, drill_metric=drill_metric, funding=funding,
                        extra=action_sheets(a, scope, settings, store), generated_at=generated_at)
