"""The parts the executive screens are built from (:mod:`cxdata.screens.overview`, :mod:`cxdata.screens.churn`,
the meeting pack): KPI tiles with deltas, churn by negative experiences, headline sentences, the moments of service
in scope. Every function is a plain function of the analysis and the filters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from cxdata import format as fmt
from cxdata.measures import stats
from cxdata.measures.customers import churn_by, churn_summary, ranked_attributes
from cxdata.measures.metrics import (
    REGISTRY,
    WITHHELD,
    Base,
    Estimate,
    Filters,
    Metric,
    Params,
    by_month,
    compute,
    delta,
    kpi_statuses,
)
from cxdata.models.analysis import Analysis
from cxdata.models.fit import ChurnEffect
from cxdata.scope import MOMENT_FILTERS, moment_where, withheld_sentence

#: The Overview's tile rows: the experience, the contact centre, the money (revenue at risk comes from
#: the risk model) and the customers table's snapshot of who left.
EXPERIENCE_TILES = ("nps", "csat", "ces", "fcr")
OPERATIONS_TILES = ("contacts", "answer_rate", "aht", "resolution_rate")
MONEY_TILES = ("logo_churn", "arpu", "revenue_at_risk", "cost_to_serve")
CUSTOMER_TILES = ("customer_churn", "lost_revenue_share")
#: Every tile of the Overview in the order it lists them, revenue at risk included.
OVERVIEW_TILES = EXPERIENCE_TILES + OPERATIONS_TILES + MONEY_TILES + CUSTOMER_TILES
#: The tiles that are registry KPIs (all but revenue at risk).
TILE_KEYS = tuple(k for k in OVERVIEW_TILES if k in REGISTRY)
BUCKETS = ("0", "1", "2 or 3", "4+")
#: Groups a breakdown bar chart shows at most (the ones with the most answers).
MAX_BARS = 25


#: The status of a model-based number while the models are being fitted (``Analysis.pending``).
PENDING = "The models are being fitted: shown when they are ready"
#: The status of a customer-month KPI while the panel of a new version is being built (``Analysis.panel_pending``).
PANEL_PENDING = "Being computed: the customer-month panel of this new data version is being built"


def kpi_tiles(a: Analysis, filters: Filters, comparison: Filters | None, params: Params = Params(),
              keys: tuple[str, ...] = TILE_KEYS) -> list[dict]:
    """One dict per tile: key, label, unit, definition, higher_is_better, value, low, high, n,
    delta, delta_low, delta_high (against ``comparison``), status ("ok", "no data", "needs …", or
    :data:`PANEL_PENDING` for a customer-month KPI while the panel is built).
    A KPI of the customers table (a snapshot, no months) has no change against another period.
    The KPIs of one base frame are computed in one query per period (:func:`cxdata.measures.metrics.kpi_statuses`)."""
    metrics = [REGISTRY[key] for key in keys]
    now = kpi_statuses(a.frames, metrics, filters, params)
    compared = [m for m in metrics if (e := now[m.key][0]) is not None and e.n and by_month(m)]
    before = {} if comparison is None else kpi_statuses(a.frames, compared, comparison, params)
    tiles = []
    for m in metrics:
        tile = {"key": m.key, "label": m.label, "unit": m.unit, "definition": m.definition,
                "higher_is_better": m.higher_is_better, "value": None, "low": None, "high": None, "n": 0,
                "delta": None, "delta_low": None, "delta_high": None}
        current, tile["status"] = now[m.key]
        if a.panel_pending and m.base is Base.CUSTOMER_MONTHS:
            tile["status"] = PANEL_PENDING
        if current is not None:
            tile |= {"value": current.value, "low": current.low, "high": current.high, "n": current.n}
        previous = before.get(m.key, (None, ""))[0]
        if current is not None and previous is not None:
            d = delta(current, previous)
            tile |= {"delta": d.value, "delta_low": d.low, "delta_high": d.high}
        tiles.append(tile)
    return tiles


def moments_withheld(a: Analysis, restricted: Sequence[str]) -> list[str]:
    """The restricted dimensions the moments of service (channel × touchpoint × segment of the risk model)
    cannot be limited to: their revenue at risk, over every customer, is then not shown."""
    columns = a.risk.moments.columns if a.risk is not None else MOMENT_FILTERS
    return [c for c in restricted if c not in MOMENT_FILTERS or c not in columns]


def risk_tile(a: Analysis, filters: Filters) -> dict:
    """CX-attributable revenue at risk of the moments inside the filters' channel/touchpoint/segment.
    When its interval reaches zero, ``note`` says that it is not distinguishable from zero; not shown (status
    :data:`cxdata.measures.metrics.WITHHELD`) under a restriction the moments cannot apply."""
    tile = {"key": "revenue_at_risk", "label": "Revenue at risk from CX", "unit": "money",
            "definition": "Expected revenue lost over the horizon to churn caused by negative experiences "
                          "(model-based: as is minus no negative experiences), customers active at the end of the data.",
            "higher_is_better": False, "value": None, "low": None, "high": None, "n": 0,
            "delta": None, "delta_low": None, "delta_high": None}
    if a.risk is None and a.pending:
        return tile | {"status": PENDING}
    if a.risk is None:
        return tile | {"status": "needs the churn model (csat answers and a customers table with churn dates)"}
    if moments_withheld(a, filters.restricted):
        return tile | {"status": WITHHELD}
    row = a.risk.in_scope(moment_where(filters.where)).row(0, named=True)
    tile |= {"value": row["revenue_at_risk"], "low": row["low"], "high": row["high"], "n": a.risk.customers,
             "status": "ok"}
    if not distinguishable(row["low"], row["high"]):
        tile["note"] = ("Not distinguishable from zero: this data shows no evidence that negative experiences "
                        "drive churn, so no part of the revenue at risk can be put down to them.")
    return tile


def distinguishable(low: float | None, high: float | None) -> bool:
    """Whether a 95% interval excludes zero."""
    return low is not None and high is not None and (low > 0 or high < 0)


def moments_in_scope(a: Analysis, where: Iterable[tuple[str, Sequence[str]]] = (),
                     n: int | None = None, restricted: Sequence[str] = ()) -> pl.DataFrame:
    """The moments of service that can be ranked, most revenue at risk first, the first ``n``: those
    (channel × touchpoint × segment) the channel, touchpoint and segment filters in ``where`` allow (other
    filters do not apply) whose own revenue-at-risk interval is above zero — and none when the churn
    effect's interval includes zero (:attr:`ChurnEffect.evident`) or a ``restricted`` dimension (the user's
    restrictions) cannot apply to them (:func:`moments_withheld`)."""
    if a.risk is None:
        return pl.DataFrame()
    moments = a.risk.moments.filter(pl.col("low") > 0)
    if a.churn is None or not a.churn.evident or moments_withheld(a, restricted):
        moments = moments.clear()
    for column, values in moment_where(where).items():
        if column in moments.columns:
            moments = moments.filter(pl.col(column).cast(pl.String).is_in(list(values)))
    return moments if n is None else moments.head(n)


def unranked_moments(a: Analysis, restricted: Sequence[str] = ()) -> str:
    """Why no moment of service is ranked (:func:`moments_in_scope` returned none), in plain words."""
    if withheld := moments_withheld(a, restricted):
        return withheld_sentence(withheld, "The moments of service and their revenue at risk are")
    if a.churn is not None and not a.churn.evident:
        return ("No moment of service is ranked: this data shows no evidence that the experience drives churn, "
                "so no revenue at risk can be put down to any moment of service.")
    return ("No moment of service is ranked: none that the channel, touchpoint and segment filters allow has "
            "revenue at risk whose 95% interval is above zero.")


def overview_tiles(a: Analysis, filters: Filters, comparison: Filters | None, params: Params = Params()) -> list[dict]:
    """The Overview's tiles in its order (:data:`OVERVIEW_TILES`): :func:`kpi_tiles` and :func:`risk_tile`."""
    by_key = {t["key"]: t for t in kpi_tiles(a, filters, comparison, params, keys=TILE_KEYS)}
    by_key["revenue_at_risk"] = risk_tile(a, filters)
    return [by_key[k] for k in OVERVIEW_TILES]


