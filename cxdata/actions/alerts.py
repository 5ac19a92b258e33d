"""Threshold alerts on any metric × scope, evaluated on every data version (issue 7).

An alert is a KPI of :data:`cxdata.measures.metrics.REGISTRY`, a scope (dimension filters) and a rule, judged
on the data's **last complete month** — the newest month whose last day the data reaches (the newest
contact's date ≥ the month's last day; monthly revenue data alone counts its months whole). A partial
newest month is left out and the message says so, because half a month of contacts is not a month:

- ``above`` / ``below``: fires when the KPI of that month is strictly above / below the threshold
  ("escalation rate of chatbot contacts in billing above 30%");
- ``rises_by`` / ``falls_by``: fires when the KPI of that month has risen / fallen by **at least** the
  threshold against the calendar month before ("NPS of a segment falls 5 points against the previous
  month"). By default (``significant_only``) it fires only when the change is also **significant**:
  its 95% interval excludes 0. The interval is the one of the dashboard's KPI tiles,
  :func:`cxdata.measures.metrics.delta`: Δ ± 1.96·√(SE₁² + SE₀²), each month's SE read off its own 95% interval as
  (high − low)/(2·1.96). A change that crosses the threshold but whose interval includes 0 does not
  fire, and the message says so ("rose by 10.0 points, but the 95% interval −8.3 to 28.3 points
  includes no change").

Values are compared rounded to ``DIGITS`` decimals, so a rate of exactly 30% is not "above 30".

The threshold is in the KPI's display unit (percent for rates, points for NPS, seconds, money).
A month with fewer than ``min_n`` answers (rows) never fires: it is reported as "too few answers",
so a handful of surveys cannot page anybody. Each evaluation is stored per (alert, data version)
in ``AlertCheck``, so the Overview reads it back. :func:`evaluate` is what the app and
``python -m cxdata alerts`` call; :func:`after_import` is what the callers of an import (the Data page,
``python -m cxdata import``) call once the new version is committed: the import itself knows nothing of
alerts. docs/method/alerts.md explains the checks in plain words.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

import polars as pl
from sqlmodel import Session, col, delete, select

from cxdata import format as fmt
from cxdata.access import Actor
from cxdata.catalog.store import Store, VersionInfo
from cxdata.catalog.tables import CHANGE_RULES, Alert, AlertCheck
from cxdata.measures.metrics import (
    MIN_ANSWERS,
    NO_DATA,
    OK,
    REGISTRY,
    Estimate,
    Filters,
    Frames,
    Metric,
    Params,
    by_month,
    delta,
    estimate,
)
from cxdata.measures.periods import month_end, month_start
from cxdata.models.analysis import load_frames
from cxdata.settings import load_settings

LOG = logging.getLogger(__name__)

RULES = {"above": "above", "below": "below", "rises_by": "rises by at least", "falls_by": "falls by at least"}
FIRED, TOO_FEW = "fired", "too few answers"  # besides the KPI statuses OK and NO_DATA (cxdata.measures.metrics)
DIGITS = 9  # values are compared with the threshold at this precision: 7/100 × 100 is 7.000000000000001 in floating point


def describe(alert: Alert) -> str:
    """The rule in words: ``Escalation rate (chatbot · billing) above 30%``, ``NPS (Small Business)
    falls by at least 5 points``; a change rule that fires on any change of that size adds
    ``(even within noise)``."""
    m = REGISTRY[alert.metric]
    scope = " · ".join(", ".join(v) for _, v in sorted(alert.where.items()))
    noise = " (even within noise)" if alert.rule in CHANGE_RULES and not alert.requires_significance else ""
    return f"{m.label}{f' ({scope})' if scope else ''} {_rule(alert, m)}{noise}"


def _rule(alert: Alert, m: Metric) -> str:
    """The rule with its threshold in the KPI's unit: ``above 30%`` (a rate's level), ``falls by at least 5 points``
    (a change of a rate or a score), ``above 420 seconds``."""
    unit = "%" if m.unit == "%" and alert.rule not in CHANGE_RULES else f" {_unit_words(m)}".rstrip()
    return f"{RULES[alert.rule]} {alert.threshold:g}{unit}"


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
                "rule": self.alert.rule, "threshold": self.alert.threshold,
                "significant_only": self.alert.requires_significance, "status": c.status, "fired": self.fired,
                "month": c.month.isoformat() if c.month else None, "value": c.value, "low": c.low, "high": c.high,
                "n": c.n, "previous": c.previous, "message": c.message, "version_id": c.version_id}


def _check(metric: str, rule: str, threshold: float, min_n: int, significant_only: bool | None) -> None:
    """Raise ValueError with a sentence for an alert that cannot be watched."""
    if metric not in REGISTRY:
        raise ValueError(f"Unknown KPI “{metric}”: choose one of {', '.join(REGISTRY)}.")
    if not by_month(REGISTRY[metric]):
        raise ValueError(f"{REGISTRY[metric].label} is a snapshot of the customers table, with no months: an alert "
                         "cannot watch it.")
    if rule not in RULES:
        raise ValueError(f"Unknown rule “{rule}”: choose one of {', '.join(RULES)}.")
    if rule in CHANGE_RULES and threshold <= 0:
        raise ValueError("A rise or fall threshold must be a positive number of points.")
    if rule not in CHANGE_RULES and significant_only:
        raise ValueError("Only a rise or a fall can be limited to significant changes; “above” and “below” "
                         "compare a level with the threshold.")
    if min_n < 1:
        raise ValueError("The minimum number of answers must be at least 1.")


def create_alert(store: Store, *, actor: Actor, dataset: str, metric: str, rule: str, threshold: float,
                 where: Mapping[str, Sequence[str]] | None = None, name: str = "", min_n: int = MIN_ANSWERS,
                 significant_only: bool | None = None) -> int:
    """Store an alert and return its id: the change "alert.create" by ``actor``, target "alert <id>".
    ``significant_only`` (change rules only; default on): fire only when the change's 95% interval excludes 0.
    Raises ValueError with a sentence for bad input (after the role is checked)."""
    with store.change(actor, "alert.create", dataset=dataset) as change:
        _check(metric, rule, threshold, min_n, significant_only)
        scope = {k: [str(v) for v in vs] for k, vs in (where or {}).items() if vs}
        alert = Alert(dataset=dataset, name="", metric=metric, rule=rule, threshold=float(threshold), min_n=int(min_n),
                      where_json=json.dumps(scope, sort_keys=True),
                      significant_only=(significant_only is not False) if rule in CHANGE_RULES else None)
        alert.name = name.strip() or describe(alert)
        return change.add(alert, "alert", name=alert.name)


def list_alerts(store: Store, dataset: str) -> list[Alert]:
    with Session(store.engine) as s:
        return list(s.exec(select(Alert).where(Alert.dataset == dataset).order_by(col(Alert.id))))


def set_enabled(store: Store, alert_id: int, enabled: bool, *, actor: Actor) -> None:
    """Switch an alert on or off: the change "alert.update" by ``actor``."""
    store.update_row(Alert, alert_id, actor=actor, action="alert.update", target=f"alert {alert_id}", enabled=enabled)


def delete_alert(store: Store, alert_id: int, *, actor: Actor) -> None:
    """Remove an alert and its evaluations: the change "alert.delete" by ``actor``."""
    store.delete_row(Alert, alert_id, actor=actor, action="alert.delete", target=f"alert {alert_id}",
                     children=(AlertCheck, "alert_id"))


# ---------------------------------------------------------------- evaluation


def data_end(contacts: pl.DataFrame | None, panel: pl.DataFrame | None) -> date | None:
    """The data's last day: the newest contact's date; without contacts (monthly revenue data only), the
    last day of the panel's last month. None without data."""
    if contacts is not None and contacts.height:
        newest = cast(datetime | date | None, contacts.get_column("started_at").max())
        return newest.date() if isinstance(newest, datetime) else newest
    if panel is not None and panel.height:
        return month_end(cast(date, panel.get_column("month").max()))  # a Date column with rows
    return None


