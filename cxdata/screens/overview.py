"""The Overview, built once for the page that draws it, the meeting pack and ``python -m cxdata report --json`` that
write it: KPI tiles with their change against the comparison period, the sentences that say what the data shows,
and the moments of service that put the most revenue at risk. A KPI's trend by month is the selected KPI's
:func:`cxdata.screens.figures.trend_figure` (the page picks it; the pack writes every one).

Where each number comes from: tiles :func:`cxdata.screens.dashboard.overview_tiles` (a KPI's value, 95% interval
and n from the metric registry; change Δ = now − before with Δ ± 1.96·√(SE₁² + SE₀²)); headlines
:func:`cxdata.screens.dashboard.headlines`; moments :func:`cxdata.screens.dashboard.moments_in_scope` (revenue at
risk by channel × touchpoint × segment from the churn and experience models, :mod:`cxdata.models.risk`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from cxdata.measures.metrics import REGISTRY, Base, Metric, followup_note
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope, withheld_sentence
from cxdata.screens.dashboard import (
    Headline,
    headlines,
    moments_in_scope,
    moments_withheld,
    overview_rows,
    overview_tiles,
    trend_metrics,
    unranked_moments,
)
from cxdata.settings import Settings

#: Moments of service the page lists; the pack lists more of the same ranking.
TOP_MOMENTS = 5

HEADLINES_NOTE = ("Associations in this company's own data{model} — not proof of cause. The moment of service follows "
                  "the filters in force; the churn model and the drivers cover all the data.")
MOMENTS_LEGEND = ("Money: expected revenue lost over the horizon, with its 95% interval (low to high) in brackets. "
                  "Negative: the experience model's share of the moment's contacts with a CSAT of 1 or 2.")


@dataclass(frozen=True)
class OverviewScreen:
    """What the Overview shows for one scope.

    ``tiles``: every tile by key (``overview_tiles``: value, low, high, n, delta, delta_low, delta_high, status,
    definition); ``rows``: the keys of the tile rows this data shows, in order; ``tiles_note``: what the tiles count
    and which filters they cannot apply; ``followup_note``: the contacts a follow-up KPI leaves out at the end of the
    data (None when none); ``filtered_out``: every contact tile shown has no data under these filters.
    ``headlines`` with ``headlines_note``; ``moments``: the ranked moments of service, most revenue at risk first
    (None without the churn model), ``moments_note`` what they are, ``unranked`` why none is ranked (None when
    some are); ``horizon``: months of revenue at risk; ``trend_keys``: the KPIs that can be drawn by month (keys, so the
    screen can be cached by value);
    ``notes``: what the analysis could not do."""

    tiles: Mapping[str, Mapping]
    rows: tuple[tuple[str, ...], ...]
    tiles_note: str
    followup_note: str | None
    filtered_out: bool
    headlines: tuple[Headline, ...]
    headlines_note: str
    moments: pl.DataFrame | None
    moments_note: str
    unranked: str | None
    horizon: int
    trend_keys: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def trend_metrics(self) -> tuple[Metric, ...]:
        """The KPIs of :attr:`trend_keys`."""
        return tuple(REGISTRY[k] for k in self.trend_keys)

    @property
    def shown(self) -> list[Mapping]:
        """The tiles of :attr:`rows`, in the order the page draws them."""
        return [self.tiles[k] for row in self.rows for k in row]


def _tiles_note(a: Analysis, scope: Scope, horizon: int) -> str:
    contact_only = scope.ignored_by(a.panel)
    panel, moments = scope.withheld_by(a.panel), moments_withheld(a, scope.restricted) if a.risk else []
    if panel or moments:
        what = " and ".join(part for part, hidden in (("churn, revenue per customer and cost to serve", panel),
                                                      ("revenue at risk", moments)) if hidden)
        return withheld_sentence(sorted({*panel, *moments}), f"{what[0].upper()}{what[1:]} are") + (
            " The ? of a tile gives its definition, n and interval.")
    if a.contacts is None:
        return ("A snapshot of the customers table: the period does not apply to it. The experience and "
                "contact-centre KPIs need an interactions table: import one on the Data page.")
    if contact_only:
        return (f"Churn, revenue per customer and cost to serve count every customer: the {', '.join(contact_only)} "
                "filter applies to contacts only. Revenue at risk is the model's expectation for customers active at "
                "the end of the data (not filtered by period).")
    return ("Revenue at risk is the model's expectation for the customers active at the end of the data, "
            f"over the next {horizon} months; it is not filtered by period. "
            "The ? of a tile gives its definition, n and interval.")


def overview_screen(a: Analysis, scope: Scope, settings: Settings, moments: int = TOP_MOMENTS) -> OverviewScreen:
    """The Overview of ``a`` for ``scope`` in ``settings``' currency and definitions, with the first ``moments``
    moments of service."""
    params = settings.params()
    tiles = {t["key"]: t for t in overview_tiles(a, scope.filters, scope.comparison_filters, params)}
    rows = tuple(overview_rows(a))
    shown = [tiles[k] for row in rows for k in row]
    computed = [REGISTRY[t["key"]] for t in shown if t["key"] in REGISTRY and t["status"] == "ok"]
    contact_tiles = [t for t in shown if t["key"] in REGISTRY and REGISTRY[t["key"]].base is Base.CONTACTS
                     and not t["status"].startswith("needs")]
    horizon = a.risk.horizon if a.risk is not None else settings.churn_horizon_months
    model = f" (the churn model is adjusted for {a.churn.controls_text})" if a.churn else ""
    ranked = None if a.risk is None else moments_in_scope(a, scope.where, moments, scope.restricted)
    return OverviewScreen(
        tiles=tiles, rows=rows, tiles_note=_tiles_note(a, scope, horizon),
        followup_note=(followup_note(computed, a.contacts, scope.filters, params) or None
                       if a.contacts is not None else None),
        filtered_out=bool(contact_tiles) and all(t["status"] == "no data" for t in contact_tiles),
        headlines=tuple(headlines(a, scope.filters, settings.symbol)),
        headlines_note=HEADLINES_NOTE.format(model=model),
        moments=ranked,
        moments_note=(f"CX-attributable revenue at risk over {horizon} months by channel × touchpoint × segment: what "
                      "the churn model expects to lose because of negative experiences, for customers active at the "
                      f"end of the data ({scope.where_text()})."),
        unranked=unranked_moments(a, scope.restricted) if ranked is not None and not ranked.height else None,
        horizon=horizon, trend_keys=tuple(m.key for m in trend_metrics(a)), notes=tuple(a.notes))
