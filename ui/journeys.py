"""Streamlit glue of the Journeys page: cached issue chains, the journey figures of the filters in
force, customer search and timeline, and the timeline chart.

Every number comes from :mod:`cxdata.measures.journeys`. Caches are keyed by the store, the dataset version
(id and creation time) and the repeat window W, never by a frame (docs/architecture.md "Speed"): the issue table of
a version is built once (``st.cache_resource``, about half a second on the sample) and the small
results for one set of filters are ``st.cache_data``.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import polars as pl
import streamlit as st

from cxdata.catalog.store import Store, VersionInfo
from cxdata.measures import journeys
from cxdata.measures.metrics import Filters
from cxdata.models.analysis import Tables
from cxdata.screens.charts import BAD, GOOD, MUTED, PRIMARY
from ui.loaders import version_identity
from ui.store import store_identity

_KEYS = {Store: store_identity, VersionInfo: version_identity, Filters: repr}
#: Most frequent channel paths listed.
TOP_PATHS = 20
#: Customers offered by the search at once.
MATCHES = 20


@dataclass(frozen=True)
class AccountTables:
    """The customers and revenue tables of a version (None when it has none)."""

    customers: pl.DataFrame | None
    revenue: pl.DataFrame | None


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=_KEYS)
def account_tables(store: Store, version: VersionInfo) -> AccountTables:
    """Customers and revenue of ``version``, read once per version."""
    tables = Tables.from_store(store, version.version_id)
    return AccountTables(tables.customers, tables.revenue)


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=_KEYS)
def issue_table(store: Store, version: VersionInfo, window_days: int, _contacts: pl.DataFrame) -> pl.DataFrame:
    """:func:`cxdata.measures.journeys.issues` of the whole version (chains are cut on all the data, before any filter)."""
    return journeys.issues(_contacts, account_tables(store, version).customers, window_days)


@dataclass(frozen=True)
class JourneyFigures:
    summary: dict  # journeys.journey_summary
    paths: pl.DataFrame  # journeys.channel_paths
    note: str | None  # journeys.censored_note: the newest issues left out of the 2+ contacts share


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=_KEYS)
def journey_figures(store: Store, version: VersionInfo, window_days: int, filters: Filters,
                    _contacts: pl.DataFrame) -> JourneyFigures:
    """Summary and the most frequent channel paths of the issues in scope."""
    scoped = journeys.issues_in_scope(issue_table(store, version, window_days, _contacts), _contacts, filters)
    end = _contacts.get_column("started_at").max() if _contacts.height else None
    summary = journeys.journey_summary(scoped, end, window_days)
    return JourneyFigures(summary, journeys.channel_paths(scoped, top=TOP_PATHS),
                          journeys.censored_note(summary, end, window_days))


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=_KEYS)
def matching_customers(store: Store, version: VersionInfo, query: str, _contacts: pl.DataFrame) -> list[str]:
    """:func:`cxdata.measures.journeys.find_customers`: ids containing ``query``, most contacts first."""
    return journeys.find_customers(account_tables(store, version).customers, _contacts, query, MATCHES)


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=_KEYS)
def known_customer(store: Store, version: VersionInfo, customer_id: str, _contacts: pl.DataFrame) -> bool:
    """Whether ``customer_id`` is in the customers table or made contact (a link may name anyone)."""
    customers = account_tables(store, version).customers
    if customers is not None and customers.get_column("customer_id").eq(customer_id).any():
        return True
    return bool(_contacts.get_column("customer_id").eq(customer_id).any())


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=_KEYS)
def timeline(store: Store, version: VersionInfo, customer_id: str, _contacts: pl.DataFrame) -> pl.DataFrame:
    """:func:`cxdata.measures.journeys.customer_timeline` of one customer (whole history, no filter)."""
    tables = account_tables(store, version)
    return journeys.customer_timeline(_contacts, customer_id, tables.customers, tables.revenue)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=_KEYS)
def customer_issues(store: Store, version: VersionInfo, window_days: int, customer_id: str,
                    _contacts: pl.DataFrame) -> pl.DataFrame:
    """The issues (repeat-contact chains) of one customer, newest first."""
    table = issue_table(store, version, window_days, _contacts)
    return table.filter(pl.col("customer_id") == customer_id).sort("first_at", descending=True)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=_KEYS)
def customer_profile(store: Store, version: VersionInfo, customer_id: str) -> dict:
    """The customer's row of the customers table ({} when absent)."""
    customers = account_tables(store, version).customers
    if customers is None:
        return {}
    row = customers.filter(pl.col("customer_id") == customer_id)
    return row.row(0, named=True) if row.height else {}


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=_KEYS)
def customers_frame(store: Store, version: VersionInfo, ids: tuple[str, ...]) -> pl.DataFrame:
    """``ids`` in their order, with the customer's segment, plan, region and churn date when known."""
    frame = pl.DataFrame({"customer_id": list(ids)}, schema={"customer_id": pl.String})
    customers = account_tables(store, version).customers
    if customers is None:
        return frame
    keep = [c for c in ("segment", "plan", "region", "churned_at") if c in customers.columns]
    return frame.join(customers.select("customer_id", *keep), on="customer_id", how="left", maintain_order="left")


