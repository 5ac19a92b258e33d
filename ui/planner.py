"""Widgets and drawing of the ROI planner page (docs/method/planner.md): every input is bound to the URL.

URL parameters (docs/architecture.md "Links"; values equal to the defaults are left out):

- scope, shared by every scenario: ``channel``, ``touchpoint``, ``segment``, ``region`` (repeated
  for several values), so a moment of service links here as ``/roi?channel=phone&touchpoint=billing``;
- ``compare``: how many scenarios are side by side (1–3);
- per scenario ``a_``, ``b_``, ``c_``: ``name``, ``levers`` (lever labels), each lever's amount
  (``wait_cut``, ``wait_cap``, ``transfer_cut``, ``fcr_raise``, ``shift`` with ``from``, ``to``,
  ``kappa`` and ``tau``; ``driver`` and ``factor`` for a custom lever), ``invest``, ``running``, ``ramp``.

Percentages are entered as whole percents and become the engine's shares here; every number shown
comes from :mod:`cxdata.actions.planner` / :mod:`cxdata.screens.charts` over :meth:`PlannerBase.evaluate`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl
import streamlit as st

from cxdata.actions.planner import Kpi, guardrail_kpis, lever_words, make_scope, scenario_kpis, shift_overreach
from cxdata.actions.roi import (
    CUSTOM_DRIVERS,
    LEVER_KINDS,
    Lever,
    PlannerBase,
    Scenario,
    ScenarioResult,
    Spread,
    scenario_to_dict,
)
from cxdata.format import driver_label, money, months, quantity, share, value_text
from cxdata.schema import CHANNELS
from cxdata.scope import Where
from cxdata.screens.charts import band_chart, band_frame, scenario_waterfall, waterfall_chart
from cxdata.screens.export import scenario_workbook
from cxdata.settings import Settings
from ui.downloads import XLSX_MIME
from ui.state import bound_number_input
from ui.text import plain, slug

BIND = "query-params"
SCENARIOS = ("a", "b", "c")
SCOPE_LABELS = {"channel": "Channel", "touchpoint": "Touchpoint", "segment": "Segment", "region": "Region"}
LEVER_LABELS = {
    "wait_cut": "Cut waits",
    "wait_cap": "Cap waits",
    "transfer_cut": "Fewer transfers",
    "fcr_raise": "Resolve first time",
    "channel_shift": "Shift to self-service",
    "custom": "Custom driver",
}
LEVER_HELP = ("Cut waits: scale every wait in scope down by a share. Cap waits: answer every contact within a "
              "time. Fewer transfers: a share of transferred contacts avoid a hand-off. Resolve first time: raise "
              "first-contact resolution by some points. Shift to self-service: move contacts a month from an "
              "assisted channel to a bot or self-service. Custom driver: multiply a model driver by a factor.")
GARTNER = ("Industry context, not a model input: in a Gartner survey of 5,728 customers (2024), 64% would prefer "
           "companies not to use AI for service and 60% fear it makes reaching a human harder; Gartner (2019) "
           "found only 9% of customers fully resolve their issue in self-service.")


@dataclass(frozen=True)
class ScenarioDefaults:
    name: str
    levers: tuple[str, ...]
    investment: int
    running_cost: int
    ramp_months: int


#: What each scenario starts as: three typical fixes, so a first visit already compares something.
DEFAULTS = {
    "a": ScenarioDefaults("Faster answers", ("wait_cut",), 100_000, 8_000, 3),
    "b": ScenarioDefaults("Fewer transfers", ("transfer_cut",), 120_000, 2_000, 3),
    "c": ScenarioDefaults("Bot for simple contacts", ("channel_shift",), 150_000, 3_000, 3),
}
#: Lever inputs as entered (percents as whole numbers), the same for every scenario.
AMOUNTS = {"wait_cut": 25, "wait_cap": 60, "transfer_cut": 50, "fcr_raise": 5, "shift": 2_000, "kappa": 60,
           "tau": 20, "factor": 0.8}
SHIFT_FROM, SHIFT_TO, DRIVER = "phone", "chatbot", "wait_minutes"


def key(letter: str, name: str) -> str:
    """The widget key, and URL parameter, of one scenario input: ``a_invest``."""
    return f"{letter}_{name}"


# ---------------------------------------------------------------- inputs


def scope_inputs(options: Mapping[str, Sequence[str]]) -> Where:
    """One multiselect per scope column present in the data (empty = all); bound to ``?channel=…``."""
    if not options:
        return ()
    chosen = {}
    for slot, (column, values) in zip(st.columns(len(options)), options.items()):
        chosen[column] = slot.multiselect(
            SCOPE_LABELS[column], values, key=column, bind=BIND, placeholder="All",
            help=f"Only contacts with these {column} values are changed by the levers; empty means all.")
    return make_scope(chosen)


def compare_input() -> int:
    """How many scenarios are side by side."""
    return st.segmented_control(
        "Scenarios side by side", [1, 2, 3], default=3, required=True, key="compare", bind=BIND,
        help="Compare up to three options (A, B, C); each is defined in its tab below and is part of the link.")


class Grid:
    """Cells of a grid of ``width`` columns, row after row, for inputs whose number varies."""

    def __init__(self, width: int = 3) -> None:
        self.width, self.placed, self.row = width, 0, []

    def cell(self):
        if self.placed % self.width == 0:
            self.row = st.columns(self.width)
        self.placed += 1
        return self.row[(self.placed - 1) % self.width]


def _percent(grid: Grid, label: str, letter: str, name: str, help: str, max_value: int = 100) -> float:
    value = bound_number_input(grid.cell(), label, min_value=0, max_value=max_value, value=AMOUNTS[name], step=5,
                               key=key(letter, name), help=help)
    return value / 100


def _lever(grid: Grid, kind: str, letter: str, scope: Where) -> tuple[Lever, float | None]:
    """The inputs of one lever kind and the lever they make (and τ for a channel shift)."""
    if kind == "wait_cut":
        amount = _percent(grid, "Cut waits by (%)", letter, "wait_cut",
                          "Every wait in scope becomes shorter by this share (4 → 3 minutes at 25%).")
        return Lever("wait_cut", amount, scope), None
    if kind == "wait_cap":
        seconds = bound_number_input(
            grid.cell(), "Answer within (seconds)", min_value=0, value=AMOUNTS["wait_cap"], step=10,
            key=key(letter, "wait_cap"), help="Waits in scope longer than this become this long; shorter ones are "
                                              "unchanged.")
        return Lever("wait_cap", float(seconds), scope), None
    if kind == "transfer_cut":
        amount = _percent(grid, "Transfers avoided (%)", letter, "transfer_cut",
                          "Share of the transferred contacts in scope that get one hand-off fewer.")
        return Lever("transfer_cut", amount, scope), None
    if kind == "fcr_raise":
        pts = bound_number_input(
            grid.cell(), "First-contact resolution + (points)", min_value=0, max_value=100, value=AMOUNTS["fcr_raise"],
            step=1, key=key(letter, "fcr_raise"),
            help="Percentage points of contacts in scope that become resolved at the first contact.")
        return Lever("fcr_raise", float(pts), scope), None
    if kind == "channel_shift":
        volume = bound_number_input(
            grid.cell(), "Contacts moved a month", min_value=0, value=AMOUNTS["shift"], step=100,
            key=key(letter, "shift"), help="Contacts a month that go to self-service instead of the assisted channel.")
        source = grid.cell().selectbox("From", CHANNELS, index=CHANNELS.index(SHIFT_FROM), key=key(letter, "from"),
                                       bind=BIND, help="The assisted channel the contacts leave.")
        target = grid.cell().selectbox("To", CHANNELS, index=CHANNELS.index(SHIFT_TO), key=key(letter, "to"),
                                       bind=BIND, help="The bot or self-service channel that takes them.")
        kappa = _percent(grid, "Verified containment (%)", letter, "kappa",
                         "Share of moved contacts the bot truly resolves: no human hand-off and no repeat contact "
                         "within the repeat window. Deflection overstates it.")
        tau = _percent(grid, "Re-explaining overhead (%)", letter, "tau",
                       "Extra handling when a customer the bot fails must explain again to an agent.", max_value=200)
        return Lever("channel_shift", float(volume), scope, from_channel=source, to_channel=target,
                     containment=kappa), tau
    driver = grid.cell().selectbox("Driver", CUSTOM_DRIVERS, index=CUSTOM_DRIVERS.index(DRIVER),
                                   key=key(letter, "driver"), bind=BIND, format_func=driver_label,
                                   help="A driver of the experience model.")
    factor = bound_number_input(grid.cell(), "Multiply it by", min_value=0.0, max_value=5.0, value=AMOUNTS["factor"],
                                step=0.05, format="%.2f", key=key(letter, "factor"),
                                help="0.8 lowers the driver by 20% for every contact in scope.")
    return Lever("custom", float(factor), scope, driver=driver), None


def scenario_inputs(letter: str, scope: Where, settings: Settings) -> Scenario | None:
    """The inputs of scenario ``letter`` in a bordered box: name and levers, each lever's amounts, then
    investment, running cost and ramp-up. None when no lever is chosen."""
    d = DEFAULTS[letter]
    with st.container(border=True):
        head = st.columns([1, 3])
        name = head[0].text_input("Name", d.name, max_chars=60, key=key(letter, "name"), bind=BIND,
                                  help="Shown on the comparison and the exports.").strip()
        name = name or f"Scenario {letter.upper()}"
        kinds = head[1].pills("Levers", LEVER_KINDS, selection_mode="multi", default=list(d.levers),
                              key=key(letter, "levers"), bind=BIND, format_func=LEVER_LABELS.get, help=LEVER_HELP,
                              wrap=True) or []
        levers, tau, grid = [], None, Grid(3)
        for kind in (k for k in LEVER_KINDS if k in kinds):
            lever, lever_tau = _lever(grid, kind, letter, scope)
            levers.append(lever)
            tau = lever_tau if lever_tau is not None else tau
        sym = settings.currency
        invest, running, months_in = st.columns(3)
        investment = bound_number_input(invest, f"Investment ({sym})", min_value=0, value=d.investment, step=10_000,
                                        key=key(letter, "invest"), help="One-off cost at the start.")
        running_cost = bound_number_input(running, f"Running cost a month ({sym})", min_value=0,
                                          value=d.running_cost, step=1_000, key=key(letter, "running"),
                                          help="Staff, licences and upkeep, every month from the start.")
        ramp = bound_number_input(
            months_in, "Months to full effect", min_value=0, max_value=36, value=d.ramp_months, step=1,
            key=key(letter, "ramp"),
            help="The effect grows linearly to full over these months (0: full from the first month).")
    if not levers:
        return None
    overrides = {"investment": float(investment), "running_cost": float(running_cost), "ramp_months": float(ramp)}
    if tau is not None:
        overrides["reexplain_overhead"] = tau
    return Scenario(name, tuple(levers), settings.economics(**overrides))


def band_text(k: Kpi, symbol: str) -> str | None:
    """The P10–P90 band of a KPI as shown (``€225k – €332k``; ``6–9 months``), None without one."""
    if k.p10 is None or k.p90 is None:
        return None
    if k.unit == "months":
        low, high = months(k.p10), months(k.p90)
        return f"{low.split()[0]}–{high}" if high != "never" else f"{low} – never"
    if k.unit == "points":
        return f"{value_text(k.unit, k.p10, symbol).removesuffix(' pts')} – {value_text(k.unit, k.p90, symbol)}"
    return f"{value_text(k.unit, k.p10, symbol)} – {value_text(k.unit, k.p90, symbol)}"


def kpi_text(k: Kpi, symbol: str) -> str:
    """A KPI's value as shown: its words when it has no number to show (``undefined: no cost``)."""
    return k.text or value_text(k.unit, k.base, symbol)


