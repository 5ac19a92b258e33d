"""What the ROI planner page shows (docs/method/planner.md), as one frozen value: :func:`roi_screen` takes the
planner, the sidebar's Scope, the Settings, the page's own lever scope and the scenarios its widgets define, and
returns every sentence, tile, chart and table the page draws. The page draws it; nothing on it is computed there.

Where each number comes from:

- contacts in scope: :func:`cxdata.actions.planner.contacts_in_scope` (baseline contacts a month inside the lever
  scope, the average of the last 3 months);
- each scenario's numbers: :meth:`cxdata.actions.roi.PlannerBase.evaluate`; its tiles
  (:func:`cxdata.actions.planner.scenario_kpis`) and the half-effect row
  (:func:`cxdata.actions.planner.guardrail_kpis`); the verdict :meth:`cxdata.actions.roi.ScenarioResult.verdict`;
  the κ* guardrail :class:`cxdata.actions.roi.Guardrail`; capped shifts
  :func:`cxdata.actions.planner.shift_overreach`;
- the waterfall: :func:`cxdata.screens.charts.scenario_waterfall` (every step in present value, the last bar
  NPV at 36 months); the side-by-side: :func:`cxdata.actions.planner.comparison_frame` and
  :func:`cxdata.screens.charts.band_frame` of the 36-month NPVs.

Every number is written by :mod:`cxdata.format`. Sentences are plain text, except ``summary`` and
``half_effect`` of a :class:`ScenarioView`, Markdown whose numbers are in bold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import altair as alt
import polars as pl

from cxdata import format as fmt
from cxdata.access import restrict
from cxdata.actions.planner import (
    SCOPE_COLUMNS,
    Kpi,
    comparison_frame,
    contacts_in_scope,
    guardrail_kpis,
    lever_words,
    merge_scope,
    scenario_kpis,
    scope_options,
    shift_overreach,
)
from cxdata.actions.roi import PlannerBase, Scenario, ScenarioResult, Spread
from cxdata.scope import Scope, Where, withheld_sentence
from cxdata.screens.charts import band_chart, band_frame, scenario_waterfall, waterfall_chart
from cxdata.settings import Settings

GARTNER = ("Industry context, not a model input: in a Gartner survey of 5,728 customers (2024), 64% would prefer "
           "companies not to use AI for service and 60% fear it makes reaching a human harder; Gartner (2019) "
           "found only 9% of customers fully resolve their issue in self-service.")
#: The horizon of the verdict's NPV, the waterfall and the side-by-side bands (months).
HORIZON = 36

#: What an alert says: the scenario pays or does not; its shift loses value below κ*, κ* is refused or is a
#: guardrail to plan above; a channel shift was capped at the contacts the scope holds; the scope is empty.
AlertKind = Literal["pays", "fragile", "does_not_pay", "loses", "refused", "guardrail", "capped", "empty_scope"]


@dataclass(frozen=True)
class Alert:
    """A sentence the page shows in a coloured box, and what it says (``kind``) so the page picks the box."""

    kind: AlertKind
    text: str


@dataclass(frozen=True)
class Tile:
    """One number of a scenario (:class:`cxdata.actions.planner.Kpi`) as shown: ``value`` in its unit (or its
    words, e.g. ``undefined: no cost``), ``band`` its P10 to P90 (None without one), ``help`` what it is."""

    key: str
    label: str
    value: str
    band: str | None
    help: str


@dataclass(frozen=True)
class ScenarioView:
    """What the page shows of one scenario.

    ``result``: :meth:`PlannerBase.evaluate` of the scenario (its exports and initiative are made from it);
    ``title``: ``A · Faster answers``; ``verdict``: :meth:`ScenarioResult.verdict` (kind ``pays``, ``fragile`` or
    ``does_not_pay``); ``tiles``: :func:`cxdata.actions.planner.scenario_kpis` in their order;
    ``summary``: the card's line (ROI at 36 months, value-basis payback, customers kept a month; Markdown);
    ``levers``: the levers in words, without the scope; ``capped`` / ``capped_short``: one warning per channel
    shift that asks for more contacts than the scope holds (tab / card); ``guardrail``: the κ* guardrail of a
    channel shift (None without one), ``guardrail_short`` the card's, only when the planned containment loses
    value, ``guardrail_note`` how failed bot sessions are counted and the industry context; ``half_effect``:
    NPV, ROI and payback with the churn effect halved (Markdown); ``waterfall``: the steps from the
    investment to the 36-month NPV (:func:`cxdata.screens.charts.scenario_waterfall`, with ``label``, the amount
    as shown) and ``waterfall_chart`` its Vega-Lite spec.
    """

    letter: str
    result: ScenarioResult
    title: str
    verdict: Alert
    tiles: tuple[Tile, ...]
    summary: str
    levers: str
    capped: tuple[Alert, ...]
    capped_short: tuple[Alert, ...]
    guardrail: Alert | None
    guardrail_short: Alert | None
    guardrail_note: str | None
    half_effect: str
    waterfall: pl.DataFrame
    waterfall_chart: dict

    def tile(self, key: str) -> Tile:
        """The tile of ``key`` (``npv36``, ``roi36``, ``payback_value``…)."""
        return next(t for t in self.tiles if t.key == key)


@dataclass(frozen=True)
class RoiScreen:
    """The ROI planner page.

    ``caption``: the dataset, version and currency; ``where``: the levers' scope (the page's choice with the
    sidebar's other filters the contacts carry, :func:`cxdata.actions.planner.merge_scope`); ``in_scope``:
    baseline contacts a month inside it; ``scope_note``: how many contacts the levers change, or a warning when
    none; ``scenarios``: letter → :class:`ScenarioView`, None when the scenario has no lever, in the order shown;
    ``bands`` and ``bands_chart``: the 36-month NPV of each evaluated scenario with its P10 to P90
    (:func:`cxdata.screens.charts.band_frame`, with ``label`` and ``range`` as shown), and its Vega-Lite spec;
    ``comparison``: every tile and check side by side, one row per measure, one column per scenario (its title),
    each cell the value with its P10 to P90 in brackets (None, like the bands, when no scenario is evaluated).
    """

    caption: str
    where: Where
    in_scope: float
    scope_note: Alert | str
    scenarios: dict[str, ScenarioView | None]
    bands: pl.DataFrame | None
    bands_chart: dict | None
    comparison: pl.DataFrame | None


# ---------------------------------------------------------------- one number as shown


def band_text(k: Kpi, symbol: str) -> str | None:
    """The P10 to P90 band of a KPI as shown (``€225.0k to €332.0k``; ``6 to 9 months``; ``+2.8 to +2.9 pts``),
    None without one."""
    if k.p10 is None or k.p90 is None:
        return None
    if k.unit == "months":
        low, high = fmt.months(k.p10), fmt.months(k.p90)
        return fmt.span(low.split()[0] if high != "never" and low[0].isdigit() else low, high)
    if k.unit == "points":
        return fmt.span(fmt.points(k.p10).removesuffix(" pts"), fmt.points(k.p90))
    return fmt.span(fmt.value_text(k.unit, k.p10, symbol), fmt.value_text(k.unit, k.p90, symbol))


def kpi_text(k: Kpi, symbol: str) -> str:
    """A KPI's value as shown: its words when it has no number to show (``undefined: no cost``)."""
    return k.text or fmt.value_text(k.unit, k.base, symbol)


