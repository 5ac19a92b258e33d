"""No page ever raises: every page (``app_pages/*.py``) × every metric it offers (the Drill-down's metric, the
Overview's KPI by month, the Churn page's attribute) × every shape of data an upload or a link can give — the sample,
the sample over all its data (no comparison period), a scope the filters leave empty, a one-row dataset, a
customers-only and a contacts-only dataset. Each run shows no exception and no error element.

One test a shape: the store is built once and the pages run one after the other on it; a page's metrics are
switched in the same app (a widget change and a rerun), as an analyst does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from apptest_helpers import APP, run_app
from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.ingest import import_file
from tests.shape_files import TELCO_CSV, call_log
from ui.planner import BOXES

PAGES = sorted(f"app_pages/{p.name}" for p in (Path(APP).parent / "app_pages").glob("*.py"))
#: The selector of each page whose every option the sweep draws (a metric, or the Churn page's attribute).
SELECTORS = {"app_pages/drilldown.py": "metric", "app_pages/overview.py": "trend", "app_pages/churn.py": "churn_by"}

ONE_CONTACT = (b"interaction_id,customer_id,started_at,channel,touchpoint,reason,wait_seconds,handle_seconds,abandoned,"
               b"transfers,resolved,csat,nps,ces,comment,agent\n"
               b"I1,C1,2026-03-02 09:00,phone,billing,invoice,42,300,false,0,true,4,9,2,Quick and kind,Ana\n")
ONE_CUSTOMER = b"customer_id,segment,joined_at,churned,monthly_revenue\nC1,Consumer,2025-01-01,false,30\n"


def _one_row(store: Store) -> None:
    import_file(store, ONE_CONTACT, "one.csv", "interactions", dataset="one", actor=LOCAL)
    import_file(store, ONE_CUSTOMER, "one-customer.csv", "customers", dataset="one", actor=LOCAL)


def _customers_only(store: Store) -> None:
    import_file(store, TELCO_CSV.encode(), "telco.csv", "customers", dataset="telco", actor=LOCAL)


def _contacts_only(store: Store) -> None:
    import_file(store, call_log()[0].encode(), "calls.csv", "interactions", dataset="calls", actor=LOCAL)


#: shape → (the store fixture, what is imported into it, the link's parameters). In the sample a reason belongs to
#: one touchpoint, so billing × "cancel request" leaves no contact in the scope.
SHAPES: dict[str, tuple[str, Callable[[Store], None] | None, dict[str, str]]] = {
    "sample": ("analysed_store", None, {}),
    "sample, all data": ("analysed_store", None, {"period": "All data"}),
    "empty scope": ("analysed_store", None, {"touchpoint": "billing", "reason": "cancel request"}),
    "one row": ("empty_store", _one_row, {}),
    "customers only": ("empty_store", _customers_only, {}),
    "contacts only": ("empty_store", _contacts_only, {}),
}


#: The ROI planner's verdicts that a fix does not pay, in a red box: a finding, not an error.
VERDICTS = {icon for box, icon in BOXES.values() if box is st.error}


def assert_clean(at: AppTest, where: str) -> None:
    """No exception and no error element on the page (but a red verdict of the planner)."""
    assert not at.exception, f"{where}: {at.exception[0].message[:300]}\n" + "\n".join(at.exception[0].stack_trace[-6:])
    errors = [e.value for e in at.error if e.icon not in VERDICTS]
    assert not errors, f"{where}: {errors}"


def other_options(at: AppTest, key: str | None) -> list[int]:
    """The indices of the options of the page's selector ``key`` but the one it shows (none without the selector)."""
    found = [s for s in at.selectbox if key is not None and s.key == key]
    return [i for i in range(len(found[0].options)) if i != found[0].index] if found else []


@pytest.mark.parametrize("shape", SHAPES)
def test_every_page_and_metric_renders_without_an_error(shape: str, request: pytest.FixtureRequest) -> None:
    fixture, load, query = SHAPES[shape]
    directory = request.getfixturevalue(fixture)
    if load is not None:
        load(Store(directory))
    for page in PAGES:
        at = run_app(page, **query)
        assert_clean(at, f"{shape} · {page}")
        key = SELECTORS.get(page)
        for index in other_options(at, key):
            option = at.selectbox(key=key).select_index(index).options[index]
            at.run()
            assert_clean(at, f"{shape} · {page} · {option}")
    if shape == "empty scope":
        drilldown = run_app("app_pages/drilldown.py", **query)
        assert drilldown.subheader[0].value == "The interactions behind it (0)", "the filters leave no contact"
