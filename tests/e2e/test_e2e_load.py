"""First start in a real browser: the sample is loaded and its row counts are shown."""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl
from playwright.sync_api import Page, expect

from waits import metric_value, open_app, screenshot, sidebar_selectbox_value

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


def csv_rows(name: str) -> int:
    data = (SAMPLE / name).read_bytes()
    return pl.read_csv(gzip.decompress(data) if name.endswith(".gz") else data, infer_schema=False).height


def test_the_overview_shows_the_sample_row_counts(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    assert sidebar_selectbox_value(page, "Dataset") == "sample"
    assert metric_value(page, "Interactions") == f"{csv_rows('interactions.csv.gz'):,}"
    assert metric_value(page, "Customers") == f"{csv_rows('customers.csv'):,}"
    assert metric_value(page, "Revenue rows (customer-months)") == f"{csv_rows('revenue.csv.gz'):,}"
    expect(page.get_by_test_id("stException")).to_have_count(0)
    screenshot(page, "overview")


def test_the_data_page_lists_the_sample_versions(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}/data")
    expect(page.get_by_test_id("stExpander").filter(has_text="sample · 3 versions")).to_be_visible()
    expect(page.get_by_test_id("stFileUploader")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    screenshot(page, "data")
    screenshot(page, "data-tall", tall=True)
