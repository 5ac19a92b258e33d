"""Initiatives: a finding turned into a tracked action with a measured result (docs/method/initiatives.md).

An initiative names a target KPI on a scope (dimension filters), a start date, a target value,
its cost (investment and running cost a month), an owner and a status; optionally the ROI
scenario it was planned with, whose predictions are kept as the *plan*.

:func:`measure` reads its result off the data:

- **before / after**: the KPI in the scope over the window before the start and the window from
  the start on (equal lengths, at most ``MAX_MONTHS`` each, clipped to the data), each with its
  95% interval, and the change with SE(Δ) = √(SE_after² + SE_before²);
- **difference-in-differences** against the comparison group (the rows of the same data outside
  the scope): DiD = (T_after − T_before) − (C_after − C_before), SE = √(Σ SE²) over the four
  independent estimates, 95% interval ± 1.96 SE. It removes what moved everybody (seasonality,
  a price change) under the parallel-trends assumption, which is checked with a **placebo DiD**
  inside the before window (its first half against its second half): an interval that excludes 0
  says the groups were already drifting apart;
- **realised value** against the plan: value a month = planned value a month × observed effect /
  predicted effect (P50); to date = value a month × months since the start; realised ROI to date
  = (value to date − cost to date) / cost to date, with cost = investment + running cost × months.

Each SE is read off a 95% interval as (high − low) / (2 × 1.96), as :func:`cxdata.measures.metrics.delta` does.
"""

from __future__ import annotations

import calendar
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import cast

import polars as pl
from sqlmodel import Session, col, select

from cxdata import format as fmt
from cxdata.access import Actor
from cxdata.actions.roi import ScenarioResult
from cxdata.catalog.store import Store
from cxdata.catalog.tables import Initiative
from cxdata.measures import stats
from cxdata.measures.metrics import (
    NO_DATA,
    REGISTRY,
    Base,
    Estimate,
    Filters,
    Frames,
    Metric,
    Params,
    by_month,
    compute,
    delta,
    estimate,
    where_condition,
)

STATUSES = ("active", "planned", "done", "dropped")  # also the order of the list
#: The KPIs whose change the ROI planner predicts (:func:`plan_from`).
PLANNED_KPIS = ("negative_rate", "csat")
MAX_MONTHS = 6
DAYS_PER_MONTH = 365.25 / 12
IN_SCOPE, COMPARISON = "in scope", "comparison group"


@dataclass(frozen=True)
class Plan:
    """What the ROI scenario predicted: the effect on the target KPI (display units, P10/P50/P90,
    None when the planner does not predict this KPI), value a month (customer value retained plus
    cost-to-serve savings, P50) and the 36-month NPV and ROI (P50)."""

    scenario: str
    effect: tuple[float, float, float] | None
    value_per_month: float
    npv_36: float
    roi_36: float | None  # None when the scenario had no cost (ROI undefined)
    scenario_json: dict = field(default_factory=dict)


def baseline_of(initiative: Initiative) -> Estimate:
    """The KPI before the start as stored at creation (an empty estimate when none was)."""
    data = json.loads(initiative.baseline_json)
    return Estimate(**data) if data else Estimate(None, None, None, 0)


def plan_of(initiative: Initiative) -> Plan | None:
    """The ROI scenario's predictions stored with the initiative, None when it was not planned from one."""
    if initiative.plan_json is None:
        return None
    data = json.loads(initiative.plan_json)
    return Plan(**data | {"effect": None if data["effect"] is None else tuple(data["effect"])})


def plan_from(result: ScenarioResult, metric: str, scenario_json: dict) -> Plan:
    """The plan of a scenario for a target KPI. The planner predicts CSAT (Δ top-2-box points in the
    scope) and negative experiences (Δ points = −avoided / contacts in the scope × 100); for other
    KPIs the plan carries only money."""
    effect: tuple[float, float, float] | None = None
    if metric == "csat":
        s = result.csat_points
        effect = (s.p10, s.p50, s.p90)
    elif metric == "negative_rate" and result.contacts_in_scope > 0:
        s, k = result.negatives_avoided, -100 / result.contacts_in_scope
        low, mid, high = sorted((s.p10 * k, s.p50 * k, s.p90 * k))
        effect = (low, mid, high)
    monthly = result.value_per_month.p50 + result.savings_per_month.p50
    return Plan(result.scenario.name, effect, monthly, result.npv[36].p50,
                None if result.roi[36] is None else result.roi[36].p50, scenario_json)


