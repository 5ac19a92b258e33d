"""The Journeys page, built once for the page that draws it: the issues of the scope (repeat-contact chains) in
four tiles, the most frequent channel paths with the customers behind the chosen one, and one customer's whole
history (tiles, timeline chart, every event).

Where each number comes from, all in :mod:`cxdata.measures.journeys`: the issues of the whole version
(:func:`~cxdata.measures.journeys.issue_table`: contacts of one customer on one reason, each within W days of the
previous one), those with a contact in the scope (:func:`~cxdata.measures.journeys.issues_in_scope`), their tiles
(:func:`~cxdata.measures.journeys.journey_summary`: the share needing 2+ contacts with its Wilson 95% interval over
the issues that started at least W days before the newest contact; median and P90 of the time from the first
contact to the first resolved one), the paths (:func:`~cxdata.measures.journeys.channel_paths`: issues, share,
answer-weighted mean CSAT, churn within 90 days with its Wilson interval) and a customer's events
(:func:`~cxdata.measures.journeys.customer_timeline`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

import altair as alt
import polars as pl

from cxdata import format as fmt
from cxdata.measures import journeys
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.charts import BAD, GOOD, MUTED, PRIMARY
from cxdata.screens.export import text_table
from cxdata.screens.figures import Tile
from cxdata.settings import Settings

#: Most frequent channel paths listed.
TOP_PATHS = 20
#: The columns of the paths table, in order (those the paths have: churn needs churn dates, none when no path).
LISTED = ("path", "issues", "share", "csat", "answers", "churn", "churn_interval")
#: The columns of a customer's history table, in order (those the data has).
HISTORY_COLUMNS = ("at", "event", "channel", "touchpoint", "reason", "comment", "csat", "nps", "ces", "wait_seconds",
                   "transfers", "resolved", "amount")
#: The history table's column titles where a field's own name would not say enough (:meth:`CustomerHistory.shown`).
HISTORY_TITLES = {"at": "When", "event": "Event", "reason": "Reason", "csat": "CSAT answer (1 to 5)",
                  "nps": "NPS answer (0 to 10)", "ces": "CES answer (1 to 7)", "wait_seconds": "Wait (s)",
                  "amount": "Revenue"}


@dataclass(frozen=True)
class Accounts:
    """The customers and revenue tables of a version (None when it has none): who a customer is, when they joined
    and left, and what they paid each month."""

    customers: pl.DataFrame | None
    revenue: pl.DataFrame | None


@dataclass(frozen=True)
class PathCustomers:
    """The customers behind one channel path: ``table`` (customer_id in the path's order, with the segment, plan,
    region and churn date the customers table has, as text: ``3 Mar 2026``, a dash when unknown or not left) and
    ``caption`` (how many customers and issues)."""

    path: str
    table: pl.DataFrame
    caption: str


@dataclass(frozen=True)
class CustomerHistory:
    """One customer's whole history, whatever the filters.

    ``about``: who they are (segment · plan · region · since when · active or churned when); ``tiles``: contacts,
    last contact, negative experiences (contacts answered with CSAT 1 or 2) and the issues that needed 2+ contacts;
    ``chart``: the timeline (Vega-Lite, :func:`timeline_chart`); ``note``: what the chart shows and what an import
    would add; ``events``: every event newest first (:data:`HISTORY_COLUMNS`); ``has_revenue``: the data has
    monthly revenue rows (:meth:`table` can leave them out)."""

    customer: str
    about: str
    tiles: tuple[Tile, ...]
    chart: dict
    note: str
    events: pl.DataFrame
    has_revenue: bool

    def table(self, revenue_rows: bool) -> pl.DataFrame:
        """The history table: every event, or all but the monthly revenue rows."""
        return self.events if revenue_rows else self.events.filter(pl.col("event") != "revenue")

    def shown(self, revenue_rows: bool, symbol: str) -> pl.DataFrame:
        """:meth:`table` as the page shows it, all text (:func:`cxdata.screens.export.text_table`): the answers
        with their scales, revenue in money, a dash where an event has no such value."""
        return text_table(self.table(revenue_rows), HISTORY_TITLES, {"wait_seconds": "count", "amount": "money"},
                          symbol)


@dataclass(frozen=True)
class JourneysScreen:
    """What the Journeys page shows for one scope.

    ``window``: W, days between two contacts of one issue; ``intro``: what an issue is and which are counted;
    ``issues``: issues in scope (0: nothing else is shown); ``tiles``: the four tiles of
    :func:`~cxdata.measures.journeys.journey_summary` (none without issues); ``censored``: the newest issues the
    2+ contacts share leaves out (:func:`~cxdata.measures.journeys.censored_note`, None when none);
    ``has_channel``: the contacts have a channel, so issues have paths; ``paths``: the :data:`TOP_PATHS` most
    frequent paths of the issues needing 2+ contacts, as listed (path, issues, share, csat, answers, and churn
    with churn_interval when the customers table has churn dates); ``paths_note``: what CSAT and churn mean
    there; ``path``: the customers behind the chosen path (None when none or not listed); ``history``: the chosen
    customer's (None when none)."""

    window: int
    intro: str
    issues: int
    tiles: tuple[Tile, ...]
    censored: str | None
    has_channel: bool
    paths: pl.DataFrame
    paths_note: str
    path: PathCustomers | None
    history: CustomerHistory | None


