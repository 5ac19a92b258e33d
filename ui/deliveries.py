"""Widgets and drawing of the Deliveries page: the New schedule form, the schedules with their last outcome and next
run (on/off, delete), and the delivery log.

Everything is :mod:`cxdata.delivery.schedules` (validation, cadence, next run, the log); ``python -m cxdata
deliver`` sends (:mod:`cxdata.delivery.deliver`), from cron or a systemd timer, not the app. Adding, switching and
deleting schedules needs the analyst role: a viewer sees the schedules and the log, the switches disabled.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import available_timezones

import pandas as pd
import streamlit as st

from cxdata import format as fmt
from cxdata.access import Forbidden
from cxdata.catalog.store import Store
from cxdata.catalog.tables import Delivery, Schedule
from cxdata.catalog.views import View
from cxdata.delivery.schedules import (
    CADENCES,
    LOG_SHOWN,
    WEEKDAYS,
    add_schedule,
    aware,
    cadence_text,
    delete_schedule,
    last_outcomes,
    list_schedules,
    next_run,
    recent_deliveries,
    set_enabled,
    size_text,
    zone,
)
from cxdata.screens.pack import PACK_FORMATS
from ui.auth import current_actor, refusal, refusals_shown
from ui.text import NO_VALUE, plain

HOW_IT_RUNS = ("`python -m cxdata deliver` sends the schedules that are due — run it every few minutes from cron or a "
               "systemd timer (README \"Deliveries\"). Each target is sent once per scheduled time; one that fails "
               "is tried three times, logged with the reason, and tried again at the next run.")
TARGETS_HELP = ("One a line: an e-mail address (sent with the files attached, through the mail server of "
                "MOMENTO_SMTP_HOST), an absolute folder path (the files in a dated subfolder), or a Slack or Teams "
                "incoming-webhook URL (a message with the view's link and the headline numbers).")
BADGES = {"ok": ":green-badge[:material/check: delivered]", "failed": ":red-badge[:material/error: failed]"}
_FORM = {f: f"_sched_{f}" for f in ("view", "formats", "targets", "cadence", "weekday", "day", "at", "timezone",
                                    "name")}
_ADDED = "_sched_added"
_DEFAULT_ZONE = "UTC"


def _zones() -> list[str]:
    return sorted(available_timezones())


def _browser_zone(zones: list[str]) -> str:
    """The reader's time zone as the browser reports it, when it is a known one; else UTC."""
    told = st.context.timezone
    return told if told in zones else _DEFAULT_ZONE


def after_add() -> None:
    """At the top of the page: after a save, empty the form (its widgets are not drawn yet) and say when it runs."""
    added = st.session_state.pop(_ADDED, None)
    if added is not None:
        for key in (_FORM["targets"], _FORM["name"]):
            st.session_state.pop(key, None)
        st.toast(plain(added), icon=":material/schedule_send:")


def _view_label(view: View) -> str:
    return f"{view.name} ({view.page or 'overview'} · {view.id})"


def new_schedule_form(store: Store, views: list[View], expanded: bool) -> None:
    """Saved view, formats, targets, cadence (weekday or day of the month), time and time zone, name."""
    with st.expander("New schedule", expanded=expanded, icon=":material/schedule_send:"):
        by_id = {v.id: v for v in views}
        view_id = st.selectbox("Saved view", list(by_id), format_func=lambda i: _view_label(by_id[i]),
                               key=_FORM["view"], help="Its page's period, comparison and filters, as the link opens "
                                                       "it, on the dataset's active version when it is sent.")
        formats = st.multiselect("Formats", list(PACK_FORMATS), default=list(PACK_FORMATS)[:1],
                                 format_func=lambda k: f"{PACK_FORMATS[k]} (.{k})", key=_FORM["formats"])
        targets = st.text_area("Send to", key=_FORM["targets"], placeholder="ana@example.com\n/srv/packs\n"
                               "https://hooks.slack.com/services/…", help=TARGETS_HELP)
        row = st.columns(4)
        cadence = row[0].selectbox("Cadence", CADENCES, key=_FORM["cadence"])
        day = None
        if cadence == "weekly":
            day = row[1].selectbox("On", range(7), format_func=WEEKDAYS.__getitem__, key=_FORM["weekday"])
        elif cadence == "monthly":
            day = row[1].number_input("Day of the month", min_value=1, max_value=31, value=1, key=_FORM["day"],
                                      help="A month without that day: its last day.")
        at = row[2].time_input("At", value=time(7, 0), key=_FORM["at"], step=900)
        zones = _zones()
        timezone = row[3].selectbox("Time zone", zones, index=zones.index(_browser_zone(zones)),
                                    key=_FORM["timezone"], help="The time is this zone's local time, daylight "
                                                                "saving included.")
        name = st.text_input("Name (optional)", key=_FORM["name"], max_chars=120,
                             placeholder="e.g. Monthly board pack; empty: the view's name")
        if st.button("Add schedule", type="primary", icon=":material/add:", key="_sched_add"):
            try:
                new_id = add_schedule(store, actor=current_actor(), view_id=view_id or "", formats=formats,
                                      targets=targets.splitlines(), cadence=cadence,
                                      day=None if day is None else int(day), at=at, timezone=timezone, name=name)
            except (ValueError, Forbidden) as exc:
                st.error(plain(str(exc)), icon=":material/error:")
            else:
                added = next(s for s in list_schedules(store) if s.id == new_id)
                st.session_state[_ADDED] = f"Schedule “{added.name}” added: first run {_local(added)}."
                st.rerun()


