"""Altair chart builders: small aggregated frames in, charts out (docs/architecture.md "Charts").

Each chart has a frame function that computes what it draws (tested in ``tests/unit/test_charts.py``)
and a builder that only encodes it. Builders take a ``label`` column of display strings made by the
caller (money in the workspace currency), so the engine does not format money for a page.

- :func:`waterfall_frame`: from the investment through the benefit components to the net value at a
  horizon, every step in present value at month 0 (docs/method/planner.md), so the last bar is NPV_H.
- :func:`band_frame`: base estimates with their P10 to P90 band (docs/method/planner.md).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping

import altair as alt
import numpy as np
import polars as pl

from cxdata import format as fmt
from cxdata.actions.roi import ScenarioResult, Spread, monthly_rate, ramp
from cxdata.measures.metrics import Metric

GAIN, LOSS, TOTAL = "gain", "loss", "net"
_COLOURS = alt.Scale(domain=[GAIN, LOSS, TOTAL], range=["#2e7d4f", "#c0392b", "#2f5d8a"])


def waterfall_frame(value_per_month: float, savings_per_month: float, *, investment: float, running_cost: float,
                    annual_discount_rate: float, ramp_months: float, horizon: int = 36,
                    band: tuple[float, float] | None = None) -> pl.DataFrame:
    """The steps from the investment to the net present value after ``horizon`` months.

    With d = (1 + WACC)^(1/12) − 1, ramp r_t and discount factor δ_t = (1 + d)^−t, t = 0…H−1:
    investment −I; customer value retained Σ r_t·V·δ_t; cost-to-serve savings Σ r_t·S·δ_t; running costs
    −Σ R·δ_t; net = their sum = NPV_H of docs/method/planner.md. Columns: ``step`` (order), ``name``, ``amount``
    (signed), ``start`` and ``end`` (the running total before and after), ``kind`` (gain, loss, net), and
    ``p10``/``p90``: the ``band`` of the net value (its P10 to P90), null on the other steps.
    """
    d = monthly_rate(annual_discount_rate)
    r = ramp(horizon, ramp_months)
    disc = (1 + d) ** -np.arange(horizon)
    components = [
        ("Investment", -float(investment)),
        ("Customer value retained", float(np.sum(r * value_per_month * disc))),
        ("Cost-to-serve savings", float(np.sum(r * savings_per_month * disc))),
        ("Running costs", -float(running_cost * disc.sum())),
    ]
    starts = np.concatenate([[0.0], np.cumsum([a for _, a in components])])
    net = float(starts[-1])
    return pl.DataFrame({
        "step": list(range(len(components) + 1)),
        "name": [n for n, _ in components] + [f"Net value at {horizon} months"],
        "amount": [a for _, a in components] + [net],
        "start": [*starts[:-1].tolist(), 0.0],
        "end": [*starts[1:].tolist(), net],
        "kind": [GAIN if a >= 0 else LOSS for _, a in components] + [TOTAL],
        "p10": [None] * len(components) + [None if band is None else float(band[0])],
        "p90": [None] * len(components) + [None if band is None else float(band[1])],
    }, schema_overrides={"p10": pl.Float64, "p90": pl.Float64})


def scenario_waterfall(result: ScenarioResult, horizon: int = 36) -> pl.DataFrame:
    """:func:`waterfall_frame` of a scenario's base case; its net equals ``result.npv[horizon].base`` and
    carries the P10 to P90 of that NPV."""
    econ = result.scenario.economics
    npv = result.npv[horizon]
    return waterfall_frame(result.value_per_month.base, result.savings_per_month.base,
                           investment=econ.investment, running_cost=econ.running_cost,
                           annual_discount_rate=econ.annual_discount_rate, ramp_months=econ.ramp_months,
                           horizon=horizon, band=(npv.p10, npv.p90))


def band_frame(spreads: Mapping[str, Spread]) -> pl.DataFrame:
    """One row per named estimate: ``name``, ``order``, ``base``, ``p10``, ``p50``, ``p90``."""
    return pl.DataFrame({
        "name": list(spreads),
        "order": list(range(len(spreads))),
        "base": [s.base for s in spreads.values()],
        "p10": [s.p10 for s in spreads.values()],
        "p50": [s.p50 for s in spreads.values()],
        "p90": [s.p90 for s in spreads.values()],
    }, schema={"name": pl.String, "order": pl.Int64, "base": pl.Float64, "p10": pl.Float64, "p50": pl.Float64,
               "p90": pl.Float64})


def money_axis(symbol: str) -> str:
    """A Vega expression that labels a money axis compactly: ``€250k``, ``−€1.2M``."""
    sym = symbol.replace("\\", "\\\\").replace("'", "\\'")
    return (f"(datum.value < 0 ? '−' : '') + '{sym}' + "
            "replace(format(abs(datum.value), '.3~s'), 'G', 'B')")


def waterfall_chart(frame: pl.DataFrame, symbol: str, height: int = 320) -> alt.LayerChart:
    """Floating bars from ``start`` to ``end`` per step, coloured by kind, with the ``label`` text on each,
    and the net value's P10 to P90 as an error bar.

    ``frame`` is :func:`waterfall_frame` plus a ``label`` column (the amount as shown to the reader).
    """
    # two-line axis labels: the first half of the words, then the rest
    words = "split(datum.label, ' ')"
    half = f"ceil(length({words}) / 2)"
    two_lines = f"[join(slice({words}, 0, {half}), ' '), join(slice({words}, {half}), ' ')]"
    base = alt.Chart(frame).encode(
        x=alt.X("name:N", sort=alt.EncodingSortField("step"), title=None,
                axis=alt.Axis(labelAngle=0, labelLimit=160, labelExpr=two_lines, labelFontSize=12)),
    )
    y = alt.Y("start:Q", title=f"Present value ({symbol.strip()})", axis=alt.Axis(labelExpr=money_axis(symbol)))
    bars = base.mark_bar(size=64, cornerRadius=2).encode(
        y=y, y2="end:Q",
        color=alt.Color("kind:N", scale=_COLOURS, legend=None),
        tooltip=[alt.Tooltip("name:N", title="step"), alt.Tooltip("label:N", title="amount")],
    )
    text = base.mark_text(dy=-9, fontWeight="bold", fontSize=13).encode(
        y=alt.Y("top:Q"), text="label:N",
    ).transform_calculate(top="max(datum.start, datum.end, isValid(datum.p90) ? datum.p90 : datum.end)")
    band = base.transform_filter("isValid(datum.p10)")
    error = band.mark_rule(color="#1b1b1b", strokeWidth=2).encode(y="p10:Q", y2="p90:Q")
    ticks = [band.mark_tick(color="#1b1b1b", thickness=2, size=18).encode(y=f"{q}:Q") for q in ("p10", "p90")]
    zero = alt.Chart(pl.DataFrame({"zero": [0.0]})).mark_rule(color="#888").encode(y="zero:Q")
    chart = alt.layer(bars, text, error, *ticks, zero)
    assert isinstance(chart, alt.LayerChart)  # a FacetChart only when the layers share facet encodings
    return chart.properties(height=height)


def band_chart(frame: pl.DataFrame, symbol: str, height: int | None = None) -> alt.LayerChart:
    """Horizontal P10 to P90 ranges with the base estimate as a dot and a rule at zero.

    ``frame`` is :func:`band_frame` plus ``label`` (the base as shown) and ``range`` (the band as shown).
    """
    data = frame
    y = alt.Y("name:N", sort=alt.EncodingSortField("order"), title=None, axis=alt.Axis(labelLimit=220))
    tooltip = [alt.Tooltip("name:N", title="estimate"), alt.Tooltip("label:N", title="base case"),
               alt.Tooltip("range:N", title="P10 to P90")]
    rule = alt.Chart(data).mark_rule(strokeWidth=8, opacity=0.35, color="#2f5d8a").encode(
        y=y, x=alt.X("p10:Q", title=f"{symbol.strip()} · dot = base case, bar = P10 to P90",
                     axis=alt.Axis(labelExpr=money_axis(symbol))),
        x2="p90:Q", tooltip=tooltip)
    dot = alt.Chart(data).mark_point(filled=True, size=90, color="#2f5d8a").encode(y=y, x="base:Q", tooltip=tooltip)
    text = alt.Chart(data).mark_text(dy=-12, fontWeight="bold").encode(y=y, x="base:Q", text="label:N")
    zero = alt.Chart(pl.DataFrame({"zero": [0.0]})).mark_rule(color="#888", strokeDash=[4, 3]).encode(
        x="zero:Q")
    chart = alt.layer(rule, dot, text, zero)
    assert isinstance(chart, alt.LayerChart)  # a FacetChart only when the layers share facet encodings
    return chart.properties(height=height or 50 + 42 * frame.height)



# ---------------------------------------------------------------- dashboard charts (Overview, Drill-down, Churn)
#
# Frames come from cxdata.measures.metrics.compute / cxdata.screens.dashboard (a few dozen rows); the caller adds
# display strings (``label``, ``interval``) in the workspace's units and currency. Every chart
# carries a title saying what it shows and a subtitle with the filters in force.
#
# These builders return Vega-Lite specs (dicts). The chart is written in Altair once per set of
# encoding options, against a *named* dataset, validated, and cached (``_template``); each call
# copies the template and fills in the data rows and the title. Building and validating an Altair
# chart costs 50–100 ms, most of a rerun's budget (docs/architecture.md "Speed"); filling a template costs ~1 ms.

PRIMARY = "#2f5d8a"
GOOD, BAD, MUTED, AMBER = "#2e7d4f", "#c0392b", "#c3cad3", "#f2c14e"
_SELECTED, _COMPARISON = "selected period", "comparison period"


def labelled(frame: pl.DataFrame, unit: str, symbol: str, value: str = "value") -> pl.DataFrame:
    """``frame`` with ``label`` (the value as the pages print it, :mod:`cxdata.format`) and ``interval``
    (its 95% CI as text): the display strings the builders below take."""
    if not frame.height:
        return frame.with_columns(label=pl.lit("", pl.String), interval=pl.lit("", pl.String))
    values, lows, highs = (frame.get_column(c).to_list() for c in (value, "low", "high"))
    return frame.with_columns(
        label=pl.Series([fmt.number(v, unit, symbol) for v in values], dtype=pl.String),
        interval=pl.Series([fmt.interval(lo, hi, unit, symbol).removeprefix("95% CI ") for lo, hi in zip(lows, highs)],
                           dtype=pl.String),
    )


def _rows(frame: pl.DataFrame) -> list[dict]:
    """JSON-ready rows: dates as ISO strings, NaN as null."""
    out = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"), pl.col(pl.Datetime).dt.to_string("%Y-%m-%dT%H:%M:%S"))
    out = out.with_columns(pl.col(pl.Float64).fill_nan(None))
    return out.to_dicts()


def _fill(template: dict, data: dict[str, pl.DataFrame], title: str, subtitle: str | None, **top) -> dict:
    spec = copy.deepcopy(template)
    spec.pop("config", None)  # Altair's default view size: the chart fills its container instead
    spec["width"] = "container"
    spec["datasets"] = {name: _rows(frame) for name, frame in data.items()}
    spec["title"] = {"text": title, "subtitle": subtitle or "", "anchor": "start", "fontSize": 15,
                     "subtitleFontSize": 12, "subtitleColor": "#52606d"}
    spec.update(top)
    return spec


def _named(name: str) -> alt.NamedData:
    return alt.NamedData(name=name)


def heatmap_frame(cells: pl.DataFrame, x: str, y: str, selected: tuple[str | None, str | None] = (None, None)) -> pl.DataFrame:
    """What a heat-map cell shows, from a :func:`cxdata.measures.metrics.compute` frame grouped by ``x`` and ``y``.

    ``shown`` is the value, except for small cells (too few answers, docs/method/contact-metrics.md "Drill-down
    shrinkage"): proportions show their empirical-Bayes ``shrunk`` rate, flagged ``is_shrunk``; other
    shapes are hidden (``shown`` null). ``selected`` is True on the cell matching the drill-down
    selection (a None part matches every value; nothing is selected when both are None). Rows with
    a null key are dropped (no cell to click).
    """
    has_shrunk = "shrunk" in cells.columns
    sel_x, sel_y = selected
    return cells.filter(pl.col(x).is_not_null() & pl.col(y).is_not_null()).with_columns(
        shown=pl.when(~pl.col("small")).then(pl.col("value"))
        .otherwise(pl.col("shrunk") if has_shrunk else pl.lit(None, pl.Float64)),
        is_shrunk=pl.col("small") & pl.lit(has_shrunk),
        selected=(pl.lit(True) if sel_x is None else pl.col(x).cast(pl.String) == sel_x)
        & (pl.lit(True) if sel_y is None else pl.col(y).cast(pl.String) == sel_y)
        & pl.lit(sel_x is not None or sel_y is not None),
    )


def heatmap_cells(cells: pl.DataFrame, metric: Metric, symbol: str,
                  selected: tuple[str | None, str | None] = (None, None)) -> pl.DataFrame:
    """The channel × touchpoint heat map's frame (:func:`heatmap_frame`) with each cell's text: the value
    in the metric's unit, `` °`` after a shrunk small cell, ``n<30`` for a hidden one; and ``interval``."""
    frame = heatmap_frame(cells, "channel", "touchpoint", selected)
    marks = [fmt.number(v, metric.unit, symbol) + (" °" if s else "") if v is not None else "n<30"
             for v, s in zip(frame.get_column("shown").to_list(), frame.get_column("is_shrunk").to_list())]
    return labelled(frame, metric.unit, symbol).with_columns(label=pl.Series(marks, dtype=pl.String))


def small_cells_note(cells: pl.DataFrame) -> str:
    """What the heat map does with cells of fewer than 30 answers, for its subtitle."""
    return ("° = fewer than 30 answers, pulled toward the overall rate" if "shrunk" in cells.columns
            else "n<30 = fewer than 30 answers, hidden")


#: The narrowest heat-map cell that shows its value as text ("65.8%°" at 12 px): narrower cells — a phone draws the
#: chart across its width — show it in the tooltip alone, as the texts would run into each other.
LABELLED_CELL_PX = 44


@functools.lru_cache(maxsize=64)
def _heatmap_template(x: str, y: str, value_title: str, higher_is_better: bool, selection: str,
                      x_title: str, y_title: str, label_angle: int) -> dict:
    pick = alt.selection_point(name=selection, fields=[x, y], on="click", clear=False)
    colours = [BAD, "#f6e7c1", GOOD] if higher_is_better else [GOOD, "#f6e7c1", BAD]
    base = alt.Chart(_named("cells")).encode(
        x=alt.X(f"{x}:N", title=x_title, sort="ascending",
                axis=alt.Axis(labelAngle=label_angle, orient="top", labelLimit=120, labelOverlap=False)),
        y=alt.Y(f"{y}:N", title=y_title, sort="ascending", axis=alt.Axis(labelLimit=160)),
    )
    tooltip = [alt.Tooltip(f"{x}:N", title=x_title), alt.Tooltip(f"{y}:N", title=y_title),
               alt.Tooltip("label:N", title=value_title), alt.Tooltip("interval:N", title="95% interval"),
               alt.Tooltip("n:Q", title="n", format=",")]
    cells = base.mark_rect(cornerRadius=3, stroke="white", strokeWidth=2).encode(
        color=alt.Color("shown:Q", title=value_title, scale=alt.Scale(range=colours),
                        legend=alt.Legend(orient="right", gradientLength=160)),
        opacity=alt.condition("datum.is_shrunk || datum.shown == null", alt.value(0.45), alt.value(1.0)),
        tooltip=tooltip,
    ).add_params(pick)
    outline = base.transform_filter("datum.selected").mark_rect(fill=None, stroke="#1f2933", strokeWidth=3)
    text = base.mark_text(fontSize=12, opacity=alt.ExprRef(f"bandwidth('x') < {LABELLED_CELL_PX} ? 0 : 1")).encode(
        text="label:N", color=alt.condition("datum.shown == null", alt.value("#52606d"), alt.value("#1f2933")),
        tooltip=tooltip)
    return alt.layer(cells, outline, text).to_dict()


def heatmap_chart(frame: pl.DataFrame, *, x: str, y: str, title: str, subtitle: str, value_title: str,
                  higher_is_better: bool, selection: str = "cell", x_title: str | None = None,
                  y_title: str | None = None, height: int | None = None, plot_width: int = 480) -> dict:
    """Cells coloured by ``shown`` (red = worse), each with its ``label`` text; small cells faded,
    the selected cell outlined. A point selection named ``selection`` on ``x`` and ``y`` returns the
    clicked cell's values. Tooltip: ``label``, ``interval``, ``n``.

    ``frame`` is :func:`heatmap_frame` plus ``label`` (shown value as text, with the small-cell
    marker) and ``interval`` (text).
    """
    columns = frame.get_column(x).n_unique() if frame.height else 1
    step = max(36, min(90, plot_width // max(columns, 1)))  # a cell wide enough for its label and value
    template = _heatmap_template(x, y, value_title, higher_is_better, selection, x_title or x.capitalize(),
                                 y_title or y.capitalize(), 0 if step >= 64 else -35)
    rows = frame.get_column(y).n_unique() if frame.height else 1
    spec = _fill(template, {"cells": frame}, title, subtitle, height=height or 34 * rows)
    spec["width"] = {"step": step}
    spec["height"] = {"step": 34} if height is None else height
    return spec


@functools.lru_cache(maxsize=64)
def _trend_template(value_title: str) -> dict:
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%b %y", labelAngle=0, tickCount="month"))
    tooltip = [alt.Tooltip("month:T", title="month", format="%B %Y"), alt.Tooltip("label:N", title=value_title),
               alt.Tooltip("interval:N", title="95% interval"), alt.Tooltip("n:Q", title="n", format=",")]
    spans = alt.Chart(_named("spans")).mark_rect(opacity=0.22).encode(
        x="start:T", x2="end:T",
        color=alt.Color("what:N", title=None, scale=alt.Scale(domain=[_SELECTED, _COMPARISON], range=[AMBER, MUTED]),
                        legend=alt.Legend(orient="top", direction="horizontal", symbolType="square")))
    months = alt.Chart(_named("months"))
    shown = months.transform_filter("!datum.small")
    band = shown.mark_area(opacity=0.18, color=PRIMARY).encode(
        x=x, y=alt.Y("low:Q", title=value_title, scale=alt.Scale(zero=False)), y2="high:Q")
    line = shown.mark_line(color=PRIMARY, strokeWidth=2.5).encode(x=x, y="value:Q")
    points = shown.mark_point(size=45, color=PRIMARY, filled=True).encode(x=x, y="value:Q", tooltip=tooltip)
    small = months.transform_filter("datum.small").mark_point(size=45, color=PRIMARY, filled=False).encode(
        x=x, y="value:Q", tooltip=tooltip)
    return alt.layer(spans, band, line, points, small).to_dict()


def trend_chart(frame: pl.DataFrame, *, title: str, subtitle: str, value_title: str,
                period: tuple | None = None, comparison: tuple | None = None, height: int = 300) -> dict:
    """The metric by month: line with a 95% interval band; small months (``small``) drawn as hollow
    points, off the line. The selected period and the comparison period are shaded behind.

    ``frame``: month (date), value, low, high, n, small, plus ``label`` and ``interval`` (text).
    """
    spans = [{"start": p[0], "end": p[1], "what": what}
             for p, what in ((comparison, _COMPARISON), (period, _SELECTED)) if p is not None]
    span_frame = pl.DataFrame(spans, schema={"start": pl.Date, "end": pl.Date, "what": pl.String})
    return _fill(_trend_template(value_title), {"months": frame, "spans": span_frame}, title, subtitle, height=height)


@functools.lru_cache(maxsize=64)
def _bars_template(category: str, value_title: str, order: tuple[str, ...] | None, selection: str | None,
                   colour: str, category_title: str | None, money_symbol: str | None) -> dict:
    # op "max": layers union their domains, and Vega-Lite drops any other sort op there (alphabetical bars)
    sort = list(order) if order is not None else alt.EncodingSortField("value", op="max", order="descending")
    y = alt.Y(f"{category}:N", sort=sort, title=category_title, axis=alt.Axis(labelLimit=200))
    tooltip = [alt.Tooltip(f"{category}:N", title=category_title or category),
               alt.Tooltip("label:N", title=value_title), alt.Tooltip("interval:N", title="95% interval"),
               alt.Tooltip("n:Q", title="n", format=",")]
    bar_colour = alt.condition("datum.highlighted", alt.value("#1d3d5c"), alt.value(colour))
    data = alt.Chart(_named("bars"))
    axis = alt.Axis(labelExpr=money_axis(money_symbol)) if money_symbol is not None else alt.Axis()
    bars = data.mark_bar(height={"band": 0.6}, cornerRadiusEnd=2).encode(
        y=y, x=alt.X("value:Q", title=value_title, axis=axis), color=bar_colour, tooltip=tooltip)
    if selection is not None:
        bars = bars.add_params(alt.selection_point(name=selection, fields=[category], on="click", clear=False))
    errors = data.mark_errorbar(ticks=alt.MarkConfig(size=8), color="#1f2933").encode(
        y=y, x=alt.X("low:Q", title=value_title), x2="high:Q")
    text = data.mark_text(align="left", dx=6, fontWeight="bold").encode(y=y, x=alt.X("high:Q"), text="label:N")
    return alt.layer(bars, errors, text).to_dict()


def customers_left_bars(table: pl.DataFrame, attribute: str, where: str) -> dict | None:
    """Customers who left per group of one customer attribute, from a :func:`cxdata.measures.customers.churn_by`
    table (value, customers, rate, low, high, small): the groups too small to show are left out; None
    when none is large enough. The Churn & Revenue page and the meeting pack draw this one chart."""
    shown = table.filter(~pl.col("small"))
    if not shown.height:
        return None
    frame = labelled(shown.rename({"value": "group", "rate": "value", "customers": "n"}), "%", "")
    return interval_bars(frame, category="group", order=shown.get_column("value").to_list(), colour=BAD,
                         category_title=attribute, title=f"Customers who left, by {attribute.lower()}",
                         subtitle=f"{where} · share of customers with a known churned value · bars: 95% Wilson "
                                  "interval", value_title="Customers who left (%)")


def interval_bars(frame: pl.DataFrame, *, category: str, title: str, subtitle: str, value_title: str,
                  order: list[str] | None = None, highlight: str | None = None, selection: str | None = None,
                  colour: str = PRIMARY, category_title: str | None = None, height: int | None = None,
                  money_symbol: str | None = None) -> dict:
    """Horizontal bars of ``value`` per ``category`` with 95% error bars and the ``label`` text.

    ``frame``: category, value, low, high, ``label`` and ``interval`` (text) and ``n`` (null when
    unknown). ``order`` fixes the order of the categories (else by value, largest first);
    ``highlight`` draws one category darker (the drill-down selection); ``selection`` names a point
    selection on the category (click a bar); ``money_symbol`` labels the value axis as money.
    """
    if "n" not in frame.columns:
        frame = frame.with_columns(n=pl.lit(None, pl.Int64))
    frame = frame.with_columns(highlighted=pl.col(category).cast(pl.String) == highlight if highlight is not None
                               else pl.lit(False))
    template = _bars_template(category, value_title, tuple(order) if order is not None else None, selection, colour,
                              category_title, money_symbol)
    return _fill(template, {"bars": frame}, title, subtitle, height=height or max(200, 120 + 42 * frame.height))


_START = "start"


@functools.lru_cache(maxsize=64)
def _initiative_template(value_title: str, in_scope: str, comparison: str) -> dict:
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%b %y", labelAngle=0, tickCount="month"))
    groups = alt.Scale(domain=[in_scope, comparison], range=[PRIMARY, "#7b8794"])
    legend = alt.Legend(orient="top", direction="horizontal", symbolType="stroke", symbolStrokeWidth=2.5,
                        symbolOpacity=1)
    colour = alt.Color("group:N", title=None, scale=groups, legend=legend)
    quiet = colour  # every layer shares one legend (a layer with legend=None would hide it for all)
    dash = alt.StrokeDash("group:N", title=None, scale=alt.Scale(domain=[in_scope, comparison], range=[[1, 0], [6, 4]]),
                          legend=legend)
    tooltip = [alt.Tooltip("month:T", title="month", format="%B %Y"), alt.Tooltip("group:N", title="group"),
               alt.Tooltip("label:N", title=value_title), alt.Tooltip("interval:N", title="95% interval"),
               alt.Tooltip("n:Q", title="n", format=",")]
    months = alt.Chart(_named("months"))
    shown = months.transform_filter("!datum.small")
    band = shown.mark_area(opacity=0.14).encode(
        x=x, y=alt.Y("low:Q", title=value_title, scale=alt.Scale(zero=False)), y2="high:Q", color=quiet)
    line = shown.mark_line(strokeWidth=2.5).encode(x=x, y="value:Q", color=colour, strokeDash=dash)
    points = shown.mark_point(size=45, filled=True).encode(x=x, y="value:Q", color=quiet, tooltip=tooltip)
    small = months.transform_filter("datum.small").mark_point(size=45, filled=False).encode(
        x=x, y="value:Q", color=quiet, tooltip=tooltip)
    start = alt.Chart(_named(_START))
    rule = start.mark_rule(color="#1f2933", strokeDash=[4, 3], strokeWidth=1.5).encode(
        x="start:T", tooltip=[alt.Tooltip("label:N", title="initiative")])
    text = start.mark_text(align="left", baseline="top", dx=5, y=4, fontSize=11, color="#1f2933").encode(
        x="start:T", text="label:N")
    return alt.layer(band, line, points, small, rule, text).to_dict()


def initiative_chart(frame: pl.DataFrame, *, start, start_label: str, title: str, subtitle: str, value_title: str,
                     height: int = 300) -> dict:
    """An initiative's KPI by month, in its scope and in the comparison group (docs/method/initiatives.md): a line
    with its 95% interval band per group (the comparison group dashed), small months as hollow points
    off the line, and a vertical rule at the start labelled ``start_label``.

    ``frame``: :attr:`cxdata.actions.initiatives.Measurement.monthly` (month, group, value, low, high, n, small)
    plus ``label`` and ``interval`` (text, :func:`labelled`).
    """
    from cxdata.actions.initiatives import COMPARISON, IN_SCOPE

    marker = pl.DataFrame({"start": [start], "label": [start_label]}, schema={"start": pl.Date, "label": pl.String})
    return _fill(_initiative_template(value_title, IN_SCOPE, COMPARISON), {"months": frame, _START: marker}, title,
                 subtitle, height=height)
