"""From a finding to an action in a real browser: on the Overview, "Start an initiative" on the first
moment of service opens the New initiative form filled in for it; saving it lists and selects the new
initiative, whose "before" number is the engine's."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from cxdata import format as fmt
from cxdata.actions.initiatives import measure
from waits import metric_value, open_app, rerun, screenshot, selectbox_value, wait_for_address, wait_for_settled


def test_start_an_initiative_from_the_first_moment_and_save_it(page: Page, app_url: str, server_analysis) -> None:
    a, settings = server_analysis
    first = a.risk.moments.row(0, named=True)
    words = f"{first['channel']} · {first['touchpoint']} · {first['segment']}"
    open_app(page, app_url)
    with rerun(page):
        page.get_by_test_id("stMain").get_by_role("link", name="Start an initiative").first.click()
    # the form's other parameters (title, source, KPI) come with them
    wait_for_address(page, "/initiatives", {"new_channel": [first["channel"]], "new_touchpoint": [first["touchpoint"]],
                                            "new_segment": [first["segment"]]}, exact=False)
    expect(page.get_by_role("textbox", name="Title")).to_have_value(f"Fewer negative experiences: {words}")
    screenshot(page, "initiatives-new-from-a-moment", tall=True)

    page.get_by_role("button", name="Save initiative").click()
    # saving runs the page twice (save, then st.rerun to empty the form and select the new initiative): wait
    # for the second run's heading before reading anything (the sample's example initiative is listed too)
    expect(page.get_by_test_id("stMain").get_by_role("heading", name=f"Fewer negative experiences: {words}")) \
        .to_be_visible(timeout=30_000)
    wait_for_settled(page)
    assert selectbox_value(page, "Initiative").endswith(f" · Fewer negative experiences: {words}")
    expect(page.get_by_test_id("stDataFrame")).to_have_count(1)  # the list, now holding it
    where = {k: [first[k]] for k in ("channel", "touchpoint", "segment")}
    want = measure("negative_rate", a.contacts, a.panel, where, date.today(), params=settings.params())
    assert metric_value(page, "Before the start") == fmt.number(want.before.value, "%")
    screenshot(page, "initiatives-saved", tall=True)