def duration(hours: float | None) -> str:
    """A time to resolution as it is read: ``6.5 h`` under two days, then ``4.4 days``."""
    if hours is None:
        return "–"
    return f"{hours:,.1f} h" if hours < 48 else f"{hours / 24:,.1f} days"


def _summary_tiles(summary: dict, window: int) -> tuple[Tile, ...]:
    multi = f"Issues needing 2+ contacts · n {fmt.count(summary['multi_contact'])}"
    return (
        Tile("Issues", fmt.count(summary["issues"]),
             f"Repeat-contact chains: contacts of one customer on one reason, each within W = {window} days of the "
             "previous one (any channel). An issue counts when one of its contacts matches the filters.",
             f"{fmt.count(summary['multi_contact'])} needed 2+ contacts · "
             f"{summary['contacts_per_issue']:.2f} contacts per issue"),
        Tile("Needing 2+ contacts", fmt.number(summary["multi_share"], "%"),
             "Share of issues the customer had to raise more than once: they repeated themselves.",
             f"{fmt.interval(summary['multi_low'], summary['multi_high'], '%')} · n {fmt.count(summary['complete'])} "
             "issues" if summary["complete"] else "No issue in scope."),
        Tile("Median resolution time", duration(summary["median_hours"]),
             "Issues needing 2+ contacts: from the first contact to the first resolved one (to the last contact "
             "when none is marked resolved).", multi),
        Tile("P90 resolution time", duration(summary["p90_hours"]),
             "Nine in ten multi-contact issues are resolved within this time; one in ten takes longer.", multi),
    )


def _path_customers(paths: pl.DataFrame, chosen: str, customers: pl.DataFrame | None) -> PathCustomers:
    """The customers of ``chosen`` (a row of :func:`~cxdata.measures.journeys.channel_paths`: its first 200)."""
    row = paths.row(paths.get_column("path").to_list().index(chosen), named=True)
    ids = list(row["customers"])
    table = pl.DataFrame({"customer_id": ids}, schema={"customer_id": pl.String})
    if customers is not None:
        keep = [c for c in ("segment", "plan", "region", "churned_at") if c in customers.columns]
        table = table.join(customers.select("customer_id", *keep), on="customer_id", how="left", maintain_order="left")
        table = table.with_columns(pl.col(c).cast(pl.String).fill_null("–") for c in keep if c != "churned_at")
        if "churned_at" in keep:  # a date as the pages write it, a dash for a customer who has not left
            table = table.with_columns(pl.Series("churned_at", [fmt.when(d) for d in table["churned_at"]], pl.String))
    more = " (the first 200)" if len(ids) == 200 else ""
    return PathCustomers(chosen, table,
                         f"{fmt.count(len(ids))} customers{more} with {fmt.count(row['issues'])} issues on this path.")


# ---------------------------------------------------------------- the timeline chart

