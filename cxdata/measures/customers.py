"""The customer frame — one row per customer — that the customers-table KPIs run on, and churn by any
customer attribute (docs/method/contact-metrics.md: a proportion with its Wilson interval, cells under 30 customers or
10 churners flagged as small).

It serves the most common churn file there is — one row per customer with churned yes/no, monthly
charges, tenure, contract… and no dates (the IBM Telco churn file is the classic) — as well as a
customers table beside interactions. It is a snapshot: it has no time axis, so the period filter
does not apply to it; dimension filters do.

- ``churned`` as imported; a table with ``churned_at`` and no ``churned`` counts a churn date as churned;
- ``tenure_months`` = months (days / 30.4375) from ``joined_at`` to ``churned_at`` for customers who left,
  else to the latest date of the table — when the table has ``joined_at`` and no tenure column of its own;
- every other column as imported: text columns (canonical or extra) are dimensions, numeric columns
  (``monthly_revenue``, extra measures such as ``tenure``) are measures.

:func:`attributes` gives what churn can be broken down by: every text column with 2 to 100 values, and
every numeric column — by value when it has at most 10 values (``senior_citizen`` 0/1), else in
quartile bands with edges rounded to two significant digits (``< 9``, ``9–28``, ``29–54``, ``≥ 55``;
a band holds its lower edge, not its upper one).
Bands are cut on all customers, so they do not move with the filters.
"""

from __future__ import annotations

import math
from typing import cast

import polars as pl

from cxdata import format as fmt
from cxdata.measures.metrics import REGISTRY, Filters, Params, compute, compute_many

#: Columns that are never a breakdown: the id, the outcome and the dates.
NOT_ATTRIBUTES = frozenset({"customer_id", "churned", "churned_at", "joined_at"})
#: A text column with more distinct values than this is not a breakdown (the filters' limit too).
MAX_VALUES = 100
#: A numeric column with at most this many distinct values is broken down by value, else in bands.
MAX_DISCRETE = 10
MISSING = "(missing)"
DAYS_PER_MONTH = 30.4375


def customer_frame(customers: pl.DataFrame) -> pl.DataFrame:
    """The frame described in the module docstring."""
    cols = customers.columns
    frame = customers
    if "churned" not in cols and "churned_at" in cols:
        frame = frame.with_columns(churned=pl.col("churned_at").is_not_null())
    if "joined_at" in cols and not any(c.startswith("tenure") for c in cols):
        dates = [c for c in ("joined_at", "churned_at") if c in cols]
        latest = pl.max_horizontal([pl.col(c).max() for c in dates])
        until = pl.coalesce(pl.col("churned_at"), latest) if "churned_at" in cols else latest
        frame = frame.with_columns(
            tenure_months=((until - pl.col("joined_at")).dt.total_days() / DAYS_PER_MONTH).clip(0).round(1))
    return frame


def _edge(value: float, integral: bool) -> float:
    """A band edge rounded to two significant digits: 29.0 → 29, 70.35 → 70, 1397.5 → 1400; on whole
    numbers, up to the next whole number (4.5 → 5: the same split of whole values)."""
    rounded = float(f"{value:.2g}")
    return float(math.ceil(rounded)) if integral else rounded


