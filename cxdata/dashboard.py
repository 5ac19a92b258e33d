"""The numbers of the executive pages: KPI tiles with deltas, churn by negative experiences,
headline sentences, and the facts of a dataset. Every function is a plain function of the
analysis and the filters, so pages only draw what these return.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from cxdata import stats
from cxdata.analysis import Analysis, Tables
from cxdata.metrics import REGISTRY, Base, Filters, Metric, Params, availability, delta, estimate
from cxdata.risk import RiskResult

#: The Overview's tiles, in order (revenue at risk is added from the risk model).
TILE_KEYS = ("nps", "csat", "ces", "fcr", "logo_churn", "arpu", "cost_to_serve")
#: Every tile of the Overview in the order it shows them, revenue at risk included.
OVERVIEW_TILES = ("nps", "csat", "ces", "fcr", "logo_churn", "arpu", "revenue_at_risk", "cost_to_serve")
#: Filter columns the moments of service can be restricted by.
MOMENT_FILTERS = ("channel", "touchpoint", "segment")
BUCKETS = ("0", "1", "2–3", "4+")


def _frame(a: Analysis, base: Base) -> pl.DataFrame | None:
    return a.contacts if base is Base.CONTACTS else a.panel


def kpi_tiles(a: Analysis, filters: Filters, comparison: Filters | None, params: Params = Params(),
              keys: tuple[str, ...] = TILE_KEYS) -> list[dict]:
    """One dict per tile: key, label, unit, definition, higher_is_better, value, low, high, n,
    delta, delta_low, delta_high (against ``comparison``), status ("ok", "no data", "needs …")."""
    tiles = []
    for key in keys:
        m = REGISTRY[key]
        frame = _frame(a, m.base)
        tile = {"key": key, "label": m.label, "unit": m.unit, "definition": m.definition,
                "higher_is_better": m.higher_is_better, "value": None, "low": None, "high": None, "n": 0,
                "delta": None, "delta_low": None, "delta_high": None}
        if frame is None:
            tiles.append(tile | {"status": "needs interactions" if m.base is Base.CONTACTS else "needs customers"})
            continue
        if (reason := availability(m, frame.columns)) is not None:
            tiles.append(tile | {"status": reason})
            continue
        now = estimate(m, frame, filters=filters, params=params)
        tile |= {"value": now.value, "low": now.low, "high": now.high, "n": now.n,
                 "status": "ok" if now.n else "no data"}
        if comparison is not None and now.n:
            d = delta(now, estimate(m, frame, filters=comparison, params=params))
            tile |= {"delta": d.value, "delta_low": d.low, "delta_high": d.high}
        tiles.append(tile)
    return tiles


def risk_tile(a: Analysis, filters: Filters) -> dict:
    """CX-attributable revenue at risk of the moments inside the filters' channel/touchpoint/segment."""
    tile = {"key": "revenue_at_risk", "label": "Revenue at risk from CX", "unit": "money",
            "definition": "Expected revenue lost over the horizon to churn caused by negative experiences "
                          "(model-based: as is minus no negative experiences), customers active at the end of the data.",
            "higher_is_better": False, "value": None, "low": None, "high": None, "n": 0,
            "delta": None, "delta_low": None, "delta_high": None}
    if a.risk is None:
        return tile | {"status": "needs the churn model (csat answers and a customers table with churn dates)"}
    where = {k: v for k, v in filters.where if k in MOMENT_FILTERS}
    row = a.risk.in_scope(where).row(0, named=True)
    return tile | {"value": row["revenue_at_risk"], "low": row["low"], "high": row["high"],
                   "n": a.risk.customers, "status": "ok"}


def moments_in_scope(risk: RiskResult, where: Iterable[tuple[str, Sequence[str]]] = (),
                     n: int | None = None) -> pl.DataFrame:
    """The moments of service (channel × touchpoint × segment) that the channel, touchpoint and segment
    filters in ``where`` allow (other filters do not apply), most revenue at risk first; the first ``n``."""
    moments = risk.moments
    for column, values in where:
        if column in MOMENT_FILTERS and column in moments.columns:
            moments = moments.filter(pl.col(column).cast(pl.String).is_in(list(values)))
    return moments if n is None else moments.head(n)


