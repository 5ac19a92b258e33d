"""Session fixtures shared by the engine tests: the committed sample, imported and analysed once."""

from __future__ import annotations

import pytest

from cxdata.analysis import Analysis, load_or_analyse
from cxdata.bootstrap import ensure_sample
from cxdata.store import Store


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Store:
    """The committed sample files, imported through the real import path into a real store."""
    store = Store(tmp_path_factory.mktemp("sample-store"))
    assert ensure_sample(store)
    return store


@pytest.fixture(scope="session")
def sample_analysis(sample_store: Store) -> Analysis:
    """The sample's models, fitted once (and persisted in the store's fits folder)."""
    return load_or_analyse(sample_store, sample_store.active_version("sample").version_id)