def tile_of(k: Kpi, symbol: str) -> Tile:
    return Tile(k.key, k.label, kpi_text(k, symbol), band_text(k, symbol), k.help)


def spec(chart: alt.TopLevelMixin) -> dict:
    """An Altair chart as a Vega-Lite spec, without Altair's default view size (it fills its container)."""
    out = chart.to_dict()
    out.pop("config", None)
    return out


# ---------------------------------------------------------------- one scenario


def guardrail_alerts(result: ScenarioResult) -> tuple[Alert | None, Alert | None, str | None]:
    """The over-automation guardrail of a channel shift (tab, card, note): κ* against the planned containment, or
    why no κ* is given; the card's only when the planned containment loses value; the note says how failed
    sessions and their follow-up contacts are counted, with the industry context. None each without a shift."""
    g = result.guardrail
    if g is None:
        return None, None, None
    if g.loses:
        long = Alert("loses", g.sentence() + " At this containment the shift loses money and customers.")
        short = Alert("loses", f"Containment {fmt.share(g.planned)} is below the {fmt.share(g.kappa_star)} needed to "
                               "break even: the bot destroys value." if g.reach == "within" else
                      "No containment makes this shift pay: the bot destroys value.")
    else:
        long, short = Alert("refused" if g.reach == "refused" else "guardrail", g.sentence()), None
    return long, short, g.follow_up_words() + " " + GARTNER


