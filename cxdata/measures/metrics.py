"""The metric registry (docs/method/contact-metrics.md): every KPI with its definition, the fields it needs, n and a 95% interval.

A metric is computed from one of three base frames: the contact frame (:mod:`cxdata.measures.contacts`), the
customer-month panel (:mod:`cxdata.measures.panel`) or the customer frame, one row per customer
(:mod:`cxdata.measures.customers`; a snapshot with no time axis, so the period filter does not apply to it).
Each metric names its *population* (the rows it counts) and its *shape*, which fixes the aggregation
and the interval. Two populations recur:

- the **queue** (:func:`queued`): contacts that queued for a person — every contact but a bot or
  self-service session (``automated``) that was not handed to a human (``escalated``). Service level,
  ASA, P90 wait, abandonment, answer rate, AHT and transfer rate count only these; abandonment and the
  answer rate further keep only the channels that can abandon (``abandonable``, :mod:`cxdata.measures.contacts`);
- the **complete follow-up windows**: a metric with a ``followup_days`` window (FCR, repeat contacts,
  verified containment) counts only contacts with at least that many days of data after them
  (``observed_after_s``); a newer contact cannot know yet whether it will be repeated.

The shapes:

- ``proportion`` — x successes of n: Wilson interval; shown ×100 as a percentage;
- ``nps`` — promoters (9–10) minus detractors (0–6) of n answers, ×100: adjusted-Wald interval;
- ``mean`` — mean of a value over n rows: normal interval from Σx and Σx²;
- ``quantile`` — the q-quantile of a value: distribution-free interval from the order statistics
  at ranks n·q ∓ z·√(n·q(1−q));
- ``ratio`` — Σy/Σx over the base's units (customer-months, customers): delta-method interval;
- ``count`` — the number of rows in the population: exact Poisson interval
  [χ²(2.5%; 2n)/2, χ²(97.5%; 2n + 2)/2].

:func:`compute` evaluates a metric under filters, grouped by any dimension; :func:`compute_many` evaluates
several metrics of one base frame in one query (each summed over its own population inside the aggregation), and
:func:`compute` is its one-metric case. Small cells are
flagged (``small``) when n < 30 answers (or rows), or fewer than 10 events for churn, and
proportions get an empirical-Bayes ``shrunk`` rate (beta-binomial across the cells) so a small
cell cannot top a "worst" list by chance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import cast

import polars as pl

from cxdata.measures import stats
from cxdata.measures.contacts import dataset_columns
from cxdata.measures.panel import CANCELLATION_TERMS, EXCLUSION_WINDOW_DAYS, contact_cost

MIN_ANSWERS = 30
MIN_EVENTS = 10

#: Optional columns some populations look at; absent from the data, they are all null (unknown).
OPTIONAL_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "abandoned": pl.Boolean, "automated": pl.Boolean, "escalated": pl.Boolean, "wait_seconds": pl.Float64,
    "csat": pl.Int64,
    "next_same_gap_s": pl.Float64, "prev_same_gap_s": pl.Float64, "next_any_gap_s": pl.Float64,
    "expansion": pl.Float64, "contraction": pl.Float64,
}

DEFAULT_COST_PER_CONTACT: dict[str, float] = {
    "phone": 6.5, "email": 4.0, "chat": 3.5, "chatbot": 0.6, "messaging": 3.0,
    "social": 5.0, "app": 0.3, "web": 0.2, "store": 9.0, "other": 4.0,
}


@dataclass(frozen=True)
class Params:
    """Definitions the analyst can change (Settings); defaults follow docs/method/contact-metrics.md."""

    repeat_window_days: int = 7  # W for FCR, repeat contacts and verified containment
    short_abandon_s: float = 5.0  # abandons faster than this are not counted as offered
    service_level_s: float = 20.0  # T of the service level ("answered within T seconds")
    p90: float = 0.9
    gross_margin: float = 0.6
    annual_discount_rate: float = 0.10
    cost_per_contact: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_COST_PER_CONTACT))
    # Contacts left out of the churn model's exposures (cxdata.measures.panel): cancellation-like touchpoints or
    # reasons, and the last W days before a customer's churn date.
    cancellation_terms: tuple[str, ...] = CANCELLATION_TERMS
    exclusion_window_days: int = EXCLUSION_WINDOW_DAYS


class Shape(StrEnum):
    PROPORTION = "proportion"
    NPS = "nps"
    MEAN = "mean"
    QUANTILE = "quantile"
    RATIO = "ratio"
    COUNT = "count"


class Base(StrEnum):
    CONTACTS = "contacts"
    CUSTOMER_MONTHS = "customer_months"
    CUSTOMERS = "customers"


#: The time column a base's period filter applies to (None: a snapshot, the period does not apply).
TIME_COLUMNS: dict[Base, str | None] = {
    Base.CONTACTS: "started_at", Base.CUSTOMER_MONTHS: "month", Base.CUSTOMERS: None,
}


ExprOf = Callable[[Params], pl.Expr]


@dataclass(frozen=True)
class Metric:
    """One KPI. ``value`` is the success flag (proportion), the score (nps), the measured value
    (mean, quantile) or the numerator y (ratio, whose denominator is ``denominator``)."""

    key: str
    label: str
    definition: str
    needs: tuple[str, ...]
    base: Base
    shape: Shape
    unit: str  # "%", "points", "seconds", "score", "money", "money/customer-month", "contacts"
    value: ExprOf
    population: ExprOf = lambda p: pl.lit(True)
    denominator: ExprOf | None = None
    higher_is_better: bool = True
    events_metric: bool = False  # small cells judged by events (churn), not by n
    #: Days a contact needs after it for its outcome to be known (a follow-up window); contacts with fewer
    #: days of data after them are left out of the numerator and the denominator. None: no window.
    followup_days: Callable[[Params], int] | None = None


def _w(p: Params) -> float:
    return p.repeat_window_days * 86400.0


def _window(p: Params) -> int:
    return p.repeat_window_days


def queued() -> pl.Expr:
    """Contacts that queued for a person: every contact except a bot or self-service session
    (``automated``) that was not handed to a human (``escalated``). An escalated session queued for an
    agent, so it counts; a contact whose ``automated`` is unknown counts as assisted."""
    return ~(pl.col("automated").fill_null(False) & ~pl.col("escalated").fill_null(False))


def _answered() -> pl.Expr:
    return ~pl.col("abandoned").fill_null(False)


def _handled() -> pl.Expr:
    """Served by a person: queued for one and not abandoned (unknown abandoned counts as served)."""
    return queued() & _answered()


def _offered() -> pl.Expr:
    """The abandonment rate's offered contacts: queued for a person, with a known abandoned flag, on a
    channel that can abandon (``abandonable``, :func:`cxdata.measures.contacts.dataset_columns`)."""
    return queued() & pl.col("abandoned").is_not_null() & pl.col("abandonable")


def _not_short_abandon(p: Params) -> pl.Expr:
    short = pl.col("abandoned").fill_null(False) & (pl.col("wait_seconds").fill_null(float("inf")) < p.short_abandon_s)
    return ~short


def _repeat(days: int) -> Metric:
    return Metric(
        f"repeat_{days}d", f"Repeat contacts ({days} d)",
        f"Contacts followed by another contact from the same customer on the same reason, in any channel, "
        f"within {days} day{'s' if days > 1 else ''} / contacts. Contacts of the last {days} "
        f"day{'s' if days > 1 else ''} of the data are left out: their follow-ups are not yet known.",
        ("customer_id",), Base.CONTACTS, Shape.PROPORTION, "%",
        value=lambda p: (pl.col("next_same_gap_s") <= days * 86400.0).fill_null(False),
        population=lambda p: pl.col("customer_id").is_not_null(),
        higher_is_better=False, followup_days=lambda p: days,
    )


def _revenue_churn(key: str, label: str, definition: str, net: bool) -> Metric:
    """Revenue lost (cancelled + contraction, minus expansion when ``net``) / revenue of the previous month."""
    def lost(p: Params) -> pl.Expr:
        out = pl.when(pl.col("churn")).then(pl.col("revenue_prev")).otherwise(0.0) + pl.col("contraction").fill_null(0.0)
        return out - pl.col("expansion").fill_null(0.0) if net else out

    return Metric(key, label, definition, ("revenue",), Base.CUSTOMER_MONTHS, Shape.RATIO, "%", value=lost,
                  denominator=lambda p: pl.col("revenue_prev"), population=lambda p: pl.col("revenue_prev").is_not_null(),
                  higher_is_better=False)


METRICS: tuple[Metric, ...] = (
    Metric("nps", "NPS", "100 × (promoters 9–10 − detractors 0–6) / answers. Interval: adjusted Wald.",
           ("nps",), Base.CONTACTS, Shape.NPS, "points",
           value=lambda p: pl.col("nps"), population=lambda p: pl.col("nps").is_not_null()),
    Metric("csat", "CSAT", "Top-2-box: answers of 4 or 5 on the 1 to 5 scale / answers (not the mean).",
           ("csat",), Base.CONTACTS, Shape.PROPORTION, "%",
           value=lambda p: pl.col("csat") >= 4, population=lambda p: pl.col("csat").is_not_null()),
    Metric("negative_rate", "Negative experiences",
           "Bottom-2-box CSAT: answers of 1 or 2 / answers — the definition of a negative experience.",
           ("csat",), Base.CONTACTS, Shape.PROPORTION, "%",
           value=lambda p: pl.col("csat") <= 2, population=lambda p: pl.col("csat").is_not_null(),
           higher_is_better=False),
    Metric("ces", "CES", "Mean customer effort on the 1 to 7 agree scale (7 = very easy).",
           ("ces",), Base.CONTACTS, Shape.MEAN, "score",
           value=lambda p: pl.col("ces").cast(pl.Float64), population=lambda p: pl.col("ces").is_not_null()),
    Metric("ces_easy", "CES % easy", "Answers of 5 to 7 on the 1 to 7 effort scale / answers.",
           ("ces",), Base.CONTACTS, Shape.PROPORTION, "%",
           value=lambda p: pl.col("ces") >= 5, population=lambda p: pl.col("ces").is_not_null()),
    Metric("fcr", "First-contact resolution",
           "Operational FCR: 1 − first contacts followed by another contact from the same customer on the same "
           "reason (any channel) within W days / first contacts. A first contact has no contact on the same "
           "reason in the W days before it. First contacts of the last W days of the data are left out: their "
           "follow-ups are not yet known.",
           ("customer_id",), Base.CONTACTS, Shape.PROPORTION, "%",
           value=lambda p: ~(pl.col("next_same_gap_s") <= _w(p)).fill_null(False),
           population=lambda p: pl.col("customer_id").is_not_null()
           & ~(pl.col("prev_same_gap_s") <= _w(p)).fill_null(False), followup_days=_window),
    _repeat(1), _repeat(7), _repeat(30),
    Metric("contacts", "Contact volume",
           "Number of contacts in the scope. Interval: exact Poisson on the count, "
           "[χ²(2.5%; 2n)/2, χ²(97.5%; 2n + 2)/2]; fewer contacts read as better (less effort needed).",
           (), Base.CONTACTS, Shape.COUNT, "contacts",
           value=lambda p: pl.col("started_at"), higher_is_better=False),
    Metric("abandonment", "Abandonment",
           "Contacts abandoned in queue / (offered − short abandons); abandons within the short-abandon "
           "threshold (5 s) are removed from both. Offered: contacts that queued for a person (bot-only and "
           "self-service sessions never queue) on a channel where contacts abandon — one with at least one "
           "abandoned contact in the data.",
           ("abandoned",), Base.CONTACTS, Shape.PROPORTION, "%",
           value=lambda p: pl.col("abandoned"),
           population=lambda p: _offered() & _not_short_abandon(p),
           higher_is_better=False),
    Metric("answer_rate", "Answer rate",
           "Contacts answered / (offered − short abandons): the complement of the abandonment rate, on the same "
           "population (contacts that queued for a person on a channel where contacts abandon; abandons within "
           "the short-abandon threshold, 5 s, are removed).",
           ("abandoned",), Base.CONTACTS, Shape.PROPORTION, "%",
           value=lambda p: ~pl.col("abandoned"),
           population=lambda p: _offered() & _not_short_abandon(p)),
    Metric("asa", "Average speed of answer",
           "Σ wait of answered contacts / answered contacts, in seconds, over contacts that queued for a person "
           "(bot-only and self-service sessions never queue).",
           ("wait_seconds",), Base.CONTACTS, Shape.MEAN, "seconds",
           value=lambda p: pl.col("wait_seconds"),
           population=lambda p: pl.col("wait_seconds").is_not_null() & _handled(), higher_is_better=False),
    Metric("p90_wait", "P90 wait",
           "90th percentile of the wait of answered contacts that queued for a person, in seconds.",
           ("wait_seconds",), Base.CONTACTS, Shape.QUANTILE, "seconds",
           value=lambda p: pl.col("wait_seconds"),
           population=lambda p: pl.col("wait_seconds").is_not_null() & _handled(), higher_is_better=False),
    Metric("service_level", "Service level",
           "Contacts answered within T seconds (20 s) / (offered − short abandons), over contacts that queued "
           "for a person (bot-only and self-service sessions never queue).",
           ("wait_seconds",), Base.CONTACTS, Shape.PROPORTION, "%",
           value=lambda p: _answered() & (pl.col("wait_seconds") <= p.service_level_s),
           population=lambda p: pl.col("wait_seconds").is_not_null() & queued() & _not_short_abandon(p)),
    Metric("aht", "Average handle time",
           "Σ handle time of contacts a person handled (queued for a person, not abandoned) / those contacts "
           "with a handle time, in seconds. Interval: normal, from the mean and its standard error.",
           ("handle_seconds",), Base.CONTACTS, Shape.MEAN, "seconds",
           value=lambda p: pl.col("handle_seconds"),
           population=lambda p: pl.col("handle_seconds").is_not_null() & _handled(), higher_is_better=False),
    Metric("resolution_rate", "Resolved in contact",
           "Contacts marked resolved / contacts with a known resolved value: the resolution recorded on the "
           "contact itself, not the repeat-based first-contact resolution.",
           ("resolved",), Base.CONTACTS, Shape.PROPORTION, "%",
           value=lambda p: pl.col("resolved"), population=lambda p: pl.col("resolved").is_not_null()),
    Metric("transfer_rate", "Transfer rate",
           "Contacts a person handled with at least one transfer / contacts a person handled (queued for a "
           "person, not abandoned).",
           ("transfers",), Base.CONTACTS, Shape.PROPORTION, "%",
           value=lambda p: pl.col("transfers") >= 1,
           population=lambda p: pl.col("transfers").is_not_null() & _handled(), higher_is_better=False),
    Metric("containment", "Bot containment",
           "Automated sessions ended without a hand-off to a human / automated sessions (overstates success).",
           ("automated", "escalated"), Base.CONTACTS, Shape.PROPORTION, "%",
           value=lambda p: ~pl.col("escalated").fill_null(False), population=lambda p: pl.col("automated").fill_null(False)),
    Metric("verified_containment", "Verified containment",
           "Automated sessions with no hand-off, no contact from the same customer in any channel within W days, "
           "and no negative CSAT / automated sessions. Sessions of the last W days of the data are left out: "
           "their follow-ups are not yet known.",
           ("automated", "escalated", "customer_id"), Base.CONTACTS, Shape.PROPORTION, "%",
           value=lambda p: ~pl.col("escalated").fill_null(False)
           & ~(pl.col("next_any_gap_s") <= _w(p)).fill_null(False)
           & ~(pl.col("csat") <= 2).fill_null(False),
           population=lambda p: pl.col("automated").fill_null(False), followup_days=_window),
    Metric("escalation_rate", "Escalation rate", "Automated sessions handed to a human / automated sessions.",
           ("automated", "escalated"), Base.CONTACTS, Shape.PROPORTION, "%",
           value=lambda p: pl.col("escalated").fill_null(False), population=lambda p: pl.col("automated").fill_null(False),
           higher_is_better=False),
    Metric("cost_per_contact", "Cost per contact",
           "Mean cost of a contact: its own cost when the data has one, else the channel's fully loaded cost "
           "per contact from Settings.",
           ("channel",), Base.CONTACTS, Shape.MEAN, "money",
           value=lambda p: pl.col("_cost"), population=lambda p: pl.col("_cost").is_not_null(),
           higher_is_better=False),
    Metric("logo_churn", "Logo churn (monthly)",
           "Churn events / customer-months at risk (customers acquired in the month excluded). "
           "Annualised = 1 − (1 − monthly)^12.",
           ("customer_id",), Base.CUSTOMER_MONTHS, Shape.PROPORTION, "%",
           value=lambda p: pl.col("churn"), higher_is_better=False, events_metric=True),
    _revenue_churn("gross_revenue_churn", "Gross revenue churn",
                   "(Revenue of the previous month lost to cancellation + contraction) / revenue of the previous month.",
                   net=False),
    _revenue_churn("net_revenue_churn", "Net revenue churn",
                   "(Cancelled + contraction − expansion) / revenue of the previous month; negative means net "
                   "expansion. NRR = 1 − net revenue churn.", net=True),
    Metric("cost_to_serve", "Cost to serve per customer",
           "Σ contacts × cost per contact / customer-months at risk: the monthly service cost of a customer.",
           ("customer_id",), Base.CUSTOMER_MONTHS, Shape.MEAN, "money",
           value=lambda p: pl.col("contact_cost"), population=lambda p: pl.col("contact_cost").is_not_null(),
           higher_is_better=False),
    Metric("arpu", "Revenue per customer", "Mean monthly revenue per customer-month at risk.",
           ("revenue",), Base.CUSTOMER_MONTHS, Shape.MEAN, "money",
           value=lambda p: pl.col("revenue"), population=lambda p: pl.col("revenue").is_not_null()),
    Metric("customer_churn", "Customers who left",
           "Customers with churned = yes / customers with a known churned value, over the customers table "
           "(a snapshot: the period does not apply). Interval: Wilson.",
           ("churned",), Base.CUSTOMERS, Shape.PROPORTION, "%",
           value=lambda p: pl.col("churned"), population=lambda p: pl.col("churned").is_not_null(),
           higher_is_better=False, events_metric=True),
    Metric("lost_revenue_share", "Monthly revenue lost",
           "Σ monthly revenue of the customers who left / Σ monthly revenue, over customers with both known. "
           "Interval: delta method for a ratio of totals over customers.",
           ("churned", "monthly_revenue"), Base.CUSTOMERS, Shape.RATIO, "%",
           value=lambda p: pl.when(pl.col("churned")).then(pl.col("monthly_revenue")).otherwise(0.0),
           denominator=lambda p: pl.col("monthly_revenue"),
           population=lambda p: pl.col("churned").is_not_null() & pl.col("monthly_revenue").is_not_null(),
           higher_is_better=False),
)

REGISTRY: dict[str, Metric] = {m.key: m for m in METRICS}


# ---------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    """Period (inclusive months or dates) and ``{column: allowed values}``; hashable for caches.

    ``restricted``: the columns of ``where`` that are the acting user's restrictions (:mod:`cxdata.access`). A
    frame without such a column cannot be limited to the user's rows, so it yields no row (withheld), where any
    other filter on a column the frame lacks is ignored."""

    start: date | None = None
    end: date | None = None
    where: tuple[tuple[str, tuple], ...] = ()
    restricted: tuple[str, ...] = ()

    @classmethod
    def of(cls, start: date | None = None, end: date | None = None, /, **where: Sequence) -> Filters:
        """The period (positional only) and the dimension filters as ``column=values`` keywords; empty ones left out."""
        return cls(start, end, tuple(sorted((k, tuple(v)) for k, v in where.items() if v)))

    def withheld(self, columns: Iterable[str]) -> list[str]:
        """The restricted columns a frame with these ``columns`` lacks: its rows cannot be limited to the user's."""
        have = set(columns)
        return [c for c in self.restricted if c not in have]

    @property
    def restrictions(self) -> Filters:
        """The restrictions alone (every period, no other filter): what :meth:`within` applies, and the key of a
        number that reads nothing else."""
        return Filters(where=tuple((c, v) for c, v in self.where if c in self.restricted), restricted=self.restricted)

    def within(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame``'s rows within the restrictions alone (every period, no other filter): what a number whose own
        scope replaces the filters may read; no row when the frame lacks a restricted column."""
        return self.restrictions.apply(frame, None)[0] if self.restricted else frame

    def predicate(self, schema: pl.Schema, time_column: str | None) -> tuple[pl.Expr | None, list[str]]:
        """The filters as one expression over a frame with this schema (None when nothing filters),
        and the filter columns the frame does not have (ignored; a restricted column it lacks is not ignored: the
        expression then keeps no row). Without a ``time_column`` (a snapshot such as the customer frame) the
        period does not apply."""
        conditions: list[pl.Expr] = []
        t = pl.col(time_column or "")
        if self.start is not None and time_column is not None:
            conditions.append(t >= pl.lit(self.start).cast(schema[time_column]))
        if self.end is not None and time_column == "month":
            conditions.append(t.cast(pl.Date) <= pl.lit(self.end).cast(pl.Date).dt.month_end())
        elif self.end is not None and time_column is not None:  # before the next day: the end day is whole
            conditions.append(t < pl.lit(self.end + timedelta(days=1)).cast(schema[time_column]))
        where, ignored = where_condition(schema, self.where, self.restricted)
        if where is not None:
            conditions.append(where)
        return (pl.all_horizontal(conditions) if conditions else None), ignored

    def apply(self, frame: pl.DataFrame, time_column: str | None) -> tuple[pl.DataFrame, list[str]]:
        """Rows passing the filters, and the filter columns the frame does not have (ignored)."""
        condition, ignored = self.predicate(frame.schema, time_column)
        return (frame if condition is None else frame.filter(condition)), ignored


def where_condition(schema: pl.Schema, where: Iterable[tuple[str, Sequence]], restricted: Sequence[str] = ()
                    ) -> tuple[pl.Expr | None, list[str]]:
    """``column ∈ values`` for every (column, values) the frame has, joined with AND (None when none
    applies), and the columns the frame does not have (ignored) — except the ``restricted`` ones (a user's
    restrictions): a frame without one of those keeps no row."""
    conditions: list[pl.Expr] = []
    ignored: list[str] = []
    for column, values in where:
        if column in schema:
            text, allowed = pl.col(column).cast(pl.String), list(map(str, values))
            # one value: ==, a few times faster than is_in (and null on a null value, as is_in)
            conditions.append(text == allowed[0] if len(allowed) == 1 else text.is_in(allowed))
        elif column in restricted:
            conditions.append(pl.lit(False))
        else:
            ignored.append(column)
    return (pl.all_horizontal(conditions) if conditions else None), ignored


# ---------------------------------------------------------------- computation


def by_month(metric: Metric) -> bool:
    """Whether the metric has months (a trend, an alert, an initiative's before/after need them): every
    base but the customer snapshot."""
    return TIME_COLUMNS[metric.base] is not None


def missing_fields(metric: Metric, columns: Sequence[str]) -> list[str]:
    """The fields a metric needs that the data lacks ([] when it can be computed)."""
    return [f for f in metric.needs if f not in columns]


def availability(metric: Metric, columns: Sequence[str]) -> str | None:
    """``"needs csat"`` when the metric cannot be computed on these columns, else None."""
    missing = missing_fields(metric, columns)
    return f"needs {', '.join(missing)}" if missing else None


@dataclass(frozen=True)
class Frames:
    """The base frames of a data version: contacts, the customer-month panel and the customer snapshot (each None
    when the data has none). The one place that picks a metric's base frame and says which KPIs a version supports."""

    contacts: pl.DataFrame | None
    panel: pl.DataFrame | None
    customers: pl.DataFrame | None = None

    def of(self, base: Base) -> pl.DataFrame | None:
        """The frame a metric of ``base`` is computed on."""
        return {Base.CONTACTS: self.contacts, Base.CUSTOMER_MONTHS: self.panel, Base.CUSTOMERS: self.customers}[base]

    def for_metric(self, metric: Metric) -> pl.DataFrame:
        """The frame ``metric`` is computed on; KeyError with "needs …" (:meth:`needs`) when the data has none."""
        frame = self.of(metric.base)
        if frame is None:
            raise KeyError(f"{metric.label} {self.needs(metric)}")
        return frame

    def needs(self, metric: Metric) -> str | None:
        """None when this data supports ``metric``, else what it lacks, as ``"needs …"``: the table
        (``interactions``, ``customers``; the customer-month panel needs interactions with a ``customer_id``
        or a revenue table beside the customers) or the fields (:func:`availability`)."""
        frame = self.of(metric.base)
        if frame is not None:
            return availability(metric, frame.columns)
        if metric.base is Base.CONTACTS:
            return "needs interactions"
        unlinked = self.contacts is not None and "customer_id" not in self.contacts.columns
        if self.customers is None:
            linking = metric.base is Base.CUSTOMER_MONTHS and unlinked
            return "needs customers and customer_id" if linking else "needs customers"
        return "needs customer_id" if unlinked else "needs interactions"


def _aggregations(metric: Metric, p: Params, prefix: str
                  ) -> tuple[dict[str, pl.Expr], dict[str, pl.Expr], list[pl.Expr]]:
    """The metric's columns and its aggregations, each named ``prefix`` + name, so metrics of different
    populations share one scan (:func:`compute_many`): (columns of every row, columns of the rows in scope,
    aggregations).

    Columns of every row: ``keep``, whether a row is one of the metric's — in its population, with a complete
    follow-up window —, and ``v`` (``d``, a ratio's denominator), the value on those rows, null elsewhere. Columns
    of the rows in scope: each summed quantity (x, promoters, Σy², …) of ``v``, 0 where ``v`` is null. So
    ``n`` = count(v), each sum is the Σ over the metric's rows, and the quantile and its order statistics (which
    skip nulls) read ``v``: what aggregating the rows filtered to the metric's first gives. (A Σ over a column
    without nulls is the fast one.) ``_kept`` says whether a group holds any of the metric's rows (a grouped metric
    lists only those groups)."""
    keep = metric.population(p) & _complete(metric, p)
    every = {"keep": keep, "v": pl.when(keep).then(metric.value(p))}
    if metric.denominator is not None:
        every["d"] = pl.when(keep).then(metric.denominator(p))
    v, d = pl.col(prefix + "v"), pl.col(prefix + "d")
    sums: dict[str, pl.Expr] = {}
    if metric.shape is Shape.PROPORTION:
        sums["x"] = v.cast(pl.Int64)
    elif metric.shape is Shape.NPS:  # signed counts: promoters − detractors can be negative
        sums |= {"promoters": (v >= 9).cast(pl.Int64), "detractors": (v <= 6).cast(pl.Int64)}
    elif metric.shape is Shape.MEAN:
        sums |= {"s": v, "ss": v**2}
    elif metric.shape is Shape.RATIO:
        if metric.denominator is None:
            raise ValueError(f"{metric.key}: a {metric.shape} metric needs a denominator")
        sums |= {"sy": v, "sx": d, "syy": v**2, "sxx": d**2, "sxy": v * d}
    if metric.events_metric:
        sums["events"] = v.cast(pl.Int64)
    named = {"_kept": pl.col(prefix + "keep").any(), "n": v.count(),
             **{name: pl.col(prefix + "Σ" + name).sum() for name in sums}}
    if metric.shape is Shape.QUANTILE:
        n = v.count()
        spread = stats.Z95 * (n * p.p90 * (1 - p.p90)).sqrt()
        sorted_v = v.drop_nulls().sort()

        def at(rank: pl.Expr) -> pl.Expr:  # the order statistic of that rank; null without values (n = 0)
            return sorted_v.get(rank.clip(0, n - 1).cast(pl.Int64), null_on_oob=True)

        named |= {"value": v.quantile(p.p90, "linear"), "low": at((n * p.p90 - spread).floor()),
                  "high": at((n * p.p90 + spread).ceil())}
    return ({prefix + name: e for name, e in every.items()},
            {prefix + "Σ" + name: e.fill_null(0) for name, e in sums.items()},
            [e.alias(prefix + name) for name, e in named.items()])


def _finish(metric: Metric, prefix: str) -> dict[str, pl.Expr]:
    """value, low, high on the display scale (×100 for percentages and NPS), null when n = 0, and ``small``
    (too few answers or events), as expressions over the metric's aggregated columns (:func:`_aggregations`),
    named ``prefix`` + name."""
    def c(name: str) -> pl.Expr:
        return pl.col(prefix + name)

    n = c("n").cast(pl.Float64)
    if metric.shape is Shape.PROPORTION:
        lo, hi = stats.wilson(c("x"), n)
        value, lo, hi = c("x") / n * 100, lo * 100, hi * 100
    elif metric.shape is Shape.NPS:
        lo, hi = stats.nps_adjusted_wald(c("promoters"), c("detractors"), n)
        value = (c("promoters") - c("detractors")) / n * 100
    elif metric.shape is Shape.MEAN:
        lo, hi = stats.mean_interval(c("s"), c("ss"), n)
        value = c("s") / n
    elif metric.shape is Shape.COUNT:
        lo, hi = stats.poisson_exact(c("n"))
        value = n
    elif metric.shape is Shape.QUANTILE:
        value, lo, hi = c("value"), c("low"), c("high")
    else:
        lo, hi = stats.ratio_interval(c("sy"), c("sx"), c("syy"), c("sxx"), c("sxy"), n)
        value, lo, hi = c("sy") / c("sx") * 100, lo * 100, hi * 100
    if metric.events_metric:
        small = (c("events") < MIN_EVENTS) | (c("n") < MIN_ANSWERS)
    elif metric.shape is Shape.COUNT:  # a count is exact, however small
        small = pl.lit(False)
    else:
        small = c("n") < MIN_ANSWERS
    some = c("n") > 0
    named = {"value": pl.when(some).then(value), "low": pl.when(some).then(lo), "high": pl.when(some).then(hi),
             "small": small}
    return {prefix + name: e for name, e in named.items()}


def _rows(metrics: Sequence[Metric], frame: pl.DataFrame, filters: Filters,
          params: Params) -> tuple[pl.LazyFrame, pl.Expr]:
    """The frame with every column the populations of ``metrics`` (all of one base) read — the optional columns
    (null when the data lacks them) and, on a contact frame not built by
    :func:`cxdata.measures.contacts.enrich_contacts`, its dataset columns computed on ``frame`` — and the
    condition of the rows passing ``filters``."""
    base = metrics[0].base
    rows = frame.lazy()
    if base is Base.CONTACTS:
        rows = rows.with_columns(**{c: e for c, e in dataset_columns(frame.columns).items() if c not in frame.columns})
    rows = rows.with_columns(pl.lit(None, t).alias(c) for c, t in OPTIONAL_COLUMNS.items() if c not in frame.columns)
    if any(m.key == "cost_per_contact" for m in metrics):
        rows = rows.with_columns(_cost=contact_cost(set(frame.columns), params.cost_per_contact))
    condition, _ignored = filters.predicate(frame.schema, TIME_COLUMNS[base])
    return rows, pl.lit(True) if condition is None else condition


def _complete(metric: Metric, params: Params) -> pl.Expr:
    """Whether a row's follow-up window is complete: at least ``followup_days`` of data after it."""
    if metric.followup_days is None:
        return pl.lit(True)
    return pl.col("observed_after_s") >= metric.followup_days(params) * 86400.0


def followup_note(metrics: Iterable[Metric], contacts: pl.DataFrame, filters: Filters = Filters(),
                  params: Params = Params()) -> str | None:
    """One sentence saying which of ``metrics`` leave out the newest contacts of ``contacts`` (whose
    follow-up windows are not complete) — or None when none does within the filters' period.

    "First-contact resolution leaves out the contacts of the last 7 days of the data (after 24 Oct 2026),
    whose follow-ups are not yet known." Metrics with different windows get one clause each."""
    if contacts.is_empty():
        return None
    end = cast(datetime, contacts.get_column("started_at").max())  # a Datetime column with rows
    by_days: dict[int, list[str]] = {}
    for m in metrics:
        if m.followup_days is None:
            continue
        days = m.followup_days(params)
        cutoff = end - timedelta(days=days)
        if filters.end is None or filters.end >= cutoff.date():
            by_days.setdefault(days, []).append(m.label)
    if not by_days:
        return None
    clauses = []
    for days, labels in sorted(by_days.items()):
        names = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
        span = "day" if days == 1 else f"{days} days"
        cutoff = end - timedelta(days=days)
        clauses.append(f"{names} {'leaves' if len(labels) == 1 else 'leave'} out the contacts of the last {span} of "
                       f"the data (after {cutoff:%-d %b %Y})")
    return "; ".join(clauses) + ", whose follow-ups are not yet known."


def compute(
    metric: Metric | str,
    frame: pl.DataFrame,
    *,
    by: Sequence[str] = (),
    filters: Filters = Filters(),
    params: Params = Params(),
) -> pl.DataFrame:
    """The metric over ``frame`` (the metric's base frame), filtered, optionally grouped: the one-metric case of
    :func:`compute_many`, whose docstring gives the columns. Raises KeyError with "needs <field>" when the data
    lacks a field the metric needs."""
    metric = REGISTRY[metric] if isinstance(metric, str) else metric
    return compute_many([metric], frame, by=by, filters=filters, params=params)[metric.key]


def compute_many(
    metrics: Iterable[Metric | str],
    frame: pl.DataFrame,
    *,
    by: Sequence[str] = (),
    filters: Filters = Filters(),
    params: Params = Params(),
) -> dict[str, pl.DataFrame]:
    """Every metric of ``metrics`` over ``frame`` (their one base frame), filtered, optionally grouped, in one
    query: the rows passing ``filters`` and in any metric's population are read once, one ``group_by(by).agg``
    (a ``select`` without ``by``) aggregates each metric over its own rows only — its value kept where
    ``population & complete window`` holds, as ``value.filter(…)`` would (:func:`_aggregations`) — and one
    ``with_columns`` gives every value and interval (:func:`_finish`); each metric's slice of that table is its
    table (:func:`_table`). The result, by metric key, is what filtering the rows to each metric's population and
    aggregating that metric alone gives (floats to the last bits: the sums run in another order).

    Columns of each table: the ``by`` columns, ``value``, ``low``, ``high`` (95%), ``n``, ``small`` (too few
    answers or events to show), for proportions ``shrunk`` (empirical-Bayes rate ×100) when grouped, and for
    churn metrics ``events`` (the churn events among the n). A grouped table lists the groups that hold rows of
    the metric's population, in the order of ``by``.
    Raises KeyError with "needs <field>" when the data lacks a field a metric needs, ValueError when the
    metrics are of different bases."""
    chosen = list({m.key: m for m in (REGISTRY[k] if isinstance(k, str) else k for k in metrics)}.values())
    if not chosen:
        return {}
    if len({m.base for m in chosen}) > 1:
        raise ValueError(f"one base frame per query: {', '.join(f'{m.key} ({m.base})' for m in chosen)}")
    for metric in chosen:
        if reason := availability(metric, frame.columns):
            raise KeyError(f"{metric.label} {reason}")
    columns: dict[str, pl.Expr] = {}
    sums: dict[str, pl.Expr] = {}
    aggs: list[pl.Expr] = []
    for m in chosen:
        own_columns, own_sums, own_aggs = _aggregations(m, params, f"{m.key}.")
        columns |= own_columns
        sums |= own_sums
        aggs += own_aggs
    whole, condition = _rows(chosen, frame, filters, params)
    kept = pl.col(".in") & pl.any_horizontal(pl.col(c) for c in columns if c.endswith(".keep"))
    # the metrics' columns on every row, then the rows: fewer columns to gather than filtering first
    rows = whole.select(*by, **columns, **{".in": condition}).filter(kept).with_columns(**sums)
    agg = rows.group_by(list(by)).agg(aggs).sort(list(by)) if by else rows.select(aggs)
    done = agg.with_columns(**{c: e for m in chosen for c, e in _finish(m, f"{m.key}.").items()}).collect()
    return {m.key: _table(m, done, by, f"{m.key}.") for m in chosen}


def _table(metric: Metric, done: pl.DataFrame, by: Sequence[str], prefix: str) -> pl.DataFrame:
    """One metric's table from its ``prefix``-ed columns of the shared, finished aggregation: the groups holding
    its rows, its columns in order, with ``shrunk`` (empirical-Bayes rate ×100 across the groups,
    :func:`cxdata.measures.stats.shrink`) for a grouped proportion. Two small queries at most: each costs more
    than the few rows it reads."""
    shrinks = metric.shape is Shape.PROPORTION and bool(by)
    events = ["events"] if metric.events_metric else []
    columns = [*by, "value", "low", "high", "n", "small"]
    own = done.lazy().filter(pl.col(prefix + "_kept")) if by else done.lazy()
    table = own.select(*by, *(pl.col(prefix + c).alias(c) for c in (*columns[len(by):], *(["x"] if shrinks else []),
                                                                     *events))).collect()
    if not shrinks:
        return table
    prior = stats.beta_binomial_prior(table.get_column("x"), table.get_column("n"))
    pooled = float(cast(int, table.get_column("x").sum()) / max(cast(int, table.get_column("n").sum()), 1))
    return table.select(*columns, (stats.shrink(pl.col("x"), pl.col("n"), prior, pooled) * 100).alias("shrunk"),
                        *events)


@dataclass(frozen=True)
class Estimate:
    value: float | None
    low: float | None
    high: float | None
    n: int


#: A KPI's status when it has a value, and when the filters leave it no row; otherwise it is ``"needs …"`` or
#: :data:`WITHHELD`.
OK, NO_DATA = "ok", "no data"
#: The status of a number the acting user's restrictions cannot apply to (its frame lacks a restricted column).
WITHHELD = "not shown under your access: these figures cannot be limited to the rows your account may see"


def kpi_status(frames: Frames, metric: Metric, filters: Filters = Filters(),
               params: Params = Params()) -> tuple[Estimate | None, str]:
    """A KPI on a version's frames and its status, the one rule of every tile, report row, alert and
    initiative: ``"needs …"`` (:meth:`Frames.needs`) with no estimate, else the estimate with ``"ok"`` when
    it has rows and ``"no data"`` when the filters leave none — or :data:`WITHHELD` when the filters hold a
    restriction its frame cannot apply (no number over every row instead). The one-metric case of
    :func:`kpi_statuses`."""
    return kpi_statuses(frames, [metric], filters, params)[metric.key]


def kpi_statuses(frames: Frames, metrics: Iterable[Metric], filters: Filters = Filters(),
                 params: Params = Params()) -> dict[str, tuple[Estimate | None, str]]:
    """:func:`kpi_status` of each of ``metrics``, by key in their order, with one query per base frame
    (:func:`estimates`) for the metrics the data supports."""
    chosen = tuple(metrics)
    out: dict[str, tuple[Estimate | None, str]] = {}
    ready: dict[Base, list[Metric]] = {}
    for m in chosen:
        if (reason := frames.needs(m)) is not None:
            out[m.key] = None, reason
        elif filters.withheld(frames.for_metric(m).columns):
            out[m.key] = None, WITHHELD
        else:
            ready.setdefault(m.base, []).append(m)
    for group in ready.values():
        for key, e in estimates(group, frames.for_metric(group[0]), filters=filters, params=params).items():
            out[key] = e, OK if e.n else NO_DATA
    return {m.key: out[m.key] for m in chosen}


def estimate(metric: Metric | str, frame: pl.DataFrame, *, filters: Filters = Filters(),
             params: Params = Params()) -> Estimate:
    """The metric as one number with its interval and n."""
    metric = REGISTRY[metric] if isinstance(metric, str) else metric
    return estimates([metric], frame, filters=filters, params=params)[metric.key]


def estimates(metrics: Iterable[Metric | str], frame: pl.DataFrame, *, filters: Filters = Filters(),
              params: Params = Params()) -> dict[str, Estimate]:
    """Each metric of one base frame as one number with its interval and n, by key, in one query
    (:func:`compute_many` without groups)."""
    rows = {key: table.row(0, named=True) for key, table in
            compute_many(metrics, frame, filters=filters, params=params).items()}
    return {key: Estimate(r["value"], r["low"], r["high"], int(r["n"])) for key, r in rows.items()}


def _se(e: Estimate) -> float | None:
    """The standard error read off an estimate's 95% interval, (high − low)/(2·1.96); None without one."""
    if e.low is None or e.high is None:
        return None
    return (e.high - e.low) / (2 * stats.Z95)


def delta(current: Estimate, previous: Estimate) -> Estimate:
    """Change against a comparison period, with an interval from independent samples:
    SE(Δ) = √(SE₁² + SE₀²), each SE read off its own 95% interval as (high − low)/(2·1.96)."""
    se_current, se_previous = _se(current), _se(previous)
    if current.value is None or previous.value is None or se_current is None or se_previous is None:
        return Estimate(None, None, None, current.n)
    se = (se_current ** 2 + se_previous ** 2) ** 0.5
    d = current.value - previous.value
    return Estimate(d, d - stats.Z95 * se, d + stats.Z95 * se, current.n)