def overview_rows(a: Analysis) -> list[tuple[str, ...]]:
    """The tile rows the Overview shows on this data: the experience and the contact-centre rows when
    there are interactions; then the money row — or, when the data has no customer-month panel but its
    customers table says who left, the customers row in its place."""
    rows = [EXPERIENCE_TILES, OPERATIONS_TILES] if a.contacts is not None else []
    snapshot = a.panel is None and not a.panel_pending and a.needs(REGISTRY["customer_churn"]) is None
    return [*rows, CUSTOMER_TILES if snapshot else MONEY_TILES]


def trend_metrics(a: Analysis) -> list[Metric]:
    """The Overview tiles' metrics this data can draw by month, in the tiles' order."""
    metrics = [REGISTRY[k] for k in TILE_KEYS]
    return [m for m in metrics if by_month(m) and a.needs(m) is None]


def metric_by(a: Analysis, metric: Metric, column: str, filters: Filters = Filters(), params: Params = Params(),
              limit: int = MAX_BARS) -> pl.DataFrame:
    """The metric by the values of one column (:func:`cxdata.measures.metrics.compute`), rows without a value or a
    number dropped; at most ``limit`` groups, those with the largest n (a column such as the agent can
    hold a hundred values). Sorted by the column."""
    rows = compute(metric, a.frames.for_metric(metric), by=[column], filters=filters, params=params)
    rows = rows.filter(pl.col(column).is_not_null() & pl.col("value").is_not_null())
    return rows.sort("n", descending=True).head(limit).sort(column)


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
    low: float | None
    high: float | None


