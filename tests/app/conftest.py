"""AppTest fixtures: each test gets its own data directory; the sample is imported once per session.

``loaded_store`` is a data directory with the sample dataset, built once (``sample_store_template``,
tests/conftest.py) and copied per test (the import takes seconds, a copy milliseconds).
``analysed_store`` is the same with the sample's models already fitted (the store's ``fits/`` folder:
``analysed_store_template``, the session's one fit, shared with the engine tests), for the pages that
need the models. ``empty_store`` has no data and no sample files, so the app must manage on its own.
Streamlit's caches are cleared around every test: they live in the process, and the tests share one.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from cxdata import bootstrap


@pytest.fixture(autouse=True)
def clear_streamlit_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def fit_before_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages wait for the models' fit (``MOMENTO_FIT=wait``, :func:`ui.analysis.background`), so one run draws a
    whole page; the app's own way, the measured numbers first while the fit runs in the background, is tested in
    the browser (tests/e2e/test_e2e_first_start.py)."""
    monkeypatch.setenv("MOMENTO_FIT", "wait")


def _private_copy(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of a store template for one test, set as ``$MOMENTO_DATA_DIR``."""
    directory = tmp_path / "momento"
    shutil.copytree(template, directory)
    monkeypatch.setenv("MOMENTO_DATA_DIR", str(directory))
    return directory


@pytest.fixture
def loaded_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_store_template: Path) -> Path:
    """A private copy of the sample store, set as ``$MOMENTO_DATA_DIR``."""
    return _private_copy(sample_store_template, tmp_path, monkeypatch)


@pytest.fixture
def analysed_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, analysed_store_template: Path) -> Path:
    """A private copy of the analysed sample store, set as ``$MOMENTO_DATA_DIR``."""
    return _private_copy(analysed_store_template, tmp_path, monkeypatch)


@pytest.fixture
def empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data directory, with the sample files pointed at a folder that does not exist."""
    directory = tmp_path / "empty"
    monkeypatch.setenv("MOMENTO_DATA_DIR", str(directory))
    monkeypatch.setattr(bootstrap, "SAMPLE_DIR", tmp_path / "no-sample-here")
    return directory


@pytest.fixture(scope="session")
def sample_engine(analysed_sample):
    """(analysis, settings) of the analysed sample, the session's one fit: what the pages, which read it back
    from ``analysed_store``'s ``fits/`` folder, must show."""
    return analysed_sample.analysis, analysed_sample.settings
