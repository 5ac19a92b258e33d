"""``python -m cxdata deliver``: make the due schedules' files and send them, retrying, logging every outcome.

For each enabled schedule with due targets (:func:`cxdata.delivery.schedules.due`), once:

1. the saved view's scope on its dataset's active version (:func:`cxdata.links.view_scope`), checked
   (:func:`cxdata.delivery.packs.scope_analysis`), its meeting pack (:func:`cxdata.delivery.packs.scope_pack`;
   the Drill-down's KPI when the view has one) written in each of the schedule's formats
   (:func:`cxdata.screens.pack.pack_file`), named ``<pack stem>.<format>``;
2. the message: subject ``<view name> · <period>``, and a text with the dataset and version, the period, the
   filters, the headline numbers (:data:`HEADLINE_TILES`, as the Overview's tiles show them, with their change)
   and the view's link (``$MOMENTO_PUBLIC_URL/?view=<id>``, when that address is set);
3. each target in turn (:func:`cxdata.delivery.senders.send`), up to :data:`ATTEMPTS` times with the waits of
   :data:`BACKOFF` between them; one target failing never stops the others.

Every target's outcome is a row of the delivery log (``ok`` or ``failed`` with its sentence, the attempts, the
files and their bytes); a view that cannot be made into a pack (deleted, its dataset gone, its filters matching no
data) fails each due target with the reason, and is due again at the next run.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cxdata import format as fmt
from cxdata.access import restrictions_of
from cxdata.catalog.store import Store
from cxdata.catalog.tables import Delivery, Schedule
from cxdata.catalog.views import View, load_view
from cxdata.delivery.packs import scope_analysis, scope_pack
from cxdata.delivery.schedules import due, last_successes, latest_slot, list_schedules, log_delivery, zone
from cxdata.delivery.senders import DeliveryError, NotConfigured, Outgoing, send, target_kind
from cxdata.links import view_scope
from cxdata.measures.metrics import REGISTRY
from cxdata.models.analysis import Analysis
from cxdata.scope import Scope
from cxdata.screens.dashboard import overview_tiles
from cxdata.screens.pack import pack_file
from cxdata.settings import Settings, load_settings

#: How many times a target is tried, and the seconds waited before each try after the first.
ATTEMPTS = 3
BACKOFF = (10.0, 60.0)
#: The Overview tiles a message states (those with a number for the view's scope).
HEADLINE_TILES = ("nps", "csat", "contacts", "revenue_at_risk", "customer_churn")


@dataclass(frozen=True)
class Due:
    """A target of a schedule that is due, and the slot it serves."""

    schedule: Schedule
    target: str
    slot: datetime


@dataclass(frozen=True)
class Outcome:
    """What happened to one due target."""

    due: Due
    ok: bool
    error: str  # one sentence when not ok
    attempts: int
    files: tuple[str, ...]
    size: int  # bytes sent


def due_targets(store: Store, now: datetime) -> list[Due]:
    """Every enabled schedule's targets that are due at ``now``."""
    last = last_successes(store)
    return [Due(s, target, latest_slot(s, now)) for s in list_schedules(store) if s.enabled
            for target in s.targets if due(s, last.get((s.id or 0, target)), now)]


def view_link(view_id: str, env: Mapping[str, str] = os.environ) -> str | None:
    """``https://momento.example.com/?view=abc123`` from ``MOMENTO_PUBLIC_URL``; None when it is not set."""
    base = env.get("MOMENTO_PUBLIC_URL", "").strip().rstrip("/")
    return f"{base}/?view={view_id}" if base else None


def headline_lines(a: Analysis, scope: Scope, settings: Settings) -> list[str]:
    """``NPS: 31.5 (+2.0 vs May–Jul 2026)``: the :data:`HEADLINE_TILES` that have a number in ``scope``."""
    tiles = {t["key"]: t for t in overview_tiles(a, scope.filters, scope.comparison_filters, settings.params())}
    compared = f" vs {fmt.month_span(*scope.comparison)}" if scope.comparison else ""
    lines = []
    for key in HEADLINE_TILES:
        tile = tiles.get(key)
        if tile is None or tile["status"] != "ok" or fmt.missing(tile["value"]):
            continue
        change = fmt.delta(tile.get("delta"), tile["unit"], settings.symbol)
        lines.append(f"{tile['label']}: {fmt.number(tile['value'], tile['unit'], settings.symbol)}"
                     + (f" ({change}{compared})" if change else ""))
    return lines


def drill_metric(params: Mapping[str, Sequence[str]]) -> str | None:
    """The KPI key of a view's ``metric`` parameter (the Drill-down's selector: its label, or a key)."""
    chosen = next(iter(params.get("metric") or ()), None)
    return next((m.key for m in REGISTRY.values() if chosen in (m.key, m.label)), None)


