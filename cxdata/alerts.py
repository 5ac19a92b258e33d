"""Threshold alerts on any metric × scope, evaluated on every data version (issue 7).

An alert is a KPI of :data:`cxdata.metrics.REGISTRY`, a scope (dimension filters) and a rule:

- ``above`` / ``below``: fires when the KPI of the data's **last month** is strictly above / below
  the threshold ("escalation rate of chatbot contacts in billing above 30%");
- ``rises_by`` / ``falls_by``: fires when the KPI of the last month has risen / fallen by **at least**
  the threshold against the month before ("NPS of a segment falls 5 points against the previous month").

Values are compared rounded to ``DIGITS`` decimals, so a rate of exactly 30% is not "above 30".

The threshold is in the KPI's display unit (percent for rates, points for NPS, seconds, money).
A month with fewer than ``min_n`` answers (rows) never fires: it is reported as "too few answers",
so a handful of surveys cannot page anybody. Each evaluation is stored per (alert, data version)
in ``AlertCheck``, so the Overview reads it back, and :func:`evaluate` is what an import, the app and
``python -m cxdata alerts`` call.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import polars as pl
from sqlmodel import Field, Session, SQLModel, col, delete, select

from cxdata import format as fmt
from cxdata.analysis import load_frames
from cxdata.metrics import (MIN_ANSWERS, REGISTRY, Base, Estimate, Filters, Metric, Params, availability, by_month,
                            estimate)
from cxdata.store import Store

RULES = {"above": "above", "below": "below", "rises_by": "rises by at least", "falls_by": "falls by at least"}
CHANGE_RULES = ("rises_by", "falls_by")
FIRED, OK, TOO_FEW, NO_DATA = "fired", "ok", "too few answers", "no data"
DIGITS = 9  # values are compared with the threshold at this precision: 7/100 × 100 is 7.000000000000001 in floating point


class Alert(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dataset: str = Field(index=True)
    name: str
    metric: str  # a key of cxdata.metrics.REGISTRY
    where_json: str = "{}"  # {column: [values…]}
    rule: str  # a key of RULES
    threshold: float
    min_n: int = MIN_ANSWERS
    enabled: bool = True
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @property
    def where(self) -> dict[str, list[str]]:
        return json.loads(self.where_json)

    def describe(self) -> str:
        """The rule in words: ``Escalation rate (chatbot · billing) above 30%``, ``NPS (Small Business)
        falls by at least 5 points``."""
        m = REGISTRY[self.metric]
        scope = " · ".join(", ".join(v) for _, v in sorted(self.where.items()))
        unit = "%" if m.unit == "%" and self.rule not in CHANGE_RULES else f" {_unit_words(m)}".rstrip()
        return f"{m.label}{f' ({scope})' if scope else ''} {RULES[self.rule]} {self.threshold:g}{unit}"


class AlertCheck(SQLModel, table=True):
    """The evaluation of one alert on one data version."""

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(index=True)
    version_id: int = Field(index=True)
    month: date | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    n: int = 0
    previous: float | None = None  # the month before (change rules and context)
    status: str = NO_DATA  # fired, ok, too few answers, no data, needs <field>
    message: str = ""
    evaluated_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def _unit_words(m: Metric) -> str:
    return {"%": "points", "points": "points", "seconds": "seconds", "score": "", "money": ""}.get(m.unit, "")


@dataclass(frozen=True)
class Outcome:
    alert: Alert
    check: AlertCheck

    @property
    def fired(self) -> bool:
        return self.check.status == FIRED

    def as_dict(self) -> dict:
        """The ``alerts --json`` record (README "Alerts")."""
        c = self.check
        return {"id": self.alert.id, "name": self.alert.name, "metric": self.alert.metric, "where": self.alert.where,
                "rule": self.alert.rule, "threshold": self.alert.threshold, "status": c.status, "fired": self.fired,
                "month": c.month.isoformat() if c.month else None, "value": c.value, "low": c.low, "high": c.high,
                "n": c.n, "previous": c.previous, "message": c.message, "version_id": c.version_id}


# ---------------------------------------------------------------- catalog


def create_alert(store: Store, *, dataset: str, metric: str, rule: str, threshold: float,
                 where: Mapping[str, Sequence[str]] | None = None, name: str = "", min_n: int = MIN_ANSWERS) -> int:
    """Store an alert and return its id. Raises ValueError with a sentence for bad input."""
    if metric not in REGISTRY:
        raise ValueError(f"Unknown KPI “{metric}”: choose one of {', '.join(REGISTRY)}.")
    if not by_month(REGISTRY[metric]):
        raise ValueError(f"{REGISTRY[metric].label} is a snapshot of the customers table, with no months: an alert "
                         "cannot watch it.")
    if rule not in RULES:
        raise ValueError(f"Unknown rule “{rule}”: choose one of {', '.join(RULES)}.")
    if rule in CHANGE_RULES and threshold <= 0:
        raise ValueError("A rise or fall threshold must be a positive number of points.")
    if min_n < 1:
        raise ValueError("The minimum number of answers must be at least 1.")
    alert = Alert(dataset=dataset, name="", metric=metric, rule=rule, threshold=float(threshold), min_n=int(min_n),
                  where_json=json.dumps({k: [str(v) for v in vs] for k, vs in (where or {}).items() if vs}, sort_keys=True))
    alert.name = name.strip() or alert.describe()
    store.ensure(Alert, AlertCheck)
    with Session(store.engine) as s:
        s.add(alert)
        s.commit()
        return int(alert.id)


def list_alerts(store: Store, dataset: str) -> list[Alert]:
    store.ensure(Alert, AlertCheck)
    with Session(store.engine) as s:
        return list(s.exec(select(Alert).where(Alert.dataset == dataset).order_by(Alert.id)))


def set_enabled(store: Store, alert_id: int, enabled: bool) -> None:
    store.ensure(Alert, AlertCheck)
    with Session(store.engine) as s:
        alert = s.get(Alert, alert_id)
        if alert is not None:
            alert.enabled = enabled
            s.add(alert)
            s.commit()


def delete_alert(store: Store, alert_id: int) -> None:
    """Remove an alert and its evaluations."""
    store.ensure(Alert, AlertCheck)
    with Session(store.engine) as s:
        s.exec(delete(AlertCheck).where(col(AlertCheck.alert_id) == alert_id))
        s.commit()
    store.delete_row(Alert, alert_id)


# ---------------------------------------------------------------- evaluation


def _months(frame: pl.DataFrame) -> tuple[date, date | None]:
    """The data's last month and the one before (None when the data has a single month)."""
    months = frame.get_column("month").unique().sort()
    return months[-1], (months[-2] if months.len() > 1 else None)


