"""The ROI planner in a real browser: a scenario is a link (a fresh context opens the same verdict and NPV),
changing an input changes the URL, and the exports carry the numbers the page shows.

The sample's models are fitted once in this process before the first ROI view (``server_analysis`` in
conftest; the server then reads them back from the store's ``fits/`` folder), so no test waits for a fit.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from browser import new_context
from cxdata.actions.roi import PlannerBase, scenario_from_dict
from cxdata.format import money
from waits import open_app, rerun, screenshot, wait_for_settled

#: Phone billing for small businesses (a moment of service), scenario A with its own amounts, B beside it.
LINK = ("/roi?channel=phone&touchpoint=billing&segment=Small+Business&compare=2"
        "&a_wait_cut=40&a_invest=20000&a_running=1000&b_levers=Fewer+transfers&b_levers=Resolve+first+time")
ROI_TIMEOUT_MS = 90_000  # the server's first ROI view reads the models back and builds the planner


@pytest.fixture(scope="module")
def planner(server_analysis) -> PlannerBase:
    """The sample's planner, on the models the session fitted before any page was opened (conftest)."""
    analysis, _ = server_analysis
    return PlannerBase.build(analysis)


def open_roi(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_test_id("stAppViewContainer").wait_for(state="attached", timeout=ROI_TIMEOUT_MS)
    wait_for_settled(page, timeout_ms=ROI_TIMEOUT_MS)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def verdicts(page: Page) -> list[str]:
    """The verdict of each summary card at the top (``st-key-card_a``…), in order."""
    cards = page.locator("[class*='st-key-card_']")
    return [t.strip() for t in cards.get_by_test_id("stAlert").all_inner_texts()]


def npv36(page: Page) -> list[str]:
    """The 36-month NPV of each summary card, in order."""
    cards = page.locator("[class*='st-key-card_']")
    return [t.strip() for t in cards.get_by_test_id("stMetricValue").all_inner_texts()]


def test_a_scenario_link_opens_the_same_numbers_in_a_fresh_context(browser: Browser, page: Page, app_url: str,
                                                                    planner: PlannerBase) -> None:
    open_roi(page, app_url + LINK)
    first = verdicts(page), npv36(page)
    assert len(first[0]) == 2 and len(first[1]) == 2
    assert "a_wait_cut=40" in page.url and "channel=phone" in page.url
    expect(page.get_by_role("tab")).to_have_count(2)
    screenshot(page, "roi-linked")

    other = new_context(browser)
    try:
        fresh = other.new_page()
        open_roi(fresh, page.url)
        assert (verdicts(fresh), npv36(fresh)) == first
    finally:
        other.close()


def test_changing_an_input_changes_the_url(browser: Browser, page: Page, app_url: str, planner: PlannerBase) -> None:
    open_roi(page, f"{app_url}/roi")
    assert "a_invest" not in page.url, "defaults stay out of the URL"
    screenshot(page, "roi")
    screenshot(page, "roi-tall", tall=True)
    before = npv36(page)

    field = page.locator(".st-key-a_invest input")
    field.fill("250000")
    with rerun(page):  # the value is sent on Enter; the run writes it to the URL
        field.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]a_invest=250000(&|$)"))
    channel = page.locator(".st-key-channel").get_by_role("combobox")
    channel.scroll_into_view_if_needed()  # the page scrolled down to scenario A's inputs
    channel.click()
    with rerun(page):  # a multiselect sends its value as an option is picked
        page.get_by_role("option", name="phone", exact=True).click()
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"[?&]channel=phone(&|$)"))
    after = npv36(page)
    assert after != before

    other = new_context(browser)
    try:
        fresh = other.new_page()
        open_roi(fresh, page.url)
        assert npv36(fresh) == after
        assert fresh.locator(".st-key-a_invest input").input_value() == "250000"
    finally:
        other.close()


def test_the_exports_carry_the_scenario_and_its_numbers(page: Page, app_url: str, planner: PlannerBase) -> None:
    open_roi(page, app_url + LINK)
    symbol = "€"  # the default settings: the sample store's settings are never changed by the browser tests
    with page.expect_download() as json_download:
        page.get_by_test_id("stDownloadButton").filter(has_text="Scenario file (JSON)").first.click()
    data = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))
    scenario = scenario_from_dict(data)  # the command line's format
    assert [(lv.kind, lv.amount) for lv in scenario.levers] == [("wait_cut", 0.4)]
    assert dict(scenario.levers[0].scope) == {"channel": ("phone",), "segment": ("Small Business",),
                                              "touchpoint": ("billing",)}
    assert scenario.economics.investment == 20_000 and scenario.economics.running_cost == 1_000

    r = planner.evaluate(scenario)
    assert npv36(page)[0] == money(r.npv[36].base, symbol)
    with page.expect_download() as xlsx_download:
        page.get_by_test_id("stDownloadButton").filter(has_text="Export to Excel").first.click()
    book = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
    results = {row[0]: row for row in book["Results"].iter_rows(min_row=4, values_only=True)}
    assert results["NPV 36 months"][2] == pytest.approx(r.npv[36].base)
    assert json_download.value.suggested_filename.endswith(".json")
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")


def test_the_settings_page(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}/settings")
    expect(page.get_by_role("button", name="Save settings")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    screenshot(page, "settings")
    screenshot(page, "settings-tall", tall=True)
