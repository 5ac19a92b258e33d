"""First start in a real browser (issue 16): the first visit to a server on an empty store imports the sample and
shows the Overview's measured KPI tiles while the models are fitted in the background — a progress bar counting
the fit's steps, the revenue-at-risk tile and the moments of service saying that the models are being fitted —
then, without a reload, the model tiles once the fit is over. Every wait is for a state of the page."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser

from browser import new_context
from cxdata import format as fmt
from cxdata.catalog.store import Store
from cxdata.measures.metrics import Filters
from cxdata.models.analysis import FIT_STEPS, is_fitted, load_or_analyse
from cxdata.screens.dashboard import PENDING, risk_tile
from cxdata.settings import load_settings
from waits import OVERVIEW_MEASURED, OVERVIEW_MODELLED, metric_values

#: The first visit imports the sample (three files): a bound for a loaded machine, not a budget (bench/firststart.py).
FIRST_CONTENT_MS = 120_000
#: The fit of the sample in the background: a bound for a loaded machine, not a budget.
FIT_MS = 600_000
RISK = "Revenue at risk (CX)"


def test_first_start_shows_the_measured_kpis_then_the_models(first_start: tuple[str, Path], browser: Browser) -> None:
    url, data_dir = first_start
    context = new_context(browser)
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(OVERVIEW_MEASURED, timeout=FIRST_CONTENT_MS)
    store = Store(data_dir)
    settings = load_settings(store)
    version = store.active_version("sample")
    assert version is not None, "the first visit imports the sample"
    params, horizon = settings.params(), settings.churn_horizon_months
    assert not is_fitted(store, version.version_id, params, horizon), "the first content comes before the fit"

    measured = metric_values(page)
    assert measured[RISK] == "–"
    main = page.get_by_test_id("stMain")
    bar = main.get_by_test_id("stProgress")
    assert re.search(rf"step [1-{len(FIT_STEPS)}] of {len(FIT_STEPS)}, ", bar.inner_text())
    assert main.get_by_text(PENDING.split(":")[0], exact=True).count() == 1  # the risk tile's caption
    assert main.get_by_text(f"{PENDING} (progress above).").count() == 1  # the moments of service

    page.wait_for_function(OVERVIEW_MODELLED, timeout=FIT_MS)
    assert is_fitted(store, version.version_id, params, horizon)
    modelled = metric_values(page)
    a = load_or_analyse(store, version.version_id, params, horizon)  # the server's fit, read back
    store.engine.dispose()
    expected = fmt.number(risk_tile(a, Filters())["value"], "money", settings.symbol)
    assert modelled[RISK] == expected
    assert {k: modelled[k] for k in measured if k != RISK} == {k: v for k, v in measured.items() if k != RISK}, \
        "the measured KPIs do not change when the models arrive"
    assert main.get_by_test_id("stProgress").count() == 0
    assert main.get_by_text(f"{PENDING} (progress above).").count() == 0
    context.close()
