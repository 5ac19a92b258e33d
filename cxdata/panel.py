"""The customer-month panel (METHOD.md §2.1): one row per customer per month at risk.

- **At risk** from the month after the customer joined (customers acquired in a month are not at
  risk in it, as the logo-churn definition of §4 requires) — or from the first month of data for
  customers who joined earlier — up to and including the month they churn, or the last month of data.
- **Outcome** ``churn`` = the customer's churn month is this month. The churn month is taken from
  ``churned_at``; a customer flagged ``churned`` without a date churns in the month after their last
  billed month (revenue table) or, failing that, after their last contact.
- **Exposures** come from month t−1 only (``*_prev`` columns), so nothing that happens in the churn
  month itself — cancellation calls included — can predict it (no leakage).
- **Controls**: tenure in years at the start of the month, the customer's categorical attributes,
  calendar month.
- **Money**: ``revenue`` billed in the month (revenue table; else the customer's monthly revenue),
  ``revenue_prev``, ``expansion``, ``contraction``, and ``contact_cost`` — the cost of the month's
  contacts (their own cost, else the cost per contact of their channel).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from cxdata.contacts import customer_attributes

#: Exposure counts per customer-month, from the contact frame (see contacts.py).
EXPOSURES: dict[str, pl.Expr] = {
    "contacts": pl.len(),
}


def _optional_exposures(columns: set[str], long_wait_s: float, repeat_window_s: float) -> dict[str, pl.Expr]:
    exprs = dict(EXPOSURES)
    if "negative" in columns:
        exprs["negatives"] = pl.col("negative").fill_null(False).sum()
        exprs["surveyed"] = pl.col("negative").is_not_null().sum()
    if "wait_seconds" in columns:
        exprs["long_waits"] = (pl.col("wait_seconds") > long_wait_s).sum()
    if "transfers" in columns:
        exprs["transfers"] = pl.col("transfers").fill_null(0).sum()
    if "resolved" in columns:
        exprs["unresolved"] = (~pl.col("resolved")).fill_null(False).sum()
    if "escalated" in columns:
        exprs["escalations"] = pl.col("escalated").fill_null(False).sum()
    if "next_same_gap_s" in columns:
        exprs["repeats"] = (pl.col("next_same_gap_s") <= repeat_window_s).fill_null(False).sum()
    if "p_negative" in columns:
        exprs["expected_negatives"] = pl.col("p_negative").fill_null(0).sum()
    return exprs


def contact_cost(columns: set[str], cost_per_contact: Mapping[str, float]) -> pl.Expr:
    """Cost of a contact: its own ``cost`` when given, else the cost per contact of its channel."""
    by_channel = (
        pl.col("channel").replace_strict(dict(cost_per_contact), default=None, return_dtype=pl.Float64)
        if "channel" in columns else pl.lit(None, pl.Float64)
    )
    return pl.coalesce(pl.col("cost"), by_channel) if "cost" in columns else by_channel


def churn_months(customers: pl.DataFrame, revenue: pl.DataFrame | None, contacts: pl.DataFrame | None) -> pl.DataFrame:
    """customer_id, joined_month, churn_month (null for active customers)."""
    cols = customers.columns
    frame = customers.select(
        "customer_id",
        joined_month=pl.col("joined_at").dt.truncate("1mo") if "joined_at" in cols else pl.lit(None, pl.Date),
        churn_month=pl.col("churned_at").dt.truncate("1mo") if "churned_at" in cols else pl.lit(None, pl.Date),
        churned=pl.col("churned").fill_null(False) if "churned" in cols else pl.col("churned_at").is_not_null()
        if "churned_at" in cols else pl.lit(False),
    )
    last_seen = None
    if revenue is not None:
        last_seen = revenue.group_by("customer_id").agg(last=pl.col("month").max())
    elif contacts is not None and "customer_id" in contacts.columns:
        last_seen = contacts.group_by("customer_id").agg(last=pl.col("month").max())
    if last_seen is not None:
        frame = frame.join(last_seen, on="customer_id", how="left").with_columns(
            churn_month=pl.when(pl.col("churn_month").is_null() & pl.col("churned"))
            .then(pl.col("last").dt.offset_by("1mo"))
            .otherwise(pl.col("churn_month"))
        ).drop("last")
    return frame.drop("churned")


def build_panel(
    customers: pl.DataFrame,
    contacts: pl.DataFrame | None,
    revenue: pl.DataFrame | None,
    *,
    cost_per_contact: Mapping[str, float],
    long_wait_s: float = 300.0,
    repeat_window_days: int = 7,
) -> pl.DataFrame:
    """The panel described in the module docstring, sorted by customer and month."""
    months = [f.get_column("month") for f in (contacts, revenue) if f is not None and f.height]
    if not months:
        raise ValueError("the panel needs interactions or revenue to know which months the data covers")
    first, last = min(m.min() for m in months), max(m.max() for m in months)
    spans = churn_months(customers, revenue, contacts).with_columns(
        start=pl.max_horizontal(pl.col("joined_month").dt.offset_by("1mo"), pl.lit(first)).fill_null(pl.lit(first)),
        end=pl.min_horizontal(pl.col("churn_month"), pl.lit(last)).fill_null(pl.lit(last)),
    ).filter(pl.col("start") <= pl.col("end"))
    panel = (
        spans.with_columns(month=pl.date_ranges("start", "end", "1mo"))
        .explode("month")
        .with_columns(churn=(pl.col("month") == pl.col("churn_month")).fill_null(False))
        .select("customer_id", "month", "churn", "joined_month")
    )
    joined = customers.select("customer_id", "joined_at") if "joined_at" in customers.columns else None
    if joined is not None:
        panel = panel.join(joined, on="customer_id", how="left").with_columns(
            tenure_years=((pl.col("month") - pl.col("joined_at")).dt.total_days() / 365.25).clip(0)
        ).drop("joined_at")
    attrs = customer_attributes(customers)
    panel = panel.join(attrs, on="customer_id", how="left").with_columns(
        calendar_month=pl.col("month").dt.month()
    ).drop("joined_month")

    if contacts is not None and "customer_id" in contacts.columns:
        cols = set(contacts.columns)
        per_month = contacts.filter(pl.col("customer_id").is_not_null()).group_by("customer_id", "month").agg(
            contact_cost=contact_cost(cols, cost_per_contact).sum(),
            **_optional_exposures(cols, long_wait_s, repeat_window_days * 86400.0),
        )
        exposures = [c for c in per_month.columns if c not in ("customer_id", "month", "contact_cost")]
        panel = (
            panel.join(per_month.select("customer_id", "month", "contact_cost"), on=["customer_id", "month"], how="left")
            .join(per_month.select("customer_id", pl.col("month").dt.offset_by("1mo"),
                                   *[pl.col(c).alias(f"{c}_prev") for c in exposures]),
                  on=["customer_id", "month"], how="left")
            .with_columns(pl.col("contact_cost").fill_null(0.0), pl.col(f"{c}_prev" for c in exposures).fill_null(0))
        )

    if revenue is not None:
        money = [c for c in ("revenue", "expansion", "contraction", "cost_to_serve") if c in revenue.columns]
        panel = (
            panel.join(revenue.select("customer_id", "month", *money), on=["customer_id", "month"], how="left")
            .join(revenue.select("customer_id", pl.col("month").dt.offset_by("1mo"), revenue_prev="revenue"),
                  on=["customer_id", "month"], how="left")
        )
    elif "monthly_revenue" in customers.columns:
        panel = panel.join(customers.select("customer_id", revenue="monthly_revenue"), on="customer_id", how="left") \
            .with_columns(revenue_prev=pl.col("revenue"))
    return panel.sort("customer_id", "month")
