"""First start in a real browser: the sample is loaded; the Overview shows its KPIs and the Data page
its versions."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from cxdata import format as fmt
from cxdata.measures.metrics import Filters, estimate
from waits import metric_value, open_app, screenshot, sidebar_selectbox_value


def test_the_overview_shows_the_sample_kpis(page: Page, app_url: str, server_analysis) -> None:
    open_app(page, app_url)
    assert sidebar_selectbox_value(page, "Dataset") == "sample"
    a, settings = server_analysis
    filters = Filters.of(date(2026, 8, 1), date(2026, 10, 31))  # "Last 3 months" of the sample
    csat = estimate("csat", a.contacts, filters=filters, params=settings.params())
    assert metric_value(page, "CSAT") == fmt.number(csat.value, "%")
    assert metric_value(page, "Revenue at risk (CX)") == fmt.money(a.risk.attributable[0], settings.symbol)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_the_data_page_lists_the_sample_versions(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}/data")
    expect(page.get_by_test_id("stExpander").filter(has_text="sample · 3 versions")).to_be_visible()
    expect(page.get_by_test_id("stFileUploader")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    screenshot(page, "data")
    screenshot(page, "data-tall", tall=True)