def _in_month(m: Metric, frame: pl.DataFrame, month: date, where: Mapping[str, Sequence[str]],
              params: Params) -> Estimate:
    """The KPI over one calendar month of the scope."""
    end = (pl.Series([month]).dt.month_end())[0]
    return estimate(m, frame, filters=Filters.of(month, end, **where), params=params)


def check_alert(alert: Alert, contacts: pl.DataFrame | None, panel: pl.DataFrame | None,
                params: Params = Params(), version_id: int = 0) -> AlertCheck:
    """Evaluate one alert on a version's frames (nothing is stored)."""
    m = REGISTRY[alert.metric]
    frame = contacts if m.base is Base.CONTACTS else panel
    check = AlertCheck(alert_id=alert.id or 0, version_id=version_id)
    if frame is None or frame.height == 0:
        check.status = "needs " + ("interactions" if m.base is Base.CONTACTS else "customers")
        check.message = f"{alert.name}: the data {check.status}."
        return check
    if (reason := availability(m, frame.columns)) is not None:
        check.status, check.message = reason, f"{alert.name}: {m.label} {reason}."
        return check
    month, before = _months(frame)
    now = _in_month(m, frame, month, alert.where, params)
    prev = _in_month(m, frame, before, alert.where, params) if before else None
    check.month, check.value, check.low, check.high, check.n = month, now.value, now.low, now.high, now.n
    check.previous = prev.value if prev is not None and prev.n else None
    check.status = _status(alert, now, prev)
    check.message = _message(alert, m, check)
    return check


