"""The browser the e2e tests drive: Debian's Chromium (Playwright's own download is never used), its flags, the
viewport, and the one way to open a browser context.

A plain module, imported by the tests, ``conftest.py`` and ``bench/load.py``; conftest modules are pytest's.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, BrowserContext

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}


def new_context(browser: Browser, **options) -> BrowserContext:
    """A fresh context (no cookies, no session) at ``VIEWPORT``; ``options`` go to ``Browser.new_context``."""
    return browser.new_context(**{"viewport": VIEWPORT, **options})
