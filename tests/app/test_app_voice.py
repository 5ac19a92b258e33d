"""The Voice of the customer page: the numbers it shows are :mod:`cxdata.measures.text` on the same comments.

Every test runs the real app on a copy of the analysed sample store. The sentiment is fitted here on
the same contacts (the fit is seeded, so it is the page's), the comments labelled, and the expected
shares, themes, comments and trends computed from them with plain Polars and the engine.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from apptest_helpers import metrics, run_app
from cxdata import format as fmt
from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.ingest import import_file
from cxdata.measures import stats, text
from cxdata.measures.contacts import enrich_contacts
from cxdata.models.analysis import load_or_analyse
from cxdata.settings import load_settings
from ui.text import plain

PAGE = "app_pages/voice.py"


# ---------------------------------------------------------------- helpers


def chart_data(at: AppTest, title_starts: str, dataset: str) -> pl.DataFrame:
    """The rows of ``dataset`` in the chart whose title starts with ``title_starts``."""
    for chart in at.get("vega_lite_chart"):
        if json.loads(chart.proto.spec)["title"]["text"].startswith(title_starts):
            for d in chart.proto.datasets:
                if d.name == dataset:
                    return pl.from_pandas(dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data))
    raise AssertionError(f"no chart titled {title_starts!r}")


def frame_with(at: AppTest, column: str) -> pl.DataFrame:
    return next(pl.from_pandas(d.value) for d in at.dataframe if column in d.value.columns)


def share_text(labelled: pl.DataFrame) -> tuple[str, str]:
    """The tile's value and caption for these comments, computed here."""
    n = labelled.height
    negative = labelled.filter(pl.col("tone") == "negative").height
    bounds = stats.wilson(pl.lit(negative), pl.lit(float(n)))
    lo, hi = pl.select(*(b.alias(f"b{i}") for i, b in enumerate(bounds))).row(0)
    return fmt.number(negative / n * 100, "%"), plain(f"{fmt.interval(lo * 100, hi * 100, '%')} · n {fmt.count(n)}")


