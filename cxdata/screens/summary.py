"""The whole analysis as plain data: every KPI, the churn model, key drivers, top moments of service.

``report_dict`` is the ``python -m cxdata report --json`` payload; its keys are stable and
documented in the README.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import polars as pl

from cxdata.measures.customers import churn_summary
from cxdata.measures.metrics import METRICS, Filters, Params, kpi_statuses
from cxdata.models.analysis import Analysis
from cxdata.models.fit import ChurnEffect
from cxdata.scope import Scope
from cxdata.screens.dashboard import churn_headline, distinguishable
from cxdata.screens.overview import overview_screen
from cxdata.settings import Settings


def kpi_rows(a: Analysis, filters: Filters = Filters(), params: Params = Params()) -> list[dict]:
    """One dict per registered metric: key, label, unit, value, low, high, n, status, definition.

    ``status`` is :func:`cxdata.measures.metrics.kpi_status`'s: ``"ok"``, ``"needs <table or field>"`` when the data lacks
    it, or ``"no data"`` when the filters leave no row.
    """
    rows = []
    statuses = kpi_statuses(a.frames, METRICS, filters, params)  # one query per base frame
    for m in METRICS:
        row: dict[str, Any] = {"key": m.key, "label": m.label, "unit": m.unit, "definition": m.definition,
                               "value": None, "low": None, "high": None, "n": 0}
        e, row["status"] = statuses[m.key]
        if e is not None:
            row |= {"value": e.value, "low": e.low, "high": e.high, "n": e.n}
        rows.append(row)
    return rows


def _frame(df: pl.DataFrame | None, limit: int | None = None) -> list[dict] | None:
    if df is None:
        return None
    return (df.head(limit) if limit else df).to_dicts()


#: The churn model's counts and rates of every customer it was fitted on (left out for a restricted user).
_FIT_COUNTS = ("base_churn", "n_rows", "n_customers", "events", "excluded", "panel_customers")


def _churn_model(c: ChurnEffect, restricted: bool) -> dict:
    """The churn model's fields with ``evident``; for a restricted user without :data:`_FIT_COUNTS`."""
    fields = asdict(c) | {"evident": c.evident}
    return {k: v for k, v in fields.items() if k not in _FIT_COUNTS} if restricted else fields


def report_dict(a: Analysis, scope: Scope, settings: Settings, top: int = 10) -> dict:
    """Keys: filters, kpis, customer_churn, churn_model, churn_evidence, experience_effects, key_drivers,
    expansion_by_nps, revenue_at_risk, headlines, moments_of_service, moments_note, notes (see README "Report").

    ``churn_evidence`` is the churn model's finding in one sentence (:func:`cxdata.screens.dashboard.churn_headline`);
    ``revenue_at_risk`` says whether its CX-attributable part is ``distinguishable`` from zero (none for a user
    restricted to part of the data, as ``expansion_by_nps`` and the churn model's counts); ``headlines``,
    ``moments_of_service`` and ``moments_note`` are the Overview's (:func:`cxdata.screens.overview.overview_screen`
    with ``top`` moments): only the moments the filters allow whose own interval is above zero, most revenue at
    risk first (none when the churn effect's interval includes zero)."""
    filters, params = scope.filters, settings.params()
    overview = overview_screen(a, scope, settings, moments=top)
    risk = None
    if a.risk is not None and not scope.restrictions:
        risk = a.risk.totals() | {"distinguishable": distinguishable(*a.risk.attributable[1:])}
    restricted = bool(scope.restrictions)  # no count, rate or money of rows outside them; the models' coefficients
    return {
        "filters": {"start": str(filters.start) if filters.start else None,
                    "end": str(filters.end) if filters.end else None, "where": {k: list(v) for k, v in filters.where}},
        "kpis": kpi_rows(a, filters, params),
        "customer_churn": churn_summary(None if a.customers is None else filters.within(a.customers), filters, params),
        "churn_model": None if a.churn is None else _churn_model(a.churn, restricted),
        "churn_evidence": None if a.churn is None else churn_headline(a.churn, restricted).text,
        "experience_effects": _frame(a.experience_effects),
        "key_drivers": _frame(a.drivers),
        "expansion_by_nps": None if restricted else _frame(a.expansion),
        "revenue_at_risk": risk,
        "headlines": [asdict(h) for h in overview.headlines],
        "moments_of_service": _frame(overview.moments),
        "moments_note": overview.unranked,
        "notes": list(overview.notes),
    }