# ---------------------------------------------------------------- catalog


def _check(title: str, metric: str, status: str, investment: float, running_cost: float) -> None:
    if not title.strip():
        raise ValueError("Give the initiative a title.")
    if metric not in REGISTRY:
        raise ValueError(f"Unknown KPI “{metric}”: choose one of {', '.join(REGISTRY)}.")
    if not by_month(REGISTRY[metric]):
        raise ValueError(f"{REGISTRY[metric].label} is a snapshot of the customers table, with no months: it cannot "
                         "be measured before and after a start date.")
    if status not in STATUSES:
        raise ValueError(f"Status must be one of {', '.join(STATUSES)}.")
    if investment < 0 or running_cost < 0:
        raise ValueError("Investment and running cost cannot be negative.")


def create_initiative(store: Store, *, actor: Actor, dataset: str, title: str, metric: str, start: date,
                      where: Mapping[str, Sequence[str]] | None = None, owner: str = "", target: float | None = None,
                      investment: float = 0.0, running_cost: float = 0.0, status: str = "planned",
                      source: str = "", baseline: Estimate | None = None, plan: Plan | None = None) -> int:
    """Store a new initiative and return its id: the change "initiative.create" by ``actor``, target
    "initiative <id>". Raises ValueError with a sentence for bad input (after the role is checked)."""
    with store.change(actor, "initiative.create", dataset=dataset) as change:
        _check(title, metric, status, investment, running_cost)
        scope = {k: [str(v) for v in vs] for k, vs in (where or {}).items() if vs}
        row = Initiative(dataset=dataset, title=title.strip(), owner=owner.strip(), metric=metric,
                         where_json=json.dumps(scope, sort_keys=True), start=start, target=target,
                         investment=float(investment), running_cost=float(running_cost), status=status,
                         source=source, baseline_json=json.dumps(asdict(baseline)) if baseline else "{}",
                         plan_json=None if plan is None else json.dumps(asdict(plan)))
        return change.add(row, "initiative", title=row.title)


def update_initiative(store: Store, initiative_id: int, *, actor: Actor, **changes) -> Initiative:
    """Change fields of an initiative (status, owner, target, investment, running_cost, title, start): the change
    "initiative.update" by ``actor``, audited with each changed field's ``[old, new]``."""
    allowed = {"status", "owner", "target", "investment", "running_cost", "title", "start"}
    if unknown := set(changes) - allowed:
        raise ValueError(f"Cannot change {', '.join(sorted(unknown))}.")
    return _update(store, actor, initiative_id, changes)


def attach_plan(store: Store, initiative_id: int, plan: Plan, *, actor: Actor) -> Initiative:
    """Give an initiative the plan of an ROI scenario (one launched before it was planned here, or a
    revised business case); its realised value is then read against this plan. The change "initiative.update"
    by ``actor``, audited with the scenario's name."""
    return _update(store, actor, initiative_id, {"plan_json": json.dumps(asdict(plan))}, plan=plan.scenario)


def _update(store: Store, actor: Actor, initiative_id: int, values: Mapping[str, object],
            **detail: object) -> Initiative:
    """Set ``values`` (field → value) on an initiative in the change "initiative.update", audited with ``detail``
    and each changed field's old and new value (but a plan's JSON: ``detail`` names it); the row as stored."""
    with store.change(actor, "initiative.update", f"initiative {initiative_id}", **detail) as change:
        row = change.session.get(Initiative, initiative_id)
        if row is None:
            raise ValueError(f"There is no initiative {initiative_id}.")
        change.set(row, values, unaudited=("plan_json",))
        _check(row.title, row.metric, row.status, row.investment, row.running_cost)
        row.updated_at = datetime.now(UTC)
        change.session.add(row)
        change.session.flush()
        change.session.expunge(row)  # its values as written, readable after the session ends
    return row