def _local(schedule: Schedule) -> str:
    """The next run in the schedule's time zone: ``1 Dec 2026 07:00 Europe/Rome``."""
    moment = next_run(schedule, datetime.now(UTC))
    return f"{fmt.when(moment.astimezone(zone(schedule.timezone)))} {schedule.timezone}"


def _toggled(store: Store, schedule_id: int, key: str) -> None:
    with refusals_shown():
        set_enabled(store, schedule_id, bool(st.session_state[key]), actor=current_actor())
        return
    st.session_state[key] = not st.session_state[key]  # refused: the switch shows the schedule as it still is


def _deleted(store: Store, schedule_id: int) -> None:
    with refusals_shown():
        delete_schedule(store, schedule_id, actor=current_actor())
        st.toast(f"Schedule #{schedule_id} deleted.", icon=":material/delete:")


def _last_line(last: Delivery | None) -> str:
    if last is None:
        return ":gray-badge[never sent]"
    line = f"{BADGES.get(last.outcome, plain(last.outcome))} {fmt.when(aware(last.at))} UTC to {plain(last.target)}"
    return line + (f": {plain(last.error)}" if last.error else "")


def schedules_list(store: Store, schedules: list[Schedule], views: list[View]) -> None:
    """Each schedule: name, view, formats and targets, cadence and next run, last outcome; on/off and delete (for
    analysts and admins)."""
    locked = refusal("schedule.update")
    names = {v.id: v.name for v in views}
    last = last_outcomes(store)
    for schedule in schedules:
        assert schedule.id is not None  # read back from the catalog, so numbered
        with st.container(border=True):
            cols = st.columns([6, 1.4, 1.4], vertical_alignment="center")
            with cols[0]:
                view = names.get(schedule.view_id, f"{schedule.view_id} (deleted)")
                st.markdown(f"**{plain(schedule.name)}** :gray[— view {plain(view)}, "
                            f"{', '.join(f'.{k}' for k in schedule.formats)}]")
                st.markdown(plain(f"To {', '.join(schedule.targets)} · {cadence_text(schedule)}"))
                st.markdown(f"Last: {_last_line(last.get(schedule.id))} · next: "
                            f"{plain(_local(schedule)) if schedule.enabled else 'off'}")
            key = f"_sched_on_{schedule.id}"
            cols[1].toggle("On", value=schedule.enabled, key=key, on_change=_toggled, args=(store, schedule.id, key),
                           disabled=locked is not None, help=locked or "A schedule that is off is never sent.")
            if locked is not None:
                continue
            with cols[2].popover("Delete", icon=":material/delete:", type="tertiary"):
                st.markdown(f"Delete **{plain(schedule.name)}** and its delivery log?")
                st.button("Yes, delete it", type="primary", key=f"_sched_delete_{schedule.id}", on_click=_deleted,
                          args=(store, schedule.id))


def delivery_log(store: Store, schedules: list[Schedule]) -> None:
    """The newest :data:`cxdata.delivery.schedules.LOG_SHOWN` deliveries, newest first."""
    rows = recent_deliveries(store, LOG_SHOWN)
    if not rows:
        st.caption("Nothing delivered yet.")
        return
    names = {s.id: s.name for s in schedules}
    st.dataframe(pd.DataFrame({
        "When (UTC)": [fmt.when(aware(d.at)) for d in rows],
        "Schedule": [names.get(d.schedule_id, f"#{d.schedule_id}") for d in rows],
        "Target": [d.target for d in rows],
        "Outcome": [d.outcome for d in rows],
        "Attempts": [d.attempts for d in rows],
        "Files": [", ".join(d.files) for d in rows],
        "Size": [size_text(d.bytes) for d in rows],
        "Error": [d.error for d in rows],
    }), hide_index=True, placeholder=NO_VALUE, width="stretch")