def _status(alert: Alert, now: Estimate, prev: Estimate | None) -> str:
    if now.n == 0 or now.value is None:
        return NO_DATA
    if now.n < alert.min_n:
        return TOO_FEW
    value = round(now.value, DIGITS)
    if alert.rule == "above":
        return FIRED if value > alert.threshold else OK
    if alert.rule == "below":
        return FIRED if value < alert.threshold else OK
    if prev is None or prev.n == 0 or prev.value is None:
        return NO_DATA
    if prev.n < alert.min_n:
        return TOO_FEW
    change = round(now.value - prev.value, DIGITS)
    return FIRED if (change if alert.rule == "rises_by" else -change) >= alert.threshold else OK


def _message(alert: Alert, m: Metric, c: AlertCheck) -> str:
    """``Escalation rate (chatbot · billing) above 30% — 31.2% in Oct 2026 (95% CI 26.6–36.3%, n = 349),
    +6.7 pts against the month before (24.5%); crossed: above 30.`` The KPI's name is repeated only when
    the alert's name lacks it. Numbers as the dashboard prints them (money without a symbol)."""
    if c.value is None:
        return f"{alert.name}: no data in {c.month:%b %Y}." if c.month else f"{alert.name}: no data."
    text = f"{'' if m.label in alert.name else m.label + ' '}{fmt.number(c.value, m.unit, '')} in {c.month:%b %Y}"
    if c.low is not None:
        text += f" ({fmt.interval(c.low, c.high, m.unit, '')}, n = {c.n:,})"
    if c.previous is not None:
        text += (f", {fmt.delta(c.value - c.previous, m.unit, '')} against the month before "
                 f"({fmt.number(c.previous, m.unit, '')})")
    verdict = {FIRED: f"crossed: {RULES[alert.rule]} {alert.threshold:g}", OK: "within the threshold",
               TOO_FEW: f"fewer than {alert.min_n} answers, not judged"}.get(c.status, c.status)
    return f"{alert.name} — {text}; {verdict}."


def evaluate(store: Store, dataset: str, version_id: int | None = None, *, params: Params = Params(),
             horizon: int = 12, frames: tuple[pl.DataFrame | None, pl.DataFrame | None] | None = None,
             force: bool = False) -> list[Outcome]:
    """The enabled alerts of ``dataset`` on a version (default: the active one). Alerts already evaluated
    on that version are read back unless ``force``; the others are evaluated and stored. ``frames``
    (contacts, panel) saves reading them when the caller has them."""
    alerts = [a for a in list_alerts(store, dataset) if a.enabled]
    if version_id is None:
        active = store.active_version(dataset)
        if active is None:
            return []
        version_id = active.version_id
    if not alerts:
        return []
    with Session(store.engine) as s:
        stored = {c.alert_id: c for c in s.exec(select(AlertCheck).where(AlertCheck.version_id == version_id))}
    todo = [a for a in alerts if force or a.id not in stored]
    if todo:
        contacts, panel = frames if frames is not None else load_frames(store, version_id, params, horizon)
        fresh = {a.id: check_alert(a, contacts, panel, params, version_id) for a in todo}
        with Session(store.engine) as s:
            s.exec(delete(AlertCheck).where(col(AlertCheck.version_id) == version_id,
                                            col(AlertCheck.alert_id).in_(list(fresh))))
            s.add_all(fresh.values())
            s.commit()
            for c in fresh.values():
                s.refresh(c)
        stored |= fresh
    return [Outcome(a, stored[a.id]) for a in alerts]


def triggered(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """The alerts that fired, in the order they were created."""
    return [o for o in outcomes if o.fired]
