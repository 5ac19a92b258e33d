"""The meeting pack (README.md "a team in a meeting"): the numbers of the executive pages for one
set of filters, as an Excel workbook, a print-ready PDF, a PowerPoint deck and a standalone HTML report.

:func:`meeting_pack` collects the tables from the same functions the pages call — so a file carries
exactly the numbers on screen — and the app (``ui/pack.py``) and the command line
(``python -m cxdata export``) both call it:

- **KPIs**, **Headlines** and **Moments of service** — the Overview's screen
  (:func:`cxdata.screens.overview.overview_screen`): every tile with its value, 95% interval, n and change against
  the comparison period, revenue at risk from CX, the sentences, and the moments with the most revenue at risk in
  scope (the Overview shows the first five of the same ranking);
- **Trend by month** — every tile KPI by month over all the data with the dimension filters, one
  chart each (the Overview's trend, :func:`cxdata.screens.figures.trend_figures`);
- **Drill-down** — a contact KPI by channel × touchpoint, the Drill-down's heat map (its selected KPI
  when the pack is made there, else the page's default);
- **Churn by negatives** — :func:`cxdata.screens.figures.churn_by_negatives_figure` (Churn & Revenue);
- **Customers who left** — by every customer attribute (:func:`cxdata.measures.customers.churn_by`; Churn & Revenue),
  what a customers-only churn file shows;
- **Key drivers** — :func:`cxdata.screens.figures.key_drivers_figure` (Churn & Revenue);
- then any ``extra`` sheets: :func:`action_sheets` gives the **Initiatives** and the **Alerts** with their check
  on the version — the Initiatives and Alerts pages' screens, written — which the app and the command line pass.

Every sheet has readable headers (fields by :func:`cxdata.format.dimension_label`, intervals as ``95% CI low`` /
``95% CI high``), numbers in their units (no unit column: the workbook's number formats and the HTML's text say it)
and a ``finding``: one sentence, written with :mod:`cxdata.format`, of what its table shows (a slide's title).
:attr:`Pack.context` (dataset, version, period, comparison, filters, export time) heads every sheet.

:func:`pack_file` writes it in each of :data:`PACK_FORMATS`: the workbook and the HTML report with the writers of
:mod:`cxdata.screens.export`, the PDF with :mod:`cxdata.screens.pack_pdf` (WeasyPrint) and the deck with
:mod:`cxdata.screens.pack_pptx` (python-pptx).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from cxdata import format as fmt
from cxdata.actions.alerts import RULES, Outcome
from cxdata.catalog.store import Store, VersionInfo
from cxdata.measures.customers import churn_by, ranked_attributes
from cxdata.measures.metrics import MIN_ANSWERS, MIN_EVENTS, REGISTRY, Filters, Metric
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.alerts import AlertsScreen, alerts_screen
from cxdata.screens.charts import PRIMARY, customers_left_bars, interval_bars, labelled
from cxdata.screens.dashboard import MIN_EXPLAINED, OVERVIEW_TILES, contact_metrics
from cxdata.screens.export import Sheet, html_report, workbook
from cxdata.screens.figures import churn_by_negatives_figure, heat_map_figure, key_drivers_figure, trend_figures
from cxdata.screens.funding import NET_VALUE, FundingScreen
from cxdata.screens.initiatives import InitiativesScreen, change_text, initiatives_screen
from cxdata.screens.overview import OverviewScreen, overview_screen
from cxdata.screens.pack_pdf import pack_pdf
from cxdata.screens.pack_pptx import pack_pptx
from cxdata.settings import Settings

#: Moments of service in the pack (the Overview shows the first five of the same list).
TOP_MOMENTS = 10


@dataclass(frozen=True)
class Pack:
    """What the two files carry: a title, the cover's label/value rows, the tables (with their charts)
    and the currency symbol the HTML prints money with."""

    title: str
    cover: tuple[tuple[str, str], ...]
    sheets: tuple[Sheet, ...]
    symbol: str
    generated_at: datetime
    stem: str  # file name without extension: momento-pack-sample-v3-2026-08-01-2026-10-31
    #: What every page of the pack is of, in one line: ``Dataset sample v3 · Aug–Oct 2026 vs May–Jul 2026 ·
    #: Channel: phone · exported 2026-12-06 05:10`` (each sheet's header, a slide's or a page's footer).
    context: str = ""
    paper: str = "A4"  # the PDF's paper size (Settings.paper)


def _span(period: tuple[date, date] | None) -> str:
    if period is None:
        return "none"
    return f"{fmt.month_span(*period)} ({period[0].isoformat()} to {period[1].isoformat()})"


#: The pack's column headers of an interval (the pages write ``95% CI a to b``) and of its size.
LOW, HIGH, N = "95% CI low", "95% CI high", "n"


def _fields(*names: str) -> list[pl.Expr]:
    """Canonical fields under their labels (:func:`cxdata.format.dimension_label`: ``channel`` → ``Channel``)."""
    return [pl.col(name).alias(fmt.dimension_label(name)) for name in names]


def _estimate(value: float, low: float | None, high: float | None, unit: str, symbol: str, n: int | None = None) -> str:
    """``53.5% (95% CI 51.2% to 55.8%, n = 3,861)``: the value, then what is known of its interval and n."""
    known = [t for t in (fmt.interval(low, high, unit, symbol), f"n = {fmt.count(n)}" if n else "") if t]
    return fmt.number(value, unit, symbol) + (f" ({', '.join(known)})" if known else "")


def _change(delta: float | None, unit: str, symbol: str, against: str) -> str:
    """``, up 1.1 pts on May–Jul 2026`` (``level with`` when it rounds to zero); empty without a change."""
    text = fmt.delta(delta, unit, symbol)
    if delta is None or text is None:
        return ""
    amount = text[1:]
    if not any(c in "123456789" for c in amount):
        return f", level with {against}"
    return f", {'up' if delta > 0 else 'down'} {amount} on {against}"


def kpi_finding(overview: OverviewScreen, comparison: tuple[date, date] | None, symbol: str) -> str:
    """The first tile the Overview shows that has a value, with its interval, n and change on the comparison
    period: ``NPS 9.7 (95% CI 7.9 to 11.4, n = 9,990), up 0.2 on May–Jul 2026.``"""
    tile = next((t for t in overview.shown if not fmt.missing(t["value"])), None)
    if tile is None:
        return "No KPI has data under these filters."
    sized = _estimate(tile["value"], tile["low"], tile["high"], tile["unit"], symbol, tile["n"])
    against = fmt.month_span(*comparison) if comparison is not None else ""
    return f"{tile['label']} {sized}{_change(tile['delta'], tile['unit'], symbol, against) if against else ''}."


def kpi_sheet(overview: OverviewScreen, settings: Settings, comparison: tuple[date, date] | None = None) -> Sheet:
    """The Overview's tiles, each number in its tile's unit (one unit per row, so the format says it)."""
    tiles = [overview.tiles[k] for k in OVERVIEW_TILES]
    units = [t["unit"] for t in tiles]
    numbers = ("Value", LOW, HIGH, "Change", f"Change {LOW}", f"Change {HIGH}")
    frame = pl.DataFrame({
        "KPI": [t["label"] for t in tiles],
        "Value": [t["value"] for t in tiles],
        LOW: [t["low"] for t in tiles],
        HIGH: [t["high"] for t in tiles],
        N: [t["n"] for t in tiles],
        "Change": [t["delta"] for t in tiles],
        f"Change {LOW}": [t["delta_low"] for t in tiles],
        f"Change {HIGH}": [t["delta_high"] for t in tiles],
        "Status": [t["status"] if not t.get("note") else f"{t['status']}: {t['note']}" for t in tiles],
        "Definition": [t["definition"] for t in tiles],
    }, schema_overrides={c: pl.Float64 for c in numbers} | {N: pl.Int64})
    changes = ["±" + u for u in units]
    return Sheet("KPIs", frame, note=(
        "The Overview's tiles: value with its 95% interval and n (contacts, customer-months, or for revenue at "
        "risk the customers active at the end of the data); change = against the comparison period, with its 95% "
        f"interval (percentages change in points). Money in {settings.currency}. Revenue at risk from CX is the "
        f"model's expectation over {overview.horizon} months, not filtered by period."),
        units={"Value": units, LOW: units, HIGH: units, N: "count",
               "Change": changes, f"Change {LOW}": changes, f"Change {HIGH}": changes},
        finding=kpi_finding(overview, comparison, settings.symbol))


def headline_sheet(overview: OverviewScreen) -> Sheet:
    """The Overview's sentences with the estimate each states (an odds ratio, money or a share: no one unit)."""
    lines = overview.headlines
    frame = pl.DataFrame({"Headline": [h.text for h in lines], "Estimate": [h.value for h in lines],
                          LOW: [h.low for h in lines], HIGH: [h.high for h in lines]},
                         schema={"Headline": pl.String, "Estimate": pl.Float64, LOW: pl.Float64, HIGH: pl.Float64})
    return Sheet("Headlines", frame, {c: "#,##0.00" for c in ("Estimate", LOW, HIGH)},
                 note="What the data says. " + overview.headlines_note,
                 finding=lines[0].text if lines else "The data gives no headline under these filters.")


