"""Load: many browser sessions on one real server (``python -m bench.load``, part of ``make bench``).

Each round starts its own ``streamlit run app.py`` on a free loopback port (the flags of
``tests/e2e/conftest.py``) on the store of :mod:`bench.store` (the sample, fitted), and drives
Debian's headless Chromium with Playwright's async API — one browser, one context per session:

1. **first open**: one session opens the Overview alone (caches cold: the analysis is read from
   ``fits/``), then picks a Segment;
2. **repeated opens**: ``--sequential`` more sessions, one after the other, each opens the
   Overview alone — the same view as the first, so every figure it needs could be reused;
3. **concurrent**: for each N of ``--sessions``, N new sessions open the Overview at the same
   time; once all have settled, session i picks the Segment ``SEGMENTS[i % 4]`` (four distinct
   views), all at the same time.

"Settled content" is the state the browser tests wait for (``tests/e2e/waits.py``: connected,
no script running, no spinner, skeleton or progress bar) with the Overview's KPI tiles and trend
chart drawn; after a Segment change, the URL must first carry the new segment (it is written during
the rerun). Wall time runs from the navigation (or the click on the option) to settled content.
Server CPU is utime + stime of the server process and its children (``/proc/<pid>/stat``) over
a phase, divided by the phase's sessions; client CPU is the same for everything else this process
runs (Chromium, Playwright's driver, itself): on one machine both share the cores. Of a repeated
open, the part spent serving the app's files (the same for any Streamlit app) is measured by
fetching the first repeated open's HTTP addresses again without a browser. The figures printed are
medians over ``--rounds``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))  # the browser tests' launch flags and waits, not copies of them

from browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, ServerFailed, streamlit_server  # noqa: E402
from waits import ADDRESS_IS, SETTLED  # noqa: E402

SEGMENTS = ["Consumer", "Small Business", "Mid-Market", "Enterprise"]
TIMEOUT_MS = 600_000  # a bound for a stuck server, far above any figure measured
#: Settled, with the Overview's content drawn: its KPI tiles and the trend chart (the last block).
CONTENT = f"""() => ({SETTLED})() && !!document.querySelector("[data-testid='stMain'] [data-testid='stMetric']")
    && !!document.querySelector("[data-testid='stMain'] [data-testid='stVegaLiteChart']")"""
TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int | str) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after "pid (comm)": state, ppid, … (utime is [11])."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def cpu_ticks(pid: int) -> dict[int, int]:
    """Clock ticks of CPU (utime + stime) of ``pid`` and of each of its descendants alive, by process."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stats[int(entry)] = _stat(entry)
            except OSError:  # ended meanwhile
                continue
    stats.setdefault(pid, _stat(pid))
    family, new = {pid}, {pid}
    while new:
        new = {p for p, f in stats.items() if int(f[1]) in new} - family
        family |= new
    return {p: int(stats[p][11]) + int(stats[p][12]) for p in family}


def cpu_used(before: dict[int, int], after: dict[int, int]) -> float:
    """CPU seconds between two :func:`cpu_ticks` of the same processes: each process alive at the end, less
    what it had used at the start (nothing when it started since). A process that ended meanwhile (a
    closed browser tab) is left out, so a phase never counts the time of processes of an earlier one."""
    return sum(ticks - before.get(p, 0) for p, ticks in after.items()) / TICK


@contextmanager
def server(data_dir: Path) -> Iterator[tuple[str, int]]:
    """(URL, pid) of the app server (:func:`browser.streamlit_server`) serving ``data_dir`` on a free loopback
    port; stopped after."""
    with tempfile.TemporaryDirectory() as logs:
        try:
            with streamlit_server(data_dir, Path(logs) / "streamlit.log") as served:
                yield served.url, served.pid
        except ServerFailed as failed:
            raise SystemExit(str(failed)) from None


@dataclass
class Phase:
    """One phase of a round: its sessions' wall times and the server's CPU seconds over it."""

    name: str
    sessions: int
    walls: list[float] = field(default_factory=list)
    cpu: float = 0.0
    client_cpu: float = 0.0  # Chromium, Playwright's driver and this process: everything but the server

    @property
    def cpu_per_session(self) -> float:
        return self.cpu / self.sessions

    def measure(self, pid: int) -> Callable[[], None]:
        """Start counting the server's (``pid``) and the client's CPU; call the result to stop and add it."""
        server, everything = cpu_ticks(pid), cpu_ticks(os.getpid())

        def stop() -> None:
            server_now, everything_now = cpu_ticks(pid), cpu_ticks(os.getpid())
            self.cpu += cpu_used(server, server_now)
            self.client_cpu += cpu_used({p: t for p, t in everything.items() if p not in server},
                                        {p: t for p, t in everything_now.items() if p not in server_now})
        return stop


async def _open(browser, url: str, fetched: list[str] | None = None):
    """A new context at 1280×800 on the Overview; (page, seconds to settled content). The addresses of
    the server's HTTP responses (not the websocket) are added to ``fetched`` when given."""
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    if fetched is not None:
        page.on("response", lambda r: fetched.append(r.url) if r.url.startswith(url) and
                r.request.resource_type != "websocket" else None)
    start = time.perf_counter()
    await page.goto(url)
    await page.wait_for_function(CONTENT, timeout=TIMEOUT_MS)
    return page, time.perf_counter() - start