def tile(slot, k: Kpi, symbol: str, border: bool = True) -> None:
    """One KPI as a metric, its P10–P90 band (if any) in grey under the value."""
    band = band_text(k, symbol)
    slot.metric(k.label, kpi_text(k, symbol), delta=band, delta_color="off", delta_arrow="off",
                delta_description="P10–P90" if band else None, help=k.help, border=border)


def verdict(result: ScenarioResult, symbol: str) -> None:
    """The plain-language verdict: green when the scenario pays, amber when it does not."""
    text = plain(result.verdict(symbol))
    (st.success if result.pays else st.warning)(text, icon=":material/check_circle:" if result.pays
                                                else ":material/block:")


def guardrail_note(result: ScenarioResult, short: bool = False) -> None:
    """The over-automation guardrail of a channel shift: κ* against the planned containment, or why no κ*
    is given, how failed sessions and their follow-up contacts are counted, and the industry context
    (``short``: on a summary card, only when the planned containment does not pay)."""
    g = result.guardrail
    if g is None:
        return
    if short:
        if g.loses:
            st.error(f"Containment {share(g.planned)} is below κ* = {share(g.kappa_star)}: the bot destroys value."
                     if g.reach == "within" else "No containment makes this shift pay (κ* is out of reach): the bot "
                     "destroys value.", icon=":material/warning:")
        return
    if g.loses:
        st.error(plain(g.sentence() + " At this containment the shift loses money and customers."),
                 icon=":material/warning:")
    elif g.reach == "refused":
        st.warning(plain(g.sentence()), icon=":material/help:")
    else:
        st.info(plain(g.sentence()), icon=":material/shield:")
    st.caption(plain(g.follow_up_words()) + " " + GARTNER)