def funding_sheet(funding: FundingScreen) -> Sheet:
    """What to fund (the Overview's card, :func:`cxdata.screens.funding.funding_screen`): each fix that pays with
    its median 36-month net value, P10 to P90, assumed cost and verdict, written as on screen; or why none is
    listed."""
    rows = funding.rows
    frame = pl.DataFrame({"Fix": [r.title for r in rows], NET_VALUE: [r.net_value.value for r in rows],
                          "P10 to P90": [r.net_value.band or "" for r in rows], "Cost": [r.cost for r in rows],
                          "Verdict": [r.verdict.text for r in rows]},
                         schema=dict.fromkeys(("Fix", NET_VALUE, "P10 to P90", "Cost", "Verdict"), pl.String))
    best = rows[0] if rows else None
    finding = funding.finding if best is None else \
        f"Fund first: {best.title}, {best.net_value.value} net over 36 months. {best.verdict.text}"
    return Sheet("What to fund", frame, note=funding.note, finding=finding or "")


def moments_sheet(overview: OverviewScreen, scope: Scope, settings: Settings) -> Sheet | None:
    top, horizon = overview.moments, overview.horizon
    if top is None:
        return None
    at_risk = f"Revenue at risk, {horizon} months"
    frame = top.select(
        pl.int_range(1, pl.len() + 1).alias("Rank"), *_fields("channel", "touchpoint", "segment"),
        pl.col("revenue_at_risk").alias(at_risk), pl.col("low").alias(LOW), pl.col("high").alias(HIGH),
        pl.col("contacts_per_month").alias("Contacts a month"), pl.col("negative_rate").alias("Share negative"))
    charts = []
    if top.height:
        bars = labelled(top.rename({"revenue_at_risk": "value"}), "money", settings.symbol).with_columns(
            moment=pl.concat_str("channel", "touchpoint", "segment", separator=" · "))
        charts.append(interval_bars(
            bars, category="moment", category_title=None, colour=PRIMARY, money_symbol=settings.symbol,
            title=f"Moments of service with the most revenue at risk over {horizon} months",
            subtitle=f"{scope.where_text()} · 95% intervals from the models' coefficient draws",
            value_title=f"Revenue at risk ({settings.currency})"))
        m = top.row(0, named=True)
        finding = (f"{m['channel'][:1].upper()}{m['channel'][1:]} contacts about {m['touchpoint']} from "
                   f"{m['segment']} customers put {_estimate(m['revenue_at_risk'], m['low'], m['high'], 'money', settings.symbol)} of revenue at "
                   f"risk over {horizon} months, the most of {top.height} moments ranked.")
    else:
        finding = overview.unranked or "No moment of service has revenue at risk clearly above zero under these filters."
    return Sheet("Moments of service", frame, note=(
        f"{overview.moments_note} A moment is ranked only when its own 95% interval is above zero. Share negative: "
        "the experience model's share of the moment's contacts with a CSAT of 1 or 2."
        + (f" {overview.unranked}" if overview.unranked else "")),
        units={"Rank": "count", at_risk: "amount", LOW: "amount", HIGH: "amount", "Contacts a month": "count",
               "Share negative": "whole %"}, charts=charts, finding=finding)