class Engine:
    def __init__(self, data_dir: Path) -> None:
        store = Store(data_dir)
        settings = load_settings(store)
        version = store.active_version("sample")
        self.contacts = load_or_analyse(store, version.version_id, settings.params(),
                                        settings.churn_horizon_months).contacts
        self.sentiment = text.fit_sentiment(self.contacts)
        self.labelled = text.labelled_comments(self.contacts, self.sentiment)
        store.engine.dispose()

    def last_three_months(self) -> pl.DataFrame:
        """The comments of the sidebar's default period (the data's last three whole months)."""
        last = self.contacts.get_column("started_at").max().date()
        index = last.year * 12 + last.month - 1 - 2
        start = date(index // 12, index % 12 + 1, 1)
        end = (last.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return self.labelled.filter(pl.col("started_at").dt.date().is_between(start, end))


@pytest.fixture(scope="module")
def engine(analysed_store_template: Path) -> Engine:
    return Engine(analysed_store_template)


# ---------------------------------------------------------------- the sample


def test_the_sentiment_method_and_shares_are_the_engines(analysed_store: Path, engine: Engine) -> None:
    at = run_app(PAGE)
    assert engine.sentiment.method == "learned"
    assert at.info[0].value == plain(engine.sentiment.describe())
    scoped = engine.last_three_months()
    value, caption = share_text(scoped)
    assert metrics(at) == {"Comments": fmt.count(scoped.height), "Negative comments": value}
    assert caption in [c.value for c in at.caption]
    for column in ("touchpoint", "channel"):
        expected = scoped.group_by(column).agg(share=(pl.col("tone") == "negative").mean() * 100, n=pl.len())
        bars = chart_data(at, f"Negative comments by {column}", "bars")
        joined = bars.join(expected, on=column, how="full", coalesce=True)
        assert joined.height == expected.height == bars.height
        assert joined.get_column("value").to_list() == pytest.approx(joined.get_column("share").to_list())
        assert joined.get_column("n").to_list() == joined.get_column("n_right").to_list()


def test_themes_of_a_touchpoint_with_their_comments_and_trend(analysed_store: Path, engine: Engine) -> None:
    billing = engine.last_three_months().filter(pl.col("touchpoint") == "billing")
    themes = text.themes(billing)
    term = themes.get_column("term")[2]
    at = run_app(PAGE, theme_touchpoint="billing", theme=term)
    assert at.selectbox(key="theme_touchpoint").value == "billing"
    shown = frame_with(at, "term")
    assert shown.get_column("term").to_list() == themes.get_column("term").to_list()
    assert shown.get_column("negative").to_list() == themes.get_column("negative").to_list()
    assert shown.get_column("z").to_list() == pytest.approx(themes.get_column("z").to_list())

    assert at.selectbox(key="theme").value == term
    comments = frame_with(at, "comment")
    expected = text.comments_with(billing, term, 50)
    assert comments.get_column("comment").to_list() == expected.get_column("comment").to_list()
    assert comments.get_column("tone").to_list() == expected.get_column("tone").to_list()

    trend = chart_data(at, "Negative comments mentioning", "months")
    every_month = text.theme_trend(engine.labelled.filter(pl.col("touchpoint") == "billing"), term)
    assert trend.get_column("value").to_list() == pytest.approx(every_month.get_column("share").to_list())
    assert trend.get_column("low").to_list() == pytest.approx(every_month.get_column("low").to_list())
    assert trend.get_column("n").to_list() == every_month.get_column("negative").to_list()


def test_the_first_theme_is_shown_by_default_and_global_filters_apply(analysed_store: Path, engine: Engine) -> None:
    phone = engine.labelled.filter(pl.col("channel") == "phone")
    at = run_app(PAGE, period="All data", channel="phone")
    value, _ = share_text(phone)
    assert metrics(at)["Negative comments"] == value
    themes = text.themes(phone)
    assert at.selectbox(key="theme").value == themes.get_column("term")[0]
    assert frame_with(at, "term").get_column("term").to_list() == themes.get_column("term").to_list()


def test_the_sentiment_is_fitted_once_per_version(analysed_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    fit = text.fit_sentiment
    monkeypatch.setattr(text, "fit_sentiment", lambda contacts: calls.append(1) or fit(contacts))
    at = run_app(PAGE)
    at.selectbox(key="theme_channel").select("phone").run()
    at.selectbox(key="theme_touchpoint").select("billing").run()
    assert not at.exception
    assert at.selectbox(key="theme_channel").value == "phone"
    assert len(calls) == 1


# ---------------------------------------------------------------- other data


def test_an_empty_store_says_what_to_import(empty_store: Path) -> None:
    at = run_app(PAGE)
    assert at.info[0].value.startswith("No data yet")
    assert not at.metric


def test_interactions_without_comments_say_which_upload_unlocks_the_page(analysed_store: Path) -> None:
    csv = b"started_at,customer_id,channel\n2026-03-01 09:00,A1,phone\n2026-03-02 10:30,A2,chat\n"
    import_file(Store(analysed_store), csv, "two.csv", "interactions", dataset="small", actor=LOCAL)
    at = run_app(PAGE, dataset="small")
    assert "no comments" in at.info[0].value and "comment column" in at.info[0].value
    assert not at.metric


HOSTILE = ["<b>html</b> slow refund, never again", "**markdown** slow refund, never again"]


def test_comments_are_shown_verbatim(analysed_store: Path) -> None:
    rows = ["started_at,channel,touchpoint,csat,comment"]
    for day in range(1, 29):
        rows.append(f'2026-03-{day:02d} 09:00,phone,billing,1,"{HOSTILE[day % 2]}"')
        rows.append(f"2026-03-{day:02d} 15:00,chat,billing,5,great quick helpful answer thanks")
    import_file(Store(analysed_store), "\n".join(rows).encode(), "hostile.csv", "interactions", dataset="hostile",
                actor=LOCAL)
    at = run_app(PAGE, dataset="hostile", period="All data")
    store = Store(analysed_store)
    contacts = enrich_contacts(store.scan(store.active_version("hostile").version_id, "interactions").collect())
    sentiment = text.fit_sentiment(contacts)
    assert sentiment.method == "lexicon"
    assert at.info[0].value == plain(sentiment.describe())
    assert frame_with(at, "term").get_column("z").min() > 0, "only the themes of negative comments"
    comments = frame_with(at, "comment").get_column("comment").to_list()
    assert set(comments) == set(HOSTILE), "the comments behind the top theme, character for character"
    shown_text = [e.value for e in (*at.markdown, *at.caption, *at.info)]
    assert not any("<b>html</b>" in t or "**markdown**" in t for t in shown_text), "never rendered as markup"