#: Below this share of the variance of negative experiences (R²), the drivers explain nothing worth ranking.
MIN_EXPLAINED = 0.01


def churn_headline(c: ChurnEffect, restricted: bool = False) -> Headline:
    """The churn model's finding in one sentence, from the adjusted estimate (never a crude ratio): the
    odds ratio per negative experience last month when its interval is above 1, else that this data
    shows no evidence that the experience drives churn. ``restricted``: for a user restricted to part of the
    data, without the base churn rate of every customer (the model's coefficients are shown, no rate of rows
    outside the restriction)."""
    controls = c.controls_text
    odds, low, high = c.odds_ratio
    if c.evident:
        base = "" if restricted else f" on a base of {c.base_churn:.2%}"
        return Headline(
            f"Each negative experience in a month goes with {odds - 1:.0%} higher odds that the customer leaves "
            f"the next month ({fmt.ci(fmt.share(low - 1), fmt.share(high - 1))}; about {fmt.decimal(c.ame_pp[0])} points of monthly "
            f"churn{base}), for customers alike in {controls}.", odds, low, high)
    return Headline(
        f"This data shows no evidence that the experience drives churn: for customers alike in {controls}, "
        f"a negative experience goes with odds of leaving {odds:.2f} times as high ({fmt.ci(fmt.decimal(low), fmt.decimal(high))}), "
        "an interval that includes no effect at all.", odds, low, high)


def headlines(a: Analysis, filters: Filters = Filters(), symbol: str = "€") -> list[Headline]:
    """Up to three sentences an executive can repeat, each with its number and interval: what the
    adjusted churn model finds (:func:`churn_headline`); the costliest moment of service, only when the
    churn effect and that moment's own interval are above zero; the driver that matters most and what a
    minute of wait does — or, when the drivers explain under 1% of the variance of negative experiences,
    that none stands out (their shares of almost nothing would only be noise)."""
    out: list[Headline] = []
    if a.churn is not None:
        out.append(churn_headline(a.churn, bool(filters.restricted)))
    if a.risk is not None:
        cells = moments_in_scope(a, filters.where, 1, filters.restricted)
        if cells.height:
            top = cells.row(0, named=True)
            out.append(Headline(
                f"The costliest moment of service is {top['channel']} contacts about {top['touchpoint']} from "
                f"{top['segment']} customers: {fmt.money(top['revenue_at_risk'], symbol)} of revenue at risk over "
                f"{a.risk.horizon} months ({fmt.interval(top['low'], top['high'], 'money', symbol)}), "
                f"with {top['negative_rate']:.0f}% of its contacts negative.",
                top["revenue_at_risk"], top["low"], top["high"]))
    if not out:
        out += customer_headlines(a, filters, symbol)
    if a.drivers is not None and a.drivers.height and a.drivers.get_column("r2")[0] < MIN_EXPLAINED:
        names = ", ".join(fmt.driver_label(d).lower() for d in a.drivers.get_column("driver"))
        out.append(Headline(
            f"The service drivers in this data ({names}) explain almost none of the negative experiences "
            f"(R² {a.drivers.get_column('r2')[0]:.1%}): no lever here stands out — what makes customers unhappy "
            "is not in these fields.", a.drivers.get_column("r2")[0] * 100, None, None))
    elif a.drivers is not None and a.drivers.height:
        d = a.drivers.row(0, named=True)
        text = (f"{fmt.driver_label(d['driver'])} explains {d['share']:.0f}% of what is explained about "
                f"negative experiences ({fmt.ci(fmt.decimal(d['low'], 0, '%'), fmt.decimal(d['high'], 0, '%'))})")
        effects = {r["term"]: r for r in (a.experience_effects.iter_rows(named=True) if a.experience_effects is not None else [])}
        if d["driver"] == "wait_minutes" and "wait_minutes" in effects:
            e = effects["wait_minutes"]
            text += (f"; each extra minute of wait adds {fmt.decimal(e['ame'] * 100, 1)} points to the chance of a "
                     f"negative experience ({fmt.ci(fmt.decimal(e['low'] * 100, 1), fmt.decimal(e['high'] * 100, 1))})")
        out.append(Headline(text + " — across all contacts.", d["share"], d["low"], d["high"]))
    return out