# ---------------------------------------------------------------- the timeline chart

NEGATIVE, NEUTRAL, POSITIVE = "negative (CSAT 1–2)", "neutral (CSAT 3)", "positive (CSAT 4–5)"
UNRATED = "no CSAT answer"
EXPERIENCES = (NEGATIVE, NEUTRAL, POSITIVE, UNRATED)
_EXPERIENCE_COLOURS = (BAD, "#d9a441", GOOD, MUTED)
REVENUE_LANE, ACCOUNT_LANE = "revenue", "account"


def timeline_frame(events: pl.DataFrame) -> pl.DataFrame:
    """The timeline's events with the chart's fields: ``lane`` (channel, "revenue" or "account"),
    ``experience`` of a contact (its colour: CSAT bottom-2-box is a negative experience, docs/method/contact-metrics.md)
    and ``resolved_text`` (for the tooltip)."""
    channel = pl.col("channel").fill_null("(no channel)") if "channel" in events.columns else pl.lit("(no channel)")
    # a field the data lacks is an all-null column of dtype Null in the timeline: cast before comparing
    csat = pl.col("csat").cast(pl.Float64) if "csat" in events.columns else pl.lit(None, pl.Float64)
    event = pl.col("event")
    resolved = pl.col("resolved").cast(pl.Boolean) if "resolved" in events.columns else pl.lit(None, pl.Boolean)
    return events.with_columns(
        lane=pl.when(event == "contact").then(channel).when(event == "revenue").then(pl.lit(REVENUE_LANE))
        .otherwise(pl.lit(ACCOUNT_LANE)),
        experience=pl.when(event != "contact").then(pl.lit(None, pl.String)).when(csat <= 2).then(pl.lit(NEGATIVE))
        .when(csat == 3).then(pl.lit(NEUTRAL)).when(csat >= 4).then(pl.lit(POSITIVE)).otherwise(pl.lit(UNRATED)),
        resolved_text=pl.when(resolved).then(pl.lit("yes")).when(resolved.not_()).then(pl.lit("no"))
        .otherwise(pl.lit("–")),
    )


