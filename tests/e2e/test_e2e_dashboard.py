"""The executive dashboard in a real browser: open the Overview, change a filter (the URL and the
numbers follow), drill down by clicking a heat-map cell, copy the address and open it in a fresh
context (same numbers, same selection); save a named view and open its short link in a fresh
context (same again). A screenshot of every page is kept in ``screenshots/``."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Browser, Page, expect

from browser import new_context
from cxdata import format as fmt
from cxdata.measures.metrics import Filters
from cxdata.screens.dashboard import kpi_tiles
from ui.dashboard import TILE_LABELS
from waits import (
    choose_in_multiselect,
    metric_values,
    open_app,
    rerun,
    screenshot,
    selectbox_value,
    sidebar_selectbox_value,
    wait_for_address,
)

#: The sample ends in October 2026: "Last 3 months" is August–October, compared with May–July.
PERIOD, COMPARISON = (date(2026, 8, 1), date(2026, 10, 31)), (date(2026, 5, 1), date(2026, 7, 31))
KEYS = ("nps", "csat", "ces", "fcr", "logo_churn", "arpu", "cost_to_serve")
#: What the heat map's tooltip says over a cell.
CELL = re.compile(r"Channel\s+(\S+)\s+Touchpoint\s+(\S+)")
#: How long a point may take to show the tooltip before the next point is tried (it takes a frame or two).
HOVER_MS = 2_000


def expected_values(server_analysis, **where) -> dict[str, str]:
    a, settings = server_analysis
    tiles = kpi_tiles(a, Filters.of(*PERIOD, **where), Filters.of(*COMPARISON, **where), settings.params(), keys=KEYS)
    return {TILE_LABELS.get(t["key"], t["label"]): fmt.number(t["value"], t["unit"], settings.symbol) for t in tiles}


def click_a_heat_map_cell(page: Page) -> tuple[str, str]:
    """Hover over the heat map until its tooltip names a cell, click it; return (channel, touchpoint).

    A point off the cells (an axis, a gap) shows no tooltip: after ``HOVER_MS`` the next point is tried."""
    chart = page.get_by_test_id("stVegaLiteChart").first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    tooltip = page.locator("#vg-tooltip-element")
    for fx, fy in ((0.35, 0.55), (0.3, 0.65), (0.45, 0.5), (0.25, 0.75), (0.5, 0.6), (0.4, 0.8)):
        x, y = box["x"] + fx * box["width"], box["y"] + fy * box["height"]
        page.mouse.move(x, y)
        try:
            expect(tooltip).to_be_visible(timeout=HOVER_MS)
            expect(tooltip).to_contain_text(CELL, use_inner_text=True, timeout=HOVER_MS)
        except AssertionError:
            continue
        found = CELL.search(tooltip.inner_text())
        with rerun(page):
            page.mouse.click(x, y)
        return found.group(1), found.group(2)
    raise AssertionError("no heat-map cell found under the mouse")


def test_filter_drill_down_and_open_the_copied_link(page: Page, browser: Browser, app_url: str,
                                                   server_analysis) -> None:
    open_app(page, app_url)
    assert {k: v for k, v in metric_values(page).items() if k in expected_values(server_analysis)} \
        == expected_values(server_analysis)
    screenshot(page, "overview")
    screenshot(page, "overview-tall", tall=True)

    choose_in_multiselect(page, "Channel", ["phone"])
    wait_for_address(page, "/", {"channel": ["phone"]})
    shown = metric_values(page)
    assert {k: shown[k] for k in ("NPS", "CSAT", "CES")} == {
        k: v for k, v in expected_values(server_analysis, channel=["phone"]).items() if k in ("NPS", "CSAT", "CES")}

    with rerun(page):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Drill-down").click()
    wait_for_address(page, "/drilldown", {"channel": ["phone"]})
    channel, touchpoint = click_a_heat_map_cell(page)
    assert channel == "phone", "the heat map only has the filtered channel"
    wait_for_address(page, "/drilldown", {"channel": ["phone"], "drill_channel": ["phone"],
                                          "drill_touchpoint": [touchpoint]})
    expect(page.get_by_test_id("stMain").get_by_role("combobox", name="Selected touchpoint")).to_have_value(touchpoint)
    numbers = metric_values(page)
    assert f"CSAT · phone · {touchpoint}" in numbers
    screenshot(page, "drilldown")
    screenshot(page, "drilldown-tall", tall=True)

    copied = page.url
    fresh = new_context(browser).new_page()
    open_app(fresh, copied)
    assert metric_values(fresh) == numbers
    assert selectbox_value(fresh, "Selected touchpoint") == touchpoint
    assert sidebar_selectbox_value(fresh, "Period") == "Last 3 months"
    fresh.context.close()


def test_save_a_named_view_and_open_its_short_link(page: Page, browser: Browser, app_url: str,
                                                   server_analysis) -> None:
    open_app(page, f"{app_url}/churn?segment=Enterprise&period=Last+6+months")
    screenshot(page, "churn")
    screenshot(page, "churn-tall", tall=True)
    open_app(page, f"{app_url}/drilldown?segment=Enterprise&metric=NPS&drill_channel=chat&period=Last+6+months")
    numbers = metric_values(page)
    page.get_by_test_id("stSidebar").get_by_role("button", name=re.compile("Share this view")).click()
    popover = page.get_by_test_id("stPopoverBody")
    expect(popover.get_by_test_id("stCode").first).to_contain_text("drilldown?segment=Enterprise")
    popover.get_by_placeholder("e.g. Billing calls, Q3").fill("Enterprise chat NPS")
    with rerun(page):  # a text input's value is sent on Enter
        popover.get_by_placeholder("e.g. Billing calls, Q3").press("Enter")
    with rerun(page):
        popover.get_by_role("button", name="Save view").click()
    link = page.get_by_test_id("stPopoverBody").get_by_test_id("stCode").filter(has_text="?view=").first
    expect(link).to_be_visible()
    short = link.inner_text()
    screenshot(page, "share-popover")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?view=[a-z2-9]{8}", short.strip()), short

    fresh = new_context(browser).new_page()
    open_app(fresh, short.strip())
    # the short link's run switches to the view's page and address, and that page runs
    wait_for_address(fresh, "/drilldown", {"segment": ["Enterprise"], "metric": ["NPS"], "drill_channel": ["chat"],
                                           "period": ["Last 6 months"]})
    assert metric_values(fresh) == numbers
    fresh.context.close()


def test_plan_a_fix_and_open_a_saved_view_in_a_running_session(page: Page, app_url: str, server_analysis) -> None:
    """In-app links that change the sidebar's filters: they must switch page with the filters in the URL."""
    a, _ = server_analysis
    top = a.risk.moments.row(0, named=True)
    open_app(page, f"{app_url}/?region=North")
    with rerun(page, timeout_ms=90_000):
        page.get_by_role("button", name="Plan a fix").first.click()
    # two runs (park the navigation, then the planner), the URL changing during them: wait for the address
    # the link must reach (fails with the address it stayed at), then for the last run to end; the moment's fix
    # (What to fund) comes as scenario A's inputs (their values: tests/app/test_app_overview.py)
    wait_for_address(page, "/roi", {"channel": [top["channel"]], "touchpoint": [top["touchpoint"]],
                                    "segment": [top["segment"]], "region": ["North"], "compare": ["1"]},
                     exact=False, timeout_ms=90_000)
    assert "a_invest=" in page.url and "a_running=" in page.url  # the levers equal scenario A's default: not in it
    expect(page.get_by_test_id("stException")).to_have_count(0)

    page.get_by_test_id("stSidebar").get_by_role("button", name=re.compile("Share this view")).click()
    popover = page.get_by_test_id("stPopoverBody")
    with rerun(page):
        popover.get_by_role("button", name="Enterprise chat NPS").first.click()  # saved by the test above
    # the view's filters replace the planner's scope (region and the moment's channel and touchpoint go)
    wait_for_address(page, "/drilldown", {"segment": ["Enterprise"], "metric": ["NPS"], "drill_channel": ["chat"],
                                          "period": ["Last 6 months"]})
    expect(page.get_by_test_id("stException")).to_have_count(0)