def delete_initiative(store: Store, initiative_id: int, *, actor: Actor) -> None:
    """Delete an initiative: the change "initiative.delete" by ``actor``."""
    store.delete_row(Initiative, initiative_id, actor=actor, action="initiative.delete",
                     target=f"initiative {initiative_id}")


def list_initiatives(store: Store, dataset: str) -> list[Initiative]:
    """The initiatives of a dataset, oldest first."""
    with Session(store.engine) as s:
        return list(s.exec(select(Initiative).where(Initiative.dataset == dataset).order_by(col(Initiative.id))))


# ---------------------------------------------------------------- measurement


@dataclass(frozen=True)
class Window:
    start: date
    end: date  # inclusive

    @property
    def months(self) -> float:
        return ((self.end - self.start).days + 1) / DAYS_PER_MONTH

    def filters(self) -> Filters:
        return Filters.of(self.start, self.end)


@dataclass(frozen=True)
class Realised:
    """Cost since the start and, with a plan that predicts the KPI, the value of the observed effect
    scaled from the plan (see the module docstring); value and ROI are None without one."""

    months: float
    cost_to_date: float
    value_per_month: Estimate | None = None
    value_to_date: float | None = None
    roi_to_date: float | None = None
    planned_roi_to_date: float | None = None


@dataclass(frozen=True)
class Measurement:
    metric: Metric
    before_window: Window | None = None
    after_window: Window | None = None
    before: Estimate | None = None
    after: Estimate | None = None
    change: Estimate | None = None
    control_before: Estimate | None = None
    control_after: Estimate | None = None
    did: Estimate | None = None
    placebo: Estimate | None = None
    monthly: pl.DataFrame | None = None  # month, group, value, low, high, n, small
    realised: Realised | None = None
    notes: tuple[str, ...] = ()

    @property
    def effect(self) -> Estimate | None:
        """The best estimate of the initiative's effect: the DiD when there is one, else the change."""
        return self.did if self.did is not None else self.change

    @property
    def control_change(self) -> Estimate | None:
        """How the comparison group moved from before to after (what the DiD takes out)."""
        if self.control_before is None or self.control_after is None or not (self.control_before.n and self.control_after.n):
            return None
        return delta(self.control_after, self.control_before)

    @property
    def status(self) -> str:
        """"measured", "not started" (no data after the start) or why it cannot be measured."""
        if self.after is not None and self.after.n:
            return "measured"
        return self.notes[0] if self.notes else "not started"


def _se(e: Estimate) -> float | None:
    if e.value is None or e.low is None or e.high is None:
        return None
    return (e.high - e.low) / (2 * stats.Z95)


def difference_in_differences(t_before: Estimate, t_after: Estimate, c_before: Estimate, c_after: Estimate
                              ) -> Estimate | None:
    """(T_after − T_before) − (C_after − C_before) with SE = √(Σ SE²); None when an estimate is missing."""
    estimates = (t_before, t_after, c_before, c_after)
    ses = [s for e in estimates if (s := _se(e)) is not None]
    if len(ses) < len(estimates):
        return None
    # _se is None when a value is, so every value is here
    tb, ta, cb, ca = (e.value for e in estimates if e.value is not None)
    d = (ta - tb) - (ca - cb)
    se = math.sqrt(sum(s * s for s in ses))
    return Estimate(d, d - stats.Z95 * se, d + stats.Z95 * se, t_after.n + t_before.n)


