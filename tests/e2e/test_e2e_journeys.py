"""Journeys and Voice of the customer in the browser: a customer link opens that customer's timeline;
a channel path's row lists its customers and a customer's row opens their history, each step a link
that opens the same view in a fresh browser; a theme's row selects the theme and a touchpoint's bar
its themes. Screenshots at 1280×800.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import polars as pl
from playwright.sync_api import Browser, Locator, Page, expect

from browser import new_context
from cxdata.catalog.store import Store
from waits import metric_value, rerun, screenshot, wait_for_settled

CUSTOMER = "C000139"
#: The first page that needs the models may fit them (10–20 s on the sample) before it settles.
FIRST_RUN_MS = 120_000
ROW_PX, HEADER_PX = 35, 35  # st.dataframe's default row and header heights


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_test_id("stAppViewContainer").wait_for(state="attached", timeout=FIRST_RUN_MS)
    wait_for_settled(page, timeout_ms=FIRST_RUN_MS)


def contacts_of(server_data_dir: Path, customer: str) -> int:
    store = Store(server_data_dir)
    frame = store.scan(store.active_version("sample").version_id, "interactions")
    n = frame.filter(pl.col("customer_id") == customer).select(pl.len()).collect().item()
    store.engine.dispose()
    return n


def params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def click_row(page: Page, table: Locator, row: int) -> None:
    """Select row ``row`` of a selectable ``st.dataframe`` (a canvas) by clicking its row marker; the app runs."""
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    with rerun(page):
        page.mouse.click(box["x"] + 18, box["y"] + HEADER_PX + ROW_PX * row + ROW_PX / 2)


def selectbox_value(page: Page, label: str) -> str:
    return page.get_by_test_id("stMain").get_by_role("combobox", name=label, exact=True).input_value()


def active_tab(page: Page) -> str:
    return page.get_by_role("tab", selected=True).inner_text().strip()


def test_a_customer_link_opens_their_timeline(page: Page, app_url: str, server_data_dir: Path) -> None:
    open_page(page, f"{app_url}/journeys?customer={CUSTOMER}")
    assert active_tab(page) == "Customer history"
    assert selectbox_value(page, "Customer") == CUSTOMER
    assert metric_value(page, "Contacts") == f"{contacts_of(server_data_dir, CUSTOMER):,}"
    expect(page.get_by_text(f"The whole history of {CUSTOMER}", exact=False)).to_be_visible()
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart).to_be_visible()
    assert chart.bounding_box()["height"] > 250, "one lane per channel, plus revenue"
    screenshot(page, "journeys-customer")
    screenshot(page, "journeys-customer-tall", tall=True)


def test_a_path_lists_its_customers_and_a_customer_opens_their_history(page: Page, app_url: str,
                                                                       server_data_dir: Path, browser: Browser) -> None:
    open_page(page, f"{app_url}/journeys?period=All+data")
    assert active_tab(page) == "Channel paths"
    paths = page.get_by_test_id("stDataFrame").first
    click_row(page, paths, 0)
    path = params(page)["path"][0]
    assert " → " in path
    assert selectbox_value(page, "Channel path") == path
    screenshot(page, "journeys-paths", tall=True)

    customers = page.get_by_test_id("stDataFrame").nth(1)
    click_row(page, customers, 0)
    assert active_tab(page) == "Customer history"
    customer = params(page)["customer"][0]
    assert selectbox_value(page, "Customer") == customer
    contacts = metric_value(page, "Contacts")
    assert contacts == f"{contacts_of(server_data_dir, customer):,}"

    fresh = new_context(browser).new_page()
    try:
        open_page(fresh, page.url)
        assert active_tab(fresh) == "Customer history"
        assert selectbox_value(fresh, "Customer") == customer
        assert metric_value(fresh, "Contacts") == contacts
    finally:
        fresh.context.close()


def test_voice_of_the_customer_selects_a_theme_from_its_row(page: Page, app_url: str) -> None:
    open_page(page, f"{app_url}/voice")
    expect(page.get_by_text("Tone of comments: learned from this dataset's scored comments", exact=False)).to_be_visible()
    screenshot(page, "voice")
    themes = page.get_by_test_id("stDataFrame").first
    first_theme = selectbox_value(page, "Theme")
    click_row(page, themes, 2)
    chosen = selectbox_value(page, "Theme")
    assert chosen != first_theme
    assert params(page)["theme"] == [chosen]
    expect(page.get_by_text(f"The comments behind “{chosen}”", exact=False)).to_be_visible()
    screenshot(page, "voice-theme", tall=True)

    bars = page.get_by_test_id("stVegaLiteChart").first  # negative comments by touchpoint
    with rerun(page):
        bars.locator("[aria-roledescription='bar'][aria-label*='Touchpoint: billing;']").click()
    assert selectbox_value(page, "Themes in touchpoint") == "billing"
    assert params(page)["theme_touchpoint"] == ["billing"], "a bar click is a link"
    expect(page.get_by_text("apart from positive ones in touchpoint billing", exact=False)).to_be_visible()