def customer_headlines(a: Analysis, filters: Filters = Filters(), symbol: str = "€") -> list[Headline]:
    """From a customers table that says who left (when no monthly churn headline can be made): the share
    who left with the monthly revenue they took, and the attribute whose groups churn furthest apart (highest
    against lowest group of at least 30 customers and 10 churners) — or, when the 95% interval of that gap
    (:func:`cxdata.measures.metrics.delta`) includes zero, that no attribute clearly separates who left."""
    customers = None if a.customers is None else filters.within(a.customers)  # the user's customers alone
    summary = churn_summary(customers, filters)
    if customers is None or summary is None or not summary["customers"]:
        return []
    out = [Headline(
        f"{summary['rate_pct']:.1f}% of customers left ({fmt.interval(summary['low_pct'], summary['high_pct'], '%')}; "
        f"{summary['churned']:,} of {summary['customers']:,})"
        + (f"; they paid {fmt.money(summary['lost_monthly_revenue'], symbol)} a month, "
           f"{summary['lost_revenue_share_pct']:.1f}% of all monthly revenue "
           f"({fmt.interval(summary['lost_revenue_share_low_pct'], summary['lost_revenue_share_high_pct'], '%')})."
           if summary["lost_monthly_revenue"] is not None else "."),
        summary["rate_pct"], summary["low_pct"], summary["high_pct"])]
    tables = churn_by(customers, filters)
    ranked = ranked_attributes(tables)
    if ranked:
        name = ranked[0]
        groups = tables[name].filter(~pl.col("small")).sort("rate", descending=True)
        if groups.height >= 2:
            top, bottom = groups.row(0, named=True), groups.row(-1, named=True)
            label = fmt.dimension_label(name).lower()
            gap = delta(*(Estimate(g["rate"], g["low"], g["high"], g["customers"]) for g in (top, bottom)))
            if distinguishable(gap.low, gap.high):
                out.append(Headline(
                    f"Churn differs most by {label}: {top['rate']:.1f}% of customers with {label} {top['value']} "
                    f"left ({fmt.interval(top['low'], top['high'], '%')}) against {bottom['rate']:.1f}% of those with "
                    f"{bottom['value']} ({fmt.interval(bottom['low'], bottom['high'], '%')}).",
                    top["rate"], top["low"], top["high"]))
            else:
                out.append(Headline(
                    f"No customer attribute clearly separates who left: the widest gap, by {label} "
                    f"({top['rate']:.1f}% with {top['value']} against {bottom['rate']:.1f}% with {bottom['value']}), "
                    f"is {fmt.delta(top['rate'] - bottom['rate'], 'points')} points, {fmt.interval(gap.low, gap.high, 'points')}: "
                    "no clear difference.", top["rate"] - bottom["rate"], gap.low, gap.high))
    return out


#: The KPIs a choice of metric offers first: the surveys (the Drill-down's and the meeting pack's default is the first).
SURVEYS_FIRST = ("csat", "nps", "negative_rate", "ces", "fcr")


def supported_metrics(a: Analysis, first: Sequence[str] = SURVEYS_FIRST, base: Base | None = None) -> list[Metric]:
    """The registry KPIs this data supports that have months (trends, alerts and initiatives need them), of
    ``base`` when given, the keys of ``first`` first: the one list every choice of a metric offers."""
    ordered = [REGISTRY[k] for k in first] + [m for m in REGISTRY.values() if m.key not in first]
    return [m for m in ordered if by_month(m) and (base is None or m.base is base) and a.needs(m) is None]


def contact_metrics(a: Analysis) -> list[Metric]:
    """The contact-level KPIs this data supports, the surveys first (the Drill-down's choices)."""
    return supported_metrics(a, base=Base.CONTACTS)