def overreach_note(base: PlannerBase, scenario: Scenario, short: bool = False) -> None:
    """A warning when a channel shift asks to move more contacts than the scope holds on that channel: the
    engine moves only those, and the page says so."""
    for lever, available in shift_overreach(base, scenario):
        if short:
            st.warning(f"Shift capped at the {quantity(available)} {lever.from_channel} contacts a month the scope "
                       "holds.", icon=":material/warning:")
            continue
        st.warning(f"This plan asks to move {quantity(lever.amount)} {lever.from_channel} contacts a month, but the "
                   f"scope holds only {quantity(available)} {lever.from_channel} contacts a month: the results move "
                   f"those {quantity(available)}. Lower the number, or widen the scope.", icon=":material/warning:")


def half_effect_line(result: ScenarioResult, symbol: str) -> None:
    """The half-effect sensitivity row (docs/method/planner.md) as one sentence."""
    shown = {k.key: kpi_text(k, symbol) for k in guardrail_kpis(result)}
    st.markdown(f"**If the churn effect is half as strong:** NPV at 36 months {shown['half_npv36']}, "
                f"ROI at 36 months {shown['half_roi36']}, payback {shown['half_payback']}.".replace("$", "\\$"))


# ---------------------------------------------------------------- results of one scenario


def summary_card(base: PlannerBase, letter: str, result: ScenarioResult | None, symbol: str) -> None:
    """The card at the top of the page: name, verdict, the 36-month NPV with its band, then ROI, payback
    and customers kept in one line, and the levers in words. Keyed ``card_a``… (CSS class ``st-key-card_a``)."""
    with st.container(border=True, key=f"card_{letter}"):
        if result is None:
            st.markdown(f"**{letter.upper()}** · no lever chosen")
            st.caption("Pick at least one lever in this scenario's tab below.")
            return
        st.markdown(f"**{letter.upper()} · {plain(result.scenario.name)}**")
        verdict(result, symbol)
        overreach_note(base, result.scenario, short=True)
        guardrail_note(result, short=True)
        kpis = {k.key: k for k in scenario_kpis(result)}
        tile(st, kpis["npv36"], symbol, border=False)
        shown = {name: kpi_text(kpis[name], symbol) for name in ("roi36", "payback_value", "churners")}
        st.markdown(f"ROI at 36 months **{shown['roi36']}** · payback **{shown['payback_value']}** · "
                    f"**{shown['churners']}** customers kept a month".replace("$", "\\$"))
        st.caption(plain("Levers: " + "; ".join(lever_words(lv) for lv in result.scenario.levers) + "."))