NEGATIVE, NEUTRAL, POSITIVE = "negative (CSAT 1 or 2)", "neutral (CSAT 3)", "positive (CSAT 4 or 5)"
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
                ("csat", "CSAT answer (1 to 5)", "Q"), ("nps", "NPS answer (0 to 10)", "Q"), ("ces", "CES answer (1 to 7)", "Q"), ("comment", "comment", "N"),
                ("amount", f"revenue ({symbol.strip()})", "Q")]
    tooltip += [alt.Tooltip(f"{c}:{t}", title=title, format=",.2f") if c == "amount" else
                alt.Tooltip(f"{c}:{t}", title=title) for c, title, t in optional if c in frame.columns]
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
    chart = alt.layer(*layers)
    assert isinstance(chart, alt.LayerChart)  # a FacetChart only when the layers share facet encodings
    return chart.properties(height=height or max(160, 34 * len(order) + 60))


def _timeline_spec(events: pl.DataFrame, period: tuple, symbol: str) -> tuple[dict, bool]:
    """The Vega-Lite spec of one customer's timeline chart, and whether the joining date was left out of it
    because it comes over a year before everything else (it would squash the chart)."""
    framed = timeline_frame(events)
    first = framed.filter(pl.col("event") != "joined").get_column("at").min()
    joined = framed.filter(pl.col("event") == "joined").get_column("at").min()
    early = isinstance(first, datetime) and isinstance(joined, datetime) and (first - joined).days > 365
    drawn = framed.filter(pl.col("event") != "joined") if early else framed
    return timeline_chart(drawn, symbol, period).to_dict(), early


# ---------------------------------------------------------------- one customer


def _history(contacts: pl.DataFrame, accounts: Accounts, issue_table: pl.DataFrame, customer: str,
             period: tuple[date | None, date | None], symbol: str) -> CustomerHistory:
    """The history of ``customer`` (:class:`CustomerHistory`); ``issue_table``: every issue of the version."""
    events = journeys.customer_timeline(contacts, customer, accounts.customers, accounts.revenue)
    own = issue_table.filter(pl.col("customer_id") == customer)
    profile: dict = {}
    if accounts.customers is not None:
        row = accounts.customers.filter(pl.col("customer_id") == customer)
        profile = row.row(0, named=True) if row.height else {}
    about = [str(profile[c]) for c in ("segment", "plan", "region") if profile.get(c) is not None]
    if profile.get("joined_at") is not None:
        about.append(f"customer since {profile['joined_at']:%-d %b %Y}")
    churned = profile.get("churned_at")
    about.append(f"churned {churned:%-d %b %Y}" if churned else "active" if profile else "not in the customers table")

    made = events.filter(pl.col("event") == "contact")
    negative = made.filter(pl.col("csat") <= 2).height if made.get_column("csat").count() else None
    last = cast(datetime | None, made.get_column("at").max())
    repeated = own.filter(pl.col("contacts") >= 2).height
    tiles = (
        Tile("Contacts", fmt.count(made.height), "Every contact of this customer in the data, on any channel."),
        Tile("Last contact", f"{last:%-d %b %y}" if last else "–",
             f"{fmt.when(last)}." if last else "No contact recorded."),
        Tile("Negative experiences", fmt.count(negative),
             "Contacts answered with CSAT 1 or 2." if negative is not None else "No CSAT answer from this customer."),
        Tile("Repeated issues", f"{fmt.count(repeated)} of {fmt.count(own.height)}",
             "Issues (repeat-contact chains) of this customer that needed 2+ contacts: the times they had to come "
             "back about the same thing."),
    )

    chart, joined_early = _timeline_spec(events, period, symbol)
    notes = [f"The whole history of {customer}, whatever the filters; the sidebar period is shaded. Colour: the "
             "contact's CSAT; filled: resolved in that contact; hover for wait, transfers, scores and comment."]
    if joined_early:
        notes.append(f"Joined {profile['joined_at']:%-d %b %Y}, long before the data starts (left off the chart).")
    missing = [what for table, what in ((accounts.customers, "a customers table (joining and churn dates)"),
                                        (accounts.revenue, "a revenue table (monthly revenue)")) if table is None]
    if missing:
        notes.append(f"Import {' and '.join(missing)} on the Data page to see them here.")
    shown = events.select([c for c in HISTORY_COLUMNS if c in events.columns]).sort("at", descending=True)
    return CustomerHistory(customer, " · ".join(about), tiles, chart, " ".join(notes), shown,
                           accounts.revenue is not None)


