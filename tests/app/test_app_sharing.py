"""Sharing: the Share popover shows the link of the current view (page + bound parameters), saves it
as a named view with a short id, lists the saved views; ``?view=<id>`` restores page, filters and
drill-down exactly, in a fresh session and from the list in a running one."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from apptest_helpers import run_app
from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.catalog.views import list_views, save_view
from dashboard_helpers import DRILLDOWN_PAGE, share_link, tiles

VIEW = {"channel": ["phone"], "period": ["Last 6 months"], "metric": ["NPS"], "drill_touchpoint": ["billing"],
        "drill_segment": ["Enterprise"]}


def params(link: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(link)
    return parts.path, parse_qs(parts.query)


def test_the_share_link_is_the_page_and_its_bound_parameters(analysed_store: Path) -> None:
    at = run_app(channel=["phone", "chat"], period="Last 12 months")
    assert params(share_link(at)) == ("./", {"channel": ["phone", "chat"], "period": ["Last 12 months"]})
    at = run_app(DRILLDOWN_PAGE, segment="Enterprise", metric="NPS", drill_channel="phone")
    assert params(share_link(at)) == ("drilldown", {"segment": ["Enterprise"], "metric": ["NPS"],
                                                    "drill_channel": ["phone"]})


def test_save_a_named_view_from_the_popover(analysed_store: Path) -> None:
    at = run_app(DRILLDOWN_PAGE, channel="phone", metric="NPS", drill_touchpoint="billing")
    at.text_input(key="_view_name").input("Phone billing NPS").run()
    next(b for b in at.button if b.label == "Save view").click().run()
    views = list_views(Store(analysed_store))
    assert [(v.name, v.page) for v in views] == [("Phone billing NPS", "drilldown")]
    assert views[0].params == {"channel": ["phone"], "metric": ["NPS"], "drill_touchpoint": ["billing"]}
    assert f"./?view={views[0].id}" in [c.proto.code_text for c in at.sidebar.get("code")]


def test_a_view_link_restores_page_filters_and_drill_down(analysed_store: Path) -> None:
    view_id = save_view(Store(analysed_store), "Enterprise billing", "drilldown", VIEW, actor=LOCAL)
    direct = run_app(DRILLDOWN_PAGE, **VIEW)
    at = run_app(view=view_id)
    assert at.title[0].value == "Drill-down"
    assert at.selectbox(key="metric").value == "NPS"
    assert at.selectbox(key="drill_touchpoint").value == "billing"
    assert at.selectbox(key="drill_segment").value == "Enterprise"
    assert {m.label: m.value for m in at.sidebar.multiselect}["Channel"] == ["phone"]
    assert at.sidebar.selectbox(key="period").value == "Last 6 months"
    assert tiles(at) == tiles(direct), "the same numbers as the full link"
    assert "view" not in at.query_params


def test_a_saved_view_opens_from_the_list_and_resets_what_it_does_not_set(analysed_store: Path) -> None:
    view_id = save_view(Store(analysed_store), "Enterprise billing", "drilldown", VIEW, actor=LOCAL)
    at = run_app(region="North", trend="CSAT")
    at.button(key=f"_open_{view_id}").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Drill-down"
    assert at.selectbox(key="drill_segment").value == "Enterprise"
    filters = {m.label: m.value for m in at.sidebar.multiselect}
    assert filters["Channel"] == ["phone"] and filters["Region"] == [], "the region filter was not in the view"
    assert tiles(at) == tiles(run_app(DRILLDOWN_PAGE, **VIEW))


def test_an_unknown_or_crafted_view_id_falls_back_to_the_default_view(analysed_store: Path) -> None:
    for view_id in ("zzzzzzzz", "'; drop table savedview; --", "../../etc/passwd"):
        at = run_app(view=view_id)
        assert at.title[0].value == "Overview"
        assert "does not exist" in at.sidebar.warning[0].value