def scenario_details(base: PlannerBase, result: ScenarioResult, symbol: str) -> None:
    """Verdict, the KPI tiles with their P10–P90, the κ* guardrail and the half-effect row."""
    verdict(result, symbol)
    overreach_note(base, result.scenario)
    guardrail_note(result)
    kpis = scenario_kpis(result)
    for row in range(0, len(kpis), 4):
        for slot, k in zip(st.columns(4), kpis[row:row + 4]):
            tile(slot, k, symbol)
    half_effect_line(result, symbol)


def scenario_charts(letter: str, result: ScenarioResult, symbol: str, dataset: str, version: int) -> None:
    """The waterfall to the 36-month net value (with its P10–P90), how to read it, and the exports."""
    left, right = st.columns([5, 2], gap="medium")
    frame = scenario_waterfall(result, 36)
    frame = frame.with_columns(label=pl.Series([money(a, symbol) for a in frame.get_column("amount")],
                                               dtype=pl.String))
    left.markdown("**From the investment to the net value at 36 months** (present value)")
    left.altair_chart(waterfall_chart(frame, symbol), width="stretch")
    with right:
        st.markdown("**How to read it**")
        st.caption("Each bar adds or takes away money over 36 months, discounted at the WACC; the last bar is the "
                   "net present value. The black bar on it is the P10–P90 range: 8 in 10 simulated outcomes "
                   "(model coefficients and business-input ranges) fall inside. Associations adjusted for segment, "
                   "plan, region, tenure and month, not proof of cause.")
        exports(letter, result, symbol, dataset, version)


