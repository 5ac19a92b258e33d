"""Widgets and drawing of the ROI planner page (docs/method/planner.md): every input is bound to the URL.

URL parameters (docs/architecture.md "Links"; values equal to the defaults are left out):

- scope, shared by every scenario: ``channel``, ``touchpoint``, ``segment``, ``region`` (repeated
  for several values), so a moment of service links here as ``/roi?channel=phone&touchpoint=billing``;
- ``compare``: how many scenarios are side by side (1–3);
- per scenario ``a_``, ``b_``, ``c_``: ``name``, ``levers`` (lever labels), each lever's amount
  (``wait_cut``, ``wait_cap``, ``transfer_cut``, ``fcr_raise``, ``shift`` with ``from``, ``to``,
  ``kappa`` and ``tau``; ``driver`` and ``factor`` for a custom lever), ``invest``, ``running``, ``ramp``.

Percentages are entered as whole percents and become the engine's shares here; every number, sentence and
chart shown comes from :func:`cxdata.screens.roi.roi_screen`, which the drawing functions below only draw.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import streamlit as st

from cxdata.actions.planner import make_scope
from cxdata.actions.roi import CUSTOM_DRIVERS, LEVER_KINDS, Lever, PlannerBase, Scenario, scenario_to_dict
from cxdata.catalog.store import Store, VersionInfo
from cxdata.format import driver_label
from cxdata.schema import CHANNELS
from cxdata.scope import Scope, Where
from cxdata.screens.export import scenario_workbook
from cxdata.screens.roi import Alert, RoiScreen, ScenarioView, Tile, roi_screen
from cxdata.settings import Settings
from ui.analysis import CACHE_KEYS
from ui.charts import draw
from ui.downloads import XLSX_MIME
from ui.state import bound_number_input
from ui.text import NO_VALUE, plain, slug

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


def scenario_params(scenario: Scenario, letter: str = "a") -> dict[str, list[str]]:
    """The URL parameters that make scenario ``letter`` of the page equal ``scenario`` (the inverse of
    :func:`scenario_inputs`; its scope is the page's scope, given apart): name, levers, each lever's amount as
    entered (whole percents for shares), investment, running cost and ramp-up."""
    economics = scenario.economics
    params = {key(letter, "name"): [scenario.name],
              key(letter, "levers"): [LEVER_LABELS[lv.kind] for lv in scenario.levers],
              key(letter, "invest"): [f"{economics.investment:.0f}"],
              key(letter, "running"): [f"{economics.running_cost:.0f}"],
              key(letter, "ramp"): [f"{economics.ramp_months:.0f}"]}
    for lv in scenario.levers:
        if lv.kind in ("wait_cut", "transfer_cut"):
            params[key(letter, lv.kind)] = [f"{lv.amount * 100:.0f}"]
        elif lv.kind in ("wait_cap", "fcr_raise"):
            params[key(letter, lv.kind)] = [f"{lv.amount:.0f}"]
        elif lv.kind == "channel_shift":
            params |= {key(letter, "shift"): [f"{lv.amount:.0f}"], key(letter, "from"): [lv.from_channel],
                       key(letter, "to"): [lv.to_channel], key(letter, "kappa"): [f"{lv.containment * 100:.0f}"],
                       key(letter, "tau"): [f"{economics.reexplain_overhead * 100:.0f}"]}
        else:
            params |= {key(letter, "driver"): [str(lv.driver)], key(letter, "factor"): [f"{lv.amount:g}"]}
    return params


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=CACHE_KEYS)
def view_roi(store: Store, version: VersionInfo, settings: Settings, scope: Scope, chosen: Where,
             scenarios: Mapping[str, Scenario | None], _base: PlannerBase) -> RoiScreen:
    """The page's screen (:func:`cxdata.screens.roi.roi_screen`), its scenarios evaluated by the planner (which
    remembers their results: ``PlannerBase.evaluate``), computed once for
    every session: keyed by store, version, settings, the sidebar's scope, the page's own scope and the scenarios,
    which also determine ``_base`` (the version's planner; not hashed)."""
    return roi_screen(_base, scope, settings, chosen, scenarios, _base.evaluate)


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
    return _scenario(name, levers, tau, investment, running_cost, ramp, settings)


def _scenario(name: str, levers: Sequence[Lever], tau: float | None, investment: float, running_cost: float,
              ramp: float, settings: Settings) -> Scenario:
    overrides = {"investment": float(investment), "running_cost": float(running_cost), "ramp_months": float(ramp)}
    if tau is not None:
        overrides["reexplain_overhead"] = tau
    return Scenario(name, tuple(levers), settings.economics(**overrides))


def default_lever(kind: str, scope: Where) -> tuple[Lever, float | None]:
    """The lever ``kind`` as its inputs start (:data:`AMOUNTS`, the widgets' defaults), and τ for a channel shift."""
    if kind in ("wait_cut", "transfer_cut"):
        return Lever(kind, AMOUNTS[kind] / 100, scope), None
    if kind in ("wait_cap", "fcr_raise"):
        return Lever(kind, float(AMOUNTS[kind]), scope), None
    if kind == "channel_shift":
        return Lever("channel_shift", float(AMOUNTS["shift"]), scope, from_channel=SHIFT_FROM, to_channel=SHIFT_TO,
                     containment=AMOUNTS["kappa"] / 100), AMOUNTS["tau"] / 100
    return Lever("custom", float(AMOUNTS["factor"]), scope, driver=DRIVER), None


def default_scenario(letter: str, scope: Where, settings: Settings) -> Scenario:
    """Scenario ``letter`` as a first visit to the page makes it (:data:`DEFAULTS`; what :func:`scenario_inputs`
    returns before any input is changed), its levers on ``scope``."""
    d = DEFAULTS[letter]
    made = [default_lever(kind, scope) for kind in LEVER_KINDS if kind in d.levers]
    tau = next((t for _, t in made if t is not None), None)
    return _scenario(d.name, [lever for lever, _ in made], tau, d.investment, d.running_cost, d.ramp_months, settings)


def tile(slot, t: Tile, border: bool = True) -> None:
    """One KPI as a metric, its P10 to P90 band (if any) in grey under the value."""
    slot.metric(t.label, t.value, delta=t.band, delta_color="off", delta_arrow="off",
                delta_description="P10 to P90" if t.band else None, help=t.help, border=border)


#: How each kind of alert is drawn: its box and icon.
BOXES = {"pays": (st.success, ":material/check_circle:"), "fragile": (st.warning, ":material/error:"),
         "does_not_pay": (st.error, ":material/block:"),
         "loses": (st.error, ":material/warning:"), "refused": (st.warning, ":material/help:"),
         "guardrail": (st.info, ":material/shield:"), "capped": (st.warning, ":material/warning:"),
         "empty_scope": (st.warning, ":material/filter_alt_off:")}


def alert(a: Alert, escape: bool = True) -> None:
    """An alert in its box (``escape``: its text shown verbatim, Markdown characters escaped)."""
    box, icon = BOXES[a.kind]
    box(plain(a.text) if escape else a.text, icon=icon)


# ---------------------------------------------------------------- results of one scenario


def scope_note(screen: RoiScreen) -> None:
    """How many contacts a month the levers change, or a warning when the scope holds none."""
    if isinstance(screen.scope_note, Alert):
        alert(screen.scope_note, escape=False)
    else:
        st.caption(plain(screen.scope_note))


def summary_card(letter: str, view: ScenarioView | None) -> None:
    """The card at the top of the page: name, verdict, the 36-month NPV with its band, then ROI, payback
    and customers kept in one line, and the levers in words. Keyed ``card_a``… (CSS class ``st-key-card_a``)."""
    with st.container(border=True, key=f"card_{letter}"):
        if view is None:
            st.markdown(f"**{letter.upper()}** · no lever chosen")
            st.caption("Pick at least one lever in this scenario's tab below.")
            return
        st.markdown(f"**{plain(view.title)}**")
        alert(view.verdict)
        for a in view.capped_short:
            alert(a, escape=False)
        if view.guardrail_short is not None:
            alert(view.guardrail_short, escape=False)
        tile(st, view.tile("npv36"), border=False)
        st.markdown(view.summary.replace("$", "\\$"))
        st.caption(plain(view.levers))


def scenario_details(view: ScenarioView) -> None:
    """Verdict, the KPI tiles with their P10 to P90, the κ* guardrail and the half-effect row."""
    alert(view.verdict)
    for a in view.capped:
        alert(a, escape=False)
    if view.guardrail is not None:
        alert(view.guardrail)
    if view.guardrail_note is not None:
        st.caption(plain(view.guardrail_note))
    for row in range(0, len(view.tiles), 4):
        for slot, t in zip(st.columns(4), view.tiles[row:row + 4]):
            tile(slot, t)
    st.markdown(view.half_effect.replace("$", "\\$"))


def scenario_charts(view: ScenarioView, symbol: str, dataset: str, version: int) -> None:
    """The waterfall to the 36-month net value (with its P10 to P90), how to read it, and the exports."""
    left, right = st.columns([5, 2], gap="medium")
    left.markdown("**From the investment to the net value at 36 months** (present value)")
    with left:
        draw(view.waterfall_chart)
    with right:
        st.markdown("**How to read it**")
        st.caption("Each bar adds or takes away money over 36 months, discounted at the WACC; the last bar is the "
                   "net present value. The black bar on it is the P10 to P90 range: 8 in 10 simulated outcomes "
                   "(model coefficients and business-input ranges) fall inside. Associations adjusted for segment, "
                   "plan, region, tenure and month, not proof of cause.")
        exports(view, symbol, dataset, version)


def exports(view: ScenarioView, symbol: str, dataset: str, version: int) -> None:
    """Excel workbook (inputs, assumptions, results) and the scenario file the command line reads."""
    result = view.result
    stem = f"roi-{slug(dataset)}-{slug(result.scenario.name)}"
    st.download_button(
        "Export to Excel", lambda: scenario_workbook(result, currency=symbol, dataset=dataset, version=version),
        file_name=f"{stem}.xlsx", mime=XLSX_MIME, key=f"{view.letter}-xlsx", on_click="ignore",
        icon=":material/download:", help="Levers, results with P10 to P90, checks and every assumption, for finance.")
    st.download_button(
        "Scenario file (JSON)", json.dumps(scenario_to_dict(result.scenario), indent=2, ensure_ascii=False),
        file_name=f"{stem}.json", mime="application/json", key=f"{view.letter}-json", on_click="ignore",
        icon=":material/data_object:",
        help="Re-run it with: python -m cxdata roi --scenario FILE.json (add --xlsx OUT.xlsx for the workbook).")


# ---------------------------------------------------------------- comparison


def side_by_side(screen: RoiScreen) -> None:
    """The 36-month NPVs with their P10 to P90 and every number of the evaluated scenarios, side by side."""
    if screen.bands_chart is None or screen.comparison is None:
        return
    st.subheader("Side by side", divider="gray")
    st.markdown("**NPV at 36 months, with its P10 to P90 range**")
    draw(screen.bands_chart)
    table = screen.comparison
    st.markdown("**All the numbers** (base case, with P10 to P90 in brackets)")
    st.dataframe(table, hide_index=True, placeholder=NO_VALUE, width="stretch", height=35 * (table.height + 1) + 3,
                 column_config={"measure": st.column_config.TextColumn("", width="medium")})
