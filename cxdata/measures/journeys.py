"""Customer journeys across channels (issue 6): issues as repeat-contact chains, channel hopping,
resolution times, and one customer's whole history.

An **issue** is a chain of contacts from the same customer on the same reason in which each contact
comes within W days (7 by default) of the previous one — the repeat-contact definition of docs/method/contact-metrics.md,
so a chain of n contacts is n − 1 repeats. Its **path** is the sequence of channels
(``chatbot → phone → email``); its **time to resolution** runs from the first contact to the last
(to the first resolved contact when the data says which); the **churn after** it is whether the
customer left within 90 days of its last contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import polars as pl

from cxdata.measures import stats
from cxdata.measures.metrics import Filters

CHURN_AFTER_DAYS = 90
ARROW = " → "


@dataclass(frozen=True)
class IssueTable:
    """Every issue of a contact frame (:func:`issue_table`): ``table``, one row per issue, and
    ``of_contact``, the issue_id of each contact, in the frame's row order (null for a contact without a customer)."""

    table: pl.DataFrame
    of_contact: pl.Series


def issue_table(contacts: pl.DataFrame, customers: pl.DataFrame | None = None, window_days: int = 7) -> IssueTable:
    """Every issue, one row each: issue_id, customer_id, reason, touchpoint, first_at, last_at, contacts, path,
    resolved, resolution_hours, csat (mean of its answers), answered, churned_after; and the issue of each contact
    (the chains are cut once for both).

    Needs customer_id and started_at; reason, channel, resolved, csat are used when present.
    """
    if "customer_id" not in contacts.columns:
        raise KeyError("Journeys need customer_id on interactions")
    cols = contacts.columns
    w = window_days * 86400.0
    used = [c for c in ("customer_id", "reason", "touchpoint", "started_at", "channel", "resolved", "csat",
                        "prev_same_gap_s") if c in cols]
    lf = contacts.lazy().select(used).with_row_index("_row").filter(pl.col("customer_id").is_not_null())
    reason = pl.col("reason") if "reason" in cols else pl.lit("(any)")
    prev_gap = pl.col("prev_same_gap_s") if "prev_same_gap_s" in cols else pl.lit(None, pl.Float64)
    chains = (
        lf.with_columns(_reason=reason.fill_null("(none)"))
        .sort("customer_id", "_reason", "started_at")
        .with_columns(_new=~(prev_gap <= w).fill_null(False))
        .with_columns(_n=pl.col("_new").cast(pl.Int32).cum_sum().over("customer_id", "_reason"))
        .with_columns(issue_id=pl.format("{}|{}|{}", "customer_id", "_reason", "_n"))
    ).collect().lazy()
    of_contact = pl.DataFrame({"_row": pl.int_range(contacts.height, dtype=pl.UInt32, eager=True)}).join(
        chains.select("_row", "issue_id").collect(), on="_row", how="left", maintain_order="left").get_column("issue_id")
    resolved = pl.col("resolved") if "resolved" in cols else pl.lit(None, pl.Boolean)
    first_fix = pl.col("started_at").filter(resolved.fill_null(False)).min()
    agg = chains.group_by("issue_id").agg(
        pl.col("customer_id").first(),
        reason=pl.col("_reason").first(),
        touchpoint=pl.col("touchpoint").first() if "touchpoint" in cols else pl.lit(None, pl.String),
        first_at=pl.col("started_at").min(),
        last_at=pl.col("started_at").max(),
        contacts=pl.len(),
        path=pl.col("channel").fill_null("?").str.join(ARROW) if "channel" in cols else pl.lit(None, pl.String),
        resolved=resolved.fill_null(False).any() if "resolved" in cols else pl.lit(None, pl.Boolean),
        _fixed_at=first_fix,
        csat=pl.col("csat").mean() if "csat" in cols else pl.lit(None, pl.Float64),
        answered=pl.col("csat").count() if "csat" in cols else pl.lit(0, pl.UInt32),
    ).with_columns(
        resolution_hours=((pl.coalesce("_fixed_at", "last_at") - pl.col("first_at")).dt.total_seconds() / 3600)
    ).drop("_fixed_at")
    out = agg.collect()
    if customers is not None and "churned_at" in customers.columns:
        out = out.join(customers.select("customer_id", "churned_at"), on="customer_id", how="left").with_columns(
            churned_after=(pl.col("churned_at").is_not_null()
                           & (pl.col("churned_at") >= pl.col("last_at").dt.date())
                           & (pl.col("churned_at") <= (pl.col("last_at") + timedelta(days=CHURN_AFTER_DAYS)).dt.date()))
        ).drop("churned_at")
    return IssueTable(out.sort("first_at"), of_contact)


