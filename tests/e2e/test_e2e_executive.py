"""The executive sweep in a real browser: every page at 1440 px and at 390 px wide, on the sample, on a
customers-only dataset and on a contacts-only dataset, shows no traceback and no raw text — no ``None``,
``null`` or ``nan``, no snake_case field names, no hyphen-minus used as a minus sign, no "−0%", and every
interval or range written "a to b" (docs/method/README.md "How numbers are written"). At phone width the
Overview's tiles fit the screen. Every page's whole height is kept in ``screenshots/``, to look at.

One server per data shape, every page of a shape visited in one browser context (a new session per page,
as a link opens it)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page

from browser import new_context
from cxdata.schema import TABLES
from waits import FIT_MS, TIMEOUT_MS, open_app, screenshot

#: Every page's address (the Overview is the default page).
PAGES = ("", "drilldown", "churn", "journeys", "voice", "roi", "initiatives", "alerts", "deliveries", "data", "settings",
         "users", "audit")
WIDTHS = (1440, 390)
HEIGHT = 900
#: Text nodes in an element, one per line, hidden ones included (a table's cells are in the grid's accessible
#: copy, a collapsed expander's text is there when it opens); never style or script text, nor an icon's name
#: (a Material icon is drawn from its name, e.g. ``upload_file``).
TEXT = """el => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT, {acceptNode: node =>
        node.parentElement.closest("style, script, noscript")
        || getComputedStyle(node.parentElement).fontFamily.includes("Material") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
    const out = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent.trim();
        if (text) out.push(text);
    }
    return out.join("\\n");
}"""
#: Raw text that must never reach a screen, each with what it is.
RAW = {
    "a missing value printed raw": re.compile(r"\b(?:None|null|NULL|nan|NaN|NaT)\b"),
    "a snake_case name": re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b"),
    "a hyphen-minus as a minus sign": re.compile(r"(?<![\w.\-/])-(?=[€$£]?\d)"),
    "a negative zero": re.compile(r"[−-][€$£]?0(?:\.0+)?(?![\d.,])"),
    "an interval or range not written 'a to b'": re.compile(r"\d[%k×]?\s?[–…]\s?[−+]?[€$£]?\d"),
}
#: Text allowed to look raw, by page: the Data page's guide names the column names a file may use (what a user
#: types in a header).
ALLOWED: dict[str, frozenset[str]] = {"data": frozenset(n for t in TABLES.values() for n in t.names)}


def raw_text(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Each raw fragment of ``text`` (but ``allowed``) with its kind and the line it is on."""
    found = []
    for line in text.splitlines():
        for kind, pattern in RAW.items():
            for match in pattern.finditer(line):
                if match.group(0) not in allowed:
                    found.append(f"{kind}: {match.group(0)!r} in {line[:160]!r}")
    return found


def sweep(page: Page, url: str, shape: str) -> list[str]:
    """Open every page at every width; return what is wrong, one line each (a traceback, raw text, a tile
    wider than the phone). Every page is saved as ``screenshots/executive-<shape>-<page>-<width>.png``.

    The first page opened (the Overview) starts the models' fit when they are not in the store yet (a one-file
    shape) and shows its progress bar until the fit is over: it is given the fit's bound, the others the usual."""
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        for path in PAGES:
            open_app(page, f"{url}/{path}", FIT_MS if (width, path) == (WIDTHS[0], PAGES[0]) else TIMEOUT_MS)
            where = f"{shape} /{path} at {width} px"
            if page.get_by_test_id("stException").count():
                problems.append(f"{where}: traceback {page.get_by_test_id('stException').first.inner_text()[:300]!r}")
            areas = ["stMain"] + (["stSidebar"] if width > 400 else [])  # the phone's sidebar is folded away
            text = "\n".join(page.get_by_test_id(area).evaluate(TEXT) for area in areas)
            problems += [f"{where}: {p}" for p in dict.fromkeys(raw_text(text, ALLOWED.get(path, frozenset())))]
            screenshot(page, f"executive-{shape}-{path or 'overview'}-{width}", tall=True)
            if path == "" and width < 400:
                problems += [f"{where}: {p}" for p in overflow(page, width)]
    return problems


def overflow(page: Page, width: int) -> list[str]:
    """Tiles (``st.metric``) and the main area that reach past the screen's right edge at ``width`` px."""
    wide = page.get_by_test_id("stMain").evaluate("main => main.scrollWidth")
    out = [f"the main area is {wide} px wide on a {width} px screen"] if wide > width else []
    for metric in page.get_by_test_id("stMain").get_by_test_id("stMetric").all():
        box = metric.bounding_box()
        if box is not None and (box["x"] < 0 or box["x"] + box["width"] > width + 0.5):
            out.append(f"tile {metric.inner_text()[:60]!r} spans x {box['x']:.0f} to {box['x'] + box['width']:.0f}")
    return out


def test_raw_text_is_recognised():
    """The sweep's patterns: what they catch and what they let through, written out by hand."""
    caught = "\n".join(["Needs customer_id", "None", "AUC nan", "−4.3 – 1.3", "+4.1…+4.3", "κ* -0%", "delta -4.3",
                        "−€79.7k – −€67k", "−0.0 pts"])
    assert len(raw_text(caught)) >= 9
    fine = ("95% CI 48.0% to 51.8%", "95% CI −€79.7k to −€67.0k", "2026-10-31", "Aug–Oct 2026", "0001-A",
            "Nov 2025 – Oct 2026", "−0.04", "Month-to-month", "–", "mean CSAT (1 to 5)")
    assert raw_text("\n".join(fine)) == []


@pytest.mark.parametrize("shape", ["sample", "customers-only", "contacts-only"])
def test_executive_sweep(shape: str, browser: Browser, request: pytest.FixtureRequest):
    """Every page at both widths on one data shape: no traceback, no raw text, the phone's tiles on screen."""
    if shape == "sample":
        request.getfixturevalue("server_analysis")  # the models fitted before the pages ask for them
        url = request.getfixturevalue("app_url")
    else:
        url = request.getfixturevalue(f"{shape.replace('-', '_')}_url")
    context = new_context(browser, viewport={"width": WIDTHS[0], "height": HEIGHT})
    try:
        problems = sweep(context.new_page(), url, shape)
    finally:
        context.close()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
