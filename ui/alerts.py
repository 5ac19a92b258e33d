"""Widgets and drawing of the alerts (issue 7): the New alert form, the list with each alert's latest
check on the active data version, and the fired alerts at the top of the Overview, each linked to its view.

The Alerts page's numbers and sentences are :func:`cxdata.screens.alerts.alerts_screen`; the Overview's fired
alerts are :func:`cxdata.actions.alerts.evaluate`, both on the analysis frames the page already holds (nothing is
read again). An alert is checked once per data version and read back afterwards, so the Overview's rerun
costs two catalog queries. "Open the view" is :mod:`ui.state` navigation: the alert's scope becomes the
global filters, the period the month the rule judged (the data's last complete month; "Last month" when
the alert has no check) and the KPI is selected on the Drill-down (contact KPIs) or the Overview's trend
(customer KPIs). Creating, switching and deleting alerts needs the analyst role: a viewer sees the list and the
checks, with the switches disabled and no Delete.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date

import streamlit as st

from cxdata import format as fmt
from cxdata.access import Forbidden
from cxdata.actions.alerts import (
    FIRED,
    OK,
    RULES,
    TOO_FEW,
    Outcome,
    check_alert,
    create_alert,
    delete_alert,
    describe,
    evaluate,
    set_enabled,
)
from cxdata.catalog.store import Store, VersionInfo
from cxdata.catalog.tables import CHANGE_RULES, Alert
from cxdata.measures.metrics import MIN_ANSWERS, REGISTRY, Base, Metric
from cxdata.measures.periods import CUSTOM, month_end
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.alerts import OFF, AlertsScreen, alerts_screen
from cxdata.settings import Settings
from ui import state
from ui.auth import current_actor, refusal, refusals_shown
from ui.filters import dimension_key
from ui.links import address
from ui.loaders import DataShape
from ui.text import plain

PAGE = "app_pages/alerts.py"
LAST_MONTH = "Last month"  # the global period an alert's view opens with (cxdata.measures.periods.PERIODS)
DRILLDOWN, OVERVIEW = "drilldown", ""
RULE_LABELS = {"above": "is above", "below": "is below", "rises_by": "rises by at least",
               "falls_by": "falls by at least"}
HOW_RULES_WORK = ("How rules work: “is above” and “is below” compare the KPI of the data's last complete month "
                  "(the newest month the data covers to its last day; a partial month is left out) with the "
                  "threshold; “rises by” and “falls by” compare it with the month before and, unless you untick "
                  "the option, fire only on a significant change. A month with fewer answers than the minimum "
                  "never fires (it reads “too few answers”). Alerts are checked on every new data "
                  "version, when it is imported; “Check now” checks them again.")
SIGNIFICANT_MEANS = ("Significant means that the change's 95% interval excludes 0: a change that chance alone "
                     "could produce with this many answers does not fire, however large it looks.")
BADGES = {FIRED: ":red-badge[:material/notifications_active: fired]", OK: ":green-badge[ok]",
          TOO_FEW: ":gray-badge[too few answers]", OFF: ":gray-badge[off]"}
_FORM = {f: f"_alert_{f}" for f in ("metric", "rule", "threshold", "min_n", "significant", "name")}
_CREATED = "_alert_created"


# ---------------------------------------------------------------- evaluation and links


def outcomes_of(store: Store, version: VersionInfo, a: Analysis, settings: Settings, force: bool = False
                ) -> list[Outcome]:
    """The enabled alerts of the version's dataset, checked on it (stored checks are read back)."""
    return evaluate(store, version.dataset, version.version_id, params=settings.params(),
                    horizon=settings.churn_horizon_months, frames=(a.contacts, a.panel), force=force)


def view_of(alert: Alert, dataset: str, month: date | None = None) -> state.Navigation:
    """The view an alert points at: its scope as the global filters, the month its check judged (else
    the data's last month), and its KPI."""
    m = REGISTRY[alert.metric]
    params: dict[str, list[str]] = {"dataset": [dataset], "period": [LAST_MONTH]}
    if month is not None:
        params |= {"period": [CUSTOM], "dates": [month.isoformat(), month_end(month).isoformat()]}
    for column, values in alert.where.items():
        params[dimension_key(column)] = list(values)
    if m.base is Base.CONTACTS:
        return state.Navigation(DRILLDOWN, params | {"metric": [m.label]}, reset=True)
    return state.Navigation(OVERVIEW, params | {"trend": [m.label]}, reset=True)