def last_complete_month(frame: pl.DataFrame, end: date) -> date | None:
    """The newest month of ``frame`` whose last day the data reaches (month end ≤ ``end``); None if none does."""
    return frame.select(pl.col("month").filter(pl.col("month").dt.month_end() <= end).max()).item()


def _in_month(m: Metric, frame: pl.DataFrame, month: date, where: Mapping[str, Sequence[str]],
              params: Params) -> Estimate:
    """The KPI over one calendar month of the scope."""
    return estimate(m, frame, filters=Filters.of(month, month_end(month), **where), params=params)


def check_alert(alert: Alert, contacts: pl.DataFrame | None, panel: pl.DataFrame | None,
                params: Params = Params(), version_id: int = 0) -> AlertCheck:
    """Evaluate one alert on a version's frames (nothing is stored), on the data's last complete month."""
    m = REGISTRY[alert.metric]
    frames = Frames(contacts, panel)
    check = AlertCheck(alert_id=alert.id or 0, version_id=version_id, status=NO_DATA)
    if (reason := frames.needs(m)) is not None:
        check.status, check.message = reason, f"{alert.name}: {m.label} {reason}."
        return check
    frame = frames.for_metric(m)
    if frame.height == 0:
        check.status, check.message = NO_DATA, f"{alert.name}: the data has no rows."
        return check
    end = data_end(contacts, panel)
    assert end is not None  # ``frame`` is the contacts or the panel, and it has rows
    month, newest = last_complete_month(frame, end), cast(date, frame.get_column("month").max())
    partial = "" if month == newest else _left_out(newest, month, end)
    if month is None:
        check.message = f"{alert.name}: no complete month to judge yet.{partial}"
        return check
    now = _in_month(m, frame, month, alert.where, params)
    prev = _in_month(m, frame, month_start(month, 1), alert.where, params)
    check.month, check.value, check.low, check.high, check.n = month, now.value, now.low, now.high, now.n
    check.previous = prev.value if prev.n else None
    check.status, verdict = _judge(alert, m, now, prev)
    check.message = _message(alert, m, check, verdict) + partial
    return check