def _text(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


def band_labels(edges: list[float], integral: bool) -> list[str]:
    """Labels of the bands [−∞, e₁), [e₁, e₂), …, [e_k, ∞): ``< e₁``, ``e₁–e₂``, ``≥ e_k``; on whole
    numbers a middle band reads ``e₁–(e₂ − 1)``, so ``9–28`` holds 9 to 28."""
    middle = [fmt.span(_text(lo), _text(hi - 1 if integral and hi - 1 > lo else hi)) for lo, hi in zip(edges, edges[1:])]
    return [f"< {_text(edges[0])}", *middle, f"≥ {_text(edges[-1])}"]


def _numeric_group(frame: pl.DataFrame, column: str) -> pl.Expr | None:
    """The group of each customer on a numeric column: its value, or its quartile band (an Enum, in order)."""
    values = frame.get_column(column).drop_nulls().cast(pl.Float64)
    if values.n_unique() < 2:
        return None
    levels = values.unique().sort()
    if len(levels) <= MAX_DISCRETE:
        labels = [_text(v) for v in levels]
        mapping = dict(zip(levels.to_list(), labels))
        group = pl.col(column).cast(pl.Float64).replace_strict(mapping, default=None, return_dtype=pl.String)
    else:
        integral = bool((values == values.floor()).all())
        # Float64 and not empty (two values or more): the aggregates are floats, never None
        lowest, highest = cast(float, levels.min()), cast(float, levels.max())
        edges = sorted({_edge(cast(float, values.quantile(q, "linear")), integral) for q in (0.25, 0.5, 0.75)})
        edges = [e for e in edges if lowest < e <= highest] or [_edge(cast(float, values.median()), integral)]
        labels = band_labels(edges, integral)
        band = pl.sum_horizontal([(pl.col(column) >= e).cast(pl.Int64) for e in edges])  # edges passed: 0…k
        group = pl.when(pl.col(column).is_not_null()).then(band).replace_strict(
            dict(enumerate(labels)), default=None, return_dtype=pl.String)
    return group.fill_null(MISSING).cast(pl.Enum([*labels, MISSING]))


def attributes(frame: pl.DataFrame) -> dict[str, pl.Expr]:
    """attribute → the expression giving each customer's group (see the module docstring)."""
    out: dict[str, pl.Expr] = {}
    texts = [c for c, t in frame.schema.items() if t == pl.String and c not in NOT_ATTRIBUTES]
    counts = frame.select(pl.col(c).drop_nulls().n_unique() for c in texts).row(0, named=True) if texts else {}
    for column, dtype in frame.schema.items():
        if column in NOT_ATTRIBUTES:
            continue
        if dtype == pl.String and 2 <= counts[column] <= MAX_VALUES:
            out[column] = pl.col(column).fill_null(MISSING)
        elif dtype.is_numeric() and (group := _numeric_group(frame, column)) is not None:
            out[column] = group
    return out


def churn_by(frame: pl.DataFrame, filters: Filters = Filters(), params: Params = Params(),
             only: str | None = None) -> dict[str, pl.DataFrame]:
    """Customers who left (the ``customer_churn`` metric) by each attribute, or by the one named ``only``.

    Columns of each table: value (the group, as text), customers, churned, rate, low, high (95%
    Wilson, percent), small (fewer than 30 customers or 10 churners); groups in order (bands by
    their edges, text alphabetically)."""
    metric = REGISTRY["customer_churn"]
    out = {}
    for name, group in attributes(frame).items():
        if only is not None and name != only:
            continue
        table = compute(metric, frame.with_columns(group.alias(name)), by=[name], filters=filters, params=params)
        out[name] = table.select(value=pl.col(name).cast(pl.String), customers="n", churned="events", rate="value",
                                 low="low", high="high", small="small")
    return out


def spread(table: pl.DataFrame) -> float:
    """How far apart an attribute's groups churn: highest minus lowest rate among groups that are not
    small, in percentage points (0 with fewer than two such groups)."""
    rates = table.filter(~pl.col("small")).get_column("rate").drop_nulls()
    return float(cast(float, rates.max()) - cast(float, rates.min())) if len(rates) >= 2 else 0.0


def ranked_attributes(tables: dict[str, pl.DataFrame]) -> list[str]:
    """The attributes, the one whose groups churn furthest apart (:func:`spread`) first."""
    return sorted(tables, key=lambda name: (-spread(tables[name]), name))


def churn_summary(frame: pl.DataFrame | None, filters: Filters = Filters(), params: Params = Params()) -> dict | None:
    """Customers who left, with the monthly revenue they took and churn by every attribute: the
    ``customer_churn`` key of ``python -m cxdata report --json`` (None without a churned field).

    rate = churned / customers with a known churned value (Wilson); lost_monthly_revenue = Σ monthly
    revenue of churned customers and monthly_revenue = Σ monthly revenue, over customers with both
    known; lost_revenue_share = their ratio (delta-method interval). Percentages on the 0–100 scale."""
    if frame is None or "churned" not in frame.columns:
        return None
    keys = ["customer_churn"] + (["lost_revenue_share"] if "monthly_revenue" in frame.columns else [])
    tables = compute_many(keys, frame, filters=filters, params=params)  # one query
    churn = tables["customer_churn"].row(0, named=True)
    out = {"customers": int(churn["n"]), "churned": int(churn["events"] or 0), "rate_pct": churn["value"],
           "low_pct": churn["low"], "high_pct": churn["high"], "lost_monthly_revenue": None, "monthly_revenue": None,
           "lost_revenue_share_pct": None, "lost_revenue_share_low_pct": None, "lost_revenue_share_high_pct": None}
    if "monthly_revenue" in frame.columns:
        rows, _ = filters.apply(frame, None)
        money = rows.filter(pl.col("churned").is_not_null() & pl.col("monthly_revenue").is_not_null()).select(
            lost=pl.col("monthly_revenue").filter(pl.col("churned")).sum(), total=pl.col("monthly_revenue").sum(),
            n=pl.len()).row(0, named=True)
        share = tables["lost_revenue_share"].row(0, named=True)
        if money["n"]:
            out |= {"lost_monthly_revenue": money["lost"], "monthly_revenue": money["total"],
                    "lost_revenue_share_pct": share["value"], "lost_revenue_share_low_pct": share["low"],
                    "lost_revenue_share_high_pct": share["high"]}
    by = churn_by(frame, filters, params)
    out["by"] = {name: table.drop("small").rename({"rate": "rate_pct", "low": "low_pct", "high": "high_pct"}).to_dicts()
                 for name, table in by.items()}
    return out

