"""The Initiatives page, built once for the page that draws it (and the meeting pack and ``report --json`` that can
write it): the list of a dataset's initiatives by status and impact, and for each one its measurement as the page
shows it — before and after the start, the difference-in-differences with its placebo (pre-trend) check, the
monthly chart, and realised value and ROI against its ROI scenario's plan.

Where each number comes from: every initiative is measured by :func:`cxdata.actions.initiatives.portfolio`, which
calls :func:`cxdata.actions.initiatives.measure` (the module docstring there gives the formulas: before/after with
SE(Δ) = √(SE_after² + SE_before²); DiD = (T_after − T_before) − (C_after − C_before) against the rest of the data;
the placebo DiD inside the before window; realised value a month = planned value a month × observed effect /
predicted effect, ROI to date = (value to date − cost to date) / cost to date); the list's numbers are
:func:`cxdata.actions.initiatives.portfolio_table`. This module only writes them (:mod:`cxdata.format`) and
composes the sentences. Each initiative is measured in its own scope: the sidebar's filters do not apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from cxdata import format as fmt
from cxdata.actions.initiatives import (
    Measurement,
    Tracked,
    Window,
    baseline_of,
    plan_of,
    portfolio,
    portfolio_table,
    verdict,
)
from cxdata.catalog.store import Store
from cxdata.catalog.tables import Initiative
from cxdata.measures.metrics import Estimate, Metric
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.charts import initiative_chart, labelled
from cxdata.screens.dashboard import supported_metrics
from cxdata.screens.figures import Tile
from cxdata.settings import Settings

#: KPIs an initiative (or an alert) offers first: the moment of service's measure, then the surveys.
PREFERRED = ("negative_rate", "csat", "nps", "ces", "fcr")
STATUS_LABELS = {"active": "● active", "planned": "○ planned", "done": "✓ done", "dropped": "✕ dropped"}
SHORT_VERDICTS = {"no clear change": "unclear", "not measured yet": "not yet"}
#: Notes of the engine that the tiles already say (no data after the start; no comparison group).
_SAID_BY_TILES = ("No data after the start", "The scope covers every row")


# ---------------------------------------------------------------- numbers as shown


def _delta(value: float | None, unit: str, symbol: str = "€") -> str:
    """A change with its sign (:func:`cxdata.format.delta`), ``–`` without one."""
    return fmt.delta(value, unit, symbol) or "–"


def ci_text(e: Estimate, unit: str, symbol: str = "€") -> str:
    """The 95% interval of a change: ``95% CI −6.3 to +3.3 pts``."""
    return fmt.ci(_delta(e.low, unit, symbol), _delta(e.high, unit, symbol)).replace(" pts to ", " to ")


def change_text(e: Estimate | None, unit: str, symbol: str = "€") -> str:
    """A change with its interval: ``−1.5 pts (95% CI −6.3 to +3.3 pts)``; ``–`` without one."""
    if e is None or e.value is None:
        return "–"
    text = _delta(e.value, unit, symbol)
    if e.low is not None and e.high is not None:
        text += f" ({ci_text(e, unit, symbol)})"
    return text


def short_change(e: Estimate | None, unit: str, symbol: str = "€") -> str:
    """A change and its 95% interval in a table cell: ``−12.4 (−22.9 to −1.8)`` (percentage points for a
    rate, as the list's column help says)."""
    if e is None or e.value is None:
        return "–"
    text = _delta(e.value, unit, symbol)
    if e.low is None or e.high is None:
        return text
    bounds = [_delta(b, unit, symbol).removesuffix(" pts").removesuffix(" s") for b in (e.low, e.high)]
    text = text.removesuffix(" pts") if unit == "%" else text
    return f"{text} ({fmt.span(*bounds)})"


def value_caption(e: Estimate | None, unit: str, symbol: str, window: str | None = None) -> str:
    """``Mar–Jun 2026 · 95% CI 27.7% to 34.3% · n = 744`` (what a value tile says under its number)."""
    if e is None or e.value is None:
        return "No data." if window is None else f"{window} · no data"
    parts = [window] if window else []
    parts += [fmt.interval(e.low, e.high, unit, symbol), f"n = {fmt.count(e.n)}"]
    return " · ".join(p for p in parts if p)


def window_text(w: Window | None) -> str | None:
    """A measurement window as months: ``Jul–Dec 2026``; None without one."""
    return None if w is None else fmt.month_span(w.start, w.end)


def where_words(where: Mapping[str, Sequence[str]]) -> str:
    """An initiative's scope as the filters are written: ``Channel: phone · Touchpoint: billing``."""
    return fmt.where_text(sorted(where.items()))


def scope_words(where: Mapping[str, Sequence[str]]) -> str:
    """The scope as its values, for the list: ``phone · billing · Small Business``; ``all`` without one."""
    return " · ".join(", ".join(map(str, v)) for _, v in sorted(where.items())) or "all"


def label_of(initiative_id: int, title: str) -> str:
    """What the selector shows, and the page's ``initiative`` URL parameter: ``#3 · Cut billing waits``."""
    return f"#{initiative_id} · {title.strip()}"


def initiative_label(i: Initiative) -> str:
    """:func:`label_of` an initiative of the catalog."""
    assert i.id is not None  # read back from the catalog, so numbered
    return label_of(i.id, i.title)


def initiative_metrics(a: Analysis) -> list[Metric]:
    """The KPIs an initiative or an alert can track on this data, the negative-experience rate first
    (:func:`cxdata.screens.dashboard.supported_metrics`)."""
    return supported_metrics(a, first=PREFERRED)


# ---------------------------------------------------------------- the screen


@dataclass(frozen=True)
class Fact:
    """A part of a line of facts: ``lead``, then ``value`` (stressed when drawn; empty for none), then ``tail``."""

    lead: str
    value: str = ""
    tail: str = ""

    @property
    def text(self) -> str:
        return f"{self.lead}{self.value}{self.tail}"


@dataclass(frozen=True)
class InitiativeDetail:
    """One initiative as the page's detail shows it.

    ``label``: the selector's text (:func:`label_of`); ``facts``: status, owner, KPI, scope, start and source in
    one line; ``status_note``: why it cannot be measured (None when it has data before the start or is measured);
    ``tiles``: before, after (with the change and its verdict's colour) and the difference-in-differences, each
    with its interval and n (:func:`cxdata.actions.initiatives.measure`); ``notes``: what the tiles leave out — no
    data after the start, the placebo (pre-trend) check, the engine's other notes — in the order drawn;
    ``target``: the baseline stored at creation, the target and the value since the start; ``chart``: the KPI by
    month in the scope and the comparison group (None without months); ``plan_note``: why there is no plan to
    compare with (None with one); ``plan_tiles``: predicted effect (P50), observed effect, realised value a
    month and ROI to date (empty without a plan). ``initiative`` and ``measurement`` are the engine's values."""

    id: int
    label: str
    title: str
    facts: str
    status_note: str | None
    tiles: tuple[Tile, ...]
    notes: tuple[str, ...]
    target: tuple[Fact, ...]
    chart: dict | None
    plan_note: str | None
    plan_tiles: tuple[Tile, ...]
    initiative: Initiative
    measurement: Measurement


@dataclass(frozen=True)
class InitiativesScreen:
    """What the Initiatives page shows for a dataset version.

    ``intro``: what the page shows and that the sidebar's filters do not apply; ``metrics``: the KPIs an
    initiative can be measured on (:func:`initiative_metrics`; none: nothing is measured); ``portfolio``:
    :func:`cxdata.actions.initiatives.portfolio_table` (numbers in the KPI's display unit, one row per initiative,
    active first, then planned, done and dropped, the largest impact first); ``table``: the same rows as the list
    shows them (status · start, initiative (owner), KPI · scope, effect (95% CI) · method, verdict, ROI to date
    (plan)); ``details``: each initiative's detail, in the same order."""

    intro: str
    metrics: tuple[Metric, ...]
    portfolio: pl.DataFrame
    table: pl.DataFrame
    details: tuple[InitiativeDetail, ...]

    def detail(self, initiative_id: int) -> InitiativeDetail:
        """The detail of one initiative of the list."""
        return next(d for d in self.details if d.id == initiative_id)


def initiatives_screen(a: Analysis, scope: Scope, settings: Settings, store: Store) -> InitiativesScreen:
    """The Initiatives page of ``scope``'s dataset version: the initiatives of ``store`` measured on ``a``'s frames
    under ``settings``' definitions, written in its currency. Only ``scope``'s dataset and version are read, and
    its restrictions: a restricted user's initiatives are measured on the rows the user may see alone."""
    metrics = initiative_metrics(a)
    contacts, panel = scope.within(a.contacts), scope.within(a.panel)
    tracked = portfolio(store, scope.dataset, contacts, panel, settings.params()) if metrics else []
    numbers = portfolio_table(tracked)
    within = f", within the rows your account may see ({scope.where_text()})" if scope.restrictions else ""
    return InitiativesScreen(
        intro=(f"Findings turned into actions with a measured result. Dataset {scope.dataset}, version "
               f"{scope.version.number}. Each initiative is measured in its own scope{within}, before and after its "
               "start: the sidebar's filters do not apply on this page."),
        metrics=tuple(metrics), portfolio=numbers, table=list_table(tracked, numbers, settings.symbol),
        details=tuple(initiative_detail(t, settings.symbol) for t in tracked))


def list_table(tracked: Sequence[Tracked], numbers: pl.DataFrame, symbol: str) -> pl.DataFrame:
    """``numbers`` (:func:`cxdata.actions.initiatives.portfolio_table` of ``tracked``) as the list shows it."""
    rows = []
    for t, r in zip(tracked, numbers.iter_rows(named=True), strict=True):
        unit, ms = r["unit"], t.measurement
        if r["realised ROI to date"] is not None:
            realised = (f"{fmt.signed_percent(r['realised ROI to date'])} "
                        f"({fmt.signed_percent(r['planned ROI to date'])})")
        else:
            realised = "no plan" if plan_of(t.initiative) is None else "–"
        method = {"difference-in-differences": "against a comparison group",
                  "before/after": "before/after"}.get(r["method"])
        rows.append({
            "status": f"{STATUS_LABELS.get(r['status'], r['status'])} · {r['start']:%b %Y}",
            "initiative": r["title"] + (f" ({r['owner']})" if r["owner"] else ""),
            "KPI and scope": f"{r['KPI']} · {scope_words(t.initiative.where)}",
            "effect": f"{short_change(ms.effect, unit, symbol)} {method}" if method else "not measured yet",
            "verdict": SHORT_VERDICTS.get(r["verdict"], r["verdict"]),
            "realised ROI": realised,
        })
    schema = {"status": pl.String, "initiative": pl.String, "KPI and scope": pl.String, "effect": pl.String,
              "verdict": pl.String, "realised ROI": pl.String}
    return pl.DataFrame(rows, schema=schema)


# ---------------------------------------------------------------- one initiative


def initiative_detail(t: Tracked, symbol: str) -> InitiativeDetail:
    """The detail of one measured initiative (:class:`InitiativeDetail`)."""
    i, ms = t.initiative, t.measurement
    assert i.id is not None  # read back from the catalog, so numbered
    facts = [STATUS_LABELS.get(i.status, i.status), f"owner {i.owner or 'not set'}", ms.metric.label,
             where_words(i.where), f"starts {i.start:%-d %b %Y}"]
    notes = []
    if ms.after is None or not ms.after.n:
        notes.append(ms.notes[0] if ms.notes else "No data after the start yet.")
    if (pre_trend := pre_trend_note(ms)) is not None:
        notes.append(pre_trend)
    notes += [n for n in ms.notes if not n.startswith(_SAID_BY_TILES)]
    plan_note, plan_tiles = plan_block(i, ms, symbol)
    return InitiativeDetail(
        id=i.id, label=label_of(i.id, i.title), title=i.title,
        facts=" · ".join(facts) + (f" · from {i.source}" if i.source else ""),
        status_note=ms.status if ms.status != "measured" and ms.before is None else None,
        tiles=measurement_tiles(ms, symbol), notes=tuple(notes), target=target_facts(i, ms, symbol),
        chart=monthly_chart(i, ms, symbol), plan_note=plan_note, plan_tiles=plan_tiles, initiative=i,
        measurement=ms)


#: The difference-in-differences tile, in plain words (the technical term is in its help).
DID_LABEL = "Change beyond what moved elsewhere"


def measurement_tiles(ms: Measurement, symbol: str) -> tuple[Tile, Tile, Tile]:
    """Before, after (with the change against before) and the difference-in-differences, each with interval and n."""
    m, unit = ms.metric, ms.metric.unit
    before, after, change, did = ms.before, ms.after, ms.change, ms.did
    word = verdict(change, m.higher_is_better)
    shown = fmt.delta(change.value, unit, symbol) if change else None
    tiles = (
        Tile("Before the start", fmt.number(before.value if before else None, unit, symbol),
             f"{m.label} in the scope over the window just before the start.",
             value_caption(before, unit, symbol, window_text(ms.before_window))),
        Tile("After the start", fmt.number(after.value if after else None, unit, symbol),
             f"{m.label} in the scope from the start on (at most 6 months). The change against before, "
             f"with its 95% interval: {change_text(change, unit, symbol)}.",
             value_caption(after, unit, symbol, window_text(ms.after_window)),
             delta=shown,
             delta_color="off" if word == "no clear change" else "normal" if m.higher_is_better else "inverse"),
    )
    if did is not None:
        control = ms.control_change
        caption = (f"{ci_text(did, unit, symbol)} · the comparison group changed by "
                   f"{_delta(control.value, unit, symbol) if control else '–'}")
        return (*tiles, Tile(
            DID_LABEL, _delta(did.value, unit, symbol),
            "(Scope after − before) − (comparison group after − before): the change in the scope beyond what "
            "moved the rest of the data too (seasonality, prices). Assumes both would have moved in parallel. "
            "Technical term: difference-in-differences (DiD).",
            caption))
    return (*tiles, Tile(
        DID_LABEL, "–",
        "Needs rows outside the scope, before and after the start.",
        "No comparison group: the scope covers every row." if change is not None
        else "Needs data before and after the start."))


def pre_trend_note(ms: Measurement) -> str | None:
    """The placebo (pre-trend) check in one sentence when it passes or cannot be made (the engine's note says
    when it fails); None when there is nothing to say."""
    p = ms.placebo
    if p is None or p.value is None or p.low is None or p.high is None:
        return ("Pre-trend check: the window before the start is too short for a placebo test."
                if ms.did is not None else None)
    if p.low <= 0 <= p.high:
        return (f"Pre-trend check passed: inside the window before the start, the scope and the comparison group "
                f"moved together (placebo difference-in-differences {_delta(p.value, ms.metric.unit)}, "
                f"{ci_text(p, ms.metric.unit)}), so the parallel-trends assumption is plausible.")
    return None


def target_facts(i: Initiative, ms: Measurement, symbol: str) -> tuple[Fact, ...]:
    """The baseline stored at creation (with its interval and n), the target, and the value since the start."""
    m, unit = ms.metric, ms.metric.unit
    base = baseline_of(i)
    facts = [Fact("Baseline at creation ", fmt.number(base.value, unit, symbol),
                  f" ({fmt.interval(base.low, base.high, unit, symbol)}, n = {fmt.count(base.n)})"
                  if base.value is not None else "")]
    if i.target is not None:
        facts.append(Fact("target ", fmt.number(i.target, unit, symbol),
                          f" ({'higher' if m.higher_is_better else 'lower'} is better)"))
    else:
        facts.append(Fact("no target set"))
    if ms.after is not None and ms.after.value is not None:
        facts.append(Fact("since the start ", fmt.number(ms.after.value, unit, symbol),
                          f" ({window_text(ms.after_window) or 'the after window'}, the After tile)"))
    return tuple(facts)


def monthly_chart(i: Initiative, ms: Measurement, symbol: str) -> dict | None:
    """The KPI by month in the scope and the comparison group, with the start marked (None without months)."""
    frame = ms.monthly
    if frame is None or not frame.height:
        return None
    m = ms.metric
    compared = ms.control_before is not None or ms.control_after is not None
    return initiative_chart(
        labelled(frame, m.unit, symbol), start=i.start, start_label=f"start {i.start:%-d %b %Y}",
        value_title=f"{m.label} ({m.unit})",
        title=f"{m.label} by month" + (": the scope and the comparison group" if compared else " in the scope"),
        subtitle=(f"{where_words(i.where)}" + (" vs everything else" if compared else "")
                  + " · 95% intervals · hollow points: fewer than 30 answers"))


def plan_block(i: Initiative, ms: Measurement, symbol: str) -> tuple[str | None, tuple[Tile, ...]]:
    """Realised value and ROI against the ROI scenario's plan — predicted P50 (P10 to P90) against the observed
    effect — as four tiles; without a plan, the sentence saying so (and no tile)."""
    m, unit, plan, r = ms.metric, ms.metric.unit, plan_of(i), ms.realised
    if plan is None:
        spent = (f" Cost to date {fmt.money(r.cost_to_date, symbol)} over {r.months:.1f} months." if r is not None
                 else "")
        return (f"Not created from an ROI scenario, so there is no prediction to compare with. Investment "
                f"{fmt.money(i.investment, symbol)}, running cost {fmt.money(i.running_cost, symbol)} a "
                f"month.{spent} Track a scenario from the ROI planner to see realised value against its plan."), ()
    if plan.effect is not None:
        p10, p50, p90 = plan.effect
        predicted = Tile("Predicted effect (P50)", _delta(p50, unit, symbol),
                         f"What the ROI scenario predicted for {m.label} in the scope.",
                         f"P10 to P90 {_delta(p10, unit, symbol)} to {_delta(p90, unit, symbol)} · scenario "
                         f"“{plan.scenario}”")
    else:
        predicted = Tile("Predicted effect", "–",
                         "The ROI planner's predictions cover CSAT (top-2-box) and negative experiences.",
                         f"The planner predicts CSAT and negative experiences, not {m.label}.")
    effect = ms.effect
    observed = Tile(
        "Observed effect", _delta(effect.value, unit, symbol) if effect else "–",
        "The difference-in-differences where there is a comparison group, else the change from before to after.",
        (ci_text(effect, unit, symbol) + (" · difference-in-differences" if ms.did is not None else " · before/after"))
        if effect and effect.low is not None else "Not measured yet.")
    if r is None or r.value_per_month is None:
        why = ("no data after the start yet" if ms.after is None or not ms.after.n
               else "the plan has no effect on this KPI to scale by")
        return None, (predicted, observed,
                      Tile("Realised value a month", "–", "Planned value a month × observed effect / predicted effect.",
                           f"Plan {fmt.money(plan.value_per_month, symbol)} a month; {why}."),
                      Tile("ROI to date", "–", "(Value to date − cost to date) / cost to date.",
                           f"Plan: 36-month ROI {fmt.signed_percent(plan.roi_36)}."))
    v = r.value_per_month
    return None, (predicted, observed,
                  Tile("Realised value a month", fmt.money(v.value, symbol),
                       "Planned value a month × observed effect / predicted effect (customer value retained and "
                       "cost-to-serve savings).",
                       f"{fmt.interval(v.low, v.high, 'money', symbol)} · "
                       f"plan {fmt.money(plan.value_per_month, symbol)}"),
                  Tile("ROI to date", fmt.signed_percent(r.roi_to_date),
                       "(Value to date − cost to date) / cost to date; cost = investment + running cost × months since "
                       "the start.",
                       f"plan {fmt.signed_percent(r.planned_roi_to_date)} · value {fmt.money(r.value_to_date, symbol)}, "
                       f"cost {fmt.money(r.cost_to_date, symbol)} over {r.months:.1f} months"))