def timeline_chart(frame: pl.DataFrame, symbol: str, period: tuple | None = None,
                   height: int | None = None) -> alt.LayerChart:
    """Time on x, one lane per channel (then revenue and the account's joining and churn) on y; a
    contact's colour is its experience, filled when resolved in that contact; the sidebar period is
    shaded. ``frame``: :func:`timeline_frame`."""
    lanes = frame.get_column("lane").unique(maintain_order=True).to_list()
    order = sorted(lane for lane in lanes if lane not in (REVENUE_LANE, ACCOUNT_LANE))
    order += [lane for lane in (REVENUE_LANE, ACCOUNT_LANE) if lane in lanes]
    x = alt.X("at:T", title=None, axis=alt.Axis(format="%b %y", labelAngle=0))
    y = alt.Y("lane:N", sort=order, title=None, axis=alt.Axis(labelLimit=160))
    colour = alt.Color("experience:N", title=None,
                       scale=alt.Scale(domain=list(EXPERIENCES), range=list(_EXPERIENCE_COLOURS)),
                       legend=alt.Legend(orient="top", direction="horizontal"))
    tooltip = [alt.Tooltip("at:T", title="when", format="%-d %b %Y %H:%M"), alt.Tooltip("event:N", title="event")]
    optional = [("channel", "channel", "N"), ("touchpoint", "touchpoint", "N"), ("reason", "reason", "N"),
                ("wait_seconds", "wait (s)", "Q"), ("transfers", "transfers", "Q"), ("resolved_text", "resolved", "N"),
                ("csat", "CSAT", "Q"), ("nps", "NPS answer", "Q"), ("ces", "CES", "Q"), ("comment", "comment", "N"),
                ("amount", f"revenue ({symbol.strip()})", "Q")]
    tooltip += [alt.Tooltip(f"{c}:{t}", title=title, **({"format": ",.2f"} if c == "amount" else {}))
                for c, title, t in optional if c in frame.columns]
    layers = []
    if period is not None and period[0] is not None:
        span = pl.DataFrame({"start": [period[0]], "end": [period[1]]})
        layers.append(alt.Chart(span).mark_rect(opacity=0.08, color=PRIMARY).encode(x="start:T", x2="end:T"))
    contacts = frame.filter(pl.col("event") == "contact")
    if contacts.height:
        layers.append(alt.Chart(contacts).mark_point(size=110, strokeWidth=2, opacity=0.9).encode(
            x=x, y=y, color=colour, tooltip=tooltip,
            fill=alt.condition("datum.resolved_text === 'yes'", colour, alt.value("white"))))
    money = frame.filter(pl.col("event") == "revenue")
    if money.height:
        layers.append(alt.Chart(money).mark_tick(thickness=2, size=18, color=PRIMARY).encode(x=x, y=y, tooltip=tooltip))
    account = frame.filter(pl.col("event").is_in(["joined", "churned"]))
    if account.height:
        layers.append(alt.Chart(account).mark_point(shape="diamond", size=160, filled=True).encode(
            x=x, y=y, tooltip=tooltip,
            color=alt.condition("datum.event === 'churned'", alt.value(BAD), alt.value(PRIMARY))))
        churn = account.filter(pl.col("event") == "churned")
        if churn.height:
            layers.append(alt.Chart(churn).mark_rule(color=BAD, strokeDash=[4, 3]).encode(x=x))
    return alt.layer(*layers).properties(height=height or max(160, 34 * len(order) + 60))


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=_KEYS)
def timeline_spec(store: Store, version: VersionInfo, customer_id: str, period: tuple, symbol: str,
                  _contacts: pl.DataFrame) -> tuple[dict, bool]:
    """The Vega-Lite spec of one customer's timeline chart (built once per customer and period: building
    an Altair chart costs more than a rerun's budget), and whether the joining date was left out of it
    because it comes over a year before everything else (it would squash the chart)."""
    framed = timeline_frame(timeline(store, version, customer_id, _contacts))
    others = framed.filter(pl.col("event") != "joined").get_column("at")
    joined = framed.filter(pl.col("event") == "joined").get_column("at")
    early = bool(joined.len() and others.len() and (others.min() - joined.min()).days > 365)
    drawn = framed.filter(pl.col("event") != "joined") if early else framed
    return timeline_chart(drawn, symbol, period).to_dict(), early


def duration(hours: float | None) -> str:
    """A time to resolution as it is read: ``6.5 h`` under two days, then ``4.4 days``."""
    if hours is None:
        return "–"
    return f"{hours:,.1f} h" if hours < 48 else f"{hours / 24:,.1f} days"
