"""Scale: import, fit, peak memory and page reruns of the sample company generated at larger sizes.

``python -m bench.scale [--customers 20000 70000 350000 580000] [--reruns 3]``. For each size the sample
generator (:mod:`cxdata.sample`, ``SampleParams(n_customers=…)``: 20,000 customers give 355 k contacts,
580,000 give 10.0 M) writes the three tables as CSV once into ``bench/out/scale-<customers>/`` (git-ignored),
then three child processes, each measured by its own peak resident memory (``ru_maxrss``):

1. **import**: the three files through :func:`cxdata.ingest.import_file`, one after the other, into a new store
   (the memory and upload limits raised to fit the files: ``MOMENTO_PARSE_MEMORY_MB``, ``MOMENTO_MAX_UPLOAD_MB``);
2. **new version** (with pages): the first run of the Overview through ``streamlit.testing.v1.AppTest`` on the
   version just imported, as a user opens it: the contact tiles, while the customer-month panel and then the
   models' fit are built in the background; then the run that draws the money row once the panel is there (the
   child exits then);
3. **fit**: :func:`cxdata.models.analysis.load_or_analyse` on that store, every step timed;
4. **pages**: the app through AppTest on the fitted store (:mod:`bench.pages`): the first run of the Overview,
   then ``--reruns`` filter changes on four pages, each time to a value not seen before; the Overview's once the
   pricing of every moment's fixes that its first run started in the background is over (the wait is printed),
   by channel (fixes read) and by region (the page's run; What to fund is priced after it, in a thread).

Budgets (docs/architecture.md "Speed"): at 10 M contacts / 500 k customers, import < 2 min, fit < 3 min with
peak memory < 8 GB, any rerun < 1 s, the first Overview of a new version < 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TABLES = ("customers", "interactions", "revenue")
#: The pages and the filter changed on each. On the Overview, a channel's fixes are among every moment's priced in the
#: background; a region's never are (the page draws and What to fund comes after it: ui.dashboard.funding_now_or_soon).
PAGES = (("Overview", "app_pages/overview.py", "Channel"), ("Overview", "app_pages/overview.py", "Region"),
         ("Drill-down", "app_pages/drilldown.py", "Channel"),
         ("Churn & Revenue", "app_pages/churn.py", "Segment"), ("Journeys", "app_pages/journeys.py", "Channel"))


def files(customers: int) -> Path:
    """The generated tables of a size, as CSV (built once, in a child process: a child forked from a parent that
    holds the generated company would count the parent's memory in its own peak)."""
    folder = OUT / f"scale-{customers}"
    if not all((folder / f"{t}.csv").exists() for t in TABLES):
        _child("files", str(customers))
    return folder


def generate_files(customers: int) -> dict:
    folder = OUT / f"scale-{customers}"
    if not all((folder / f"{t}.csv").exists() for t in TABLES):
        from cxdata.sample import SampleParams, generate

        data = generate(SampleParams(n_customers=customers))
        folder.mkdir(parents=True, exist_ok=True)
        for table in TABLES:
            getattr(data, table).write_csv(folder / f"{table}.csv")
    return {"folder": str(folder)}


def _child(*args: str) -> tuple[dict, float]:
    """``python -m bench.scale --child ARGS``: its JSON line and its peak resident memory in MB."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MOMENTO_MAX_UPLOAD_MB": "100000",
           "MOMENTO_PARSE_MEMORY_MB": "20000"}
    env.pop("DATABASE_URL", None)
    child = subprocess.Popen([sys.executable, "-m", "bench.scale", "--child", *args], stdout=subprocess.PIPE,
                             env=env, cwd=ROOT)
    out = child.stdout.read() if child.stdout else b""
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench.scale child {args} failed")
    return json.loads(out.decode().strip().splitlines()[-1]), usage.ru_maxrss / 1024


def import_tables(folder: str, store_dir: str) -> dict:
    from cxdata.access import LOCAL
    from cxdata.catalog.store import Store
    from cxdata.ingest import import_file

    store = Store(Path(store_dir))
    start, rows = time.perf_counter(), {}
    for table in TABLES:
        path = Path(folder) / f"{table}.csv"
        report = import_file(store, path.read_bytes(), path.name, table, actor=LOCAL, dataset="sample").report
        assert report.rows_in == report.accepted + report.rejected
        rows[table] = report.accepted
    return {"seconds": time.perf_counter() - start, "rows": rows}


def fit(store_dir: str) -> dict:
    from cxdata.catalog.store import Store
    from cxdata.models.analysis import load_or_analyse
    from cxdata.settings import load_settings

    store = Store(Path(store_dir))
    settings = load_settings(store)
    start, steps = time.perf_counter(), {}
    last = [start, ""]

    def progress(_done: int, step: str) -> None:
        now = time.perf_counter()
        if last[1]:
            steps[last[1]] = now - last[0]
        last[:] = [now, step]

    a = load_or_analyse(store, store.active_version("sample").version_id, settings.params(),
                        settings.churn_horizon_months, progress)
    return {"seconds": time.perf_counter() - start, "steps": steps,
            "gamma": a.churn.gamma if a.churn else None, "notes": a.notes}


def new_version(store_dir: str) -> dict:
    """The first run of the Overview on a version never seen (its code imported first, as ``ui.serve`` does before
    the server listens): the contact tiles, the customer-month tiles "Being computed"; then the run the page asks
    for once the job's thread has built the panel (the money row), timed from the first run's start."""
    from streamlit.testing.v1 import AppTest

    from cxdata.catalog.store import Store
    from cxdata.settings import load_settings
    from ui.analysis import fitting
    from ui.serve import preload

    preload()
    os.environ["MOMENTO_DATA_DIR"] = store_dir
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    start = time.perf_counter()
    at.switch_page("app_pages/overview.py").run()
    seconds = time.perf_counter() - start
    assert not at.exception, [e.message for e in at.exception]
    computing = sum(c.value == "Being computed" for c in at.caption)
    store = Store(Path(store_dir))
    version, settings = store.active_version("sample"), load_settings(store)
    assert version is not None
    job = fitting(store, version, settings.params(), settings.churn_horizon_months)  # the page's, started after it
    while job.measured is None or job.measured.panel_pending:  # the state the page's fragment looks at
        time.sleep(0.05)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not any(c.value == "Being computed" for c in at.caption)
    return {"seconds": seconds, "tiles": len(at.metric), "tiles being computed": computing,
            "money row": time.perf_counter() - start}


def _moments_priced(store_dir: str) -> None:
    """Wait for the pricing of every moment's fixes the Overview's first run started in the background
    (:func:`ui.analysis.price_moments`, the same process-wide cache the app's runs use)."""
    from cxdata.catalog.store import Store
    from cxdata.settings import load_settings
    from ui.analysis import price_moments

    store = Store(Path(store_dir))
    version = store.active_version("sample")
    assert version is not None
    thread = price_moments(store, version, load_settings(store))
    if thread is not None:
        thread.join()


def pages(store_dir: str, reruns: int) -> dict:
    from streamlit.testing.v1 import AppTest

    os.environ["MOMENTO_DATA_DIR"] = store_dir
    out: dict[str, list[float]] = {}
    for name, page, label in PAGES:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        start = time.perf_counter()
        at.switch_page(page).run()
        if name == "Overview":
            out.setdefault("Overview, first run", [time.perf_counter() - start])
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        if name == "Overview" and label == "Channel":  # the next views' What to fund is read once they are priced
            start = time.perf_counter()
            _moments_priced(store_dir)
            out["waiting for the moments' pricing"] = [time.perf_counter() - start]
        times = []
        for value in next(w for w in at.sidebar.multiselect if w.label == label).options[:reruns]:
            # the widget of this run's tree: one kept from an earlier run changes nothing (a rerun with no change)
            next(w for w in at.sidebar.multiselect if w.label == label).set_value([value])
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
            assert not at.exception, [e.message for e in at.exception]
        out[f"{name}, {label.lower()} filter"] = times
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[20_000, 70_000, 350_000, 580_000])
    parser.add_argument("--reruns", type=int, default=3)
    parser.add_argument("--no-pages", action="store_true", help="import and fit only")
    args = parser.parse_args(argv)
    for customers in args.customers:
        folder = files(customers)
        store_dir = OUT / f"scale-{customers}-store"
        shutil.rmtree(store_dir, ignore_errors=True)
        imported, import_peak = _child("import", str(folder), str(store_dir))
        rows = imported["rows"]
        print(f"\n{rows['interactions']:,} contacts, {rows['customers']:,} customers, {rows['revenue']:,} revenue rows")
        print(f"  import {imported['seconds']:6.1f} s  peak {import_peak:7,.0f} MB")
        if not args.no_pages:
            first, first_peak = _child("new", str(store_dir))
            print(f"  first Overview of the new version {first['seconds']:6.1f} s  ({first['tiles']} tiles, "
                  f"{first['tiles being computed']} being computed), its money row {first['money row']:6.1f} s  "
                  f"(peak {first_peak:,.0f} MB)")
        fitted, fit_peak = _child("fit", str(store_dir))
        print(f"  fit    {fitted['seconds']:6.1f} s  peak {fit_peak:7,.0f} MB  γ {fitted['gamma']}")
        for step, seconds in fitted["steps"].items():
            print(f"    {seconds:6.1f} s  {step}")
        if not args.no_pages:
            reruns, pages_peak = _child("pages", str(store_dir), str(args.reruns))
            print(f"  pages (peak {pages_peak:,.0f} MB)")
            for case, times in reruns.items():
                print(f"    {case:34} median {statistics.median(times) * 1000:7.0f} ms  "
                      f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")


def child_main(argv: list[str]) -> None:
    kind, *rest = argv
    result = {"files": lambda: generate_files(int(rest[0])), "import": lambda: import_tables(*rest),
              "fit": lambda: fit(*rest), "new": lambda: new_version(*rest),
              "pages": lambda: pages(rest[0], int(rest[1]))}[kind]()
    print(json.dumps(result), flush=True)
    if kind == "new":  # the fit the page started in the background is not waited for (nor written)
        os._exit(0)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child_main(sys.argv[2:])
    else:
        main()