def windows(start: date, first: date, last: date, max_months: int = MAX_MONTHS) -> tuple[Window | None, Window | None]:
    """The before and after windows of an initiative starting on ``start`` in data covering
    ``first``–``last``: after = start … min(last, start + max_months); before = as long, just before the
    start — as many calendar months when the start is the 1st of a month, else as many days — clipped
    to the data (a start after the data ends measures the data's last stretch as "before"). None for a
    window the data does not reach."""
    cap = _add_months(start, max_months) - timedelta(days=1)
    after = Window(start, min(last, cap)) if start <= last else None
    before_end = min(start - timedelta(days=1), last)
    if before_end < first:
        return None, after
    if start.day == 1:
        end = after.end if after else cap
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        before_start = _add_months(start, -months) if after else _add_months(before_end + timedelta(days=1), -months)
    else:
        before_start = before_end - ((after.end if after else cap) - start)
    return Window(max(first, before_start), before_end), after


def _add_months(d: date, months: int) -> date:
    year, month = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def _span(frame: pl.DataFrame, metric: Metric) -> tuple[date, date]:
    """First and last day the KPI's frame covers."""
    if metric.base is Base.CONTACTS:
        t = frame.get_column("started_at")  # a Datetime column: its min and max are datetimes
        return cast(datetime, t.min()).date(), cast(datetime, t.max()).date()
    m = frame.get_column("month")  # a Date column
    return cast(date, m.min()), _add_months(cast(date, m.max()), 1) - timedelta(days=1)


@dataclass(frozen=True)
class _Groups:
    """The rows of a measurement: the KPI's frame split into the scope and the comparison group."""

    metric: Metric
    treated: pl.DataFrame
    control: pl.DataFrame | None  # None when the scope covers every row
    before: Window | None
    after: Window | None
    first: date
    last: date
    notes: tuple[str, ...]


def _groups(m: Metric, contacts: pl.DataFrame | None, panel: pl.DataFrame | None,
            where: Mapping[str, Sequence[str]], start: date) -> _Groups | str:
    """The groups and windows of a measurement, or why the data cannot give them."""
    frames = Frames(contacts, panel)
    if (reason := frames.needs(m)) is not None:
        return reason
    frame = frames.for_metric(m)
    if frame.height == 0:
        return NO_DATA
    first, last = _span(frame, m)
    before, after = windows(start, first, last)
    inside, ignored = where_condition(frame.schema, sorted((k, tuple(v)) for k, v in where.items() if v))
    notes = [f"{m.label} is counted per customer: the {', '.join(ignored)} filter cannot apply to it."] if ignored else []
    treated = frame if inside is None else frame.filter(inside)
    control = None if inside is None else frame.filter(~inside)
    return _Groups(m, treated, control, before, after, first, last, tuple(notes))


def _estimate(m: Metric, rows: pl.DataFrame | None, w: Window | None, params: Params) -> Estimate | None:
    return None if rows is None or w is None else estimate(m, rows, filters=w.filters(), params=params)


def baseline(metric: str, contacts: pl.DataFrame | None, panel: pl.DataFrame | None,
             where: Mapping[str, Sequence[str]], start: date, params: Params = Params()) -> Estimate:
    """The KPI in the scope over the window before ``start`` (what the initiative starts from)."""
    g = _groups(REGISTRY[metric], contacts, panel, where, start)
    before = None if isinstance(g, str) else _estimate(g.metric, g.treated, g.before, params)
    return before or Estimate(None, None, None, 0)