def view_button(alert: Alert, dataset: str, key: str, month: date | None) -> None:
    view = view_of(alert, dataset, month)
    where = "Drill-down" if view.page == DRILLDOWN else "Overview"
    judged = f"{month:%b %Y}" if month is not None else "the last month"
    st.button("Open the view", key=key, icon=":material/open_in_new:", type="tertiary", on_click=state.go,
              args=(view,), help=f"Open the {where} on this alert's scope, {judged} and its KPI "
                                 f"({address(view.page or '/', view.params)}).")


def fired_alerts(store: Store, scope: Scope, a: Analysis, settings: Settings) -> None:
    """The Overview's block: one short warning per alert fired on the scope's version (checked on the rows the
    user may see alone under restrictions: :func:`cxdata.screens.alerts.alerts_screen`), each with a link to its
    view (nothing when no alert fired or none exists)."""
    fired = [row for row in alerts_screen(a, scope, settings, store).fired if row.check is not None]
    for row in fired:
        text, link = st.columns([8.4, 1.6], vertical_alignment="center")
        text.warning(plain(row.check.message), icon=":material/notifications_active:")
        with link:
            view_button(row.alert, scope.dataset, key=f"_alert_view_{row.alert.id}", month=row.check.month)
    if fired:
        st.page_link(PAGE, label="Manage alerts", icon=":material/notifications:")


# ---------------------------------------------------------------- numbers as shown


def threshold_unit(m: Metric, rule: str, currency: str) -> str:
    """The threshold's unit in words: ``%`` for a level of a rate, ``percentage points`` for its change."""
    if m.unit == "%":
        return "%" if rule not in CHANGE_RULES else "percentage points"
    if m.unit == "points":
        return "NPS points"
    if m.unit.startswith("money"):
        return currency
    return {"seconds": "seconds", "score": "points of the scale"}.get(m.unit, m.unit)


# ---------------------------------------------------------------- the New alert form


def after_create() -> None:
    """At the top of the page: after a save, empty the form (its widgets are not drawn yet)."""
    created = st.session_state.pop(_CREATED, None)
    if created is not None:
        for key in (_FORM["threshold"], _FORM["name"]):
            st.session_state.pop(key, None)
        st.toast(f"Alert #{created} created and checked.", icon=":material/notifications:")


def new_alert_form(store: Store, dataset: str, a: Analysis, settings: Settings, shape: DataShape,
                   metrics: Sequence[Metric], expanded: bool) -> None:
    """KPI, scope, rule, threshold (its unit shown), minimum answers, for a rise or fall whether it must be
    significant (default on), and name; the check it would make on the data's last complete month is
    shown before saving."""
    with st.expander("New alert", expanded=expanded, icon=":material/add_alert:"):
        row = st.columns([2, 2, 1.4, 1.2])
        labels = {m.key: m.label for m in metrics}
        metric = row[0].selectbox("KPI", list(labels), format_func=labels.get, key=_FORM["metric"])
        rule = row[1].selectbox("Rule", list(RULES), format_func=RULE_LABELS.get, key=_FORM["rule"],
                                help="A level of the last month, or its change against the month before.")
        m = REGISTRY[metric]
        unit = threshold_unit(m, rule, settings.currency)
        threshold = row[2].number_input(f"Threshold ({unit})", value=None, step=1.0, format="%.2f",
                                        key=_FORM["threshold"], placeholder="e.g. 30",
                                        help=f"In the KPI's unit: {unit}.")
        min_n = row[3].number_input("Minimum answers", min_value=1, value=MIN_ANSWERS, step=10, key=_FORM["min_n"],
                                    help="A month with fewer answers (rows) than this never fires.")
        significant = None
        if rule in CHANGE_RULES:
            significant = st.checkbox("Only when the change is significant (its 95% interval excludes 0)", value=True,
                                      key=_FORM["significant"], help=SIGNIFICANT_MEANS)
            st.caption(SIGNIFICANT_MEANS)
        st.markdown("**Scope** — empty = all")
        where: dict[str, list[str]] = {}
        grid = st.columns(4)
        for n, (column, values) in enumerate(shape.dimensions):
            chosen = grid[n % 4].multiselect(fmt.dimension_label(column), values, key=f"_alert_in_{column}",
                                             placeholder="All")
            if chosen:
                where[column] = chosen
        name = st.text_input("Name (optional)", key=_FORM["name"], max_chars=120,
                             placeholder="e.g. Chatbot escalations in billing; empty: the rule in words")
        if threshold is not None:
            draft = Alert(dataset=dataset, name=name.strip(), metric=metric, rule=rule, threshold=float(threshold),
                          min_n=int(min_n), where_json=_where_json(where), significant_only=significant)
            draft.name = draft.name or describe(draft)
            check = check_alert(draft, a.contacts, a.panel, settings.params())
            verdict = {FIRED: "it would fire now", OK: "it would not fire now"}.get(check.status,
                                                                                   f"now: {check.status}")
            st.caption(plain(f"On the data's last complete month, {verdict}: "
                             f"{check.message.removeprefix(f'{draft.name} — ')}"))
        if st.button("Create alert", type="primary", icon=":material/add_alert:", key="_create_alert"):
            if threshold is None:
                st.error("Enter a threshold.", icon=":material/error:")
                return
            try:
                new_id = create_alert(store, actor=current_actor(), dataset=dataset, metric=metric, rule=rule,
                                      threshold=float(threshold), where=where, name=name, min_n=int(min_n),
                                      significant_only=significant)
            except (ValueError, Forbidden) as exc:
                st.error(plain(str(exc)), icon=":material/error:")
            else:
                st.session_state[_CREATED] = new_id
                st.rerun()