def issues_in_scope(every: IssueTable, contacts: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    """The issues with at least one contact that passes ``filters``; each keeps all its contacts.

    An issue's path and resolution need all its contacts, so the filters pick issues, not contacts:
    "channel = phone" keeps the issues that went through the phone, with every channel they used.
    ``every``: the issues of ``contacts`` (:func:`issue_table`), whose issue of each contact picks them: the cost is
    the contacts' filter, not a search among every issue.
    """
    if filters.start is None and filters.end is None and not filters.where:
        return every.table
    columns = [c for c in contacts.columns if c == "started_at" or c in dict(filters.where)]
    passing, _ = filters.apply(contacts.select(columns).with_columns(issue_id=every.of_contact), "started_at")
    return every.table.join(passing.select("issue_id").drop_nulls().unique(), on="issue_id", how="semi")


def journey_summary(issue_table: pl.DataFrame, data_end: datetime | None = None, window_days: int = 7) -> dict:
    """Headline figures: issues, share needing 2+ contacts (Wilson interval, %), median and P90 time to
    resolution of multi-contact issues (hours), contacts per issue.

    Whether an issue needs a second contact is known only W days after its first one: the share is
    computed over the issues whose first contact is at least ``window_days`` before ``data_end`` (the
    newest contact of the data; every issue when None), ``complete`` of them; ``left_out`` = the newer ones.
    ``multi_contact`` and the resolution times are over every issue with 2+ contacts.
    """
    n = issue_table.height
    complete = (issue_table if data_end is None
                else issue_table.filter(pl.col("first_at") <= data_end - timedelta(days=window_days)))
    m = complete.height
    x = complete.filter(pl.col("contacts") >= 2).height
    lo, hi = pl.select(*(e.alias(f"b{i}") for i, e in enumerate(stats.wilson(pl.lit(x), pl.lit(float(max(m, 1))))))).row(0)
    multi = issue_table.filter(pl.col("contacts") >= 2)
    hours = multi.get_column("resolution_hours").drop_nulls()
    return {
        "issues": n, "complete": m, "left_out": n - m, "multi_contact": multi.height,
        "multi_share": 100 * x / m if m else None,
        "multi_low": lo * 100 if m else None, "multi_high": hi * 100 if m else None,
        # numeric columns, not empty: the aggregates are numbers
        "median_hours": float(cast(float, hours.median())) if len(hours) else None,
        "p90_hours": float(cast(float, hours.quantile(0.9))) if len(hours) else None,
        "contacts_per_issue": float(cast(float, issue_table.get_column("contacts").mean())) if n else None,
    }


def censored_note(summary: dict, data_end: datetime | None, window_days: int) -> str | None:
    """The sentence for the page when :func:`journey_summary` left out issues whose second contact may
    still come; None when it left out none."""
    if not summary.get("left_out") or data_end is None:
        return None
    cutoff = data_end - timedelta(days=window_days)
    n = summary["left_out"]
    return (f"The share needing 2+ contacts leaves out the {n:,} issue{'s' * (n != 1)} that started in the last "
            f"{window_days} days of the data (after {cutoff:%-d %b %Y}): whether they need another contact is not yet "
            "known.")


def channel_paths(issue_table: pl.DataFrame, min_contacts: int = 2, top: int = 20) -> pl.DataFrame:
    """The most frequent channel paths of issues with at least ``min_contacts`` contacts.

    Columns: path, issues, share (% of those issues), csat (mean answer), answers, churn (% churned
    within 90 days, Wilson low/high), customers (ids, for the link to them).
    """
    multi = issue_table.filter(pl.col("contacts") >= min_contacts)
    if multi.is_empty():
        return pl.DataFrame(schema={"path": pl.String, "issues": pl.UInt32, "share": pl.Float64})
    has_churn = "churned_after" in multi.columns
    agg = multi.group_by("path").agg(
        issues=pl.len(),
        csat=(pl.col("csat") * pl.col("answered")).sum() / pl.col("answered").sum(),
        answers=pl.col("answered").sum(),
        churned=pl.col("churned_after").sum() if has_churn else pl.lit(None, pl.UInt32),
        customers=pl.col("customer_id").unique(maintain_order=True).head(200),
    ).sort(["issues", "path"], descending=[True, False]).head(top)
    out = agg.with_columns(share=pl.col("issues") / multi.height * 100)
    if has_churn:
        lo, hi = stats.wilson(pl.col("churned"), pl.col("issues").cast(pl.Float64))
        out = out.with_columns(churn=pl.col("churned") / pl.col("issues") * 100, churn_low=lo * 100, churn_high=hi * 100)
    return out.select("path", "issues", "share", "csat", "answers",
                      *(["churn", "churn_low", "churn_high"] if has_churn else []), "customers")


def customer_timeline(contacts: pl.DataFrame, customer_id: str, customers: pl.DataFrame | None = None,
                      revenue: pl.DataFrame | None = None) -> pl.DataFrame:
    """Everything that happened to one customer, oldest first: contacts, monthly revenue, joining, churn.

    Columns: at, event (contact | revenue | joined | churned), channel, touchpoint, reason, wait_seconds,
    transfers, resolved, csat, nps, ces, comment, amount.
    """
    keep = {"channel": pl.String, "touchpoint": pl.String, "reason": pl.String, "wait_seconds": pl.Float64,
            "transfers": pl.Int64, "resolved": pl.Boolean, "csat": pl.Int64, "nps": pl.Int64, "ces": pl.Int64,
            "comment": pl.String}
    events = [contacts.filter(pl.col("customer_id") == customer_id).select(
        *[(pl.col(c) if c in contacts.columns else pl.lit(None)).cast(t).alias(c) for c, t in keep.items()],
        at=pl.col("started_at"), event=pl.lit("contact"))]
    if revenue is not None:
        events.append(revenue.filter(pl.col("customer_id") == customer_id).select(
            at=pl.col("month").cast(pl.Datetime("us")), event=pl.lit("revenue"), amount=pl.col("revenue")))
    if customers is not None:
        row = customers.filter(pl.col("customer_id") == customer_id)
        for column, label in (("joined_at", "joined"), ("churned_at", "churned")):
            if column in row.columns and row.height and row.item(0, column) is not None:
                events.append(row.select(at=pl.col(column).cast(pl.Datetime("us")), event=pl.lit(label)))
    order = ["at", "event", *keep, "amount"]  # keys of keep, in order
    timeline = pl.concat(events, how="diagonal_relaxed")
    return timeline.select([c for c in order if c in timeline.columns]).sort("at", "event")


def find_customers(customers: pl.DataFrame | None, contacts: pl.DataFrame, query: str, limit: int = 20) -> list[str]:
    """Customer ids containing ``query`` (case-insensitive), those with the most contacts first."""
    counts = contacts.group_by("customer_id").len()
    if customers is not None:
        counts = customers.select("customer_id").join(counts, on="customer_id", how="left").with_columns(
            pl.col("len").fill_null(0))
    q = query.strip().lower()
    hits = counts.filter(pl.col("customer_id").str.to_lowercase().str.contains(q, literal=True)) if q else counts
    return hits.sort("len", "customer_id", descending=[True, False]).head(limit).get_column("customer_id").to_list()