def trend_finding(table: pl.DataFrame, unit: str, symbol: str) -> str:
    """The first KPI's last month against its first: ``CSAT was 53.5% (95% CI …) in Oct 2026, against 53.3% in
    Nov 2024.``"""
    rows = table.filter(pl.col("Value").is_not_null() & (pl.col("KPI") == table.get_column("KPI")[0]))
    if not rows.height:
        return "No KPI has a month with data under these filters."
    first, last = rows.row(0, named=True), rows.row(-1, named=True)
    text = (f"{last['KPI']} was {_estimate(last['Value'], last[LOW], last[HIGH], unit, symbol)} in "
            f"{last['Month']:%b %Y}")
    if rows.height > 1:
        text += f", against {fmt.number(first['Value'], unit, symbol)} in {first['Month']:%b %Y}"
    return text + "."


def trend_sheet(a: Analysis, overview: OverviewScreen, filters: Filters, comparison: Filters | None,
                settings: Settings) -> Sheet | None:
    frames, charts, findings = [], [], []
    metrics = overview.trend_metrics
    for metric, figure in zip(metrics, trend_figures(a, metrics, filters, comparison, settings.params(),
                                                     settings.symbol), strict=True):
        if figure.chart is None:
            continue
        frames.append(figure.table.select(pl.lit(metric.label).alias("KPI"), pl.lit(metric.unit).alias("_unit"),
                                          *_fields("month"), pl.col("value").alias("Value"), pl.col("low").alias(LOW),
                                          pl.col("high").alias(HIGH), pl.col("n").alias(N),
                                          pl.col("small").alias("Fewer than 30 answers")))
        charts.append(figure.chart)
        findings.append(trend_finding(frames[-1].drop("_unit"), metric.unit, settings.symbol))
    if not frames:
        return None
    table = pl.concat(frames, how="vertical_relaxed")
    units = table.get_column("_unit").to_list()
    return Sheet("Trend by month", table.drop("_unit"), {fmt.dimension_label("month"): "mmm yyyy"}, note=(
        "Every month of the data with the dimension filters in force (the period filter does not apply); the "
        "charts shade the selected and the comparison periods."),
        units={"Value": units, LOW: units, HIGH: units, N: "count"}, charts=charts, finding=findings[0],
        chart_findings=findings)


