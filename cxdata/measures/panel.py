"""The customer-month panel (docs/method/churn.md): one row per customer per month at risk.

- **At risk** from the month after the customer joined (customers acquired in a month are not at
  risk in it, as the logo-churn definition (docs/method/churn.md) requires) — or from the first month of data for
  customers who joined earlier — up to and including the month they churn, or the last month of data.
- **Outcome** ``churn`` = the customer's churn month is this month. The churn month is taken from
  ``churned_at``; a customer flagged ``churned`` without a date churns in the month after their last
  billed month (revenue table) or, failing that, after their last contact.
- **Exposures** come from month t−1 only (``*_prev`` columns), and only from the contacts
  :func:`exposure_exclusion` keeps: a customer who calls to cancel 15–45 days before leaving puts the
  churn itself into month t−1, so contacts whose touchpoint or reason is cancellation-like
  (:data:`CANCELLATION_TERMS`, editable in Settings) and contacts in the last W days (30) before the
  customer's churn date are left out (no leakage). ``contacts_prev`` (the volume control) counts the
  same contacts; ``contacts_all_prev`` and ``expected_negatives_all_prev`` count every contact, for the
  estimate without the exclusion.
- **Controls**: tenure in years at the start of the month, the customer's categorical attributes,
  calendar month.
- **Money**: ``revenue`` billed in the month (revenue table; else the customer's monthly revenue),
  ``revenue_prev``, ``expansion``, ``contraction``, and ``contact_cost`` — the cost of the month's
  contacts (their own cost, else the cost per contact of their channel).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from functools import partial
from typing import cast

import polars as pl

from cxdata.measures.contacts import customer_attributes

#: Word starts (lower case, without accents) that make a touchpoint or reason cancellation-like, in English,
#: Italian, Spanish, Portuguese, French and German. A term matches at the start of a word: "cancel" finds
#: "Cancel request" and "cancellation", "kundig" finds "Kündigung".
CANCELLATION_TERMS: tuple[str, ...] = (
    "cancel", "terminat", "unsubscrib", "close account", "close my account", "account closure", "churn",
    "disdett", "recesso", "cessazione", "chiusura conto", "chiusura contratto",
    "dar de baja", "darse de baja", "solicitud de baja", "baja del servicio", "cancelacion", "rescision", "rescindir",
    "rescisao", "encerrar conta", "encerramento",
    "resiliation", "resilier", "desabonn", "desinscri",
    "kundig", "storn", "abmeld", "vertragsende",
)
#: Days before a customer's churn date whose contacts are left out of the exposures.
EXCLUSION_WINDOW_DAYS = 30
#: The values of ``exposure_exclusion``: why a contact is not an exposure (null: it is one).
CANCELLATION, BEFORE_CHURN = "cancellation-like", "before churn"


def _plain(text: str) -> str:
    """Lower case without accents: "Kündigung" → "kundigung"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def cancellation_like(values: Iterable[str | None], terms: Iterable[str]) -> set[str]:
    """The values in which one of ``terms`` starts a word (case and accents ignored)."""
    words = [_plain(t).strip() for t in terms if t and t.strip()]
    if not words:
        return set()
    pattern = re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in words) + ")")
    return {v for v in values if v is not None and pattern.search(_plain(v))}


def exposure_exclusion(contacts: pl.DataFrame, terms: Iterable[str], window_days: int) -> pl.Expr:
    """Why a contact is left out of the churn model's exposures, as an expression over ``contacts``:
    ``"cancellation-like"`` when its touchpoint or reason matches a term, ``"before churn"`` when it
    started less than ``window_days`` days before its customer's ``churned_at`` (or after it), else null.
    ``contacts`` must carry ``churned_at`` for the window (see :func:`with_exposure_exclusion`)."""
    terms = list(terms)
    like = pl.lit(False)
    for column in ("touchpoint", "reason"):
        if column in contacts.columns:
            matches = cancellation_like(contacts.get_column(column).unique().to_list(), terms)
            like = like | pl.col(column).is_in(list(matches)).fill_null(False)
    before = pl.lit(False)
    if "churned_at" in contacts.columns:
        start = pl.col("churned_at") - pl.duration(days=window_days)
        before = (pl.col("started_at").dt.date() > start).fill_null(False)
    return pl.when(like).then(pl.lit(CANCELLATION)).when(before).then(pl.lit(BEFORE_CHURN)) \
        .otherwise(pl.lit(None, pl.String))


