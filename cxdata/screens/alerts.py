"""The Alerts page, built once for the page that draws it (and the meeting pack and ``report --json`` that can write
it): every alert of a dataset with its check on the version — status, the value of the month it judged with its
95% interval and n, the message, and the rule in words.

Where each number comes from: the checks are :func:`cxdata.actions.alerts.evaluate` (each enabled alert judged on
the data's last complete month by :func:`cxdata.actions.alerts.check_alert`: a level against the threshold, or the
change against the month before with its 95% interval Δ ± 1.96·√(SE₁² + SE₀²); checks are stored per version and
read back); the rule in words is :func:`cxdata.actions.alerts.describe`. The sidebar's filters do not apply: each
alert has its own scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cxdata import format as fmt
from cxdata.actions.alerts import FIRED, check_alert, describe, evaluate, list_alerts
from cxdata.catalog.store import Store
from cxdata.catalog.tables import Alert, AlertCheck
from cxdata.measures.metrics import REGISTRY, Metric
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.initiatives import initiative_metrics
from cxdata.settings import Settings

#: The status of an alert that is switched off (not checked), besides the checks' statuses.
OFF = "off"


@dataclass(frozen=True)
class AlertRow:
    """One alert and its check on the version.

    ``status``: :data:`OFF`, or the check's (fired, ok, too few answers, no data, needs …); ``rule``: the rule in
    words (:func:`cxdata.actions.alerts.describe`); ``month``: the month the check judged (None when off or when
    there is none); ``value`` and ``interval``: the KPI of that month and its 95% interval, formatted (``–`` and
    empty without one), ``n`` its answers; ``message``: the check's message without the alert's name (None when
    off); ``note``: how many answers a month needs and whether only a significant change fires. ``alert``: the
    stored alert (its name, KPI, scope and switch); ``check``: its check's numbers (None when off), as the meeting
    pack writes them."""

    alert: Alert
    check: AlertCheck | None
    status: str
    rule: str
    month: date | None
    value: str
    interval: str
    n: int
    message: str | None
    note: str

    @property
    def fired(self) -> bool:
        return self.status == FIRED


@dataclass(frozen=True)
class AlertsScreen:
    """What the Alerts page shows for a dataset version: ``intro`` (the version, and that the sidebar's filters do
    not apply), ``metrics`` (the KPIs an alert can watch on this data; none: nothing is checked) and ``rows``
    (every alert of the dataset, oldest first, with its check)."""

    intro: str
    metrics: tuple[Metric, ...]
    rows: tuple[AlertRow, ...]

    @property
    def fired(self) -> tuple[AlertRow, ...]:
        """The alerts that fired on this version, oldest first."""
        return tuple(r for r in self.rows if r.fired)


def _checks(a: Analysis, scope: Scope, settings: Settings, store: Store) -> dict[int | None, AlertCheck]:
    """Each enabled alert's check on the version: the stored one (:func:`cxdata.actions.alerts.evaluate`), or for a
    restricted user one made now on the rows the user may see alone (:func:`cxdata.actions.alerts.check_alert`;
    not stored: it is that user's)."""
    params = settings.params()
    if scope.restrictions:
        contacts, panel = scope.within(a.contacts), scope.within(a.panel)
        return {alert.id: check_alert(alert, contacts, panel, params, scope.version.version_id)
                for alert in list_alerts(store, scope.dataset) if alert.enabled}
    outcomes = evaluate(store, scope.dataset, scope.version.version_id, params=params,
                        horizon=settings.churn_horizon_months, frames=(a.contacts, a.panel))
    return {o.alert.id: o.check for o in outcomes}


def alerts_screen(a: Analysis, scope: Scope, settings: Settings, store: Store) -> AlertsScreen:
    """The Alerts page of ``scope``'s dataset version: the alerts of ``store``, the enabled ones checked on ``a``'s
    frames under ``settings``' definitions (a check already stored for the version is read back), values written in
    ``settings``' currency. Only ``scope``'s dataset and version are read."""
    metrics = initiative_metrics(a)
    rows: list[AlertRow] = []
    if metrics:
        checks = _checks(a, scope, settings, store)
        for alert in list_alerts(store, scope.dataset):
            check = checks.get(alert.id) if alert.enabled else None
            unit = REGISTRY[alert.metric].unit
            if check is None:
                rows.append(AlertRow(alert, None, OFF, describe(alert), None, "–", "", 0, None,
                                     f"Switched off: not checked. It needs at least {fmt.count(alert.min_n)} "
                                     f"answer{'s' * (alert.min_n != 1)} in a month."))
                continue
            rows.append(AlertRow(
                alert, check, check.status, describe(alert), check.month, fmt.number(check.value, unit, settings.symbol),
                fmt.interval(check.low, check.high, unit, settings.symbol), check.n,
                check.message.removeprefix(f"{alert.name} — "),
                f"Judged only with at least {fmt.count(alert.min_n)} answer{'s' * (alert.min_n != 1)} in a month"
                + ("; it fires only on a significant change (its 95% interval excludes 0)."
                   if alert.requires_significance else ".")))
    within = f" Checked on the rows your account may see alone ({scope.where_text()})." if scope.restrictions else ""
    return AlertsScreen(
        intro=(f"Thresholds on any KPI and scope, checked on every new data version. Dataset {scope.dataset}, "
               f"version {scope.version.number}; the sidebar's filters do not apply here.{within}"),
        metrics=tuple(metrics), rows=tuple(rows))
