"""What the server computes before it listens (:func:`ui.warmup.warm`) is what a first visit reads: after it, the
first runs of the ROI planner, the Overview and the Voice page build no screen, evaluate no scenario and fit no
sentiment model. The pages run for real (AppTest on a copy of the analysed sample store); the engine functions
behind them are watched where the pages' glue calls them."""

from __future__ import annotations

from pathlib import Path

import pytest

from apptest_helpers import OVERVIEW_PAGE, run_app
from cxdata.actions.roi import PlannerBase
from cxdata.screens import voice as voice_screen
from cxdata.settings import load_settings
from ui import dashboard, planner
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
    for owner, name in ((PlannerBase, "evaluate"), (voice_screen, "fit_voice"), (voice_screen, "voice_screen"),
                        (planner, "roi_screen"), (dashboard, "overview_screen"), (dashboard, "funding_screen")):
        watch(monkeypatch, owner, name, calls)

    for page in ("app_pages/roi.py", OVERVIEW_PAGE, "app_pages/voice.py"):
        run_app(page)  # and no exception
    assert calls == []

    run_app("app_pages/roi.py", a_invest="90000")  # a changed input is evaluated: the watch works
    assert calls == ["roi_screen", "evaluate"]
