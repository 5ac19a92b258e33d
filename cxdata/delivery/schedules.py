"""Delivery schedules in the catalog (:class:`cxdata.catalog.tables.Schedule`) and when each is due.

A schedule sends one saved view's meeting pack, in some of :data:`cxdata.screens.pack.PACK_FORMATS`, to
targets (:func:`cxdata.delivery.senders.target_kind`) on a cadence, at a local time of day in an IANA time zone:

- ``daily``; ``weekly`` on a weekday (``day`` 0 Monday … 6 Sunday); ``monthly`` on a day (``day`` 1–31;
  a month without that day: its last day).
- A **slot** is one scheduled moment: the local date and time made exact with :mod:`zoneinfo`. A time that
  does not exist that day (clocks going forward) is read with the offset before the change, so it runs the same
  hour of real time later (02:30 → 03:30); a time that happens twice (clocks going back) runs at the first.
- A target is **due** at ``now`` when the latest slot at or before ``now`` is after its last successful
  delivery (:func:`due`) — and after the schedule was made, so a new schedule waits for its first slot.
  Each target is judged alone: one that failed is due again at the next run, the others are not sent twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, func, select

from cxdata.access import Actor
from cxdata.catalog.store import Store
from cxdata.catalog.tables import Delivery, Schedule
from cxdata.catalog.views import load_view
from cxdata.delivery.senders import target_kind
from cxdata.screens.pack import PACK_FORMATS

CADENCES = ("daily", "weekly", "monthly")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: The days a cadence's slots can be apart at most, with a margin: how far :func:`latest_slot` looks back.
_LONGEST_GAP = 62
#: The delivery log the page shows.
LOG_SHOWN = 50


def aware(moment: datetime) -> datetime:
    """A catalog time as an aware UTC time (SQLite gives back naive UTC times)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ValueError in one sentence when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{name}' is not an IANA time zone: use a name like Europe/Rome or America/New_York.") \
            from None


