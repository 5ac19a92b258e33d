"""The browser the e2e tests drive: Debian's Chromium (Playwright's own download is never used), its flags, the
viewport, the one way to open a browser context, and the one way to start the app server they open.

A plain module, imported by the tests, ``conftest.py``, ``oidc.py`` and ``bench/load.py``; conftest modules are
pytest's.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext

from ui.serve import loopback_command

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}


def new_context(browser: Browser, **options) -> BrowserContext:
    """A fresh context (no cookies, no session) at ``VIEWPORT``; ``options`` go to ``Browser.new_context``."""
    return browser.new_context(**{"viewport": VIEWPORT, **options})


ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60
#: Between two asks of a starting server whether it is healthy: the pause is a wait for the process to end.
POLL_S = 0.25


class ServerFailed(RuntimeError):
    """The app server did not start: the message ends with its log."""


@dataclass(frozen=True)
class Served:
    """A running app server: its base URL and its process id."""

    url: str
    pid: int


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    """Whether the Streamlit server at ``url`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
            return response.read() == b"ok"
    except OSError:
        return False


@contextmanager
def streamlit_server(data_dir: Path, log_path: Path, *, port: int | None = None,
                     options: Sequence[str] = ()) -> Iterator[Served]:
    """``python -m ui.serve`` (:func:`ui.serve.loopback_command`) serving ``data_dir`` (MOMENTO_DATA_DIR) from the
    repository's root on ``port`` (a free one by default), with Streamlit ``options`` added, its output in
    ``log_path``; stopped on exit.

    Started once it answers its health check. Nothing announces that a process listens, so this asks, a bounded
    number of times: each pause between asks is ``process.wait``, which ends at once if the server exits (then
    :class:`ServerFailed` is raised with its log instead of waiting out the deadline)."""
    port = free_port() if port is None else port
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MOMENTO_DATA_DIR": str(data_dir)}
    with log_path.open("wb") as log:
        process = subprocess.Popen([*loopback_command(port), *options], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not healthy(url):
            try:
                process.wait(timeout=POLL_S)
            except subprocess.TimeoutExpired:
                if time.monotonic() < deadline:
                    continue
            raise ServerFailed(f"streamlit did not start on {url} (exit code {process.poll()}):\n"
                               f"{log_path.read_text()[-3000:]}")
        yield Served(url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