# ---------------------------------------------------------------- the screen


def _customer_ids(contacts: pl.DataFrame, customers: pl.DataFrame | None) -> set[str]:
    """The customers of these contacts and customers tables."""
    frames = [f for f in (contacts, customers) if f is not None and "customer_id" in f.columns]
    return {str(v) for f in frames for v in f.get_column("customer_id").drop_nulls().unique().to_list()}


def _within(accounts: Accounts, scope: Scope, contacts: pl.DataFrame) -> Accounts:
    """The customers table within the scope's restrictions, and the revenue of those customers and of the
    restricted ``contacts``' customers alone."""
    customers = scope.within(accounts.customers)
    revenue = accounts.revenue
    if revenue is not None:
        ids = _customer_ids(contacts, customers)
        revenue = revenue.filter(pl.col("customer_id").cast(pl.String).is_in(sorted(ids)))
    return Accounts(customers, revenue)



def journeys_screen(a: Analysis, scope: Scope, settings: Settings, accounts: Accounts, *,
                    issue_table: journeys.IssueTable | None = None, path: str | None = None,
                    customer: str | None = None) -> JourneysScreen:
    """The Journeys page of ``a`` for ``scope`` with the repeat window W and the currency of ``settings``.

    ``a.contacts`` must have customer_id. ``accounts``: the version's customers and revenue tables;
    ``issue_table``: :func:`~cxdata.measures.journeys.issue_table` of the whole version with W (computed when not
    given: chains are cut on all the data, before any filter); ``path`` and ``customer``: the page's choices.
    Under the scope's restrictions every part is made of the rows the user may see alone (issues cut on them, the
    issue table given is not used) and a customer outside them has no history."""
    if a.contacts is None:
        raise ValueError("Journeys need interactions")
    contacts = cast(pl.DataFrame, scope.within(a.contacts))
    window = settings.repeat_window_days
    if scope.restrictions:  # issues, paths and histories of the rows the user may see alone
        accounts, issue_table = _within(accounts, scope, contacts), None
        customer = customer if customer in _customer_ids(contacts, accounts.customers) else None
    every = journeys.issue_table(contacts, accounts.customers, window) if issue_table is None else issue_table
    scoped = journeys.issues_in_scope(every, contacts, scope.filters)
    end = cast(datetime | None, contacts.get_column("started_at").max())
    summary = journeys.journey_summary(scoped, end, window)
    paths = journeys.channel_paths(scoped, top=TOP_PATHS)
    has_churn = "churn" in paths.columns
    listed = paths.with_columns(
        churn_interval=pl.format("{}% to {}%", pl.col("churn_low").round(1), pl.col("churn_high").round(1))
    ) if has_churn else paths
    chosen = path if path is not None and path in paths.get_column("path").to_list() else None
    return JourneysScreen(
        window=window,
        intro=(f"An issue is a chain of contacts from one customer on one reason, each within W = {window} days of "
               "the previous one, in any channel (W is set on the Settings page). Counted: the issues with a contact "
               f"in {fmt.period_text(scope.start, scope.end)} · {scope.where_text()}, each with all its contacts."),
        issues=summary["issues"],
        tiles=_summary_tiles(summary, window) if summary["issues"] else (),
        censored=journeys.censored_note(summary, end, window),
        has_channel="channel" in contacts.columns,
        paths=listed.select(c for c in LISTED if c in listed.columns),
        paths_note="Mean CSAT (1 to 5): the mean answer on the path's contacts. " + (
            "Churn after: share of the issues whose customer left within 90 days of its last contact, with its 95% "
            "interval (an association, not proof of cause)." if has_churn else
            "Churn after an issue needs a customers table with the date each customer left: import it on the "
            "Data page."),
        path=None if chosen is None else _path_customers(paths, chosen, accounts.customers),
        history=None if customer is None else _history(contacts, accounts, every.table, customer, (scope.start, scope.end),
                                                       settings.symbol),
    )
