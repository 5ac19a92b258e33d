"""``make bench`` (``python -m bench``): import and analytics timings against the budgets of docs/architecture.md "Speed".

For each case the input file is built once and cached in ``bench/out/`` (see :mod:`bench.files`),
then imported ``--repeat`` times (default 3), each time in a fresh child process into a fresh
Store. The table shows min / median / max seconds of ``import_file``, rows per second at the
median, and the peak resident memory of the child (``ru_maxrss`` from ``os.wait4``), next to the
peak of a child that only imports the engine, and the budget.

The analytics timings (model fit, scenario evaluation, a dashboard filter change) are described in
:mod:`bench.analytics`.

Options: ``--repeat N``, ``--only csv|xlsx|analytics``, ``--csv-rows N``, ``--xlsx-rows N`` (smaller
files for a quick look; the budgets apply to the defaults).

``--tiny`` (``make bench-tiny``, run by CI so the benchmarks cannot rot): every benchmark once on
small inputs — a 5,000-row CSV and a 1,000-row XLSX import, the analytics without the timed fits,
one rerun per page (:mod:`bench.pages`) and two browser sessions on one server (:mod:`bench.load`).
It fails on any error and on nothing else (the figures of a shared CI machine are not judged);
the first run also imports the sample and fits its models once (:mod:`bench.store`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from bench.files import csv_file, xlsx_file

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Case:
    name: str
    table: str
    budget_seconds: float
    build: Callable[[], Path]


@dataclass
class Run:
    seconds: float
    peak_mb: float
    rows_in: int
    accepted: int


def run_child(*args: str) -> tuple[dict, float]:
    """Run ``python -m bench.child ARGS``; return its JSON line and its peak RSS in MB."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MOMENTO_MAX_UPLOAD_MB": "100000"}
    env.pop("DATABASE_URL", None)
    child = subprocess.Popen([sys.executable, "-m", "bench.child", *args], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env, cwd=ROOT)
    out, err = child.stdout.read(), child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"bench child failed ({child.returncode}): {err.decode(errors='replace')[-2000:]}")
    return json.loads(out.decode().strip().splitlines()[-1]), usage.ru_maxrss / 1024  # KiB on Linux


def measure(case: Case, repeat: int) -> tuple[Path, list[Run]]:
    start = time.perf_counter()
    path = case.build()
    built = time.perf_counter() - start
    print(f"{case.name}: {path.name} ({path.stat().st_size / 1e6:,.1f} MB, ready in {built:.1f} s)", flush=True)
    runs = []
    for i in range(repeat):
        result, peak = run_child(str(path), case.table)
        runs.append(Run(result["seconds"], peak, result["rows_in"], result["accepted"]))
        print(f"  run {i + 1}/{repeat}: {result['seconds']:.2f} s, peak {peak:,.0f} MB, "
              f"{result['accepted']:,}/{result['rows_in']:,} rows accepted", flush=True)
    return path, runs


def table(rows: list[list[str]]) -> str:
    """A Markdown table (first row is the header)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(rows[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows[1:])])


def machine() -> str:
    return (f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {platform.machine()}, "
            f"Linux {platform.release()}; Python {platform.python_version()}, Polars {pl.__version__}, "
            f"fastexcel {_version('fastexcel')}")


def _version(module: str) -> str:
    from importlib.metadata import version

    return version(module)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["csv", "xlsx", "analytics"])
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--tiny", action="store_true", help="everything once, on small inputs (CI)")
    args = parser.parse_args(argv)
    tiny_run = args.tiny
    if tiny_run:
        args.repeat, args.csv_rows, args.xlsx_rows = 1, 5_000, 1_000

    cases = [
        Case(f"CSV, {args.csv_rows:,} interactions", "interactions", 20.0, lambda: csv_file(args.csv_rows)),
        Case(f"XLSX, {args.xlsx_rows:,} rows x 12 columns", "interactions", 5.0, lambda: xlsx_file(args.xlsx_rows)),
    ]
    if args.only:
        cases = [c for c in cases if c.name.lower().startswith(args.only)]
    print(machine(), flush=True)
    if args.only in (None, "analytics"):
        from bench.analytics import run as run_analytics

        analytics = [["case", "runs", "min s", "median s", "max s", "budget", "within"]]
        analytics += run_analytics(args.repeat, run_child, fit=not tiny_run)
        print("\nAnalytics on the sample dataset\n")
        print(table(analytics), flush=True)
    if not cases:
        return 0
    _, baseline = run_child("--baseline")
    rows = [["case", "file MB", "rows", "min s", "median s", "max s", "rows/s (median)", "peak RSS MB",
             "budget", "within"]]
    for case in cases:
        path, runs = measure(case, args.repeat)
        times = sorted(r.seconds for r in runs)
        median = statistics.median(times)
        rows.append([
            case.name, f"{path.stat().st_size / 1e6:,.1f}", f"{runs[0].rows_in:,}", f"{times[0]:.2f}", f"{median:.2f}",
            f"{times[-1]:.2f}", f"{runs[0].rows_in / median:,.0f}", f"{max(r.peak_mb for r in runs):,.0f}",
            f"< {case.budget_seconds:g} s", "yes" if median < case.budget_seconds else "**NO**",
        ])
    print()
    print(table(rows))
    print(f"\nPeak RSS of a child that only imports the engine: {baseline:,.0f} MB. "
          f"Each run: a fresh process and a fresh Store; time = import_file (read, map, validate, write Parquet, "
          f"commit).")
    if tiny_run:
        from bench import load, pages

        print("\nPages (one rerun each)\n", flush=True)
        pages.main(["--repeat", "1"])
        print("\nLoad (two sessions, one server)\n", flush=True)
        load.main(["--sessions", "2", "--sequential", "1", "--rounds", "1"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