def churn_sheet(a: Analysis, filters: Filters) -> Sheet | None:
    """Churn by negative experiences; none when the data has no experience model or the panel cannot be limited to
    the user's restrictions (its numbers would be over every customer)."""
    figure = None if a.panel is None or filters.withheld(a.panel.columns) else churn_by_negatives_figure(a, filters)
    if figure is None:
        return None
    bucket, churn = "Negative experiences last month", "Monthly churn"
    frame = figure.table.select(pl.col("bucket").alias(bucket), pl.col("churn").alias(churn), pl.col("low").alias(LOW),
                                pl.col("high").alias(HIGH), pl.col("n").alias("Customer-months"),
                                pl.col("events").alias("Churned"))
    shown = frame.filter(pl.col("Customer-months") >= MIN_ANSWERS)
    if shown.height >= 2:
        low, high = shown.row(0, named=True), shown.row(-1, named=True)
        finding = (f"Monthly churn is {_estimate(high[churn], high[LOW], high[HIGH], '%', '')} after {high[bucket]} "
                   f"negative experiences in the month before, against {fmt.number(low[churn], '%')} after "
                   f"{low[bucket]}.")
    else:
        finding = (f"Too few customer-months under these filters to compare churn by negative experiences (fewer "
                   f"than two buckets of {MIN_ANSWERS} or more).")
    return Sheet("Churn by negatives", frame, note=(
        "Monthly churn by the expected number of negative experiences in the previous month (Σ of each "
        "contact's probability of a CSAT of 1 or 2, rounded), with a Wilson 95% interval; the chart leaves out buckets "
        f"with fewer than {MIN_ANSWERS} customer-months."),
        units={churn: "%", LOW: "%", HIGH: "%", "Customer-months": "count", "Churned": "count"},
        charts=figure.charts, finding=finding)


