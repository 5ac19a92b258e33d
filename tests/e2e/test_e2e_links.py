"""Every view is a link: ``?dataset=`` selects the dataset, and it stays in the URL across pages."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.ingest import import_file
from waits import metric_value, open_app, rerun, screenshot, sidebar_selectbox_value, wait_for_address

LINKED = "linked"
# two first contacts, and a third 10 days later: the data's newest, whose follow-up window is not complete
CSV = (b"started_at,customer_id,channel\n2026-03-01 09:00,A1,phone\n2026-03-02 10:30,A2,chat\n"
       b"2026-03-12 11:00,A3,email\n")


def test_a_link_with_a_dataset_opens_that_dataset_on_every_page(page: Page, app_url: str,
                                                                server_data_dir: Path) -> None:
    store = Store(server_data_dir)
    if LINKED not in store.datasets():
        import_file(store, CSV, "linked.csv", "interactions", dataset=LINKED, actor=LOCAL)
    open_app(page, f"{app_url}/?dataset={LINKED}")
    assert sidebar_selectbox_value(page, "Dataset") == LINKED
    assert metric_value(page, "First-contact resolution") == "100.0%", "two complete first contacts, none repeated"
    expect(page.get_by_test_id("stMain").get_by_text("Dataset linked, version 1", exact=False)).to_be_visible()
    screenshot(page, "overview-linked")

    with rerun(page):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Data").click()
    wait_for_address(page, "/data", {"dataset": [LINKED]})
    assert sidebar_selectbox_value(page, "Dataset") == LINKED
    expect(page.get_by_test_id("stExpander").filter(has_text=f"{LINKED} · 1 version")).to_be_visible()