def measure(metric: str, contacts: pl.DataFrame | None, panel: pl.DataFrame | None,
            where: Mapping[str, Sequence[str]], start: date, *, params: Params = Params(),
            plan: Plan | None = None, investment: float = 0.0, running_cost: float = 0.0) -> Measurement:
    """Before/after, DiD with its placebo check, the monthly series and the realised value (module docstring)."""
    m = REGISTRY[metric]
    g = _groups(m, contacts, panel, where, start)
    if isinstance(g, str):
        return Measurement(m, notes=(g,))
    notes = list(g.notes)
    before, after = _estimate(m, g.treated, g.before, params), _estimate(m, g.treated, g.after, params)
    c_before, c_after = _estimate(m, g.control, g.before, params), _estimate(m, g.control, g.after, params)
    if g.after is None:
        notes.insert(0, f"No data after the start ({start:%d %b %Y}) yet: the data ends on {g.last:%d %b %Y}.")
    if g.before is None:
        notes.append(f"No data before the start: the data begins on {g.first:%d %b %Y}.")
    change = delta(after, before) if before and after and before.n and after.n else None
    did = None
    if g.control is None:
        notes.append("The scope covers every row: there is no comparison group for a difference-in-differences.")
    elif before is not None and after is not None and c_before is not None and c_after is not None \
            and min(before.n, after.n, c_before.n, c_after.n) > 0:
        did = difference_in_differences(before, after, c_before, c_after)
    placebo = _placebo(m, g.treated, g.control, g.before, params) if g.control is not None and g.before else None
    if placebo is not None and placebo.low is not None and placebo.high is not None \
            and (placebo.low > 0 or placebo.high < 0):
        notes.append(f"Before the start the scope and the comparison group already drifted apart by "
                     f"{fmt.decimal(placebo.value, 2, plus=True)} "
                     f"({fmt.ci(fmt.decimal(placebo.low, 2, plus=True), fmt.decimal(placebo.high, 2, plus=True))}): "
                     "the two may not have moved in parallel, so read the change against the comparison group with "
                     "care.")
    monthly = _monthly(m, g.treated, g.control, g.before or g.after, g.after or g.before, params)
    effect = did if did is not None else change
    realised = _realised(plan, effect, g.after, investment, running_cost) if g.after else None
    return Measurement(m, g.before, g.after, before, after, change, c_before, c_after, did, placebo, monthly,
                       realised, tuple(notes))


def _placebo(m: Metric, treated: pl.DataFrame, control: pl.DataFrame, w: Window, params: Params) -> Estimate | None:
    """DiD of the second half of the before window against its first half (0 under parallel trends)."""
    half = (w.end - w.start).days // 2
    if half < 14:
        return None
    a, b = Window(w.start, w.start + timedelta(days=half - 1)), Window(w.start + timedelta(days=half), w.end)
    parts = [estimate(m, rows, filters=x.filters(), params=params) for x in (a, b) for rows in (treated, control)]
    if min(p.n for p in parts) == 0:
        return None
    t_a, c_a, t_b, c_b = parts
    return difference_in_differences(t_a, t_b, c_a, c_b)


def _monthly(m: Metric, treated: pl.DataFrame, control: pl.DataFrame | None, first: Window | None,
             last: Window | None, params: Params) -> pl.DataFrame | None:
    """The KPI by calendar month over both windows, in the scope and the comparison group; a first
    month the windows only clip (a start mid-month) is left out, as a handful of days would look
    like a month."""
    if first is None or last is None:
        return None
    begin = first.start if first.start.day == 1 else _add_months(first.start.replace(day=1), 1)
    span = Filters.of(begin, last.end)
    groups = [(IN_SCOPE, treated)] + ([(COMPARISON, control)] if control is not None else [])
    return pl.concat([compute(m, rows, by=["month"], filters=span, params=params)
                      .select("month", pl.lit(name).alias("group"), "value", "low", "high", "n", "small")
                      for name, rows in groups])


def _realised(plan: Plan | None, effect: Estimate | None, after: Window, investment: float,
              running_cost: float) -> Realised:
    months = after.months
    cost = investment + running_cost * months
    if plan is None or plan.effect is None or effect is None or effect.value is None or plan.effect[1] == 0:
        return Realised(months, cost)
    assert effect.low is not None and effect.high is not None  # an effect with a value has its interval
    scale = plan.value_per_month / plan.effect[1]
    low, high = sorted((effect.low * scale, effect.high * scale))
    value_per_month = effect.value * scale
    per_month = Estimate(value_per_month, low, high, effect.n)
    value = value_per_month * months
    planned = plan.value_per_month * months
    return Realised(months, cost, per_month, value, (value - cost) / cost if cost else None,
                    (planned - cost) / cost if cost else None)