def overview_tiles(a: Analysis, filters: Filters, comparison: Filters | None, params: Params = Params()) -> list[dict]:
    """The Overview's tiles in its order (:data:`OVERVIEW_TILES`): :func:`kpi_tiles` and :func:`risk_tile`."""
    keys = tuple(k for k in OVERVIEW_TILES if k != "revenue_at_risk")
    by_key = {t["key"]: t for t in kpi_tiles(a, filters, comparison, params, keys=keys)}
    by_key["revenue_at_risk"] = risk_tile(a, filters)
    return [by_key[k] for k in OVERVIEW_TILES]


def trend_metrics(a: Analysis) -> list[Metric]:
    """The Overview tiles' metrics this data can draw by month, in the tiles' order."""
    out = []
    for key in OVERVIEW_TILES:
        m = REGISTRY.get(key)
        frame = None if m is None else _frame(a, m.base)
        if frame is not None and availability(m, frame.columns) is None:
            out.append(m)
    return out


def churn_by_negatives(panel: pl.DataFrame, filters: Filters = Filters()) -> pl.DataFrame:
    """Monthly churn by the expected negative experiences of the previous month, in buckets 0, 1, 2–3, 4+.

    The count is Σ p̂ over last month's contacts (every contact, surveyed or not), rounded to the
    nearest whole number; churn = churn events / customer-months with a Wilson interval (×100).
    Columns: bucket, churn, low, high, n, events.
    """
    rows, _ = filters.apply(panel, "month")
    rows = rows.filter(pl.col("month") > panel.get_column("month").min())  # the first month has no previous month
    n_prev = pl.col("expected_negatives_prev").round(0)
    bucket = (pl.when(n_prev < 1).then(pl.lit(BUCKETS[0])).when(n_prev < 2).then(pl.lit(BUCKETS[1]))
              .when(n_prev < 4).then(pl.lit(BUCKETS[2])).otherwise(pl.lit(BUCKETS[3])))
    agg = rows.group_by(bucket.alias("bucket")).agg(events=pl.col("churn").sum(), n=pl.len())
    lo, hi = stats.wilson(pl.col("events"), pl.col("n").cast(pl.Float64))
    order = {b: i for i, b in enumerate(BUCKETS)}
    return agg.select("bucket", churn=pl.col("events") / pl.col("n") * 100, low=lo * 100, high=hi * 100,
                      n="n", events="events").sort(pl.col("bucket").replace_strict(order, return_dtype=pl.Int8))


@dataclass(frozen=True)
class Headline:
    text: str
    value: float
    low: float
    high: float


def _rate_ratio(x1: int, n1: int, x0: int, n0: int) -> tuple[float, float, float]:
    """Risk ratio (x1/n1)/(x0/n0) with the log-normal 95% interval: exp(ln RR ± z√(1/x1 − 1/n1 + 1/x0 − 1/n0))."""
    rr = (x1 / n1) / (x0 / n0)
    se = math.sqrt(1 / x1 - 1 / n1 + 1 / x0 - 1 / n0)
    return rr, rr * math.exp(-stats.Z95 * se), rr * math.exp(stats.Z95 * se)


def _money(value: float, symbol: str) -> str:
    return f"{symbol}{value / 1e6:,.2f}M" if abs(value) >= 1e6 else f"{symbol}{value / 1e3:,.1f}k" if abs(value) >= 1e3 \
        else f"{symbol}{value:,.0f}"