def _runs_on(schedule: Schedule, day: date) -> bool:
    if schedule.cadence == "weekly":
        return day.weekday() == schedule.day
    if schedule.cadence == "monthly":
        last = ((day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
        return day.day == min(schedule.day or 1, last)
    return True


def slot_on(schedule: Schedule, day: date) -> datetime | None:
    """The schedule's slot on the local date ``day`` in UTC, or None when it does not run that day."""
    if not _runs_on(schedule, day):
        return None
    return datetime.combine(day, schedule.at, tzinfo=zone(schedule.timezone)).astimezone(UTC)


def latest_slot(schedule: Schedule, now: datetime) -> datetime:
    """The last slot at or before ``now`` (UTC)."""
    today = aware(now).astimezone(zone(schedule.timezone)).date()
    for back in range(_LONGEST_GAP):
        slot = slot_on(schedule, today - timedelta(days=back))
        if slot is not None and slot <= now:
            return slot
    raise AssertionError("unreachable: every cadence runs at least once in two months")


def next_run(schedule: Schedule, after: datetime) -> datetime:
    """The first slot strictly after ``after`` (UTC)."""
    day = aware(after).astimezone(zone(schedule.timezone)).date()
    for ahead in range(_LONGEST_GAP):
        slot = slot_on(schedule, day + timedelta(days=ahead))
        if slot is not None and slot > after:
            return slot
    raise AssertionError("unreachable: every cadence runs at least once in two months")


def due(schedule: Schedule, last_success: datetime | None, now: datetime) -> bool:
    """Whether a target last delivered at ``last_success`` (None: never) is due at ``now``: the latest slot is
    after that delivery and after the schedule was made."""
    since = aware(schedule.created_at) if last_success is None else max(aware(schedule.created_at), aware(last_success))
    return latest_slot(schedule, now) > since


def cadence_text(schedule: Schedule) -> str:
    """``monthly on day 1 at 07:00 (Europe/Rome)``."""
    on = {"weekly": f" on {WEEKDAYS[schedule.day or 0]}", "monthly": f" on day {schedule.day}"}.get(schedule.cadence, "")
    return f"{schedule.cadence}{on} at {schedule.at:%H:%M} ({schedule.timezone})"


def new_schedule(store: Store, *, view_id: str, formats: Sequence[str], targets: Sequence[str], cadence: str,
                 at: time, timezone: str, day: int | None = None, name: str = "") -> Schedule:
    """A valid schedule (not stored); ValueError in one sentence for anything that cannot be sent."""
    view = load_view(store, view_id)
    if view is None:
        raise ValueError(f"There is no saved view '{view_id}': save one with the Share control first.")
    if not formats:
        raise ValueError(f"Choose at least one format: {', '.join(PACK_FORMATS)}.")
    if unknown := [f for f in formats if f not in PACK_FORMATS]:
        raise ValueError(f"The meeting pack is written as {', '.join(PACK_FORMATS)}, not {', '.join(unknown)}.")
    cleaned = [t.strip() for t in targets if t.strip()]
    if not cleaned:
        raise ValueError("Give at least one target: an e-mail address, a folder or a webhook URL.")
    for target in cleaned:
        target_kind(target)
    if cadence not in CADENCES:
        raise ValueError(f"The cadence is one of {', '.join(CADENCES)}, not '{cadence}'.")
    if cadence == "weekly" and day not in range(7):
        raise ValueError("A weekly schedule needs a weekday: 0 (Monday) to 6 (Sunday).")
    if cadence == "monthly" and day not in range(1, 32):
        raise ValueError("A monthly schedule needs a day of the month from 1 to 31 (a shorter month uses its last day).")
    zone(timezone)
    return Schedule(name=name.strip() or view.name, view_id=view.id, formats_json=json.dumps(list(dict.fromkeys(formats))),
                    targets_json=json.dumps(list(dict.fromkeys(cleaned))), cadence=cadence,
                    day=None if cadence == "daily" else day, at=at.replace(second=0, microsecond=0, tzinfo=None),
                    timezone=timezone)


def add_schedule(store: Store, *, actor: Actor, **fields) -> int:
    """Store a schedule (:func:`new_schedule`'s arguments) and return its id: the change "schedule.create" by
    ``actor``, target "schedule <id>". Its packs keep to ``actor``'s restrictions."""
    with store.change(actor, "schedule.create") as change:
        schedule = new_schedule(store, **fields)
        schedule.restrictions_json = json.dumps({c: list(v) for c, v in actor.restrictions})
        return change.add(schedule, "schedule", name=schedule.name, view=schedule.view_id, targets=schedule.targets)


def list_schedules(store: Store) -> list[Schedule]:
    """Every schedule, oldest first."""
    with Session(store.engine) as s:
        return list(s.exec(select(Schedule).order_by(col(Schedule.id))))


def set_enabled(store: Store, schedule_id: int, enabled: bool, *, actor: Actor) -> None:
    """Switch a schedule on or off: the change "schedule.update" by ``actor``."""
    store.update_row(Schedule, schedule_id, actor=actor, action="schedule.update", target=f"schedule {schedule_id}",
                     enabled=enabled)


def delete_schedule(store: Store, schedule_id: int, *, actor: Actor) -> None:
    """Delete a schedule and its delivery log: the change "schedule.delete" by ``actor``."""
    store.delete_row(Schedule, schedule_id, actor=actor, action="schedule.delete", target=f"schedule {schedule_id}",
                     children=(Delivery, "schedule_id"))


def log_delivery(store: Store, delivery: Delivery) -> None:
    with Session(store.engine) as s:
        s.add(delivery)
        s.commit()


def last_successes(store: Store) -> dict[tuple[int, str], datetime]:
    """``{(schedule id, target): time of its last successful delivery}``."""
    with Session(store.engine) as s:
        rows = s.exec(select(Delivery.schedule_id, Delivery.target, Delivery.at).where(Delivery.outcome == "ok"))
        latest: dict[tuple[int, str], datetime] = {}
        for schedule_id, target, at in rows:
            key = (schedule_id, target)
            latest[key] = max(latest.get(key, aware(at)), aware(at))
        return latest


def last_outcomes(store: Store) -> dict[int, Delivery]:
    """``{schedule id: the outcome of its last run}``: a failed target of that run if any failed, else one that
    went."""
    with Session(store.engine) as s:
        latest = (select(Delivery.schedule_id, func.max(Delivery.at).label("at"))
                  .group_by(col(Delivery.schedule_id)).subquery())
        rows = s.exec(select(Delivery).join(latest, (col(Delivery.schedule_id) == latest.c.schedule_id)
                                            & (col(Delivery.at) == latest.c.at)).order_by(col(Delivery.id)))
        outcome: dict[int, Delivery] = {}
        for d in rows:
            if d.schedule_id not in outcome or (d.outcome == "failed" and outcome[d.schedule_id].outcome != "failed"):
                outcome[d.schedule_id] = d
        return outcome


def size_text(size: int) -> str:
    """``840 kB``, ``2.4 MB``: the bytes a delivery sent."""
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{max(size / 1e3, 1):.0f} kB" if size else "–"


def recent_deliveries(store: Store, limit: int = LOG_SHOWN) -> list[Delivery]:
    """The newest ``limit`` deliveries, newest first."""
    with Session(store.engine) as s:
        return list(s.exec(select(Delivery).order_by(col(Delivery.id).desc()).limit(limit)))