def verdict(effect: Estimate | None, higher_is_better: bool) -> str:
    """``better`` / ``worse`` when the 95% interval of the effect excludes 0, else ``no clear change``
    (``not measured yet`` without one)."""
    if effect is None or effect.value is None:
        return "not measured yet"
    if effect.low is None or effect.high is None or effect.low <= 0 <= effect.high:
        return "no clear change"
    return "better" if (effect.value > 0) == higher_is_better else "worse"


def planned_target(baseline: Estimate, plan: Plan | None) -> float | None:
    """The target a plan implies: the baseline plus the predicted effect (P50); None without either."""
    if plan is None or plan.effect is None or baseline.value is None:
        return None
    return baseline.value + plan.effect[1]


# ---------------------------------------------------------------- the list


@dataclass(frozen=True)
class Tracked:
    initiative: Initiative
    measurement: Measurement

    @property
    def impact(self) -> float:
        """What the list sorts by within a status: realised value to date, else the planned 36-month
        NPV, else 0."""
        r = self.measurement.realised
        if r is not None and r.value_to_date is not None:
            return r.value_to_date
        plan = plan_of(self.initiative)
        return plan.npv_36 if plan is not None else 0.0


def portfolio(store: Store, dataset: str, contacts: pl.DataFrame | None, panel: pl.DataFrame | None,
              params: Params = Params()) -> list[Tracked]:
    """Every initiative of a dataset measured on these frames, sorted by status (active, planned,
    done, dropped) and then by impact, largest first."""
    tracked = [Tracked(i, measure(i.metric, contacts, panel, i.where, i.start, params=params, plan=plan_of(i),
                                  investment=i.investment, running_cost=i.running_cost))
               for i in list_initiatives(store, dataset)]
    return sorted(tracked, key=lambda t: (STATUSES.index(t.initiative.status), -t.impact))


def portfolio_table(tracked: Sequence[Tracked]) -> pl.DataFrame:
    """One row per initiative, for the list and the meeting pack (numbers in the KPI's display unit)."""
    def value(e: Estimate | None, attr: str) -> float | None:
        return None if e is None else getattr(e, attr)

    rows = []
    for t in tracked:
        i, ms = t.initiative, t.measurement
        e, r = ms.effect, ms.realised
        rows.append({
            "id": i.id, "title": i.title, "owner": i.owner, "status": i.status, "KPI": ms.metric.label,
            "unit": ms.metric.unit, "scope": "; ".join(f"{k} = {', '.join(v)}" for k, v in i.where.items()) or "all",
            "start": i.start, "baseline": baseline_of(i).value, "target": i.target,
            "before": value(ms.before, "value"), "after": value(ms.after, "value"),
            "effect": value(e, "value"), "effect low": value(e, "low"), "effect high": value(e, "high"),
            "method": "difference-in-differences" if ms.did is not None else "before/after" if ms.change else "",
            "verdict": verdict(e, ms.metric.higher_is_better),
            "planned effect": None if (plan := plan_of(i)) is None or plan.effect is None else plan.effect[1],
            "cost to date": None if r is None else r.cost_to_date,
            "realised value to date": None if r is None else r.value_to_date,
            "realised ROI to date": None if r is None else r.roi_to_date,
            "planned ROI to date": None if r is None else r.planned_roi_to_date,
            "investment": i.investment, "running cost a month": i.running_cost,
        })
    schema = {"id": pl.Int64, "title": pl.String, "owner": pl.String, "status": pl.String, "KPI": pl.String,
              "unit": pl.String, "scope": pl.String, "start": pl.Date, "baseline": pl.Float64, "target": pl.Float64,
              "before": pl.Float64, "after": pl.Float64, "effect": pl.Float64, "effect low": pl.Float64,
              "effect high": pl.Float64, "method": pl.String, "verdict": pl.String, "planned effect": pl.Float64,
              "cost to date": pl.Float64, "realised value to date": pl.Float64, "realised ROI to date": pl.Float64,
              "planned ROI to date": pl.Float64, "investment": pl.Float64, "running cost a month": pl.Float64}
    return pl.DataFrame(rows, schema=schema)