def customer_churn_sheet(a: Analysis, filters: Filters) -> Sheet | None:
    """Customers who left by every customer attribute (:func:`cxdata.measures.customers.churn_by`), the attribute
    whose groups churn furthest apart first, with its chart (Churn & Revenue's default)."""
    if a.customers is None or a.needs(REGISTRY["customer_churn"]) is not None or filters.withheld(a.customers.columns):
        return None
    tables = churn_by(filters.within(a.customers), filters)  # the attributes of the user's customers alone
    ranked = ranked_attributes(tables)
    if not ranked:
        return None
    share = "Share who left"
    frame = pl.concat([tables[name].select(pl.lit(fmt.dimension_label(name)).alias("Attribute"),
                                           pl.col("value").alias("Group"), pl.col("customers").alias("Customers"),
                                           pl.col("churned").alias("Who left"), pl.col("rate").alias(share),
                                           pl.col("low").alias(LOW), pl.col("high").alias(HIGH),
                                           pl.col("small").alias("Too few to show"))
                       for name in ranked], how="vertical_relaxed")
    chart = customers_left_bars(tables[ranked[0]], fmt.dimension_label(ranked[0]), fmt.where_text(filters.where))
    charts = [] if chart is None else [chart]
    groups = tables[ranked[0]].filter(~pl.col("small")).sort("rate", descending=True)
    if groups.height:
        g = groups.row(0, named=True)
        label = fmt.dimension_label(ranked[0]).lower()
        finding = (f"By {label}, {fmt.number(g['rate'], '%')} of customers with {label} {g['value']} left "
                   f"({fmt.interval(g['low'], g['high'], '%')}; {fmt.count(g['churned'])} of "
                   f"{fmt.count(g['customers'])}), the most of any group.")
    else:
        finding = f"No group has {MIN_ANSWERS} customers and {MIN_EVENTS} who left under these filters."
    return Sheet("Customers who left", frame, note=(
        "Customers with churned = yes / customers with a known churned value, by every customer attribute (numbers "
        "in quartile bands), with a Wilson 95% interval: a snapshot of the customers table, so the period does not "
        f"apply. Groups under {MIN_ANSWERS} customers or {MIN_EVENTS} who left are too few to show on screen."),
        units={"Customers": "count", "Who left": "count", share: "%", LOW: "%", HIGH: "%"}, charts=charts,
        finding=finding)


def drilldown_sheet(a: Analysis, filters: Filters, metric: Metric, settings: Settings) -> Sheet | None:
    """The Drill-down's heat map: ``metric`` by channel × touchpoint with the filters in force."""
    figure = heat_map_figure(a, metric, filters, settings.params(), settings.symbol)
    if figure is None or figure.chart is None:
        return None
    cells = figure.table
    shrunk = ["Shrunk"] if "shrunk" in cells.columns else []
    frame = cells.select(*_fields("channel", "touchpoint"), pl.col("value").alias("Value"), pl.col("low").alias(LOW),
                         pl.col("high").alias(HIGH), pl.col("n").alias(N),
                         pl.col("small").alias("Fewer than 30 answers"), *(pl.col("shrunk").alias(s) for s in shrunk))
    return Sheet(f"Drill-down {metric.label}"[:31], frame, note=(
        f"The Drill-down's heat map: {metric.label} by channel and touchpoint with its 95% interval and n. "
        f"{metric.definition} Cells with fewer than 30 answers are shrunk toward the overall rate (proportions, column "
        "Shrunk) or hidden on screen."),
        units={c: metric.unit for c in ("Value", LOW, HIGH, *shrunk)} | {N: "count"}, charts=figure.charts,
        finding=drilldown_finding(cells, metric, settings.symbol))


