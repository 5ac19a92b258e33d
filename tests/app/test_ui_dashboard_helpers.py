"""The dashboard's pure helpers: number formats, filter parameter names, the links of a moment of
service, and the hints that say what would unlock a number (named periods: tests/unit/test_dashboard.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from cxdata import format as fmt
from cxdata.models.analysis import Analysis
from ui.analysis import Fitting
from ui.dashboard import unlock_hint
from ui.filters import dimension_key
from ui.links import address, drilldown_params, roi_params


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (49.9049, "%", "49.9%"), (-1.57, "points", "−1.6"), (5.0186, "score", "5.02"), (38.4, "seconds", "38 s"),
    (152.4536, "money", "€152.45"), (303060.5, "money", "€303.1k"), (8212.0, "money", "€8.2k"),
    (2_080_765.3, "money", "€2.08M"), (None, "%", "–"),
])
def test_numbers_in_their_unit(value, unit, shown) -> None:
    assert fmt.number(value, unit, "€") == shown


def test_deltas_and_intervals() -> None:
    assert fmt.delta(-0.722, "%") == "−0.7 pts" and fmt.delta(1.74, "money", "$") == "+$1.74"
    assert fmt.delta(None, "%") is None
    assert fmt.interval(48.0, 51.8, "%") == "95% CI 48.0% to 51.8%"
    assert fmt.interval(-3.0, 2.0, "points") == "95% CI \u22123.0 to 2.0"
    assert fmt.interval(-79_700, -67_000, "money", "€") == "95% CI \u2212€79.7k to \u2212€67.0k"
    assert fmt.month_span(date(2026, 8, 1), date(2026, 10, 31)) == "Aug–Oct 2026"
    assert fmt.month_span(date(2025, 11, 1), date(2026, 10, 31)) == "Nov 2025 – Oct 2026"
    assert fmt.month_span(date(2026, 1, 5), date(2026, 3, 31)) == "5 Jan – 31 Mar 2026"


def test_filter_parameters_never_take_a_name_with_another_meaning() -> None:
    assert dimension_key("channel") == "channel" and dimension_key("store_area") == "store_area"
    assert dimension_key("period") == "x_period" and dimension_key("view") == "x_view"
    assert dimension_key("Area Manager") == "x_area_manager" and dimension_key("a_team") == "x_a_team"


def test_the_links_of_a_moment_of_service() -> None:
    moment = {"channel": "phone", "touchpoint": "billing", "segment": "Small Business", "revenue_at_risk": 1.0}
    assert address("roi", roi_params(moment)) == "roi?channel=phone&touchpoint=billing&segment=Small+Business"
    assert drilldown_params(moment) == {"drill_channel": ["phone"], "drill_touchpoint": ["billing"],
                                        "drill_segment": ["Small Business"]}


def test_hints_name_the_upload_that_unlocks_a_number() -> None:
    assert unlock_hint("needs csat") == "Needs CSAT: import interactions with the CSAT column on the Data page."
    assert unlock_hint("needs customers") == "Import a customers table on the Data page to see this."
    assert unlock_hint("needs automated, escalated") == ("Needs automated and escalated: import interactions with the "
                                                         "automated and escalated columns on the Data page.")
    assert unlock_hint("needs revenue") == "Import a revenue table on the Data page to see this."


def test_the_measured_frames_are_built_once_and_a_pending_panel_before_the_fit() -> None:
    """:meth:`ui.analysis.Fitting.measured_frames`: the contact frame once; the panel once, left by a page drawn
    without it (the Overview) to the job's thread, which builds it before the fit and hands the fit those frames."""
    built: list[str] = []
    given: list[Analysis | None] = []

    def frames(shown: Analysis | None) -> Analysis:
        built.append("contacts" if shown is None else "panel")
        if shown is None:
            return Analysis(None, None, panel_pending=True)
        return replace(shown, panel=pl.DataFrame({"month": [1]}), panel_pending=False)

    job = Fitting(False, lambda _progress, measured: given.append(measured) or Analysis(None, None), frames)
    first = job.measured_frames(panel=False)
    assert first.panel_pending and job.measured_frames(panel=False) is first and built == ["contacts"]
    assert job.sentence().startswith("Building the customer-month panel of this data version for the money tiles")
    job.start().future.result(timeout=60)
    assert built == ["contacts", "panel"] and len(given) == 1 and given[0] is job.measured
    assert job.measured is not None and not job.measured.panel_pending
    assert job.sentence().startswith("Fitting the experience and churn models")
    assert job.measured_frames() is job.measured and built == ["contacts", "panel"]


def test_a_fit_no_page_drew_for_builds_its_own_frames() -> None:
    """A fit started before any page asked for the measured frames (a page waiting for the models) is given none."""
    given: list[Analysis | None] = []
    job = Fitting(False, lambda _progress, measured: given.append(measured) or Analysis(None, None),
                  lambda _shown: pytest.fail("no page asked for the measured frames"))
    job.start().future.result(timeout=60)
    assert given == [None]
