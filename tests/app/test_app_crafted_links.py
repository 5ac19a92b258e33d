"""Crafted links: a number parameter that is not a finite number within its input's bounds (``inf``,
``-inf``, ``nan``, ``1e400``, beyond the input's maximum or beyond 10¹² where it has none) opens the page
with the input's default, a notice under it naming the parameter, and no traceback; a usable value is
kept; the notice goes once the analyst changes the input.

The seven parameters of the audit (issue 13): the ROI planner's ``a_invest``, ``a_running``, ``a_ramp``,
``a_wait_cap``, ``a_shift``, the Drill-down's ``rows_page`` and the New initiative form's ``new_invest``.
Each page is opened once per bad value with all its parameters set to it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import APP, TIMEOUT_S, shown
from dashboard_helpers import DRILLDOWN_PAGE
from ui.planner import AMOUNTS, DEFAULTS, LEVER_LABELS

ROI_PAGE = "app_pages/roi.py"
INITIATIVES_PAGE = "app_pages/initiatives.py"
BAD = ["inf", "-inf", "nan", "1e400"]
A = DEFAULTS["a"]
#: page → (parameters that must be present for the inputs to be drawn, parameter → the input's default)
PAGES = {
    ROI_PAGE: ({"a_levers": [LEVER_LABELS["wait_cap"], LEVER_LABELS["channel_shift"]]},
               {"a_invest": A.investment, "a_running": A.running_cost, "a_ramp": A.ramp_months,
                "a_wait_cap": AMOUNTS["wait_cap"], "a_shift": AMOUNTS["shift"]}),
    DRILLDOWN_PAGE: ({}, {"rows_page": 1}),
    INITIATIVES_PAGE: ({"new": "true"}, {"new_invest": 0}),
}


def open_link(page: str, **query: str | list[str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def notices(at: AppTest) -> list[str]:
    """The notices about the link under the inputs."""
    return [shown(c.value) for c in at.caption if "is not a number Momento can use" in c.value]


def notice(key: str, value: str) -> str:
    return f"The link's {key}={value} is not a number Momento can use; the default is shown."


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize("page", list(PAGES))
def test_a_non_finite_number_in_a_link_shows_the_default_with_a_notice(analysed_store: Path, page: str,
                                                                        value: str) -> None:
    needed, defaults = PAGES[page]
    at = open_link(page, **needed, **{key: value for key in defaults})
    for key, default in defaults.items():
        assert at.number_input(key=key).value == default, key
        assert notice(key, value) in notices(at), (key, notices(at))
        assert key not in at.query_params, "the address no longer carries the unusable value"
    assert len(notices(at)) == len(defaults)


@pytest.mark.parametrize(("key", "value"), [("a_ramp", "37"), ("a_invest", "-1"), ("a_invest", "1e13"),
                                            ("a_invest", "ten")])
def test_a_number_outside_the_inputs_bounds_is_refused_the_same_way(analysed_store: Path, key: str,
                                                                    value: str) -> None:
    at = open_link(ROI_PAGE, **{key: value})
    assert at.number_input(key=key).value == PAGES[ROI_PAGE][1][key]
    assert notices(at) == [notice(key, value)]


def test_a_usable_number_is_kept_without_a_notice(analysed_store: Path) -> None:
    at = open_link(ROI_PAGE, a_invest="250000", a_ramp="36")
    assert (at.number_input(key="a_invest").value, at.number_input(key="a_ramp").value) == (250_000, 36)
    assert notices(at) == []
    assert (at.query_params["a_invest"], at.query_params["a_ramp"]) == ("250000", "36")


def test_a_long_crafted_value_is_shortened_in_the_notice(analysed_store: Path) -> None:
    at = open_link(ROI_PAGE, a_invest="9" * 400)
    assert notices(at) == [notice("a_invest", "9" * 23 + "…")]


def test_the_notice_goes_once_the_input_is_changed(analysed_store: Path) -> None:
    at = open_link(ROI_PAGE, a_invest="inf")
    assert notices(at) == [notice("a_invest", "inf")]
    at.number_input(key="a_invest").set_value(50_000).run()
    assert not at.exception
    assert notices(at) == []
    assert at.number_input(key="a_invest").value == 50_000