def drilldown_finding(cells: pl.DataFrame, metric: Metric, symbol: str) -> str:
    """The worst cell with enough answers: ``CSAT is lowest for phone contacts about billing: 48.1% (95% CI …,
    n = 344).``"""
    enough = cells.filter(~pl.col("small") & pl.col("value").is_not_null())
    if not enough.height:
        return f"No channel and touchpoint has {MIN_ANSWERS} answers for {metric.label} under these filters."
    worst = enough.sort("value", descending=not metric.higher_is_better).row(0, named=True)
    sized = _estimate(worst["value"], worst["low"], worst["high"], metric.unit, symbol, worst["n"])
    word = "lowest" if metric.higher_is_better else "highest"
    return f"{metric.label} is {word} for {worst['channel']} contacts about {worst['touchpoint']}: {sized}."


def drivers_sheet(a: Analysis) -> Sheet | None:
    figure = key_drivers_figure(a)
    if figure is None:
        return None
    share = "Share of explained variance"
    frame = figure.table.select(pl.col("driver").alias("Driver"), pl.col("share").alias(share),
                                pl.col("low").alias(LOW), pl.col("high").alias(HIGH), pl.col("r2").alias("R²"))
    top = frame.row(0, named=True)
    if top["R²"] < MIN_EXPLAINED:
        finding = (f"The service drivers explain almost none of the negative experiences (R² {fmt.number(top['R²'] * 100, '%')}): no "
                   "lever here stands out.")
    else:
        finding = (f"{top['Driver']} is the strongest driver of negative experiences: "
                   f"{_estimate(top[share], top[LOW], top[HIGH], '%', '')} of what the drivers explain "
                   f"(R² {fmt.number(top['R²'] * 100, '%')}).")
    return Sheet("Key drivers", frame, {"R²": "0.00"}, note=(
        "Where the explained variance of a CSAT of 1 or 2 is shared among correlated drivers (relative weights, "
        "bootstrap 95% intervals), over all contacts — not the effect of changing one driver."),
        units={share: "%", LOW: "%", HIGH: "%"}, charts=figure.charts, finding=finding)


def initiatives_sheet(screen: InitiativesScreen, settings: Settings) -> Sheet | None:
    """The Initiatives page's list (:attr:`cxdata.screens.initiatives.InitiativesScreen.portfolio`), ROI in percent,
    each number in its initiative's KPI unit."""
    if not screen.details:
        return None
    table = screen.portfolio.drop("id", "unit").with_columns(
        *(pl.col(c) * 100 for c in ("realised ROI to date", "planned ROI to date")))
    table = table.rename({"effect low": f"Effect {LOW}", "effect high": f"Effect {HIGH}"}
                         | {c: c[:1].upper() + c[1:] for c in table.columns if not c.startswith("effect ")})
    units = [d.measurement.metric.unit for d in screen.details]
    changes = ["±" + u for u in units]
    first, effect = table.row(0, named=True), screen.details[0].measurement.effect
    tracked = f"{fmt.count(table.height)} initiative{'s' * (table.height != 1)} tracked; {first['Title']} ({first['Status']})"
    finding = (f"{tracked} has no measured effect on {first['KPI']} yet." if effect is None or effect.value is None
               else f"{tracked} moved {first['KPI']} by {change_text(effect, units[0], settings.symbol)}.")
    return Sheet("Initiatives", table, note=(
        "Each initiative in its own scope (the pack's filters do not apply): the KPI before and after its start, "
        "the effect (difference-in-differences against the rest of the data where there is a comparison group, "
        "else after − before) with its 95% interval, and value and ROI to date against its ROI scenario's plan. "
        "Sorted by status, then by impact."),
        units={"Baseline": units, "Target": units, "Before": units, "After": units, "Effect": changes,
               f"Effect {LOW}": changes, f"Effect {HIGH}": changes, "Planned effect": changes,
               "Cost to date": "amount", "Realised value to date": "amount", "Realised ROI to date": "whole %",
               "Planned ROI to date": "whole %", "Investment": "amount", "Running cost a month": "amount"},
        finding=finding)


