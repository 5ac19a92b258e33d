"""The contact frame and the customer-month panel as Ibis expressions: the path for engines other than the
embedded Polars — Spark (:mod:`cxdata.compute`), and any SQL engine Ibis compiles to (docs/scale-out.md).

The frames are the ones :func:`cxdata.measures.contacts.enrich_contacts` with
:func:`cxdata.measures.panel.with_exposure_exclusion`, and :func:`cxdata.measures.panel.build_panel` build with
Polars — same columns, values, column order and row order once :func:`collect` has brought them back — and
``tests/spark/test_spark_parity.py`` holds the two paths equal on the sample. Where Polars needs no help, SQL does:

- every "over the whole dataset" value (the newest contact, the channels that abandon, the months the data
  covers, the cancellation-like touchpoints and reasons) is a small aggregate computed first and brought back
  as a literal, so no window spans every row;
- month arithmetic goes through a small table of the data's months (each with the month after it) instead of
  date intervals, which engines spell differently;
- counts come back as Spark's signed integers and :func:`collect` gives them Polars' types (:data:`COUNT`).

Ibis's Polars backend (12.0) has no window functions, so the contact frame's gaps cannot run there; the panel
can (bench figures in docs/scale-out.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import cast

import ibis
import ibis.expr.types as ir
import polars as pl

from cxdata.measures.panel import BEFORE_CHURN, CANCELLATION, cancellation_like

#: The type Polars gives a count (``pl.len()``, the sum of a boolean), which Spark returns as a signed integer.
COUNT = cast(pl.DataType, pl.get_index_type())  # an instance in Polars 2 (its stub allows the class too)
#: The columns the contact frame computes, with their Polars types (the others are the tables' own).
CONTACT_TYPES: dict[str, pl.DataType] = {
    "month": pl.Date(), "observed_after_s": pl.Float64(), "abandonable": pl.Boolean(),
    "next_same_gap_s": pl.Int64(), "prev_same_gap_s": pl.Int64(), "next_any_gap_s": pl.Int64(),
    "negative": pl.Boolean(), "exposure_exclusion": pl.String(),
}
_COUNTS = ("contacts", "negatives", "surveyed", "long_waits", "unresolved", "escalations", "repeats", "contacts_all")
#: The panel's row order.
PANEL_ORDER = ["customer_id", "month"]
#: The columns the panel computes, with their Polars types.
PANEL_TYPES: dict[str, pl.DataType] = {
    "month": pl.Date(), "churn": pl.Boolean(), "tenure_years": pl.Float64(), "calendar_month": pl.Int8(),
    "contact_cost": pl.Float64(), **{f"{c}_prev": COUNT for c in _COUNTS},
}


def _strings(table: ir.Table) -> list[str]:
    """The categorical attributes of a customers table: every string column but customer_id
    (:func:`cxdata.measures.contacts.customer_attributes`)."""
    return [c for c, t in table.schema().items() if c != "customer_id" and t.is_string()]


def _gap(later: ir.TimestampValue, earlier: ir.TimestampValue) -> ir.IntegerValue:
    """Whole seconds from ``earlier`` to ``later`` (truncated, as Polars' ``dt.total_seconds``)."""
    return later.delta(earlier, unit="second").cast("int64")


def days(later: ir.DateValue, earlier: ir.DateValue) -> ir.FloatingValue:
    """Days from ``earlier`` to ``later``, as a float: divided by a decimal literal (365.25), Spark would
    otherwise compute in decimals rounded to six places."""
    return later.delta(earlier, unit="day").cast("float64")


#: The columns whose combinations :func:`_overview` brings back.
_OVERVIEW_KEYS = ("channel", "touchpoint", "reason")


def _overview(interactions: ir.Table) -> list[dict]:
    """One row per channel × touchpoint × reason present (of those columns there are), with the newest start
    (``latest``) and whether a contact abandoned (``abandons``): every value over the whole dataset the contact
    frame needs, in one small query."""
    t = interactions
    keys = [c for c in _OVERVIEW_KEYS if c in t.columns]
    values: dict[str, ir.Value] = {"latest": t.started_at.max()}
    if "abandoned" in t.columns:
        values["abandons"] = t.abandoned.fill_null(False).any()
    return (t.group_by(keys).aggregate(**values) if keys else t.aggregate(**values)).to_pyarrow().to_pylist()


def _abandonable(frame: ir.Table, overview: list[dict]) -> ir.BooleanValue:
    """Whether the contact's channel can abandon (:func:`cxdata.measures.contacts.dataset_columns`)."""
    if "channel" not in frame.columns:
        return ibis.literal(any(r["abandons"] for r in overview))
    abandoning = {r["channel"] for r in overview if r["abandons"]}
    named = frame.channel.isin(sorted(c for c in abandoning if c is not None)).fill_null(False)
    return ibis.ifelse(frame.channel.isnull(), None in abandoning, named)


def _cancellation(frame: ir.Table, overview: list[dict], terms: Iterable[str]) -> ir.BooleanValue:
    """Whether the contact's touchpoint or reason is cancellation-like (:func:`cancellation_like` on the values
    the interactions have; a data set without a contact has none)."""
    terms, present = list(terms), set(overview[0]) if overview else set()
    like: ir.BooleanValue = ibis.literal(False)
    for column in ("touchpoint", "reason"):
        if column in present:
            matches = sorted(cancellation_like({r[column] for r in overview}, terms))
            if matches:
                like = like | frame[column].isin(matches).fill_null(False)
    return like


def contact_frame(interactions: ir.Table, customers: ir.Table | None, terms: Iterable[str],
                  window_days: int) -> ir.Table:
    """The contact frame with ``exposure_exclusion``: what ``with_exposure_exclusion(enrich_contacts(interactions,
    customers), customers, terms, window_days)`` builds, unordered (:func:`contact_order`)."""
    t = interactions
    overview = _overview(t)
    latest = max((r["latest"] for r in overview if r["latest"] is not None), default=None)
    extra: dict[str, ir.Value] = {
        "month": t.started_at.truncate("M").date(),
        "observed_after_s": _gap(ibis.literal(latest, type=t.started_at.type()), t.started_at).cast("float64"),
    }
    if "abandoned" in t.columns:
        extra["abandonable"] = _abandonable(t, overview)
    frame = t.mutate(**extra)
    columns = list(frame.columns)
    linked = customers is not None and "customer_id" in t.columns
    if customers is not None and linked:
        attributes = [c for c in _strings(customers) + ["joined_at"] if c in customers.columns and c not in t.columns]
        right = customers.select("customer_id", *attributes, _churned_at=customers.churned_at
                                 if "churned_at" in customers.columns else ibis.null("date"))
        frame = frame.left_join(right, frame.customer_id == right.customer_id).drop("customer_id_right")
        columns += attributes
    if "customer_id" in t.columns:
        same = ["customer_id", "reason"] if "reason" in t.columns else ["customer_id"]
        start = frame.started_at
        order = [frame[c] for c in contact_order(t.columns)[1:]]  # start, then the id where starts tie
        within = ibis.window(group_by=[frame[c] for c in same], order_by=order)
        every = ibis.window(group_by=frame.customer_id, order_by=order)
        unlinked = frame.customer_id.isnull()
        gaps = {
            "next_same_gap_s": _gap(start.lead().over(within), start),
            "prev_same_gap_s": _gap(start, start.lag().over(within)),
            "next_any_gap_s": _gap(start.lead().over(every), start),
        }
        frame = frame.mutate(**{name: ibis.ifelse(unlinked, ibis.null("int64"), gap) for name, gap in gaps.items()})
        columns += list(gaps)
    if "csat" in t.columns:
        frame = frame.mutate(negative=frame.csat <= 2)
        columns.append("negative")
    churned_at = frame.churned_at if "churned_at" in t.columns else frame._churned_at if linked else None
    before = ibis.literal(False) if churned_at is None \
        else (frame.started_at.date().delta(churned_at, unit="day") > -window_days).fill_null(False)
    reason = ibis.cases((_cancellation(frame, overview, terms), CANCELLATION), (before, BEFORE_CHURN), else_=ibis.null("string"))
    frame = frame.mutate(exposure_exclusion=reason)
    return frame.select(*columns, "exposure_exclusion")


def contact_order(columns: Iterable[str]) -> list[str]:
    """The contact frame's row order: by customer and start (then interaction_id, where Polars leaves ties in any
    order); the file's order when there is no customer_id."""
    columns = set(columns)
    if "customer_id" not in columns:
        return []
    return ["customer_id", "started_at"] + (["interaction_id"] if "interaction_id" in columns else [])


def _left(left: ir.Table, right: ir.Table, keys: str | list[str]) -> ir.Table:
    """``left`` left-joined with ``right`` on the same-named ``keys``, each key kept once (``left``'s)."""
    keys = [keys] if isinstance(keys, str) else keys
    joined = left.left_join(right, keys)
    return joined.drop(*(f"{k}_right" for k in keys if f"{k}_right" in joined.columns))


def _months(first: date, last: date) -> ir.Table:
    """month, next (the month after it): every month from ``first`` to the month after ``last``."""
    months = pl.date_range(first, date(last.year + last.month // 12, last.month % 12 + 1, 1), "1mo", eager=True)
    return ibis.memtable(pl.DataFrame({"month": months[:-1], "next": months[1:]}))


def _month_bounds(*frames: ir.Table | None) -> tuple[date, date]:
    """The first and last month of the frames' ``month`` columns (small aggregates, brought back)."""
    bounds = [f.aggregate(first=f.month.min(), last=f.month.max()).to_pyarrow().to_pylist()[0]
              for f in frames if f is not None]
    firsts = [b["first"] for b in bounds if b["first"] is not None]
    if not firsts:
        raise ValueError("the panel needs interactions or revenue to know which months the data covers")
    return min(firsts), max(b["last"] for b in bounds)


def _next(frame: ir.Table, column: str, months: ir.Table) -> ir.Table:
    """``frame`` with ``column`` (a month within the data) moved to the month after it."""
    joined = frame.left_join(months, frame[column] == months.month)
    return joined.select(*(joined.next.name(c) if c == column else frame[c] for c in frame.columns))


def _exposures(contacts: ir.Table, long_wait_s: float, repeat_window_s: float) -> dict[str, ir.Value]:
    """The exposure counts of :func:`cxdata.measures.panel._optional_exposures`, in the same order."""
    c, cols = contacts, set(contacts.columns)
    out: dict[str, ir.Value] = {"contacts": c.count()}
    if "negative" in cols:
        out["negatives"] = c.negative.fill_null(False).cast("int64").sum()
        out["surveyed"] = c.negative.notnull().cast("int64").sum()
    if "wait_seconds" in cols:
        out["long_waits"] = (c.wait_seconds > long_wait_s).cast("int64").sum()
    if "transfers" in cols:
        out["transfers"] = c.transfers.fill_null(0).sum()
    if "resolved" in cols:
        out["unresolved"] = (~c.resolved).fill_null(False).cast("int64").sum()
    if "escalated" in cols:
        out["escalations"] = c.escalated.fill_null(False).cast("int64").sum()
    if "next_same_gap_s" in cols:
        out["repeats"] = (c.next_same_gap_s <= repeat_window_s).fill_null(False).cast("int64").sum()
    if "p_negative" in cols:
        out["expected_negatives"] = c.p_negative.fill_null(0).sum()
    return out


def _sum0(value: ir.NumericValue) -> ir.NumericValue:
    """A group's sum, 0 for a group whose values are all null (as Polars sums)."""
    return value.sum().fill_null(0)


def panel(customers: ir.Table, contacts: ir.Table | None, revenue: ir.Table | None, *,
          cost_per_contact: Mapping[str, float], long_wait_s: float = 300.0, repeat_window_days: int = 7) -> ir.Table:
    """The customer-month panel :func:`cxdata.measures.panel.build_panel` builds, unordered (:data:`PANEL_ORDER`)."""
    first, last = _month_bounds(contacts, revenue)
    months = _months(first, last)
    cols = customers.columns
    spans = customers.select(
        "customer_id",
        joined_month=customers.joined_at.truncate("M") if "joined_at" in cols else ibis.null("date"),
        churn_month=customers.churned_at.truncate("M") if "churned_at" in cols else ibis.null("date"),
        churned=customers.churned.fill_null(False) if "churned" in cols
        else customers.churned_at.notnull() if "churned_at" in cols else ibis.literal(False),
    )
    seen = revenue if revenue is not None else contacts if contacts is not None and "customer_id" in contacts.columns \
        else None
    if seen is not None:
        last_seen = _next(seen.group_by("customer_id").aggregate(last=seen.month.max()), "last", months)
        spans = _left(spans, last_seen, "customer_id")
        spans = spans.mutate(churn_month=ibis.ifelse(spans.churn_month.isnull() & spans.churned, spans["last"],
                                                     spans.churn_month)).drop("last")
    rows = spans.cross_join(months.select("month").filter(months.month <= last))
    rows = rows.filter((rows.month > rows.joined_month).fill_null(True) & (rows.month <= rows.churn_month).fill_null(True))
    grid = rows.select("customer_id", "month", churn=(rows.month == rows.churn_month).fill_null(False))
    columns = ["customer_id", "month", "churn"]
    if "joined_at" in cols:
        joined = customers.select("customer_id", "joined_at")
        grid = _left(grid, joined, "customer_id")
        grid = grid.mutate(tenure_years=(days(grid.month, grid.joined_at) / 365.25).clip(lower=0))
        columns.append("tenure_years")
    attributes = _strings(customers)
    grid = _left(grid, customers.select("customer_id", *attributes), "customer_id")
    grid = grid.mutate(calendar_month=grid.month.month())
    columns += [*attributes, "calendar_month"]
    keys = ["customer_id", "month"]

    if contacts is not None and "customer_id" in contacts.columns:
        linked = contacts.filter(contacts.customer_id.notnull())
        counted = linked.filter(linked.exposure_exclusion.isnull()) if "exposure_exclusion" in linked.columns \
            else linked
        costs = linked.group_by(keys).aggregate(contact_cost=_sum0(_contact_cost(linked, cost_per_contact)))
        per_month = counted.group_by(keys).aggregate(**_exposures(counted, long_wait_s, repeat_window_days * 86400.0))
        every = {"contacts_all": linked.count()} | (
            {"expected_negatives_all": _sum0(linked.p_negative.fill_null(0))} if "p_negative" in linked.columns else {})
        everything = linked.group_by(keys).aggregate(**every)  # every key of per_month is one of these
        exposures = [c for c in per_month.columns if c not in keys] + list(every)
        per_month = _left(everything, per_month, keys).select(*keys, *exposures)
        moved = _next(per_month, "month", months).rename({f"{c}_prev": c for c in exposures})
        grid = _left(_left(grid, costs, keys), moved, keys)
        grid = grid.mutate(contact_cost=grid.contact_cost.fill_null(0.0),
                           **{f"{c}_prev": grid[f"{c}_prev"].fill_null(0) for c in exposures})
        columns += ["contact_cost", *(f"{c}_prev" for c in exposures)]

    if revenue is not None:
        money = [c for c in ("revenue", "expansion", "contraction", "cost_to_serve") if c in revenue.columns]
        grid = _left(grid, revenue.select(*keys, *money), keys)
        before = _next(revenue.select(*keys, revenue_prev=revenue.revenue), "month", months)
        grid = _left(grid, before, keys)
        columns += [*money, "revenue_prev"]
    elif "monthly_revenue" in cols:
        grid = _left(grid, customers.select("customer_id", revenue=customers.monthly_revenue), "customer_id")
        grid = grid.mutate(revenue_prev=grid.revenue)
        columns += ["revenue", "revenue_prev"]
    return grid.select(*columns)


def _contact_cost(contacts: ir.Table, cost_per_contact: Mapping[str, float]) -> ir.FloatingValue:
    """:func:`cxdata.measures.panel.contact_cost` as an Ibis value."""
    by_channel: ir.FloatingValue = ibis.null("float64")
    if "channel" in contacts.columns and cost_per_contact:
        by_channel = contacts.channel.cases(*cost_per_contact.items(), else_=ibis.null("float64")).cast("float64")
    return contacts.cost.coalesce(by_channel) if "cost" in contacts.columns else by_channel


def collect(table: ir.Table, types: Mapping[str, pl.DataType], order: list[str]) -> pl.DataFrame:
    """``table`` computed and brought back as a Polars frame, the columns of ``types`` given those types, sorted by
    ``order`` (nulls last) here rather than by a global sort on the engine: the rows come back to Python anyway."""
    frame = pl.from_arrow(table.to_pyarrow())
    assert isinstance(frame, pl.DataFrame)  # a table, not a column
    frame = frame.cast({c: t for c, t in types.items() if c in frame.columns})
    return frame.sort(order, nulls_last=True) if order else frame
