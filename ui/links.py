"""Links from a moment of service (channel × touchpoint × segment) to the pages that act on it.

- **Drill-down**: the page's own parameters ``drill_channel``, ``drill_touchpoint``, ``drill_segment``
  (``st.page_link`` with query parameters: the global filters stay as they are);
- **ROI planner**: its scope is ``?channel=…&touchpoint=…&segment=…`` — the names of the global
  filters — so the link is a button that sets them before switching page (:mod:`ui.state`);
- **Initiatives**: the New initiative form's own parameters (``new=true&new_channel=…&new_metric=…``,
  :func:`ui.initiatives.prefill_params`), so the global filters stay as they are.

:func:`drilldown_params` and :func:`roi_params` are the URL parameters of both, also used to show
and test the addresses (``roi?channel=phone&touchpoint=billing&segment=Small+Business``).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import streamlit as st

from cxdata.actions.roi import Scenario
from cxdata.scope import MOMENT_FILTERS
from ui import state
from ui.initiatives import PAGE as INITIATIVES_PAGE
from ui.initiatives import prefill_params
from ui.planner import scenario_params

DRILL_KEYS = {"channel": "drill_channel", "touchpoint": "drill_touchpoint", "segment": "drill_segment"}
DRILLDOWN_PAGE = "app_pages/drilldown.py"
ROI_PATH = "roi"


def drilldown_params(moment: Mapping[str, str]) -> dict[str, list[str]]:
    return {DRILL_KEYS[k]: [str(moment[k])] for k in MOMENT_FILTERS if moment.get(k) is not None}


def roi_params(moment: Mapping[str, str], fix: Scenario | None = None) -> dict[str, list[str]]:
    """The planner scoped to ``moment``; with ``fix``, one scenario (A) set to it (:func:`ui.planner.scenario_params`)."""
    scope = {k: [str(moment[k])] for k in MOMENT_FILTERS if moment.get(k) is not None}
    return scope if fix is None else scope | {"compare": ["1"]} | scenario_params(fix)


def moment_words(moment: Mapping[str, str]) -> str:
    """``phone · billing · Small Business``."""
    return " · ".join(str(moment[k]) for k in MOMENT_FILTERS if moment.get(k) is not None)


def initiative_params(moment: Mapping[str, str]) -> dict[str, list[str]]:
    """The New initiative form filled in for a moment: its scope, KPI negative experiences, a title and source."""
    where = {k: [str(moment[k])] for k in MOMENT_FILTERS if moment.get(k) is not None}
    words = moment_words(moment)
    return prefill_params(where, metric="negative_rate", title=f"Fewer negative experiences: {words}",
                          source=f"Moment of service: {words}")


def address(path: str, params: Mapping[str, list[str]]) -> str:
    """``roi?channel=phone&touchpoint=billing&segment=Small+Business`` (relative to the app's root)."""
    return f"{path}?{urlencode(params, doseq=True)}" if params else path


def plan_button(moment: Mapping[str, str], key: str, fix: Scenario | None = None, label: str = "Plan a fix") -> None:
    """A button that opens the ROI planner scoped to ``moment``, with ``fix`` as its scenario when given."""
    params = roi_params(moment, fix)
    st.button(label, icon=":material/savings:", key=key, type="tertiary", on_click=state.go,
              args=(state.Navigation(ROI_PATH, params),),
              help=f"Open the ROI planner scoped to this moment ({address(ROI_PATH, params)}).")


def moment_links(moment: Mapping[str, str], rank: int, fix: Scenario | None = None) -> None:
    """"Drill down", "Plan a fix" (sized to the moment with ``fix``, its What-to-fund scenario) and "Start an
    initiative" side by side for one moment of service."""
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    with row:
        st.page_link(DRILLDOWN_PAGE, label="Drill down", icon=":material/grid_on:",
                     query_params=drilldown_params(moment),
                     help="Open the Drill-down with this channel, touchpoint and segment selected.")
        plan_button(moment, f"_roi_{rank}", fix)
        st.page_link(INITIATIVES_PAGE, label="Start an initiative", icon=":material/flag:",
                     query_params=initiative_params(moment),
                     help="Open the New initiative form filled in for this moment: its scope and the negative "
                          "experiences KPI, with the baseline computed before you save.")
