"""Upload the Italian XLSX export through the browser's file input, import it into a new dataset,
and read the report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from playwright.sync_api import Page, expect

from cxdata import format as fmt
from cxdata.catalog.store import Store
from cxdata.measures.contacts import enrich_contacts
from cxdata.measures.metrics import Filters, estimate
from cxdata.models.analysis import Tables
from waits import choose_option, metric_value, open_app, rerun, screenshot, sidebar_selectbox_value, wait_for_address

XLSX = Path(__file__).resolve().parents[2] / "sample_data" / "interactions_2026-10.xlsx"
DATASET = "ottobre-it"


def choose_new_dataset(page: Page, name: str) -> None:
    choose_option(page, "Into dataset", "New dataset…")
    page.get_by_role("textbox", name="Name of the new dataset").fill(name)
    with rerun(page):
        page.get_by_role("textbox", name="Name of the new dataset").press("Enter")


def test_upload_an_xlsx_into_a_new_dataset(page: Page, app_url: str, server_data_dir: Path) -> None:
    expected = pl.read_excel(XLSX, sheet_name="Contatti", read_options={"header_row": 2}).height
    open_app(page, f"{app_url}/data")
    choose_new_dataset(page, DATASET)
    with rerun(page):  # the upload ends with a run that reads the file
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(XLSX)
    expect(page.get_by_text("Header found on row 3", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Import", exact=True)).to_be_enabled()
    screenshot(page, "data-mapping", tall=True)

    with rerun(page):
        page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(
        f"Imported 'interactions_2026-10.xlsx' as version 1 of '{DATASET}'")
    assert metric_value(page, "Accepted") == f"{expected:,}"
    assert metric_value(page, "Rejected") == "0"
    assert sidebar_selectbox_value(page, "Dataset") == DATASET
    assert f"dataset={DATASET}" in page.url
    screenshot(page, "data-report")
    screenshot(page, "data-report-tall", tall=True)

    # …and see it on the Overview: the uploaded month's KPIs, computed here from the stored tables.
    with rerun(page, timeout_ms=90_000):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Overview").click()
    wait_for_address(page, "/", {"dataset": [DATASET]}, exact=False, timeout_ms=90_000)
    store = Store(server_data_dir)
    tables = Tables.from_store(store, store.active_version(DATASET).version_id)
    store.engine.dispose()
    contacts = enrich_contacts(tables.interactions, tables.customers)
    october = Filters.of(date(2026, 8, 1), date(2026, 10, 31))  # "Last 3 months" ends with the data's last month
    assert metric_value(page, "CSAT") == fmt.number(estimate("csat", contacts, filters=october).value, "%")
    assert metric_value(page, "NPS") == fmt.number(estimate("nps", contacts, filters=october).value, "points")
    assert metric_value(page, "Logo churn / month") == "–", "no customers table in this dataset"
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert f"dataset={DATASET}" in page.url
    screenshot(page, "overview-uploaded-xlsx")


def test_an_unusable_file_shows_one_sentence(page: Page, app_url: str, tmp_path: Path) -> None:
    binary = tmp_path / "export.csv"
    binary.write_bytes(bytes(range(256)) * 8)
    open_app(page, f"{app_url}/data")
    with rerun(page):
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(binary)
    expect(page.get_by_test_id("stAlertContentError")).to_have_text(
        "'export.csv' is not a text file (it contains binary data): export the table as CSV or XLSX.")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    screenshot(page, "data-unusable")
