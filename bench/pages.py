"""Server time of the dashboard pages after a filter change (docs/architecture.md "Speed": < 300 ms on the sample).

``python -m bench.pages [--repeat N]``: runs the real app (``app.py`` and the page) with
``streamlit.testing.v1.AppTest`` on the sample store of :mod:`bench.store` (imported and
fitted once, then kept), warms the caches with one run, then changes a filter
``--repeat`` times (each time to a value not seen before, so nothing is served from a cache) and
times each rerun. The time is the whole script run on the server — entry script, sidebar, page,
charts' specs and the protobuf messages — without the browser's drawing. Prints a table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 0.3
CHANNELS = ["phone", "chat", "email", "chatbot", "messaging", "social", "app", "web", "store"]
SEGMENTS = ["Consumer", "Small Business", "Mid-Market", "Enterprise"]


def _time(page: str, change: Callable, repeat: int) -> list[float]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page(page).run()
    at.run()  # warm: analysis loaded, templates built
    assert not at.exception, [e.message for e in at.exception]
    times = []
    for i in range(repeat):
        change(at, i)
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        assert not at.exception, [e.message for e in at.exception]
    return times


def _multiselect(label: str, values: list[str]) -> Callable:
    def change(at, i: int) -> None:
        widget = next(w for w in at.sidebar.multiselect if w.label == label)
        widget.set_value([values[i % len(values)]])
    return change


def _period(at, i: int) -> None:
    names = ["Last month", "Last 6 months", "Last 12 months", "All data", "Last 3 months"]
    next(w for w in at.sidebar.selectbox if w.label == "Period").set_value(names[i % len(names)])


def _cell(at, i: int) -> None:
    at.selectbox(key="drill_channel").set_value(CHANNELS[i % len(CHANNELS)])  # what a heat-map click writes


def main(argv: list[str] | None = None) -> None:
    from bench.store import sample_store

    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ["MOMENTO_DATA_DIR"] = str(sample_store())
    cases = [
        ("Overview · channel filter", "app_pages/overview.py", _multiselect("Channel", CHANNELS)),
        ("Overview · period", "app_pages/overview.py", _period),
        ("Drill-down · channel filter", "app_pages/drilldown.py", _multiselect("Channel", CHANNELS)),
        ("Drill-down · heat-map cell", "app_pages/drilldown.py", _cell),
        ("Churn & Revenue · segment filter", "app_pages/churn.py", _multiselect("Segment", SEGMENTS)),
        ("Journeys · channel filter", "app_pages/journeys.py", _multiselect("Channel", CHANNELS)),
        ("Voice · channel filter", "app_pages/voice.py", _multiselect("Channel", CHANNELS)),
        ("Initiatives · channel filter", "app_pages/initiatives.py", _multiselect("Channel", CHANNELS)),
        ("Alerts · channel filter", "app_pages/alerts.py", _multiselect("Channel", CHANNELS)),
    ]
    print(f"{'rerun after':38} {'min':>7} {'median':>7} {'max':>7}  budget")
    for name, page, change in cases:
        t = _time(page, change, args.repeat)
        mark = "ok" if statistics.median(t) < BUDGET_S else "OVER"
        print(f"{name:38} {min(t) * 1000:6.0f}ms {statistics.median(t) * 1000:6.0f}ms {max(t) * 1000:6.0f}ms  "
              f"< {BUDGET_S * 1000:.0f} ms {mark}")


if __name__ == "__main__":
    main()