def alerts_sheet(screen: AlertsScreen) -> Sheet | None:
    """Every enabled alert's check on this version (:func:`cxdata.screens.alerts.alerts_screen`), those that fired
    first."""
    ordered = sorted((Outcome(r.alert, r.check) for r in screen.rows if r.check is not None), key=lambda o: not o.fired)
    if not ordered:
        return None
    units = [REGISTRY[o.alert.metric].unit for o in ordered]
    frame = pl.DataFrame({
        "Alert": [o.alert.name for o in ordered], "Status": [o.check.status for o in ordered],
        "Month": [o.check.month for o in ordered], "Value": [o.check.value for o in ordered],
        LOW: [o.check.low for o in ordered], HIGH: [o.check.high for o in ordered],
        N: [o.check.n for o in ordered], "Month before": [o.check.previous for o in ordered],
        "Rule": [RULES[o.alert.rule] for o in ordered], "Threshold": [o.alert.threshold for o in ordered],
        "Message": [o.check.message for o in ordered],
    }, schema={"Alert": pl.String, "Status": pl.String, "Month": pl.Date, "Value": pl.Float64, LOW: pl.Float64,
               HIGH: pl.Float64, N: pl.Int64, "Month before": pl.Float64, "Rule": pl.String,
               "Threshold": pl.Float64, "Message": pl.String})
    fired = [o for o in ordered if o.fired]
    tally = f"{fmt.count(len(fired))} of {fmt.count(len(ordered))} alert{'s' * (len(ordered) != 1)} fired"
    finding = f"{tally}: {fired[0].check.message}" if fired else f"{tally}."
    return Sheet("Alerts", frame, {"Month": "mmm yyyy"}, note=(
        "Threshold alerts checked on the data's last complete month (the pack's filters do not apply): above / "
        "below, or a rise / fall of at least the threshold against the month before, by default only when its 95% "
        "interval excludes 0; fewer answers than an alert's minimum never fire."),
        units={"Value": units, LOW: units, HIGH: units, "Month before": units, N: "count"}, finding=finding)


def action_sheets(a: Analysis, scope: Scope, settings: Settings, store: Store) -> list[Sheet]:
    """The Initiatives and Alerts sheets of ``scope``'s version (none when it has neither): the Initiatives and
    Alerts pages' screens (:func:`cxdata.screens.initiatives.initiatives_screen`,
    :func:`cxdata.screens.alerts.alerts_screen`), written."""
    sheets = (initiatives_sheet(initiatives_screen(a, scope, settings, store), settings),
              alerts_sheet(alerts_screen(a, scope, settings, store)))
    return [s for s in sheets if s is not None]


def pack_stem(version: VersionInfo, filters: Filters) -> str:
    """The files' name without extension: ``momento-pack-sample-v3-2026-08-01-2026-10-31``."""
    period = [d.isoformat() for d in (filters.start, filters.end) if d is not None]
    return "-".join(["momento-pack", re.sub(r"[^A-Za-z0-9_.-]+", "_", version.dataset), f"v{version.number}", *period])