def capped_alerts(base: PlannerBase, scenario: Scenario) -> tuple[tuple[Alert, ...], tuple[Alert, ...]]:
    """One warning (tab, card) per channel shift asking to move more contacts than the scope holds on the channel
    it leaves (:func:`cxdata.actions.planner.shift_overreach`): the engine moves only those."""
    over = shift_overreach(base, scenario)
    long = tuple(Alert("capped", f"This plan asks to move {fmt.quantity(lever.amount)} {lever.from_channel} contacts "
                                 f"a month, but the scope holds only {fmt.quantity(available)} {lever.from_channel} "
                                 f"contacts a month: the results move those {fmt.quantity(available)}. Lower the "
                                 "number, or widen the scope.") for lever, available in over)
    short = tuple(Alert("capped", f"Shift capped at the {fmt.quantity(available)} {lever.from_channel} contacts a "
                                  "month the scope holds.") for lever, available in over)
    return long, short


def scenario_view(base: PlannerBase, letter: str, result: ScenarioResult, symbol: str) -> ScenarioView:
    """What the page shows of scenario ``letter`` evaluated as ``result`` (see :class:`ScenarioView`)."""
    tiles = tuple(tile_of(k, symbol) for k in scenario_kpis(result))
    verdict = result.verdict(symbol)
    shown = {t.key: t.value for t in tiles}
    half = {k.key: kpi_text(k, symbol) for k in guardrail_kpis(result)}
    capped, capped_short = capped_alerts(base, result.scenario)
    guardrail, guardrail_short, note = guardrail_alerts(result)
    steps = scenario_waterfall(result, HORIZON)
    steps = steps.with_columns(label=pl.Series([fmt.money(a, symbol) for a in steps.get_column("amount")],
                                               dtype=pl.String))
    return ScenarioView(
        letter=letter, result=result, title=f"{letter.upper()} · {result.scenario.name}",
        verdict=Alert(verdict.kind, verdict.text),
        tiles=tiles,
        summary=(f"ROI at 36 months **{shown['roi36']}** · payback **{shown['payback_value']}** · "
                 f"**{shown['churners']}** customers kept a month"),
        levers="Levers: " + "; ".join(lever_words(lv) for lv in result.scenario.levers) + ".",
        capped=capped, capped_short=capped_short,
        guardrail=guardrail, guardrail_short=guardrail_short, guardrail_note=note,
        half_effect=(f"**If the churn effect is half as strong:** NPV at 36 months {half['half_npv36']}, "
                     f"ROI at 36 months {half['half_roi36']}, payback {half['half_payback']}."),
        waterfall=steps, waterfall_chart=spec(waterfall_chart(steps, symbol)),
    )


# ---------------------------------------------------------------- side by side


def npv_bands(spreads: Mapping[str, Spread], symbol: str) -> pl.DataFrame:
    """:func:`cxdata.screens.charts.band_frame` of named money estimates, with ``label`` (the base) and ``range``
    (the P10 to P90) written in the workspace currency."""
    bands = band_frame(spreads)
    return bands.with_columns(
        label=pl.Series([fmt.money(v, symbol) for v in bands.get_column("base")], dtype=pl.String),
        range=pl.Series([fmt.span(fmt.money(lo, symbol), fmt.money(hi, symbol))
                         for lo, hi in bands.select("p10", "p90").iter_rows()], dtype=pl.String),
    )


def comparison_table(frame: pl.DataFrame, symbol: str) -> pl.DataFrame:
    """:func:`cxdata.actions.planner.comparison_frame` as shown: one row per measure, one column per scenario (in
    the frame's order), each cell the value with its P10 to P90 in brackets, ``–`` where a scenario has no such
    measure (κ* without a channel shift)."""
    keys = frame.get_column("key").unique(maintain_order=True).to_list()
    rows: dict[str, dict[str, str]] = {k: {} for k in keys}
    for scenario, k, label, unit, base, p10, p90, text in frame.iter_rows():
        kpi = Kpi(k, label, unit, base, p10, p90, text=text)
        band = band_text(kpi, symbol)
        rows[k]["measure"] = label
        rows[k][scenario] = kpi_text(kpi, symbol) + (f" ({band})" if band else "")
    columns = ["measure", *frame.get_column("scenario").unique(maintain_order=True)]
    return pl.DataFrame([{c: r.get(c, "–") for c in columns} for r in rows.values()],
                        schema=dict.fromkeys(columns, pl.String))