def headlines(a: Analysis, filters: Filters = Filters(), symbol: str = "€") -> list[Headline]:
    """Up to three sentences an executive can repeat, each with its number and interval:
    how much more often customers with 2+ negative experiences churn; the costliest moment of
    service; the driver that matters most and what a minute of wait does."""
    out: list[Headline] = []
    if a.panel is not None and "expected_negatives_prev" in a.panel.columns:
        table = {r["bucket"]: r for r in churn_by_negatives(a.panel, filters).iter_rows(named=True)}
        worse = [table[b] for b in BUCKETS[2:] if b in table]
        x1, n1 = sum(r["events"] for r in worse), sum(r["n"] for r in worse)
        if "0" in table and x1 >= 5 and table["0"]["events"] >= 5:
            x0, n0 = table["0"]["events"], table["0"]["n"]
            rr, lo, hi = _rate_ratio(x1, n1, x0, n0)
            out.append(Headline(
                f"Customers with 2 or more negative experiences last month churned {rr:.1f}× as often as those "
                f"with none ({x1 / n1:.1%} vs {x0 / n0:.1%} a month; 95% CI {lo:.1f}–{hi:.1f}×).", rr, lo, hi))
    if a.risk is not None and a.risk.moments.height:
        where = {k: v for k, v in filters.where if k in MOMENT_FILTERS}
        cells = a.risk.moments
        for k, v in where.items():
            cells = cells.filter(pl.col(k).is_in(list(v)))
        if cells.height:
            top = cells.row(0, named=True)
            out.append(Headline(
                f"The costliest moment of service is {top['channel']} contacts about {top['touchpoint']} from "
                f"{top['segment']} customers: {_money(top['revenue_at_risk'], symbol)} of revenue at risk over "
                f"{a.risk.horizon} months (95% CI {_money(top['low'], symbol)}–{_money(top['high'], symbol)}), "
                f"with {top['negative_rate']:.0f}% of its contacts negative.",
                top["revenue_at_risk"], top["low"], top["high"]))
    if a.drivers is not None and a.drivers.height:
        d = a.drivers.row(0, named=True)
        text = (f"{d['driver'].replace('_', ' ').capitalize()} explains {d['share']:.0f}% of what is explained about "
                f"negative experiences (95% CI {d['low']:.0f}–{d['high']:.0f}%)")
        effects = {r["term"]: r for r in (a.experience_effects.iter_rows(named=True) if a.experience_effects is not None else [])}
        if d["driver"] == "wait_minutes" and "wait_minutes" in effects:
            e = effects["wait_minutes"]
            text += (f"; each extra minute of wait adds {e['ame'] * 100:.1f} points to the chance of a negative "
                     f"experience ({e['low'] * 100:.1f}–{e['high'] * 100:.1f})")
        out.append(Headline(text + " — across all contacts.", d["share"], d["low"], d["high"]))
    return out


def dataset_facts(tables: Tables) -> dict:
    """What a dataset version holds: rows per table, period, customers, channels (for the Overview and Data pages)."""
    facts: dict = {"rows": {name: (None if t is None else t.height) for name, t in
                            (("interactions", tables.interactions), ("customers", tables.customers),
                             ("revenue", tables.revenue))}}
    i = tables.interactions
    if i is not None and i.height:
        facts["first_contact"], facts["last_contact"] = i.get_column("started_at").min(), i.get_column("started_at").max()
        if "customer_id" in i.columns:
            facts["customers_with_contacts"] = i.get_column("customer_id").n_unique()
        if "channel" in i.columns:
            facts["contacts_by_channel"] = dict(i.get_column("channel").value_counts(sort=True).iter_rows())
    if tables.customers is not None:
        facts["customers"] = tables.customers.height
    return facts


def contact_metrics(a: Analysis) -> list[Metric]:
    """The contact-level metrics this data supports, the survey ones first (the Drill-down's choices;
    its default, and the meeting pack's, is the first)."""
    if a.contacts is None:
        return []
    preferred = ("csat", "nps", "negative_rate", "ces", "fcr")
    ordered = [REGISTRY[k] for k in preferred] + [m for m in REGISTRY.values() if m.key not in preferred]
    return [m for m in ordered if m.base is Base.CONTACTS and availability(m, a.contacts.columns) is None]
