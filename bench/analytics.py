"""Analytics timings on the sample dataset against docs/architecture.md "Speed" and the issues' budgets.

- **full fit** (< 15 s): ``cxdata.models.analysis.analyse`` on the sample — experience, satisfaction and
  response models, hazard model (adjusted and naive), marginal effects, key drivers with bootstrap,
  NPS linkage, revenue at risk with 200 coefficient draws — in a fresh process, from tables
  already in memory;
- **scenario** (< 1 s once models are fitted): ``PlannerBase.evaluate`` for four scenarios
  (a scoped wait cut, a scoped transfer cut, an FCR raise on every contact, a channel shift),
  after one ``PlannerBase.build``;
- **filter change** (< 300 ms of server time): what the Overview computes when a filter changes —
  its tiles with deltas (the revenue-at-risk tile included), the headlines, the moments of service in
  scope and a monthly trend — on an analysis already loaded (engine time; the page adds drawing).

Each figure is the median of ``repeat`` runs (fresh processes for the fit). The store is
:mod:`bench.store`'s, fitted once under its settings and kept.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import date


def fit_once(store_dir: str) -> dict:
    """Child process: load the tables, then time analyse() alone (under the store's settings)."""
    from cxdata.catalog.store import Store
    from cxdata.models.analysis import Tables, analyse
    from cxdata.settings import load_settings

    store = Store(store_dir)
    settings = load_settings(store)
    tables = Tables.from_store(store, store.active_version("sample").version_id)
    start = time.perf_counter()
    analyse(tables, settings.params(), settings.churn_horizon_months)
    return {"seconds": time.perf_counter() - start}


def scenarios_and_filters(store_dir: str, repeat: int) -> dict:
    """Child process: scenario evaluations and Overview computations on a loaded analysis."""
    from bench.store import store_analysis
    from cxdata.actions.roi import Lever, PlannerBase, Scenario
    from cxdata.catalog.store import Store
    from cxdata.measures.metrics import Filters, compute
    from cxdata.measures.periods import comparison_period
    from cxdata.screens.dashboard import headlines, moments_in_scope, overview_tiles
    from cxdata.settings import Economics

    a = store_analysis(Store(store_dir))
    start = time.perf_counter()
    base = PlannerBase.build(a)
    build = time.perf_counter() - start
    scenarios = [
        Scenario("phone wait −30%", (Lever("wait_cut", 0.3, (("channel", ("phone",)),)),), Economics(running_cost=5000)),
        Scenario("billing transfers −50%", (Lever("transfer_cut", 0.5, (("touchpoint", ("billing",)),)),), Economics()),
        Scenario("FCR +5 points, all contacts", (Lever("fcr_raise", 5),), Economics(investment=50000)),
        Scenario("2,000 phone → chatbot", (Lever("channel_shift", 2000, containment=0.6),), Economics()),
    ]
    timings = {}
    for s in scenarios:
        runs = []
        for _ in range(repeat):
            t = time.perf_counter()
            base.evaluate(s)
            runs.append(time.perf_counter() - t)
        timings[s.name] = runs
    filters = [Filters.of(date(2026, 8, 1), date(2026, 10, 31), channel=["phone"]),
               Filters.of(date(2026, 1, 1), date(2026, 6, 30), segment=["Small Business"]),
               Filters.of(date(2025, 6, 1), date(2026, 5, 31), touchpoint=["billing", "support"])]
    overview = []
    for _ in range(repeat):
        for f in filters:
            t = time.perf_counter()
            comparison = Filters(*comparison_period(f.start, f.end), f.where)
            overview_tiles(a, f, comparison)
            headlines(a, f)
            moments_in_scope(a, f.where, 5)
            compute("csat", a.contacts, by=["month"], filters=Filters(where=f.where))
            overview.append(time.perf_counter() - t)
    return {"build": build, "scenarios": timings, "overview": overview}


def run(repeat: int, run_child, fit: bool = True) -> list[list[str]]:
    """Rows of the results table: case, runs, min, median, max, budget, within. ``fit=False`` leaves out
    the timed model fits (the tiny run: the store's own fit, once, is enough to know the fit runs)."""
    from bench.store import sample_store

    store_dir = str(sample_store())
    rows = [_row("full model fit on the sample", [run_child("--fit", store_dir)[0]["seconds"] for _ in range(repeat)],
                 15.0)] if fit else []
    rest = run_child("--scenarios", store_dir, str(repeat))[0]
    rows.append(_row("planner base, once per version", [rest["build"]], None))
    for name, runs in rest["scenarios"].items():
        rows.append(_row(f"scenario: {name}", runs, 1.0))
    rows.append(_row("Overview after a filter change (engine)", rest["overview"], 0.3))
    return rows


def _row(name: str, runs: list[float], budget: float | None) -> list[str]:
    runs = sorted(runs)
    median = statistics.median(runs)
    within = "" if budget is None else ("yes" if median < budget else "**NO**")
    return [name, str(len(runs)), f"{runs[0]:.3f}", f"{median:.3f}", f"{runs[-1]:.3f}",
            "" if budget is None else f"< {budget:g} s", within]


def child_main(argv: list[str]) -> None:
    """Entry for ``python -m bench.child --fit | --scenarios``: one JSON line."""
    if argv[0] == "--fit":
        print(json.dumps(fit_once(argv[1])))
    else:
        print(json.dumps(scenarios_and_filters(argv[1], int(argv[2]))))


if __name__ == "__main__":
    child_main(sys.argv[1:])