def meeting_pack(a: Analysis, scope: Scope, settings: Settings, *, drill_metric: str | None = None,
                 funding: FundingScreen | None = None, extra: Sequence[Sheet] = (),
                 generated_at: datetime | None = None) -> Pack:
    """The pack of ``scope`` (a dataset version, its period and dimension filters against the comparison period)
    in ``settings``' currency: the Overview's screen (:func:`cxdata.screens.overview.overview_screen`) with more
    moments of service, the trends, the Drill-down's heat map and the Churn & Revenue figures.
    ``drill_metric``: the KPI of the Drill-down's heat map (the page's selection; default its default);
    ``funding``: What to fund under the scope's dimension filters (:func:`cxdata.screens.funding.funding_of`; none
    without a churn model), after the moments of service. ``extra`` sheets follow the pack's own."""
    generated_at = generated_at or datetime.now().astimezone()
    version, filters, comparison = scope.version, scope.filters, scope.comparison_filters
    overview = overview_screen(a, scope, settings, moments=TOP_MOMENTS)
    supported = {m.key: m for m in contact_metrics(a)}
    drill = (supported.get(drill_metric) if drill_metric is not None else None) or next(iter(supported.values()), None)
    candidates = [kpi_sheet(overview, settings, scope.comparison), headline_sheet(overview),
                  moments_sheet(overview, scope, settings), funding_sheet(funding) if funding is not None else None,
                  trend_sheet(a, overview, filters, comparison, settings),
                  drilldown_sheet(a, filters, drill, settings) if drill is not None else None,
                  churn_sheet(a, filters), customer_churn_sheet(a, filters), drivers_sheet(a), *extra]
    sheets = [s for s in candidates if s is not None]
    period = (filters.start, filters.end) if filters.start is not None and filters.end is not None else None
    compared = (comparison.start, comparison.end) if comparison is not None and comparison.start is not None \
        and comparison.end is not None else None
    created = version.created_at.astimezone() if version.created_at.tzinfo else version.created_at
    horizon = overview.horizon
    stem = pack_stem(version, filters)
    cover = (
        ("Dataset", version.dataset),
        ("Data version", f"{version.number}, created {created:%Y-%m-%d %H:%M}"),
        ("Period", _span(period) if period else "all dates"),
        ("Comparison period", _span(compared)),
        ("Filters", fmt.where_text(filters.where)),
        ("Currency", settings.currency),
        ("Revenue-at-risk horizon", f"{horizon} months"),
        ("Generated", f"{generated_at:%Y-%m-%d %H:%M}"),
        ("Sheets", ", ".join(s.title for s in sheets)),
        ("How to read", "Every rate has its n and a 95% interval. Models are fitted once on all the data of this "
                        "version; associations, not proof of cause. The numbers are the app's for these filters."),
        *(("Note", note) for note in overview.notes),
    )
    context = f"Dataset {version.dataset} v{version.number} · {scope.describe()} · exported {generated_at:%Y-%m-%d %H:%M}"
    return Pack(f"Momento meeting pack — {version.dataset}", cover, tuple(sheets), settings.symbol, generated_at,
                stem, context, settings.paper)


def pack_workbook(pack: Pack) -> bytes:
    """The pack as .xlsx: the cover, then one sheet per table headed by its title, :attr:`Pack.context` and its
    finding, numbers formatted by unit in the pack's currency, charts as images."""
    return workbook(pack.title, pack.cover, pack.sheets, context=pack.context, symbol=pack.symbol)


def pack_html(pack: Pack) -> str:
    """The pack as one standalone HTML page with the interactive charts (no network access needed)."""
    return html_report(pack.title, pack.cover, pack.sheets, pack.symbol)


#: The pack's file formats: extension → what it is (the app's Meeting pack, ``export`` and deliveries offer these).
PACK_FORMATS = {"xlsx": "Excel workbook", "pdf": "PDF report", "pptx": "PowerPoint deck", "html": "HTML report"}


def pack_file(pack: Pack, kind: str) -> bytes:
    """The pack written as ``kind`` (a key of :data:`PACK_FORMATS`; the PDF on the pack's paper size)."""
    if kind == "xlsx":
        return pack_workbook(pack)
    if kind == "pdf":
        return pack_pdf(pack, pack.paper)
    if kind == "pptx":
        return pack_pptx(pack)
    if kind == "html":
        return pack_html(pack).encode("utf-8")
    raise ValueError(f"The meeting pack is written as {', '.join(PACK_FORMATS)}, not '{kind}'.")