def _left_out(newest: date, judged: date | None, end: date) -> str:
    """`` Nov 2026 is left out: the data ends on 15 Nov 2026, before the month's last day, so Oct 2026
    is the last complete month.``"""
    text = f" {newest:%b %Y} is left out: the data ends on {end.day} {end:%b %Y}, before the month's last day"
    return text + (f", so {judged:%b %Y} is the last complete month." if judged else ".")


def _judge(alert: Alert, m: Metric, now: Estimate, prev: Estimate) -> tuple[str, str]:
    """The status of a check and its verdict in words. A change rule crosses when (now − before) — or
    (before − now) for a fall — is at least the threshold; with ``requires_significance`` it fires only
    when the change's 95% interval (:func:`cxdata.measures.metrics.delta`) also excludes 0."""
    if now.n == 0 or now.value is None:
        return NO_DATA, ""
    if now.n < alert.min_n:
        return TOO_FEW, f"fewer than {alert.min_n} answers, not judged"
    crossed, within = f"crossed: {_rule(alert, m)}", "within the threshold"
    if alert.rule not in CHANGE_RULES:
        value = round(now.value, DIGITS)
        hit = value > alert.threshold if alert.rule == "above" else value < alert.threshold
        return (FIRED, crossed) if hit else (OK, within)
    if prev.n == 0 or prev.value is None:
        return NO_DATA, "no data in the month before, not judged"
    if prev.n < alert.min_n:
        return TOO_FEW, f"fewer than {alert.min_n} answers in the month before, not judged"
    change = now.value - prev.value
    if round(change if alert.rule == "rises_by" else -change, DIGITS) < alert.threshold:
        return OK, within
    if not alert.requires_significance:
        return FIRED, crossed
    interval = delta(now, prev)
    moved = f"{'rose' if change > 0 else 'fell'} by {_amount(m, abs(change))}"
    if interval.low is None or interval.high is None:
        return OK, f"{moved}, but the change has no 95% interval to tell it from noise"
    words = f"the 95% interval {_amount(m, interval.low, unit=False)} to {_amount(m, interval.high)}"
    if interval.low <= 0 <= interval.high:
        return OK, f"{moved}, but {words} includes no change"
    return FIRED, f"{crossed} ({moved}; {words} excludes no change)"


