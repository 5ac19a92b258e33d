"""Deliveries: without a saved view the page says how to make one; the form stores a schedule of a saved view as
entered, and the list shows it with its next run (computed here with ``next_run``), switches it off and deletes it;
a target that cannot be sent to is refused in one sentence; the log shows each delivery with its outcome."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from apptest_helpers import run_app, shown
from cxdata import format as fmt
from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.catalog.tables import Delivery
from cxdata.catalog.views import save_view
from cxdata.delivery.schedules import list_schedules, log_delivery, next_run

PAGE = "app_pages/deliveries.py"


def test_without_a_saved_view_the_page_says_how_to_make_one(loaded_store: Path) -> None:
    at = run_app(PAGE)
    assert at.title[0].value == "Deliveries"
    assert "Save as a named view" in at.info[0].value
    assert "Nothing delivered yet." in [c.value for c in at.caption]


def fill(at, view_id: str, targets: str) -> None:
    at.selectbox(key="_sched_view").set_value(view_id)
    at.multiselect(key="_sched_formats").set_value(["xlsx", "html"])
    at.text_area(key="_sched_targets").input(targets)
    at.selectbox(key="_sched_cadence").set_value("monthly")
    at.run()
    at.number_input(key="_sched_day").set_value(1)
    at.time_input(key="_sched_at").set_value(time(7, 30))
    at.selectbox(key="_sched_timezone").set_value("Europe/Rome")
    at.text_input(key="_sched_name").input("Board pack")
    at.run()


def test_the_form_adds_a_schedule_the_list_switches_it_off_and_deletes_it(loaded_store: Path) -> None:
    store = Store(loaded_store)
    view = save_view(store, "Enterprise phone", "drilldown", {"channel": ["phone"], "segment": ["Enterprise"]},
                     actor=LOCAL)
    at = run_app(PAGE)
    fill(at, view, "ana@example.com\n/srv/packs\n")
    at.button(key="_sched_add").click().run()
    assert not at.exception, [e.message for e in at.exception]

    [schedule] = list_schedules(store)
    assert (schedule.name, schedule.view_id, schedule.formats, schedule.targets, schedule.cadence, schedule.day,
            schedule.at, schedule.timezone, schedule.enabled) == (
        "Board pack", view, ["xlsx", "html"], ["ana@example.com", "/srv/packs"], "monthly", 1, time(7, 30),
        "Europe/Rome", True)
    texts = [shown(m.value) for m in at.markdown]
    first = next_run(schedule, datetime.now(UTC)).astimezone(ZoneInfo("Europe/Rome"))
    assert "To ana@example.com, /srv/packs · monthly on day 1 at 07:30 (Europe/Rome)" in texts
    assert f"Last: :gray-badge[never sent] · next: {fmt.when(first)} Europe/Rome" in texts

    log_delivery(store, Delivery(schedule_id=schedule.id, due_at=datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
                                 target="/srv/packs", outcome="failed", attempts=3,
                                 error="Could not write into the folder /srv/packs/2026-11-01: Permission denied."))
    at.toggle(key=f"_sched_on_{schedule.id}").set_value(False).run()
    assert not list_schedules(store)[0].enabled
    assert any("failed]" in t and "Permission denied." in t and t.endswith("next: off") for t in
               (shown(m.value) for m in at.markdown))
    log = at.dataframe[0].value
    assert (log["Target"].tolist(), log["Outcome"].tolist(), log["Attempts"].tolist()) == (
        ["/srv/packs"], ["failed"], [3])

    at.button(key=f"_sched_delete_{schedule.id}").click().run()
    assert list_schedules(store) == []
    assert "No schedules yet." in [c.value for c in at.caption]


def test_a_target_that_cannot_be_sent_to_is_refused_in_one_sentence(loaded_store: Path) -> None:
    store = Store(loaded_store)
    view = save_view(store, "All", "", {}, actor=LOCAL)
    at = run_app(PAGE)
    fill(at, view, "ana at example")
    at.button(key="_sched_add").click().run()
    assert [e.value for e in at.error] == [
        "'ana at example' is not a target: give an e-mail address (ana@example.com), an absolute folder path "
        "(/srv/packs) or a webhook URL (https://…)."]
    assert list_schedules(store) == []
