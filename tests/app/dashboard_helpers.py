"""Helpers for the dashboard pages' AppTests (open a page with ``apptest_helpers.run_app``): read tiles, chart data
and links, and compute the expected numbers independently with the engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from cxdata.catalog.store import Store
from cxdata.measures.metrics import Filters
from cxdata.models.analysis import Analysis, load_or_analyse
from cxdata.screens.funding import NET_VALUE
from cxdata.settings import Settings, load_settings

OVERVIEW_PAGE = "app_pages/overview.py"
DRILLDOWN_PAGE = "app_pages/drilldown.py"
CHURN_PAGE = "app_pages/churn.py"


def engine(data_dir: Path, dataset: str = "sample") -> tuple[Analysis, Settings]:
    """The analysis the app reads (fitted models from the store's fits folder) and the settings."""
    store = Store(data_dir)
    settings = load_settings(store)
    version = store.active_version(dataset)
    a = load_or_analyse(store, version.version_id, settings.params(), settings.churn_horizon_months)
    store.engine.dispose()
    return a, settings


def last_day(data_dir: Path, dataset: str = "sample") -> date:
    """The last contact's day, read from the interactions Parquet file with polars (no app code)."""
    store = Store(data_dir)
    version = store.active_version(dataset)
    last = store.scan(version.version_id, "interactions").select(pl.col("started_at").max()).collect().item()
    store.engine.dispose()
    return last.date()


def month_start(d: date, back: int = 0) -> date:
    index = d.year * 12 + d.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def month_end(d: date) -> date:
    return month_start(d, -1) - timedelta(days=1)


@dataclass(frozen=True)
class Expected:
    filters: Filters
    comparison: Filters | None


def last_months(data_dir: Path, months: int, dataset: str = "sample", **where) -> Expected:
    """"Last N months" against the N months before, computed here from the data's last day."""
    end = month_end(last_day(data_dir, dataset))
    start = month_start(end, months - 1)
    return Expected(Filters.of(start, end, **where),
                    Filters.of(month_start(end, 2 * months - 1), start - timedelta(days=1), **where))


def tiles(at: AppTest) -> dict[str, tuple[str, str]]:
    """label → (value, delta) of every KPI tile on the page (the What-to-fund cards' numbers aside)."""
    return {m.label: (m.value, m.proto.delta) for m in at.metric if m.label != NET_VALUE}


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def chart_data(at: AppTest, dataset: str) -> list[pl.DataFrame]:
    """The rows of the named dataset of every Vega-Lite chart on the page, as sent to the browser."""
    out = []
    for chart in at.get("vega_lite_chart"):
        for data in chart.proto.datasets:
            if data.name == dataset:
                out.append(pl.from_pandas(dataframe_util.convert_arrow_bytes_to_pandas_df(data.data.data)))
    return out


def chart_titles(at: AppTest) -> list[str]:
    import json

    return [json.loads(c.proto.spec)["title"]["text"] for c in at.get("vega_lite_chart")]


def page_links(at: AppTest) -> list[tuple[str, str, str]]:
    """(label, page URL path, query string) of every st.page_link."""
    return [(p.proto.label, p.proto.page, p.proto.query_string) for p in at.get("page_link")]


def share_link(at: AppTest) -> str:
    """The link of the Share popover (the first code block in the sidebar)."""
    return at.sidebar.get("code")[0].proto.code_text
