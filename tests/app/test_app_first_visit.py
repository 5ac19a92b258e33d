"""What the server computes before it listens (:func:`ui.warmup.warm`) is what a first visit reads: after it, the
first runs of the ROI planner, the Overview, the Voice and the Journeys pages build no screen, evaluate no
scenario, fit no sentiment model and cut no repeat-contact chain. The pages run for real (AppTest on a copy of the analysed sample store); the engine functions
behind them are watched where the pages' glue calls them."""

from __future__ import annotations

from pathlib import Path

import pytest

from apptest_helpers import OVERVIEW_PAGE, run_app
from cxdata.actions.roi import PlannerBase
from cxdata.measures import journeys
from cxdata.screens import voice as voice_screen
from cxdata.settings import load_settings
from ui import dashboard, planner, warmup
from ui import journeys as ui_journeys
from ui.store import get_store
from ui.warmup import warm


def watch(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, calls: list[str]) -> None:
    """Record every call of ``owner.name`` in ``calls`` (by name), still calling it."""
    real = getattr(owner, name)
    monkeypatch.setattr(owner, name, lambda *args, **kwargs: calls.append(name) or real(*args, **kwargs))


def test_a_first_visit_after_warm_up_finds_its_screens_computed(analysed_store: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    store = get_store()
    warm(store, load_settings(store))
    calls: list[str] = []
    for owner, name in ((PlannerBase, "_evaluate"), (voice_screen, "fit_voice"), (voice_screen, "voice_screen"),
                        (planner, "roi_screen"), (dashboard, "overview_screen"), (dashboard, "funding_screen"),
                        (journeys, "issue_table"), (ui_journeys, "journeys_screen")):
        watch(monkeypatch, owner, name, calls)

    for page in ("app_pages/roi.py", OVERVIEW_PAGE, "app_pages/voice.py", "app_pages/journeys.py"):
        run_app(page)  # and no exception
    assert calls == []

    run_app("app_pages/roi.py", a_invest="90000")  # a changed input is evaluated: the watch works
    assert calls == ["roi_screen", "_evaluate"]


def test_a_view_that_fails_to_warm_up_is_logged_and_the_server_starts_all_the_same(
        analysed_store: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("a view that cannot be built")

    monkeypatch.setattr(warmup, "view_overview", broken)
    store = get_store()
    warmup.warm(store, load_settings(store))  # no exception
    assert "warming up the default views of sample" in caplog.text and "a view that cannot be built" in caplog.text
