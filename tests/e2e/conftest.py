"""Browser tests: ``streamlit run app.py`` on a free loopback port, driven by Debian's Chromium.

The whole folder is skipped, with the reason, where ``/usr/bin/chromium`` is absent (``.ci/run``
installs it); Playwright's own browser download is never used (``browser.py``). The server gets a
fresh data directory (``server_data_dir``) and loads the sample on its first page view, which the
``app_url`` fixture waits for. Only pytest imports this module: what tests share is in ``browser.py``
and ``waits.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from browser import CHROMIUM, CHROMIUM_ARGS, new_context, streamlit_server
from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.ingest.pipeline import import_file
from cxdata.models.analysis import load_or_analyse
from cxdata.settings import load_settings
from tests.services import required, unavailable
from tests.shape_files import TELCO_CSV, call_log
from waits import FIRST_START_MS, open_app, screenshot

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark this folder's tests ``e2e``; skip them all when Chromium is not installed (where the services are
    required, the ``browser`` fixture fails them instead: :mod:`tests.services`)."""
    missing = not CHROMIUM.exists() and not required()
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            if missing:
                item.add_marker(pytest.mark.skip(
                    reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does it)"))


@pytest.fixture(scope="session")
def server_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's MOMENTO_DATA_DIR: empty at start, so the app loads the sample itself."""
    return tmp_path_factory.mktemp("e2e-momento")


@pytest.fixture(scope="session")
def server(server_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the server of ``server_data_dir`` (:func:`streamlit_server`); stopped after the session."""
    with streamlit_server(server_data_dir, tmp_path_factory.mktemp("e2e-log") / "streamlit.log") as served:
        yield served.url


def _one_file_server(tmp_path_factory: pytest.TempPathFactory, data: str, table: str, dataset: str) -> Iterator[str]:
    """The server of a store holding only ``data`` imported as ``table`` into ``dataset`` (no sample: a store
    with a dataset never gets it)."""
    data_dir = tmp_path_factory.mktemp(f"e2e-{dataset}")
    store = Store(data_dir)
    import_file(store, data.encode(), f"{dataset}.csv", table, dataset=dataset, actor=LOCAL)
    store.engine.dispose()
    with streamlit_server(data_dir, tmp_path_factory.mktemp(f"e2e-log-{dataset}") / "streamlit.log") as served:
        yield served.url


@pytest.fixture(scope="session")
def customers_only_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server whose only dataset, ``telco``, is a customers file without dates (:data:`tests.shape_files.TELCO_CSV`)."""
    yield from _one_file_server(tmp_path_factory, TELCO_CSV, "customers", "telco")


@pytest.fixture(scope="session")
def contacts_only_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server whose only dataset, ``calls``, is a call log without customer ids (:func:`tests.shape_files.call_log`)."""
    yield from _one_file_server(tmp_path_factory, call_log()[0], "interactions", "calls")


@pytest.fixture
def first_start(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(URL, data directory) of a server of its own on an empty store, not yet visited: its first visit imports the
    sample and fits the models in the background (tests/e2e/test_e2e_first_start.py)."""
    data_dir = tmp_path_factory.mktemp("e2e-first-start")
    with streamlit_server(data_dir, tmp_path_factory.mktemp("e2e-log-first-start") / "streamlit.log") as served:
        yield served.url, data_dir


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        unavailable(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def app_url(server: str, browser: Browser) -> str:
    """The server's URL once its first page view has loaded the sample (first start takes seconds).

    That first view is a deep link to the Data page on purpose: it must run app.py (sidebar
    selector included), which breaks if the pages ever move back into a folder named ``pages/``.
    """
    context = new_context(browser)
    page = context.new_page()
    open_app(page, f"{server}/data", FIRST_START_MS)  # imports the sample: seconds, more on a loaded machine
    expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Dataset")).to_have_value("sample")
    context.close()
    return server


@pytest.fixture(scope="session")
def server_analysis(app_url: str, server_data_dir: Path):
    """(analysis, settings) of the sample in the server's store, fitted here once before any dashboard page
    is opened: the server then reads the models back from the store's ``fits/`` folder instead of fitting
    them while a test waits. The tests compare what the browser shows with these numbers."""
    store = Store(server_data_dir)
    settings = load_settings(store)
    analysis = load_or_analyse(store, store.active_version("sample").version_id, settings.params(),
                               settings.churn_horizon_months)
    store.engine.dispose()
    return analysis, settings


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh browser context (``browser.new_context``); a failed test leaves a screenshot."""
    context = new_context(browser, accept_downloads=True)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        screenshot(page, f"FAILED-{request.node.name}")
    context.close()