# ---------------------------------------------------------------- the page


def planner_scope(base: PlannerBase, chosen: Where, scope: Scope) -> tuple[Where, list[str], list[str]]:
    """The levers' scope: the page's choice with the sidebar's other filters the contacts carry
    (:func:`cxdata.actions.planner.merge_scope`), always within the scope's restrictions (a choice outside them is
    replaced by them); with the filter columns left out and the restricted ones the planner's contacts lack (then
    nothing is planned: the contacts cannot be limited to the user's)."""
    where, ignored = merge_scope(base, chosen, scope.where)
    withheld = [c for c in scope.restricted if c not in base.contacts.columns]
    return restrict(where, scope.restrictions)[0], ignored, withheld


def scope_choices(base: PlannerBase, scope: Scope) -> dict[str, list[str]]:
    """The values the page's own scope offers per column (:func:`cxdata.actions.planner.scope_options`), those of a
    restricted column limited to the values the user may see."""
    allowed = dict(scope.restrictions)
    return {c: [v for v in values if c not in allowed or v in allowed[c]] for c, values in scope_options(base).items()}


def scope_note(base: PlannerBase, where: Where, ignored: list[str], in_scope: float) -> Alert | str:
    """How many contacts the levers change and which filters narrow or miss them; a warning when none."""
    if in_scope == 0:
        return Alert("empty_scope", "No contacts match this scope: widen it to plan a change.")
    also = [f"{c} ({', '.join(v)})" for c, v in where if c not in SCOPE_COLUMNS]
    return (f"In scope: {fmt.quantity(in_scope)} contacts a month, the average of the last 3 months of data (the "
            "sidebar's period does not apply here)" + (f", also filtered by the sidebar's {'; '.join(also)}" if also
                                                        else "")
            + ". The levers below change only these contacts."
            + (f" Not applied (not a contact attribute): {', '.join(ignored)}." if ignored else ""))


def roi_screen(base: PlannerBase, scope: Scope, settings: Settings, chosen: Where,
               scenarios: Mapping[str, Scenario | None],
               evaluate: Callable[[Scenario], ScenarioResult] | None = None) -> RoiScreen:
    """The ROI planner page for the planner ``base`` (:meth:`PlannerBase.build` of the version's analysis).

    ``scope``: the sidebar's (its dimension filters the contacts carry narrow the levers' scope; its period does
    not apply); ``chosen``: the page's own scope (channel, touchpoint, segment, region), which wins over the
    sidebar's for the same column; ``scenarios``: letter → the scenario its inputs define (None without a lever),
    in the order shown; ``evaluate``: how a scenario is evaluated, :meth:`PlannerBase.evaluate` unless given (the
    app passes its cached one).
    """
    run = base.evaluate if evaluate is None else evaluate
    symbol = settings.symbol
    where, ignored, withheld = planner_scope(base, chosen, scope)
    if withheld:
        scenarios = dict.fromkeys(scenarios)
    in_scope = 0.0 if withheld else contacts_in_scope(base, where)
    views = {letter: None if s is None else scenario_view(base, letter, run(s), symbol)
             for letter, s in scenarios.items()}
    done = {letter: v for letter, v in views.items() if v is not None}
    bands = npv_bands({v.title: v.result.npv[HORIZON] for v in done.values()}, symbol) if done else None
    comparison = (comparison_table(comparison_frame({v.title: v.result for v in done.values()}), symbol)
                  if done else None)
    return RoiScreen(
        caption=(f"What fixing a moment of service returns, and whether it pays. Dataset {scope.dataset}, version "
                 f"{scope.version.number}; amounts in {settings.currency}, margin and costs from Settings."),
        where=where, in_scope=in_scope,
        scope_note=(Alert("empty_scope", withheld_sentence(withheld, "The plan is")) if withheld
                    else scope_note(base, where, ignored, in_scope)),
        scenarios=views, bands=bands, bands_chart=None if bands is None else spec(band_chart(bands, symbol)),
        comparison=comparison,
    )