def _amount(m: Metric, value: float, unit: bool = True) -> str:
    """A change in the KPI's unit as the messages write it: ``2.1 points`` (rates and NPS), ``−12 s``."""
    if m.unit not in ("%", "points"):
        return fmt.number(value, m.unit, "")
    return fmt.number(value, "points", "") + (" points" if unit else "")


def _message(alert: Alert, m: Metric, c: AlertCheck, verdict: str) -> str:
    """``Escalation rate (chatbot · billing) above 30% — 31.2% in Oct 2026 (95% CI 26.6% to 36.3%, n = 349),
    +6.7 pts against the month before (24.5%); crossed: above 30%.`` The KPI's name is repeated only when
    the alert's name lacks it. Numbers as the dashboard prints them (money without a symbol)."""
    if c.value is None:
        return f"{alert.name}: no data in {c.month:%b %Y}."
    text = f"{'' if m.label in alert.name else m.label + ' '}{fmt.number(c.value, m.unit, '')} in {c.month:%b %Y}"
    if c.low is not None:
        text += f" ({fmt.interval(c.low, c.high, m.unit, '')}, n = {c.n:,})"
    if c.previous is not None:
        text += (f", {fmt.delta(c.value - c.previous, m.unit, '')} against the month before "
                 f"({fmt.number(c.previous, m.unit, '')})")
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
        fresh = {_stored_id(a): check_alert(a, contacts, panel, params, version_id) for a in todo}
        with Session(store.engine) as s:
            s.exec(delete(AlertCheck).where(col(AlertCheck.version_id) == version_id,
                                            col(AlertCheck.alert_id).in_(list(fresh))))
            s.add_all(fresh.values())
            s.commit()
            for c in fresh.values():
                s.refresh(c)
        stored |= fresh
    return [Outcome(a, stored[_stored_id(a)]) for a in alerts]


def _stored_id(alert: Alert) -> int:
    """The id of an alert read from the catalog."""
    assert alert.id is not None  # read back from the database, so numbered
    return alert.id


def triggered(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """The alerts that fired, in the order they were created."""
    return [o for o in outcomes if o.fired]


def after_import(store: Store, version: VersionInfo) -> tuple[str, ...]:
    """Import, then notify: evaluate the dataset's alerts on ``version``, just committed, with the saved settings;
    the messages of those that fired. The version is committed already, so a failure here is logged, never raised
    (the alerts are evaluated again on the next read)."""
    try:
        settings = load_settings(store)
        outcomes = evaluate(store, version.dataset, version.version_id, params=settings.params(),
                            horizon=settings.churn_horizon_months)
    except Exception:  # noqa: BLE001 — see the docstring
        LOG.exception("alert evaluation on %s v%s failed", version.dataset, version.number)
        return ()
    return tuple(o.check.message for o in triggered(outcomes))


def fired_sentence(messages: Sequence[str]) -> str:
    """" 2 alerts fired on it." after an import's message, or nothing."""
    return f" {len(messages)} alert{'s' * (len(messages) > 1)} fired on it." if messages else ""
