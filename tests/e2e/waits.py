"""Waits for the browser tests: ask the app whether it has settled instead of sleeping.

Streamlit marks its root element with ``data-test-connection-state`` (``CONNECTED`` once the
websocket is up) and ``data-test-script-state`` (``running`` → ``notRunning`` on every rerun).
Settled means: connected, script not running, no spinner, no progress bar, no loading skeleton.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"  # gitignored
TIMEOUT_MS = 30_000
#: Widgets debounce briefly before a rerun starts; wait past that before checking for the end of it.
DEBOUNCE_MS = 250
#: Settled, as a function the browser evaluates (also used by ``bench/load.py``): connected, the
#: script not running, and no spinner, loading skeleton or progress bar anywhere.
SETTLED = """() => !!document.querySelector(
        "[data-testid='stApp'][data-test-connection-state='CONNECTED'][data-test-script-state='notRunning']")
    && !document.querySelector("[data-testid='stSpinner'], [data-testid='stSkeleton'], [data-testid='stProgress']")"""


def wait_for_settled(page: Page, timeout_ms: int = TIMEOUT_MS) -> None:
    """Block until the app has finished its current run and drawn everything."""
    page.wait_for_timeout(DEBOUNCE_MS)
    page.wait_for_function(SETTLED, timeout=timeout_ms)


#: True when ``location`` has the path ending ``want.path`` and the query parameters ``want.params`` (all of them
#: and no others when ``want.exact``); values compared as lists, in order, as ``parse_qs`` gives them.
ADDRESS_IS = """want => {
    const url = new URL(window.location.href);
    if (!url.pathname.endsWith(want.path)) return false;
    const got = {};
    for (const [key, value] of url.searchParams) (got[key] = got[key] || []).push(value);
    const keys = want.exact ? new Set([...Object.keys(got), ...Object.keys(want.params)]) : Object.keys(want.params);
    for (const key of keys) if (JSON.stringify(got[key]) !== JSON.stringify(want.params[key])) return false;
    return true;
}"""


def wait_for_address(page: Page, path: str, params: Mapping[str, Sequence[str]], *, exact: bool = True,
                     timeout_ms: int = TIMEOUT_MS) -> None:
    """Block until the address is ``…{path}?{params}``, then until the app has settled.

    An action that switches page (a button whose callback navigates, a saved view) runs the app
    twice, and the URL changes during those runs: the page first, the sidebar's parameters when
    its widgets are drawn. Reading the URL as soon as one run has ended can catch it half way,
    so wait for the address the action must reach, then for the run to end. ``exact=False``
    allows other parameters besides ``params``.
    """
    want = {"path": path, "params": {k: list(v) for k, v in params.items()}, "exact": exact}
    try:
        page.wait_for_function(ADDRESS_IS, arg=want, timeout=timeout_ms)
    except PlaywrightTimeoutError as error:
        raise AssertionError(f"the address stayed {page.url}; expected path …{path} with {want['params']}"
                             f"{'' if exact else ' (among others)'}") from error
    wait_for_settled(page, timeout_ms)


def open_app(page: Page, url: str) -> None:
    """Load ``url`` and wait until the app has rendered its first run."""
    page.goto(url)
    page.get_by_test_id("stAppViewContainer").wait_for(state="attached", timeout=TIMEOUT_MS)
    wait_for_settled(page)


def metric_value(page: Page, label: str) -> str:
    """The displayed value of the ``st.metric`` whose label is exactly ``label``."""
    metric = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))
    return metric.get_by_test_id("stMetricValue").inner_text().strip()


def sidebar_selectbox_value(page: Page, label: str) -> str:
    """The option shown in the sidebar selectbox labelled ``label`` (a combobox input since 1.67)."""
    return page.get_by_test_id("stSidebar").get_by_role("combobox", name=label).input_value()


def choose_option(page: Page, label: str, option: str) -> None:
    """Open the selectbox labelled ``label`` and click ``option``."""
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_settled(page)


def screenshot(page: Page, name: str, tall: bool = False) -> Path:
    """Save ``screenshots/<name>.png``; ``tall`` grows the viewport to the page's full height first.

    Streamlit scrolls inside its own container, so Playwright's ``full_page`` would stop at the fold.
    """
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size
    if tall:
        height = page.get_by_test_id("stMain").evaluate("main => main.scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        wait_for_settled(page)
    page.screenshot(path=path)
    if tall:
        page.set_viewport_size(size)
    return path


def metric_values(page: Page) -> dict[str, str]:
    """label → displayed value of every ``st.metric`` in the main area."""
    out = {}
    for metric in page.get_by_test_id("stMain").get_by_test_id("stMetric").all():
        label = metric.get_by_test_id("stMetricLabel").inner_text().strip()
        out[label] = metric.get_by_test_id("stMetricValue").inner_text().strip()
    return out


def choose_in_multiselect(page: Page, label: str, options: list[str], *, sidebar: bool = True) -> None:
    """Pick ``options`` in the multiselect labelled ``label`` (in the sidebar by default), then close it."""
    where = page.get_by_test_id("stSidebar") if sidebar else page.get_by_test_id("stMain")
    box = where.get_by_role("combobox", name=label)
    for option in options:
        box.click()
        box.press("ArrowDown")  # opens the list (a click alone may only focus the input)
        box.fill(option)  # filters the options
        page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    wait_for_settled(page)


def selectbox_value(page: Page, label: str) -> str:
    """The option shown in the main area's selectbox labelled ``label``."""
    return page.get_by_test_id("stMain").get_by_role("combobox", name=label).input_value()
