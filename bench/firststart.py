"""First start on a fresh clone, and the first render of each page after start-up, in the browser
(``python -m bench.firststart``, part of ``make bench``).

Each run:

1. **first start**: ``python -m ui.serve`` (``streamlit run app.py``) on an empty ``MOMENTO_DATA_DIR`` (the server of
   :func:`bench.load.server`), and one headless Chromium session on the Overview. Timed from the
   server's launch: the server answering its health check; **first content** — the run over with the
   Overview's KPI tiles drawn, the fit's progress bar possibly still there (``waits.OVERVIEW_MEASURED``);
   **models ready** — settled, with the "Revenue at risk (CX)" tile showing a value
   (``waits.OVERVIEW_MODELLED``).
2. **first render of each page after start-up**: for every page, a new server on the same (now fitted)
   store, and one session that opens that page first; timed from the navigation to settled content
   (settled, with the page's title drawn).

The figures printed are medians over ``--runs`` (each run with its own fresh store).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.load import TICK, _stat, server  # also puts tests/e2e on the path (browser.py, waits.py)
from browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT  # noqa: E402
from waits import OVERVIEW_MEASURED, OVERVIEW_MODELLED, SETTLED  # noqa: E402

TIMEOUT_MS = 600_000  # a bound for a stuck server, far above any figure measured
#: Settled, with the page's title drawn.
PAGE_CONTENT = f"""() => ({SETTLED})() && !!document.querySelector("[data-testid='stMain'] h1")"""
#: Page → its address (``app.py``'s ``st.navigation``).
PAGES = {"Overview": "", "Drill-down": "drilldown", "Churn & Revenue": "churn", "Journeys": "journeys",
         "Voice of the customer": "voice", "ROI planner": "roi", "Initiatives": "initiatives", "Alerts": "alerts",
         "Data": "data", "Settings": "settings"}


def server_cpu(pid: int) -> float:
    """CPU seconds of the server process so far: its own (every thread) and its ended children's (the import's
    reader processes), ``/proc/<pid>/stat`` utime, stime, cutime and cstime."""
    fields = _stat(pid)
    return sum(int(f) for f in fields[11:15]) / TICK


def first_start(browser, data_dir: Path) -> dict[str, float]:
    """Seconds from the launch of a server on the empty ``data_dir`` to: health, first content, models ready; and
    the server's CPU seconds up to the first content (the machine's other load does not change it)."""
    launched = time.perf_counter()
    with server(data_dir) as (url, pid):
        healthy = time.perf_counter() - launched
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(url)
        page.wait_for_function(OVERVIEW_MEASURED, timeout=TIMEOUT_MS)
        content = time.perf_counter() - launched
        content_cpu = server_cpu(pid)
        page.wait_for_function(OVERVIEW_MODELLED, timeout=TIMEOUT_MS)
        ready = time.perf_counter() - launched
        context.close()
    return {"server healthy": healthy, "first content (KPI tiles)": content,
            "  server CPU s to first content": content_cpu, "models ready (model tiles)": ready}


def first_renders(browser, data_dir: Path, pages: dict[str, str] = PAGES) -> dict[str, float]:
    """Seconds from navigation to settled content of each page, each opened first on a new server of ``data_dir``."""
    out = {}
    for name, path in pages.items():
        with server(data_dir) as (url, _pid):
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            start = time.perf_counter()
            page.goto(f"{url}/{path}")
            page.wait_for_function(PAGE_CONTENT, timeout=TIMEOUT_MS)
            out[f"first render: {name}"] = time.perf_counter() - start
            context.close()
    return out


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    from bench.__main__ import machine, table

    parser = argparse.ArgumentParser(prog="python -m bench.firststart", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh stores; figures are medians over them")
    parser.add_argument("--no-pages", action="store_true", help="time the first start only")
    parser.add_argument("--pages", help="only these pages' first renders: addresses, comma-separated (overview is '')")
    parser.add_argument("--store", type=Path,
                        help="first renders only, on this already fitted data directory (no first start)")
    args = parser.parse_args(argv)
    pages = PAGES if args.pages is None else {n: p for n, p in PAGES.items() if p in args.pages.split(",")}
    if not CHROMIUM.exists():
        raise SystemExit(f"the first-start benchmark needs Chromium at {CHROMIUM} (apt-get install chromium)")
    print(machine(), flush=True)
    runs: list[dict[str, float]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for i in range(args.runs):
            if args.store is not None:
                figures = first_renders(browser, args.store, pages)
            else:
                with tempfile.TemporaryDirectory(prefix="momento-firststart-") as name:
                    figures = first_start(browser, Path(name))
                    if not args.no_pages:
                        figures |= first_renders(browser, Path(name), pages)
            runs.append(figures)
            print(f"run {i + 1}/{args.runs}: " + ", ".join(f"{k} {v:.1f} s" for k, v in figures.items()), flush=True)
        browser.close()
    budgets = {"first content (KPI tiles)": 10.0} | {k: 3.0 for k in runs[0] if k.startswith("first render")}
    rows = [["what", "runs", "min s", "median s", "max s", "budget", "within"]]
    for key in runs[0]:
        values = [r[key] for r in runs]
        budget = budgets.get(key)
        median = statistics.median(values)
        rows.append([key, str(len(values)), f"{min(values):.1f}", f"{median:.1f}", f"{max(values):.1f}",
                     "" if budget is None else f"< {budget:g} s",
                     "" if budget is None else ("yes" if median < budget else "**NO**")])
    print(f"\nFirst start and first renders, medians of {args.runs} run(s)\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
