"""The meeting pack (README.md "a team in a meeting"): the numbers of the executive pages for one
set of filters, as one Excel workbook and one standalone HTML report.

:func:`meeting_pack` collects the tables from the same functions the pages call — so a file carries
exactly the numbers on screen — and the app (``ui/pack.py``) and the command line
(``python -m cxdata export``) both call it:

- **KPIs**, **Headlines** and **Moments of service** — the Overview's screen
  (:func:`cxdata.screens.overview.overview_screen`): every tile with its value, 95% interval, n and change against
  the comparison period, revenue at risk from CX, the sentences, and the moments with the most revenue at risk in
  scope (the Overview shows the first five of the same ranking);
- **Trend by month** — every tile KPI by month over all the data with the dimension filters, one
  chart each (the Overview's trend, :func:`cxdata.screens.figures.trend_figure`);
- **Drill-down** — a contact KPI by channel × touchpoint, the Drill-down's heat map (its selected KPI
  when the pack is made there, else the page's default);
- **Churn by negatives** — :func:`cxdata.screens.figures.churn_by_negatives_figure` (Churn & Revenue);
- **Customers who left** — by every customer attribute (:func:`cxdata.measures.customers.churn_by`; Churn & Revenue),
  what a customers-only churn file shows;
- **Key drivers** — :func:`cxdata.screens.figures.key_drivers_figure` (Churn & Revenue);
- then any ``extra`` sheets: :func:`action_sheets` gives the **Initiatives** and the **Alerts** with their check
  on the version — the Initiatives and Alerts pages' screens, written — which the app and the command line pass.

:func:`pack_workbook` and :func:`pack_html` write it with the one writer per format in
:mod:`cxdata.screens.export`.
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
from cxdata.screens.dashboard import OVERVIEW_TILES, contact_metrics
from cxdata.screens.export import Sheet, html_report, workbook
from cxdata.screens.figures import churn_by_negatives_figure, heat_map_figure, key_drivers_figure, trend_figure
from cxdata.screens.initiatives import InitiativesScreen, initiatives_screen
from cxdata.screens.overview import OverviewScreen, overview_screen
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


def _span(period: tuple[date, date] | None) -> str:
    if period is None:
        return "none"
    return f"{fmt.month_span(*period)} ({period[0].isoformat()} to {period[1].isoformat()})"


def _unit_name(unit: str, currency: str) -> str:
    return unit.replace("money", currency)


def kpi_sheet(overview: OverviewScreen, settings: Settings) -> Sheet:
    tiles = [overview.tiles[k] for k in OVERVIEW_TILES]
    units = [t["unit"] for t in tiles]
    frame = pl.DataFrame({
        "KPI": [t["label"] for t in tiles],
        "unit": [_unit_name(u, settings.currency) for u in units],
        "value": [t["value"] for t in tiles],
        "95% low": [t["low"] for t in tiles],
        "95% high": [t["high"] for t in tiles],
        "n": [t["n"] for t in tiles],
        "change": [t["delta"] for t in tiles],
        "change 95% low": [t["delta_low"] for t in tiles],
        "change 95% high": [t["delta_high"] for t in tiles],
        "status": [t["status"] if not t.get("note") else f"{t['status']}: {t['note']}" for t in tiles],
        "definition": [t["definition"] for t in tiles],
    }, schema_overrides={c: pl.Float64 for c in ("value", "95% low", "95% high", "change", "change 95% low",
                                                 "change 95% high")} | {"n": pl.Int64})
    changes = ["±" + u for u in units]
    return Sheet("KPIs", frame, note=(
        "The Overview's tiles: value with its 95% interval and n (contacts, customer-months, or for revenue at "
        "risk the customers active at the end of the data); change = against the comparison period, with its 95% "
        f"interval. Revenue at risk from CX is the model's expectation over {overview.horizon} months, not filtered by period."),
        units={"value": units, "95% low": units, "95% high": units, "n": "count",
               "change": changes, "change 95% low": changes, "change 95% high": changes})


def headline_sheet(overview: OverviewScreen) -> Sheet:
    lines = overview.headlines
    frame = pl.DataFrame({"headline": [h.text for h in lines], "estimate": [h.value for h in lines],
                          "95% low": [h.low for h in lines], "95% high": [h.high for h in lines]},
                         schema={"headline": pl.String, "estimate": pl.Float64, "95% low": pl.Float64,
                                 "95% high": pl.Float64})
    return Sheet("Headlines", frame, {c: "#,##0.00" for c in ("estimate", "95% low", "95% high")},
                 note="What the data says. " + overview.headlines_note)


def moments_sheet(overview: OverviewScreen, scope: Scope, settings: Settings) -> Sheet | None:
    top, horizon = overview.moments, overview.horizon
    if top is None:
        return None
    frame = top.select(
        pl.int_range(1, pl.len() + 1).alias("rank"), "channel", "touchpoint", "segment",
        pl.col("revenue_at_risk").alias(f"revenue at risk, {horizon} months"),
        pl.col("low").alias("95% low"), pl.col("high").alias("95% high"),
        pl.col("contacts_per_month").alias("contacts a month"), pl.col("negative_rate").alias("negative"))
    charts = []
    if top.height:
        bars = labelled(top.rename({"revenue_at_risk": "value"}), "money", settings.symbol).with_columns(
            moment=pl.concat_str("channel", "touchpoint", "segment", separator=" · "))
        charts.append(interval_bars(
            bars, category="moment", category_title=None, colour=PRIMARY, money_symbol=settings.symbol,
            title=f"Moments of service with the most revenue at risk over {horizon} months",
            subtitle=f"{scope.where_text()} · 95% intervals from the models' coefficient draws",
            value_title=f"Revenue at risk ({settings.currency})"))
    return Sheet("Moments of service", frame, note=(
        f"{overview.moments_note} A moment is ranked only when its own 95% interval is above zero. Negative: the "
        "experience model's share of the moment's contacts with a CSAT of 1 or 2 (%)."
        + (f" {overview.unranked}" if overview.unranked else "")),
        units={"rank": "count", frame.columns[4]: "amount", "95% low": "amount", "95% high": "amount",
               "contacts a month": "count", "negative": "whole %"}, charts=charts)


def trend_sheet(a: Analysis, overview: OverviewScreen, filters: Filters, comparison: Filters | None,
                settings: Settings) -> Sheet | None:
    frames, charts = [], []
    for metric in overview.trend_metrics:
        figure = trend_figure(a, metric, filters, comparison, settings.params(), settings.symbol)
        if figure.chart is None:
            continue
        frames.append(figure.table.select(pl.lit(metric.label).alias("KPI"),
                                          pl.lit(_unit_name(metric.unit, settings.currency)).alias("unit"),
                                          pl.lit(metric.unit).alias("_unit"), "month", "value",
                                          pl.col("low").alias("95% low"), pl.col("high").alias("95% high"), "n",
                                          pl.col("small").alias("fewer than 30 answers")))
        charts.append(figure.chart)
    if not frames:
        return None
    table = pl.concat(frames, how="vertical_relaxed")
    units = table.get_column("_unit").to_list()
    return Sheet("Trend by month", table.drop("_unit"), note=(
        "Every month of the data with the dimension filters in force (the period filter does not apply); the "
        "charts shade the selected and the comparison periods."),
        units={"value": units, "95% low": units, "95% high": units, "n": "count"}, charts=charts)


def churn_sheet(a: Analysis, filters: Filters) -> Sheet | None:
    figure = churn_by_negatives_figure(a, filters)
    if figure is None:
        return None
    frame = figure.table.select(pl.col("bucket").alias("negative experiences last month"),
                                pl.col("churn").alias("monthly churn"), pl.col("low").alias("95% low"),
                                pl.col("high").alias("95% high"), pl.col("n").alias("customer-months"),
                                pl.col("events").alias("churned"))
    return Sheet("Churn by negatives", frame, note=(
        "Monthly churn (%) by the expected number of negative experiences in the previous month (Σ of each "
        "contact's probability of a CSAT of 1 or 2, rounded), with a Wilson 95% interval; the chart leaves out buckets "
        f"with fewer than {MIN_ANSWERS} customer-months."),
        units={"monthly churn": "%", "95% low": "%", "95% high": "%", "customer-months": "count", "churned": "count"},
        charts=figure.charts)


def customer_churn_sheet(a: Analysis, filters: Filters) -> Sheet | None:
    """Customers who left by every customer attribute (:func:`cxdata.measures.customers.churn_by`), the attribute
    whose groups churn furthest apart first, with its chart (Churn & Revenue's default)."""
    if a.customers is None or a.needs(REGISTRY["customer_churn"]) is not None:
        return None
    tables = churn_by(a.customers, filters)
    ranked = ranked_attributes(tables)
    if not ranked:
        return None
    frame = pl.concat([tables[name].select(pl.lit(fmt.dimension_label(name)).alias("attribute"),
                                           pl.col("value").alias("group"), "customers",
                                           pl.col("churned").alias("left"), pl.col("rate").alias("left (%)"),
                                           pl.col("low").alias("95% low"), pl.col("high").alias("95% high"),
                                           pl.col("small").alias("too few to show"))
                       for name in ranked], how="vertical_relaxed")
    chart = customers_left_bars(tables[ranked[0]], fmt.dimension_label(ranked[0]), fmt.where_text(filters.where))
    charts = [] if chart is None else [chart]
    return Sheet("Customers who left", frame, note=(
        "Customers with churned = yes / customers with a known churned value, by every customer attribute (numbers "
        "in quartile bands), with a Wilson 95% interval: a snapshot of the customers table, so the period does not "
        f"apply. Groups under {MIN_ANSWERS} customers or {MIN_EVENTS} who left are too few to show on screen."),
        units={"customers": "count", "left": "count", "left (%)": "%", "95% low": "%", "95% high": "%"},
        charts=charts)


def drilldown_sheet(a: Analysis, filters: Filters, metric: Metric, settings: Settings) -> Sheet | None:
    """The Drill-down's heat map: ``metric`` by channel × touchpoint with the filters in force."""
    figure = heat_map_figure(a, metric, filters, settings.params(), settings.symbol)
    if figure is None or figure.chart is None:
        return None
    cells = figure.table
    shrunk = ["shrunk"] if "shrunk" in cells.columns else []
    frame = cells.select("channel", "touchpoint", "value", pl.col("low").alias("95% low"),
                         pl.col("high").alias("95% high"), "n", pl.col("small").alias("fewer than 30 answers"), *shrunk)
    return Sheet(f"Drill-down {metric.label}"[:31], frame, note=(
        f"The Drill-down's heat map: {metric.label} ({_unit_name(metric.unit, settings.currency)}) by channel and "
        f"touchpoint with its 95% interval and n. {metric.definition} Cells with fewer than 30 answers are shrunk "
        "toward the overall rate (proportions, column shrunk) or hidden on screen."),
        units={c: metric.unit for c in ("value", "95% low", "95% high", *shrunk)} | {"n": "count"}, charts=figure.charts)


def drivers_sheet(a: Analysis) -> Sheet | None:
    figure = key_drivers_figure(a)
    if figure is None:
        return None
    frame = figure.table.select("driver", pl.col("share").alias("share of explained variance"),
                                pl.col("low").alias("95% low"), pl.col("high").alias("95% high"),
                                pl.col("r2").alias("R²"))
    return Sheet("Key drivers", frame, {"R²": "0.00"}, note=(
        "Where the explained variance of a CSAT of 1 or 2 is shared among correlated drivers (relative weights, "
        "bootstrap 95% intervals), over all contacts — not the effect of changing one driver."),
        units={"share of explained variance": "%", "95% low": "%", "95% high": "%"}, charts=figure.charts)


def initiatives_sheet(screen: InitiativesScreen, settings: Settings) -> Sheet | None:
    """The Initiatives page's list (:attr:`cxdata.screens.initiatives.InitiativesScreen.portfolio`), ROI in percent."""
    if not screen.details:
        return None
    table = screen.portfolio.with_columns(
        pl.col("unit").replace("money", settings.currency),
        *(pl.col(c) * 100 for c in ("realised ROI to date", "planned ROI to date")))
    units = [d.measurement.metric.unit for d in screen.details]
    changes = ["±" + u for u in units]
    return Sheet("Initiatives", table.drop("id"), note=(
        "Each initiative in its own scope (the pack's filters do not apply): the KPI before and after its start, "
        "the effect (difference-in-differences against the rest of the data where there is a comparison group, "
        "else after − before) with its 95% interval, and value and ROI to date against its ROI scenario's plan. "
        "Sorted by status, then by impact."),
        units={"baseline": units, "target": units, "before": units, "after": units, "effect": changes,
               "effect low": changes, "effect high": changes, "planned effect": changes, "cost to date": "amount",
               "realised value to date": "amount", "realised ROI to date": "whole %", "planned ROI to date": "whole %",
               "investment": "amount", "running cost a month": "amount"})


def alerts_sheet(screen: AlertsScreen) -> Sheet | None:
    """Every enabled alert's check on this version (:func:`cxdata.screens.alerts.alerts_screen`), those that fired
    first."""
    ordered = sorted((Outcome(r.alert, r.check) for r in screen.rows if r.check is not None), key=lambda o: not o.fired)
    if not ordered:
        return None
    units = [REGISTRY[o.alert.metric].unit for o in ordered]
    frame = pl.DataFrame({
        "alert": [o.alert.name for o in ordered], "status": [o.check.status for o in ordered],
        "month": [o.check.month for o in ordered], "value": [o.check.value for o in ordered],
        "95% low": [o.check.low for o in ordered], "95% high": [o.check.high for o in ordered],
        "n": [o.check.n for o in ordered], "month before": [o.check.previous for o in ordered],
        "rule": [RULES[o.alert.rule] for o in ordered], "threshold": [o.alert.threshold for o in ordered],
        "message": [o.check.message for o in ordered],
    }, schema={"alert": pl.String, "status": pl.String, "month": pl.Date, "value": pl.Float64, "95% low": pl.Float64,
               "95% high": pl.Float64, "n": pl.Int64, "month before": pl.Float64, "rule": pl.String,
               "threshold": pl.Float64, "message": pl.String})
    return Sheet("Alerts", frame, note=(
        "Threshold alerts checked on the data's last complete month (the pack's filters do not apply): above / "
        "below, or a rise / fall of at least the threshold against the month before, by default only when its 95% "
        "interval excludes 0; fewer answers than an alert's minimum never fire."),
        units={"value": units, "95% low": units, "95% high": units, "month before": units, "n": "count"})


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
                 extra: Sequence[Sheet] = (), generated_at: datetime | None = None) -> Pack:
    """The pack of ``scope`` (a dataset version, its period and dimension filters against the comparison period)
    in ``settings``' currency: the Overview's screen (:func:`cxdata.screens.overview.overview_screen`) with more
    moments of service, the trends, the Drill-down's heat map and the Churn & Revenue figures.
    ``drill_metric``: the KPI of the Drill-down's heat map (the page's selection; default its default).
    ``extra`` sheets follow the pack's own."""
    generated_at = generated_at or datetime.now().astimezone()
    version, filters, comparison = scope.version, scope.filters, scope.comparison_filters
    overview = overview_screen(a, scope, settings, moments=TOP_MOMENTS)
    supported = {m.key: m for m in contact_metrics(a)}
    drill = (supported.get(drill_metric) if drill_metric is not None else None) or next(iter(supported.values()), None)
    candidates = [kpi_sheet(overview, settings), headline_sheet(overview), moments_sheet(overview, scope, settings),
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
    return Pack(f"Momento meeting pack — {version.dataset}", cover, tuple(sheets), settings.symbol, generated_at,
                stem)


def pack_workbook(pack: Pack) -> bytes:
    """The pack as .xlsx: the cover, one sheet per table, charts as images."""
    return workbook(pack.title, pack.cover, pack.sheets)


def pack_html(pack: Pack) -> str:
    """The pack as one standalone HTML page with the interactive charts (no network access needed)."""
    return html_report(pack.title, pack.cover, pack.sheets, pack.symbol)
