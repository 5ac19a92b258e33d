"""AppTest fixtures: each test gets its own data directory; the sample is imported once per session.

``loaded_store`` is a data directory with the sample dataset, built once and copied per test
(the import takes seconds, a copy milliseconds). ``analysed_store`` is the same with the sample's
models already fitted (the store's ``fits/`` folder, 10–20 s once per session), for the pages that
need the models. ``empty_store`` has no data and no sample files,
so the app must manage on its own. Streamlit's caches are cleared around every test: they live
in the process, and the tests share one.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from cxdata import bootstrap
from cxdata.analysis import load_or_analyse
from cxdata.sample import write_sample_files
from cxdata.settings import load_settings
from cxdata.store import Store


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample files: the repository's, or freshly generated when they are missing."""
    if all((bootstrap.SAMPLE_DIR / name).is_file() for name in bootstrap.SAMPLE_FILES.values()):
        return bootstrap.SAMPLE_DIR
    directory = tmp_path_factory.mktemp("sample-files")
    write_sample_files(directory)
    return directory


@pytest.fixture(scope="session")
def sample_store_template(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """A data directory holding the sample dataset, imported once per session."""
    directory = tmp_path_factory.mktemp("sample-store")
    store = Store(directory)
    assert bootstrap.ensure_sample(store, sample_dir)
    store.engine.dispose()
    return directory


@pytest.fixture(autouse=True)
def clear_streamlit_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


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


@pytest.fixture(scope="session")
def analysed_store_template(tmp_path_factory: pytest.TempPathFactory, sample_store_template: Path) -> Path:
    """The sample store with its models fitted under the default settings: fitted once, then only copied."""
    directory = tmp_path_factory.mktemp("analysed-store") / "momento"
    shutil.copytree(sample_store_template, directory)
    store = Store(directory)
    settings = load_settings(store)
    load_or_analyse(store, store.active_version(bootstrap.SAMPLE_DATASET).version_id, settings.params(),
                    settings.churn_horizon_months)
    store.engine.dispose()
    return directory


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
def sample_engine(analysed_store_template: Path):
    """(analysis, settings) of the analysed sample, read once per session: what the pages must show."""
    store = Store(analysed_store_template)
    settings = load_settings(store)
    analysis = load_or_analyse(store, store.active_version(bootstrap.SAMPLE_DATASET).version_id, settings.params(),
                               settings.churn_horizon_months)
    store.engine.dispose()
    return analysis, settings
