"""The Meeting pack control: every page with data offers the Excel workbook and the HTML report in the
sidebar, made on click (deferred) from the scope on screen by the engine's ``meeting_pack``; without
data there is nothing to pack."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from apptest_helpers import DATA_PAGE, run_app, shown
from cxdata.catalog.store import Store
from cxdata.screens.pack import pack_html, pack_stem, pack_workbook
from cxdata.settings import load_settings
from ui.dashboard import page_analysis, view_funding
from ui.pack import build_pack

BUTTONS = ["Excel workbook", "PDF report", "PowerPoint deck", "HTML report"]


def test_the_sidebar_offers_every_format_made_on_click(loaded_store: Path) -> None:
    at = run_app(DATA_PAGE, channel="phone", period="Last 6 months")
    buttons = at.sidebar.get("download_button")
    assert [b.label for b in buttons] == BUTTONS
    assert all(b.proto.deferred_file_id for b in buttons), "the files are made only when a button is clicked"
    assert any("Channel: phone" in c.value and "May–Oct 2026 vs Nov 2025 – Apr 2026" in shown(c.value)
               for c in at.sidebar.caption)
    assert not at.main.get("download_button"), "the Data page itself has nothing to download before an import"


def test_the_files_are_the_engines_pack_of_the_scope_on_screen(analysed_store: Path) -> None:
    at = run_app(DATA_PAGE, channel="phone", period="Last 6 months")
    scope = at.session_state["_scope"]
    store = Store(analysed_store)
    pack = build_pack(store, scope, load_settings(store))  # what the buttons' callables run
    number = scope.version.number
    assert pack.stem == pack_stem(scope.version, scope.filters) == f"momento-pack-sample-v{number}-2026-05-01-2026-10-31"
    cover = {r[0]: r[1] for r in load_workbook(io.BytesIO(pack_workbook(pack)))["Cover"].iter_rows(values_only=True)}
    assert (cover["Period"], cover["Comparison period"], cover["Filters"]) == (
        "May–Oct 2026 (2026-05-01 to 2026-10-31)", "Nov 2025 – Apr 2026 (2025-11-01 to 2026-04-30)", "Channel: phone")
    assert ">Channel: phone<" in pack_html(pack)
    funding = view_funding(store, scope.version, load_settings(store), scope.where, page_analysis(
        store, scope.version, load_settings(store), draw=False)[0], ())
    assert funding is not None and [s.title for s in pack.sheets][2:4] == ["Moments of service", "What to fund"]
    assert next(s for s in pack.sheets if s.title == "What to fund").frame.get_column("Fix").to_list() == [
        r.title for r in funding.rows]  # the Overview's card, for the filters on screen


def test_no_data_no_pack(empty_store: Path) -> None:
    at = run_app(DATA_PAGE)
    assert not at.sidebar.get("download_button")
