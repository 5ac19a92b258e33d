"""Waits for the browser tests: wait for a state of the app, never for a fixed time.

Streamlit marks its root element with ``data-test-connection-state`` (``CONNECTED`` once the
websocket is up) and ``data-test-script-state`` (``running`` → ``notRunning`` on every rerun).
Settled means: connected, script not running, no spinner, no progress bar, no loading skeleton.

Settled alone cannot tell that an action was taken: the app hears of a click or a key over its
websocket, so right after one it still shows the previous run, settled. Streamlit records every
change of its run state with ``performance.mark(state)``; a ``notRunning`` mark later than the
action is the run it caused, ended (:func:`rerun`). An address reached in a later run of the same
action is waited for with :func:`wait_for_address`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"  # gitignored
TIMEOUT_MS = 30_000
#: A first visit to a server on an empty store, which imports the sample (three files): a bound for a loaded
#: machine, not a budget (bench/firststart.py).
FIRST_START_MS = 120_000
#: A fit of the models in the background, from the page that starts it until its progress bar is gone: a bound
#: for a loaded machine, not a budget.
FIT_MS = 600_000
#: Settled, as a function the browser evaluates (also used by ``bench/load.py``): connected, the
#: script not running, and no spinner, loading skeleton or progress bar anywhere.
SETTLED = """() => !!document.querySelector(
        "[data-testid='stApp'][data-test-connection-state='CONNECTED'][data-test-script-state='notRunning']")
    && !document.querySelector("[data-testid='stSpinner'], [data-testid='stSkeleton'], [data-testid='stProgress']")"""
#: The first content of the Overview while its models are fitted in the background: the run is over (connected,
#: not running, no spinner or skeleton; the fit's progress bar may be there) and the KPI tiles are drawn, none of
#: them still "Being computed" (the customer-month panel of a new version, built after the contact tiles).
OVERVIEW_MEASURED = """() => !!document.querySelector(
        "[data-testid='stApp'][data-test-connection-state='CONNECTED'][data-test-script-state='notRunning']")
    && !document.querySelector("[data-testid='stSpinner'], [data-testid='stSkeleton']")
    && !!document.querySelector("[data-testid='stMain'] [data-testid='stMetric']")
    && ![...document.querySelectorAll("[data-testid='stMain'] [data-testid='stCaptionContainer']")].some(c =>
        c.innerText.trim() === "Being computed")"""
#: The Overview with its models: settled (no progress bar either) and the revenue-at-risk tile showing a value.
OVERVIEW_MODELLED = f"""() => ({SETTLED})()
    && [...document.querySelectorAll("[data-testid='stMain'] [data-testid='stMetric']")].some(m =>
        m.querySelector("[data-testid='stMetricLabel']")?.innerText.trim() === "Revenue at risk (CX)"
        && m.querySelector("[data-testid='stMetricValue']")?.innerText.trim() !== "–")"""
#: True when a run of the app ended after ``t`` (``performance.now()`` of the page): Streamlit's own
#: ``performance.mark("notRunning")``, made when its run state changes to not running.
RAN_SINCE = """t => performance.getEntriesByName("notRunning", "mark").some(mark => mark.startTime > t)"""


def wait_for_settled(page: Page, timeout_ms: int = TIMEOUT_MS) -> None:
    """Block until the app has finished its current run and drawn everything.

    For a page just loaded (it is not settled before its first run has ended), or once content that a run
    draws is there. Right after an action the app still looks settled: wrap the action in :func:`rerun`.
    """
    page.wait_for_function(SETTLED, timeout=timeout_ms)


@contextmanager
def rerun(page: Page, timeout_ms: int = TIMEOUT_MS) -> Iterator[None]:
    """Around an action that makes the app run again (a widget's value changed, a button, a link, a row, a
    mark of a chart clicked): once the action is done, block until a run has ended since it began and the
    app has settled. Start it settled (the end of an earlier run would count)."""
    start = page.evaluate("performance.now()")
    yield
    try:
        page.wait_for_function(f"t => ({RAN_SINCE})(t) && ({SETTLED})()", arg=start, timeout=timeout_ms)
    except PlaywrightTimeoutError as error:
        raise AssertionError(f"the app did not run and settle within {timeout_ms} ms of the action "
                             f"(address {page.url})") from error


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
    """Block until the address is ``…{path}?{params}`` with the app settled.

    An action that switches page (a link, a button whose callback navigates, a saved view) runs the app
    once or twice, and the URL changes during those runs: the page first, the sidebar's parameters when
    its widgets are drawn. Reading the URL as soon as one run has ended can catch it half way, so after
    the action (wrapped in :func:`rerun`, which waits for its first run) wait for the address it must
    reach, settled. ``exact=False`` allows other parameters besides ``params``.
    """
    want = {"path": path, "params": {k: list(v) for k, v in params.items()}, "exact": exact}
    try:
        page.wait_for_function(f"want => ({ADDRESS_IS})(want) && ({SETTLED})()", arg=want, timeout=timeout_ms)
    except PlaywrightTimeoutError as error:
        if page.evaluate(ADDRESS_IS, want):
            raise AssertionError(f"the address became {page.url} but the app did not settle") from error
        raise AssertionError(f"the address stayed {page.url}; expected path …{path} with {want['params']}"
                             f"{'' if exact else ' (among others)'}") from error


def open_app(page: Page, url: str, timeout_ms: int = TIMEOUT_MS) -> None:
    """Load ``url`` and wait until the app has rendered its first run (settled: any fit it started, whose progress
    bar it shows, over — give such a page :data:`FIT_MS`, a first start :data:`FIRST_START_MS`)."""
    page.goto(url)
    page.get_by_test_id("stAppViewContainer").wait_for(state="attached", timeout=timeout_ms)
    wait_for_settled(page, timeout_ms)


def metric_value(page: Page, label: str) -> str:
    """The displayed value of the ``st.metric`` whose label is exactly ``label``."""
    metric = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))
    return metric.get_by_test_id("stMetricValue").inner_text().strip()


def sidebar_selectbox_value(page: Page, label: str) -> str:
    """The option shown in the sidebar selectbox labelled ``label`` (a combobox input since 1.67)."""
    return page.get_by_test_id("stSidebar").get_by_role("combobox", name=label).input_value()


def choose_option(page: Page, label: str, option: str) -> None:
    """Open the selectbox labelled ``label`` and click ``option`` (not the one shown: the app must run again)."""
    page.get_by_role("combobox", name=label).click()
    with rerun(page):
        page.get_by_role("option", name=option, exact=True).click()


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
        page.wait_for_function("height => window.innerHeight === height", arg=max(size["height"], height))
        wait_for_settled(page)  # a resize does not run the app again
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
    """Pick ``options`` in the multiselect labelled ``label`` (in the sidebar by default), then close it; each
    option picked runs the app again."""
    where = page.get_by_test_id("stSidebar") if sidebar else page.get_by_test_id("stMain")
    box = where.get_by_role("combobox", name=label)
    for option in options:
        box.click()
        box.press("ArrowDown")  # opens the list (a click alone may only focus the input)
        box.fill(option)  # filters the options
        with rerun(page):
            page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def selectbox_value(page: Page, label: str) -> str:
    """The option shown in the main area's selectbox labelled ``label``."""
    return page.get_by_test_id("stMain").get_by_role("combobox", name=label).input_value()