def npv_bands(spreads: Mapping[str, Spread], symbol: str):
    """:func:`cxdata.screens.charts.band_chart` of named money estimates, labelled in the workspace currency."""
    bands = band_frame(spreads)
    return band_chart(bands.with_columns(
        label=pl.Series([money(v, symbol) for v in bands.get_column("base")], dtype=pl.String),
        range=pl.Series([f"{money(lo, symbol)} – {money(hi, symbol)}"
                         for lo, hi in bands.select("p10", "p90").iter_rows()], dtype=pl.String),
    ), symbol)


def exports(letter: str, result: ScenarioResult, symbol: str, dataset: str, version: int) -> None:
    """Excel workbook (inputs, assumptions, results) and the scenario file the command line reads."""
    stem = f"roi-{slug(dataset)}-{slug(result.scenario.name)}"
    row = st
    row.download_button(
        "Export to Excel", lambda: scenario_workbook(result, currency=symbol, dataset=dataset, version=version),
        file_name=f"{stem}.xlsx", mime=XLSX_MIME, key=f"{letter}-xlsx", on_click="ignore",
        icon=":material/download:", help="Levers, results with P10–P90, checks and every assumption, for finance.")
    row.download_button(
        "Scenario file (JSON)", json.dumps(scenario_to_dict(result.scenario), indent=2, ensure_ascii=False),
        file_name=f"{stem}.json", mime="application/json", key=f"{letter}-json", on_click="ignore",
        icon=":material/data_object:",
        help="Re-run it with: python -m cxdata roi --scenario FILE.json (add --xlsx OUT.xlsx for the workbook).")


# ---------------------------------------------------------------- comparison


def comparison_table(frame: pl.DataFrame, names: Mapping[str, str], symbol: str) -> pl.DataFrame:
    """:func:`cxdata.actions.planner.comparison_frame` as shown: one row per measure, one column per scenario."""
    keys = frame.get_column("key").unique(maintain_order=True).to_list()
    rows = {k: {"measure": None} for k in keys}
    for scenario, k, label, unit, base, p10, p90, text in frame.iter_rows():
        kpi = Kpi(k, label, unit, base, p10, p90, text=text)
        band = band_text(kpi, symbol)
        rows[k]["measure"] = label
        rows[k][names[scenario]] = kpi_text(kpi, symbol) + (f" ({band})" if band else "")
    columns = ["measure", *names.values()]
    return pl.DataFrame([{c: r.get(c, "–") for c in columns} for r in rows.values()],
                        schema={c: pl.String for c in columns})
