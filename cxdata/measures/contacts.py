"""Contact-level frame every interaction metric is computed on (docs/method/contact-metrics.md).

Built once per dataset version from the canonical tables:

- the customer's attributes (segment, region, plan and extra customer dimensions) and ``joined_at``
  joined on, so any filter applies to contacts and models know the customer's tenure;
- ``month`` (first day of the contact's month);
- gaps to the same customer's neighbouring contacts, **computed on the whole dataset before any
  filter**, so a follow-up in another channel still counts:
  ``next_same_gap_s`` / ``prev_same_gap_s`` — next / previous contact on the same reason (any
  channel), and ``next_any_gap_s`` — next contact of any reason and channel. Null when there is none;
- ``observed_after_s`` — seconds from the contact to the newest contact of the dataset: how long after
  it the data can still see a follow-up. A repeat-based metric with a window of W days counts a contact
  only when this is at least W days (:mod:`cxdata.measures.metrics`);
- ``abandonable`` — the contact's channel can abandon: at least one contact of that channel in the
  dataset was abandoned (all contacts form one channel when there is no channel column). Only these
  channels make the abandonment rate's denominator. Absent when there is no abandoned column;
- ``negative`` — observed negative experience, CSAT bottom-2-box (1–2), null when not surveyed.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import overload

import polars as pl


@overload
def customer_attributes(customers: pl.DataFrame) -> pl.DataFrame: ...
@overload
def customer_attributes(customers: None) -> None: ...
@overload
def customer_attributes(customers: pl.DataFrame | None) -> pl.DataFrame | None: ...
def customer_attributes(customers: pl.DataFrame | None) -> pl.DataFrame | None:
    """customer_id plus every categorical attribute of the customers table (canonical and extra)."""
    if customers is None:
        return None
    keep = [c for c, t in customers.schema.items() if c != "customer_id" and t == pl.String]
    return customers.select("customer_id", *keep)


def dataset_columns(columns: Collection[str]) -> dict[str, pl.Expr]:
    """``observed_after_s`` and ``abandonable`` (module docstring) as expressions over a frame with these
    columns; the frame they are evaluated on is taken as the whole dataset."""
    t = pl.col("started_at")
    out = {"observed_after_s": (t.max() - t).dt.total_seconds().cast(pl.Float64)}
    if "abandoned" in columns:
        any_abandoned = pl.col("abandoned").fill_null(False).any()
        out["abandonable"] = any_abandoned.over("channel") if "channel" in columns else any_abandoned
    return out


def _next_in_run(keys: list[str], step: int) -> pl.Expr:
    """Seconds from a contact to the next (``step`` 1) or the previous (``step`` −1) row when that row has the
    same ``keys`` (a null reason matches a null reason; a null customer matches nothing), else null."""
    t = pl.col("started_at")
    same = pl.all_horizontal(pl.col(k).eq_missing(pl.col(k).shift(-step)) for k in keys) & pl.col(keys[0]).is_not_null()
    gap = (t.shift(-step) - t) if step > 0 else (t - t.shift(-step))
    return pl.when(same).then(gap.dt.total_seconds())


def follow_up_gaps(contacts: pl.DataFrame) -> pl.DataFrame:
    """``next_same_gap_s``, ``prev_same_gap_s`` and ``next_any_gap_s`` (module docstring) of ``contacts``, which
    must be sorted by customer_id and started_at, in its row order. Each is a shift within runs of one
    customer (and reason) of a narrow copy sorted that way, not a window over groups of the whole frame."""
    same = ["customer_id", "reason"] if "reason" in contacts.columns else ["customer_id"]
    narrow = contacts.select(*same, "started_at").with_row_index("_row")
    by_reason = narrow.sort(*same, "started_at", "_row", nulls_last=True).select(
        "_row", next_same_gap_s=_next_in_run(same, 1), prev_same_gap_s=_next_in_run(same, -1)).sort("_row")
    return by_reason.drop("_row").hstack(narrow.select(next_any_gap_s=_next_in_run(["customer_id"], 1)))


def in_contact_order(interactions: pl.DataFrame | pl.LazyFrame) -> bool:
    """Whether the rows are sorted by customer_id (nulls last) and started_at already, as the store keeps them
    (``Table.stored_order``): a check of the two columns, 0.1–0.3 s at 10 M rows, where the sort takes 2 s."""
    c, t = pl.col("customer_id"), pl.col("started_at")
    later = (t >= t.shift()).fill_null(False)
    step = (pl.when(c.shift().is_null()).then(c.is_null() & later)  # the null customers come last, by time
            .when(c.is_null()).then(True)
            .otherwise((c > c.shift()) | ((c == c.shift()) & later)))
    return bool(interactions.lazy().select(step.slice(1).all()).collect().item())


def enrich_contacts(interactions: pl.DataFrame | pl.LazyFrame, customers: pl.DataFrame | None = None) -> pl.DataFrame:
    """The contact frame described in the module docstring. The wide frame is copied once, by the sort, or not
    sorted when in that order already (:func:`in_contact_order`; from a LazyFrame, e.g. a scan of the stored
    Parquet, the interactions are read into the frame and not kept); the customers' attributes and the gaps are
    computed on narrow frames and put beside it."""
    columns = interactions.collect_schema().names()
    lazy = interactions.lazy().with_columns(month=pl.col("started_at").dt.truncate("1mo").dt.date(),
                                            **dataset_columns(columns))
    linked = "customer_id" in columns
    ordered = not linked or in_contact_order(interactions)
    frame = (lazy if ordered else lazy.sort("customer_id", "started_at", nulls_last=True)).collect()
    attrs = customer_attributes(customers)
    if attrs is not None and customers is not None and "joined_at" in customers.columns:
        attrs = attrs.join(customers.select("customer_id", "joined_at"), on="customer_id", how="left")
    if attrs is not None and linked:
        clash = [c for c in attrs.columns if c != "customer_id" and c in columns]
        frame = frame.hstack(frame.select("customer_id").join(attrs.drop(clash), on="customer_id", how="left",
                                                              maintain_order="left").drop("customer_id"))
    if linked:
        frame = frame.hstack(follow_up_gaps(frame))
    return frame.with_columns(negative=pl.col("csat") <= 2) if "csat" in columns else frame