def with_exposure_exclusion(contacts: pl.DataFrame, customers: pl.DataFrame | None,
                            terms: Iterable[str] = CANCELLATION_TERMS,
                            window_days: int = EXCLUSION_WINDOW_DAYS) -> pl.DataFrame:
    """``contacts`` with the column ``exposure_exclusion`` (:func:`exposure_exclusion`); the customers'
    ``churned_at`` is joined for the window and not kept."""
    dates = customers is not None and "churned_at" in customers.columns and "customer_id" in contacts.columns
    if customers is None or not dates or "churned_at" in contacts.columns:
        return contacts.with_columns(exposure_exclusion=exposure_exclusion(contacts, terms, window_days))
    used = [c for c in ("customer_id", "started_at", "touchpoint", "reason") if c in contacts.columns]
    narrow = contacts.select(used).join(customers.select("customer_id", "churned_at"), on="customer_id", how="left",
                                        maintain_order="left")  # a narrow copy: the wide frame is not joined
    return contacts.with_columns(narrow.select(exposure_exclusion=exposure_exclusion(narrow, terms, window_days)).to_series())


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
    """The panel described in the module docstring, sorted by customer and month: one lazy query, so Polars
    plans the joins together instead of materialising the panel after each.

    The customers' attributes ride along the months they are exploded into (no join on the panel's rows), and the
    contacts' and the revenue's months are joined on one integer, :func:`_month_key` (customer number × months
    + month number), not on (customer_id, month): a few times faster at ten million rows."""
    months = [f.get_column("month") for f in (contacts, revenue) if f is not None and f.height]
    if not months:
        raise ValueError("the panel needs interactions or revenue to know which months the data covers")
    # month columns are Date, and not empty
    first, last = min(cast(date, m.min()) for m in months), max(cast(date, m.max()) for m in months)
    numbers = customers.lazy().select("customer_id").sort("customer_id").with_row_index("_c")
    key = partial(_month_key, first=first, months=(last.year - first.year) * 12 + last.month - first.month + 2)
    joined = ["joined_at"] if "joined_at" in customers.columns else []
    attrs = customer_attributes(customers).join(customers.select("customer_id", *joined), on="customer_id")
    spans = churn_months(customers, revenue, contacts).lazy().with_columns(
        start=pl.max_horizontal(pl.col("joined_month").dt.offset_by("1mo"), pl.lit(first)).fill_null(pl.lit(first)),
        end=pl.min_horizontal(pl.col("churn_month"), pl.lit(last)).fill_null(pl.lit(last)),
    ).filter(pl.col("start") <= pl.col("end")).join(numbers, on="customer_id").join(attrs.lazy(), on="customer_id")
    panel = (
        spans.with_columns(month=pl.date_ranges("start", "end", "1mo"))
        .explode("month")
        .with_columns(churn=(pl.col("month") == pl.col("churn_month")).fill_null(False), _k=key(pl.col("month")))
    )
    if joined:
        panel = panel.with_columns(
            tenure_years=((pl.col("month") - pl.col("joined_at")).dt.total_days() / 365.25).clip(0))
    panel = panel.select("_k", "customer_id", "month", "churn", *(["tenure_years"] if joined else []),
                         *[c for c in attrs.columns if c not in ("customer_id", *joined)],
                         calendar_month=pl.col("month").dt.month())

    if contacts is not None and "customer_id" in contacts.columns:
        cols = set(contacts.columns)
        linked = contacts.lazy().filter(pl.col("customer_id").is_not_null()).join(numbers, on="customer_id") \
            .with_columns(_k=key(pl.col("month")))
        counted = linked.filter(pl.col("exposure_exclusion").is_null()) if "exposure_exclusion" in cols else linked
        costs = linked.group_by("_k").agg(contact_cost=contact_cost(cols, cost_per_contact).sum())
        per_month = counted.group_by("_k").agg(**_optional_exposures(cols, long_wait_s, repeat_window_days * 86400.0))
        every = {"contacts_all": pl.len()} | (
            {"expected_negatives_all": pl.col("p_negative").fill_null(0).sum()} if "p_negative" in cols else {})
        per_month = per_month.join(linked.group_by("_k").agg(**every), on="_k", how="full", coalesce=True)
        exposures = [c for c in per_month.collect_schema().names() if c != "_k"]
        panel = (
            panel.join(costs, on="_k", how="left")
            .join(per_month.select(pl.col("_k") + 1, *[pl.col(c).alias(f"{c}_prev") for c in exposures]),
                  on="_k", how="left")
            .with_columns(pl.col("contact_cost").fill_null(0.0), pl.col(f"{c}_prev" for c in exposures).fill_null(0))
        )

    if revenue is not None:
        money = [c for c in ("revenue", "expansion", "contraction", "cost_to_serve") if c in revenue.columns]
        billed = revenue.lazy().join(numbers, on="customer_id").with_columns(_k=key(pl.col("month"))).select("_k", *money)
        panel = (
            panel.join(billed, on="_k", how="left")
            .join(billed.select(pl.col("_k") + 1, revenue_prev="revenue"), on="_k", how="left")
        )
    elif "monthly_revenue" in customers.columns:
        panel = panel.join(customers.lazy().select("customer_id", revenue="monthly_revenue"), on="customer_id",
                           how="left").with_columns(revenue_prev=pl.col("revenue"))
    return panel.sort("_k").drop("_k").collect(engine="streaming")


def _month_key(month: pl.Expr, *, first: date, months: int) -> pl.Expr:
    """One integer per (customer, month) of the panel: the customer's number ``_c`` (in customer_id order) ×
    ``months`` + the month's number from ``first`` (0 for the first; ``months`` leaves room for the month after the
    last, so a month's key + 1 is the next month's key of the same customer)."""
    number = (month.dt.year().cast(pl.Int64) - first.year) * 12 + month.dt.month().cast(pl.Int64) - first.month
    return pl.col("_c").cast(pl.Int64) * months + number