async def _pick_segment(page, segment: str) -> float:
    """Pick ``segment`` in the sidebar's Segment multiselect; seconds from the click to settled content."""
    box = page.get_by_test_id("stSidebar").get_by_role("combobox", name="Segment")
    await box.click()
    await box.press("ArrowDown")
    await box.fill(segment)
    option = page.get_by_role("option", name=segment, exact=True)
    await option.wait_for(timeout=TIMEOUT_MS)
    start = time.perf_counter()
    await option.click()
    await page.keyboard.press("Escape")
    await page.wait_for_function(ADDRESS_IS, arg={"path": "/", "params": {"segment": [segment]}, "exact": False},
                                 timeout=TIMEOUT_MS)
    await page.wait_for_function(CONTENT, timeout=TIMEOUT_MS)
    return time.perf_counter() - start


async def _phase(name: str, pid: int, jobs) -> tuple[Phase, list]:
    """Run ``jobs`` (coroutines returning (result, seconds)) at once; the phase and the results."""
    phase = Phase(name, len(jobs))
    stop = phase.measure(pid)
    done = await asyncio.gather(*jobs)
    stop()
    phase.walls = [seconds for _, seconds in done]
    return phase, [result for result, _ in done]


async def _timed(coroutine) -> tuple[None, float]:
    return None, await coroutine


async def one_round(data_dir: Path, sessions: list[int], sequential: int) -> list[Phase]:
    """One fresh server: the first open and rerun, ``sequential`` repeated opens, then each concurrent N."""
    from playwright.async_api import async_playwright

    phases = []
    with server(data_dir) as (url, pid):
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            phase, pages = await _phase("first open", pid, [_open(browser, url)])
            phases.append(phase)
            rerun = _timed(_pick_segment(pages[0], SEGMENTS[0]))
            phases.append((await _phase("first rerun (Segment)", pid, [rerun]))[0])
            await pages[0].context.close()
            repeated = Phase("repeated open (alone)", sequential)
            fetched: list[str] = []
            for i in range(sequential):
                phase, pages = await _phase("", pid, [_open(browser, url, fetched if i == 0 else None)])
                repeated.walls += phase.walls
                repeated.cpu += phase.cpu
                repeated.client_cpu += phase.client_cpu
                await pages[0].context.close()
            phases.append(repeated)
            phases.append(await asyncio.to_thread(static_files, pid, fetched))
            for n in sessions:
                phase, pages = await _phase(f"{n} sessions: open", pid, [_open(browser, url) for _ in range(n)])
                phases.append(phase)
                phases.append((await _phase(f"{n} sessions: rerun (Segment)", pid,
                                            [_timed(_pick_segment(p, SEGMENTS[i % len(SEGMENTS)]))
                                             for i, p in enumerate(pages)]))[0])
                for p in pages:
                    await p.context.close()
            await browser.close()
    return phases


def static_files(pid: int, addresses: list[str]) -> Phase:
    """The part of an open that is the browser downloading the app's files (HTML, scripts, fonts, the
    logo): the server's CPU to serve the same addresses again, one after the other, without a browser."""
    phase = Phase(f"  of which static files ({len(addresses)} requests)", 1)
    stop = phase.measure(pid)
    start = time.perf_counter()
    for address in addresses:
        with urllib.request.urlopen(address, timeout=60) as response:
            response.read()
    phase.walls = [time.perf_counter() - start]
    stop()
    return phase


def p95(values: list[float]) -> float:
    """The 95th percentile, interpolated between the closest ranks."""
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def summary(rounds: list[list[Phase]]) -> list[list[str]]:
    """Table rows: phase, sessions, server CPU per session, median and p95 wall — medians over the rounds."""
    rows = [["phase", "sessions", "server CPU s / session", "client CPU s / session", "wall median s",
             "wall p95 s"]]
    for i, phase in enumerate(rounds[0]):
        same = [r[i] for r in rounds]
        rows.append([phase.name, str(phase.sessions),
                     f"{statistics.median(p.cpu_per_session for p in same):.2f}",
                     f"{statistics.median(p.client_cpu / p.sessions for p in same):.2f}",
                     f"{statistics.median(statistics.median(p.walls) for p in same):.1f}",
                     f"{statistics.median(p95(p.walls) for p in same):.1f}"])
    return rows


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import machine, table
    from bench.store import sample_store

    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", default="10,20", help="concurrent sessions per phase, comma-separated")
    parser.add_argument("--sequential", type=int, default=5, help="repeated opens, one at a time")
    parser.add_argument("--rounds", type=int, default=3, help="fresh servers; figures are medians over them")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit(f"the load benchmark needs Chromium at {CHROMIUM} (apt-get install chromium)")
    sessions = [int(n) for n in args.sessions.split(",") if n.strip()]
    data_dir = sample_store()
    print(machine(), flush=True)
    rounds = []
    for i in range(args.rounds):
        start = time.perf_counter()
        rounds.append(asyncio.run(one_round(data_dir, sessions, args.sequential)))
        print(f"round {i + 1}/{args.rounds}: {time.perf_counter() - start:.0f} s", flush=True)
        if args.rounds > 1:
            print(table(summary(rounds[-1:])), flush=True)
    print(f"\nOverview under load, medians of {args.rounds} round(s)\n")
    print(table(summary(rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