def _where_json(where: Mapping[str, Sequence[str]]) -> str:
    return json.dumps({k: [str(v) for v in vs] for k, vs in where.items() if vs}, sort_keys=True)


# ---------------------------------------------------------------- the list


def _toggled(store: Store, alert_id: int, key: str) -> None:
    with refusals_shown():
        set_enabled(store, alert_id, bool(st.session_state[key]), actor=current_actor())
        return
    st.session_state[key] = not st.session_state[key]  # refused: the switch shows the alert as it still is


def _deleted(store: Store, alert_id: int) -> None:
    with refusals_shown():
        delete_alert(store, alert_id, actor=current_actor())
        st.toast(f"Alert #{alert_id} deleted.", icon=":material/delete:")


def _checked_again(store: Store, version: VersionInfo, a: Analysis, settings: Settings) -> None:
    outcomes = outcomes_of(store, version, a, settings, force=True)
    st.toast(f"{len(outcomes)} alert{'s' * (len(outcomes) != 1)} checked on version {version.number}.",
             icon=":material/refresh:")


def check_now(store: Store, version: VersionInfo, a: Analysis, settings: Settings) -> None:
    """"Check now": every alert that is on is checked again on ``version`` before the page is drawn again."""
    st.button("Check now", icon=":material/refresh:", on_click=_checked_again, args=(store, version, a, settings),
              help="Check every alert that is on against the active version again.")


def alerts_list(store: Store, dataset: str, screen: AlertsScreen) -> None:
    """Each alert of :func:`cxdata.screens.alerts.alerts_screen`: status, name and rule, the latest check's
    message and what it needs, on/off, its view and delete (on/off and delete for analysts and admins)."""
    locked = refusal("alert.update")
    for row in screen.rows:
        alert = row.alert
        assert alert.id is not None  # read back from the catalog, so numbered
        with st.container(border=True):
            cols = st.columns([5.4, 1.6, 1.8, 1.4], vertical_alignment="center")
            with cols[0]:
                badge = BADGES.get(row.status, f":orange-badge[{plain(row.status)}]")
                st.markdown(f"{badge} **{plain(alert.name)}**" + (f" :gray[({plain(row.rule)})]"
                                                                    if row.rule != alert.name else ""))
                if row.message is not None:
                    st.markdown(plain(row.message))
                st.caption(row.note)
            key = f"_alert_on_{alert.id}"
            cols[1].toggle("On", value=alert.enabled, key=key, on_change=_toggled, args=(store, alert.id, key),
                           disabled=locked is not None,
                           help=locked or "An alert that is off is not checked and never fires.")
            with cols[2]:
                view_button(alert, dataset, key=f"_alert_open_{alert.id}", month=row.month)
            if locked is not None:
                continue
            with cols[3].popover("Delete", icon=":material/delete:", type="tertiary"):
                st.markdown(f"Delete **{plain(alert.name)}** and its checks?")
                st.button("Yes, delete it", type="primary", key=f"_alert_delete_{alert.id}", on_click=_deleted,
                          args=(store, alert.id))
