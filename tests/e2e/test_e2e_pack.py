"""The meeting pack in a real browser: the sidebar's popover downloads a workbook and an HTML report made
on click (Streamlit's deferred download, run on a server thread), carrying the filters on screen and
the numbers of the engine."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page

from cxdata import format as fmt
from cxdata.measures.metrics import Filters
from cxdata.screens.dashboard import overview_tiles
from waits import open_app

DOWNLOAD_TIMEOUT_MS = 90_000  # the first pack of a server reads the models back and builds the Vega bundle


def download(page: Page, label: str) -> bytes:
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stPopover").filter(has_text="Meeting pack").click()
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as file:
        page.get_by_test_id("stDownloadButton").filter(has_text=label).click()
    page.keyboard.press("Escape")
    return Path(file.value.path()).read_bytes()


def test_the_pack_downloads_carry_the_view_on_screen(page: Page, app_url: str, server_analysis) -> None:
    analysis, settings = server_analysis
    open_app(page, f"{app_url}/data?channel=phone")
    book = load_workbook(io.BytesIO(download(page, "Excel workbook")))
    cover = {r[0]: r[1] for r in book["Cover"].iter_rows(values_only=True)}
    assert (cover["Period"], cover["Filters"]) == ("Aug–Oct 2026 (2026-08-01 to 2026-10-31)", "Channel: phone")
    where = {"channel": ["phone"]}
    tiles = overview_tiles(analysis, Filters.of(date(2026, 8, 1), date(2026, 10, 31), **where),
                           Filters.of(date(2026, 5, 1), date(2026, 7, 31), **where), settings.params())
    csat = next(t for t in tiles if t["key"] == "csat")
    row = next(r for r in book["KPIs"].iter_rows(values_only=True) if r[0] == "CSAT")
    assert row[1] == pytest.approx(csat["value"], rel=1e-12)
    report = download(page, "HTML report").decode("utf-8")
    assert f">{fmt.number(csat['value'], '%')}<" in report and ">Channel: phone<" in report

