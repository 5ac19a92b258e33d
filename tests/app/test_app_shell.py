"""The app shell: every page runs, the dataset selector follows the URL, an empty store is handled."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import APP, DATA_PAGE, OVERVIEW_PAGE, TIMEOUT_S, metrics, run_app, table_with
from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.ingest import import_file
from ui.text import plain

PAGES = [OVERVIEW_PAGE, "app_pages/drilldown.py", "app_pages/churn.py", "app_pages/journeys.py", "app_pages/voice.py",
         "app_pages/roi.py", DATA_PAGE, "app_pages/settings.py"]
# two first contacts, and a third 10 days later: the data's newest, whose follow-up window is not complete
SMALL_CSV = (b"started_at,customer_id,channel\n2026-03-01 09:00,A1,phone\n2026-03-02 10:30,A2,chat\n"
             b"2026-03-12 11:00,A3,email\n")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_sample(analysed_store: Path, page: str) -> None:
    at = run_app(page)
    assert at.sidebar.selectbox[0].value == "sample"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_an_empty_store_without_sample_files(empty_store: Path, page: str) -> None:
    at = run_app(page)
    assert not at.sidebar.selectbox, "no dataset, so no selector"
    assert "sample data is not in" in at.sidebar.warning[0].value
    if page == DATA_PAGE:
        assert "No dataset yet" in at.info[0].value
        assert at.file_uploader, "the import form is there to get started"
    elif page in (OVERVIEW_PAGE, "app_pages/drilldown.py", "app_pages/churn.py"):
        assert "No data yet" in at.info[0].value


def test_first_start_loads_the_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_dir: Path) -> None:
    monkeypatch.setenv("MOMENTO_DATA_DIR", str(tmp_path / "first-start"))
    monkeypatch.setattr("cxdata.bootstrap.SAMPLE_DIR", sample_dir)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.switch_page(DATA_PAGE).run()  # the Data page: no model is fitted to show it
    assert not at.exception, [e.message for e in at.exception]
    assert at.sidebar.selectbox[0].value == "sample"
    assert [e.label for e in at.expander if "version" in e.label] == ["sample · 3 versions"]


@pytest.mark.parametrize("page", PAGES)
def test_the_url_selects_the_dataset(loaded_store: Path, page: str) -> None:
    import_file(Store(loaded_store), SMALL_CSV, "two.csv", "interactions", dataset="second", actor=LOCAL)
    at = run_app(page, dataset="second")
    assert at.sidebar.selectbox[0].value == "second"
    if page == OVERVIEW_PAGE:
        assert "Dataset second, version 1" in at.caption[0].value
        assert metrics(at)["First-contact resolution"] == "100.0%", "two complete first contacts, neither repeated"


def test_an_unknown_dataset_in_the_url_falls_back_to_the_default(analysed_store: Path) -> None:
    at = run_app(dataset="no-such-dataset")
    assert at.sidebar.selectbox[0].value == "sample"


def test_the_overview_follows_a_new_version_after_a_delete(analysed_store: Path) -> None:
    """Cached numbers belong to one version: after a delete and a new import the page shows the new data."""
    store = Store(analysed_store)
    at = run_app()
    store.delete_version("sample", store.active_version("sample").number, actor=LOCAL)
    import_file(store, SMALL_CSV, "two.csv", "interactions", dataset="sample", actor=LOCAL)
    at.run()
    assert f"version {store.active_version('sample').number}" in at.caption[0].value
    assert metrics(at)["CSAT"] == "–", "the new version has no csat"


def test_user_text_is_shown_as_text_not_markdown(loaded_store: Path) -> None:
    name = "**Q3** $x$ [click](x) <b>h</b>"
    import_file(Store(loaded_store), SMALL_CSV, "a_**b**.csv", "interactions", dataset=name, actor=LOCAL)
    at = run_app(DATA_PAGE, dataset=name)
    assert at.sidebar.selectbox[0].value == name
    assert f"{plain(name)} · 1 version" in [e.label for e in at.expander]
    notes = table_with(at, "note")["note"]
    assert list(notes) == ["interactions from a_**b**.csv"], "tables show the text as it is"
    at = run_app(dataset=name)
    assert plain(f"Dataset {name}, version 1") in at.caption[0].value
