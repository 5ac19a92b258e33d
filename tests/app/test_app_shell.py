"""The app shell: every page runs, the dataset selector follows the URL, an empty store is handled."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from apptest_helpers import DATA_PAGE, OVERVIEW_PAGE, metrics, parquet_rows, run_app, table_with
from cxdata.ingest import import_file
from cxdata.store import Store
from ui.text import plain

PAGES = [OVERVIEW_PAGE, DATA_PAGE]
SMALL_CSV = b"started_at,customer_id,channel\n2026-03-01 09:00,A1,phone\n2026-03-02 10:30,A2,chat\n"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_sample(loaded_store: Path, page: str) -> None:
    at = run_app(page)
    assert at.sidebar.selectbox[0].value == "sample"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_an_empty_store_without_sample_files(empty_store: Path, page: str) -> None:
    at = run_app(page)
    assert not at.sidebar.selectbox, "no dataset, so no selector"
    assert "sample data is not in" in at.sidebar.warning[0].value
    if page == OVERVIEW_PAGE:
        assert "No data yet" in at.info[0].value
    else:
        assert "No dataset yet" in at.info[0].value
        assert at.file_uploader, "the import form is there to get started"


def test_first_start_loads_the_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_dir: Path) -> None:
    monkeypatch.setenv("MOMENTO_DATA_DIR", str(tmp_path / "first-start"))
    monkeypatch.setattr("cxdata.bootstrap.SAMPLE_DIR", sample_dir)
    at = run_app()
    assert at.sidebar.selectbox[0].value == "sample"
    assert metrics(at)["Customers"] == f"{pl.read_csv(sample_dir / 'customers.csv').height:,}"


def test_overview_shows_what_the_parquet_files_hold(loaded_store: Path) -> None:
    at = run_app()
    interactions = max((loaded_store / "datasets" / "sample").glob("interactions-*[0-9a-f].parquet"),
                       key=lambda p: p.stat().st_mtime_ns)
    frame = pl.read_parquet(interactions, columns=["started_at", "customer_id", "channel"])
    shown = metrics(at)
    assert shown["Interactions"] == f"{frame.height:,}"
    assert shown["Customers"] == f"{parquet_rows(loaded_store, 'sample', 'customers'):,}"
    assert shown["Revenue rows (customer-months)"] == f"{parquet_rows(loaded_store, 'sample', 'revenue'):,}"
    first, last = frame["started_at"].min(), frame["started_at"].max()
    assert shown["Period of the interactions"] == f"{first:%-d %b %Y} – {last:%-d %b %Y}"
    assert shown["Customers who made contact"] == f"{frame['customer_id'].drop_nulls().n_unique():,}"
    channels = table_with(at, "channel")
    expected = frame.group_by("channel").len().sort("len", descending=True)
    assert list(channels["channel"]) == expected["channel"].to_list()
    assert list(channels["contacts"]) == expected["len"].to_list()


@pytest.mark.parametrize("page", PAGES)
def test_the_url_selects_the_dataset(loaded_store: Path, page: str) -> None:
    import_file(Store(loaded_store), SMALL_CSV, "two.csv", "interactions", dataset="second")
    at = run_app(page, dataset="second")
    assert at.sidebar.selectbox[0].value == "second"
    if page == OVERVIEW_PAGE:
        assert metrics(at)["Interactions"] == "2"
        assert "Dataset second" in at.caption[0].value


def test_an_unknown_dataset_in_the_url_falls_back_to_the_default(loaded_store: Path) -> None:
    at = run_app(dataset="no-such-dataset")
    assert at.sidebar.selectbox[0].value == "sample"


def test_the_overview_follows_a_new_version_after_a_delete(loaded_store: Path) -> None:
    """Cached numbers belong to one version: after a delete and a new import the page shows the new data."""
    store = Store(loaded_store)
    at = run_app()
    store.delete_version("sample", store.active_version("sample").number)
    import_file(store, SMALL_CSV, "two.csv", "interactions", dataset="sample")
    at.run()
    assert metrics(at)["Interactions"] == "2"


def test_user_text_is_shown_as_text_not_markdown(loaded_store: Path) -> None:
    name = "**Q3** $x$ [click](x) <b>h</b>"
    import_file(Store(loaded_store), SMALL_CSV, "a_**b**.csv", "interactions", dataset=name)
    at = run_app(DATA_PAGE, dataset=name)
    assert at.sidebar.selectbox[0].value == name
    assert f"{plain(name)} · 1 version" in [e.label for e in at.expander]
    notes = table_with(at, "note")["note"]
    assert list(notes) == ["interactions from a_**b**.csv"], "tables show the text as it is"
    at = run_app(dataset=name)
    assert at.caption[0].value.startswith(plain(f"Dataset {name} ·"))