def outgoing(store: Store, schedule: Schedule, now: datetime, env: Mapping[str, str] = os.environ) -> Outgoing:
    """The files and the message of ``schedule`` at ``now``; ValueError in one sentence when the view cannot be
    made into a pack."""
    view: View | None = load_view(store, schedule.view_id)
    if view is None:
        raise ValueError(f"The saved view '{schedule.view_id}' was deleted: pick another view for this schedule.")
    scope = view_scope(store, view.params, restrictions_of(schedule.restrictions.items()))
    settings = load_settings(store)
    a = scope_analysis(store, scope, settings)
    local = now.astimezone(zone(schedule.timezone))
    pack = scope_pack(store, a, scope, settings, drill_metric=drill_metric(view.params), generated_at=local)
    files = tuple((f"{pack.stem}.{kind}", pack_file(pack, kind)) for kind in schedule.formats)
    link = view_link(view.id, env)
    text = "\n".join([
        f"{schedule.name}: the meeting pack of the saved view “{view.name}”.",
        f"Dataset {scope.dataset}, version {scope.version.number} · {scope.period_text()}",
        f"Filters: {scope.where_text()}",
        "",
        *headline_lines(a, scope, settings),
        "",
        *([f"Open the view: {link}"] if link else []),
        f"Files: {', '.join(name for name, _ in files)}",
    ])
    return Outgoing(f"{view.name} · {scope.period_text()}", text, files, local.date())


def attempt(target: str, message: Outgoing, *, attempts: int = ATTEMPTS, backoff: Sequence[float] = BACKOFF,
            sleep: Callable[[float], None] | None = None, env: Mapping[str, str] = os.environ) -> tuple[str, int]:
    """Send ``message`` to ``target``, trying up to ``attempts`` times (waiting ``backoff[i]`` seconds, the last
    one again when it runs out, through ``sleep``, :func:`time.sleep` by default; settings that are missing are not
    tried again); ("", tries) when it went, else (the last sentence, tries)."""
    sleep = sleep or time.sleep
    error = ""
    for n in range(1, attempts + 1):
        try:
            send(target, message, env)
            return "", n
        except NotConfigured as exc:
            return str(exc), n
        except DeliveryError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 — a bug in a sender is still a failed delivery, logged and reported
            error = f"Unexpected {type(exc).__name__}: {exc}."
        if n < attempts:
            sleep(backoff[min(n - 1, len(backoff) - 1)] if backoff else 0.0)
    return error, attempts


def _log(store: Store, outcome: Outcome, now: datetime) -> Outcome:
    assert outcome.due.schedule.id is not None
    log_delivery(store, Delivery(
        schedule_id=outcome.due.schedule.id, at=now, due_at=outcome.due.slot, target=outcome.due.target,
        outcome="ok" if outcome.ok else "failed", error=outcome.error, attempts=outcome.attempts,
        files_json=json.dumps(list(outcome.files)), bytes=outcome.size))
    return outcome


def deliver_due(store: Store, now: datetime, *, attempts: int = ATTEMPTS, backoff: Sequence[float] = BACKOFF,
                sleep: Callable[[float], None] | None = None, env: Mapping[str, str] = os.environ) -> list[Outcome]:
    """Send every due target (module docstring) and log each outcome; the outcomes in schedule order."""
    outcomes: list[Outcome] = []
    targets = due_targets(store, now)
    for schedule in dict.fromkeys(d.schedule.id for d in targets):
        mine = [d for d in targets if d.schedule.id == schedule]
        try:
            message = outgoing(store, mine[0].schedule, now, env)
        except Exception as exc:  # noqa: BLE001 — one schedule's pack failing must not stop the others
            reason = str(exc) if isinstance(exc, ValueError) else \
                f"The pack could not be made ({type(exc).__name__}: {exc})."
            outcomes += [_log(store, Outcome(d, False, reason, 1, (), 0), now) for d in mine]
            continue
        for d in mine:
            error, tries = attempt(d.target, message, attempts=attempts, backoff=backoff, sleep=sleep, env=env)
            names, size = _sent(d.target, message) if not error else ((), 0)
            outcomes.append(_log(store, Outcome(d, not error, error, tries, names, size), now))
    return outcomes


def _sent(target: str, message: Outgoing) -> tuple[tuple[str, ...], int]:
    """The files and bytes a target received: the files, or for a webhook its text alone."""
    if target_kind(target) == "webhook":
        return (), len(message.text.encode("utf-8"))
    return tuple(name for name, _ in message.files), message.size
