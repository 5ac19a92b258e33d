"""Fixtures for the engine tests: a real store in a temporary data directory, on SQLite (``store``) or on each
catalog (``catalog_store``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxdata.actions.roi import PlannerBase
from cxdata.catalog.store import Store
from cxdata.models.analysis import Analysis


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data directory, also set as $MOMENTO_DATA_DIR so nothing touches ./.momento."""
    path = tmp_path / "momento"
    monkeypatch.setenv("MOMENTO_DATA_DIR", str(path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("MOMENTO_MAX_UPLOAD_MB", raising=False)
    return path


@pytest.fixture
def store(data_dir: Path) -> Store:
    """An empty store in ``data_dir``, its catalog SQLite in the data directory."""
    return Store(data_dir)


@pytest.fixture
def catalog_store(data_dir: Path, catalog_url: str | None) -> Store:
    """An empty store in ``data_dir`` on each catalog the store supports: SQLite in the data directory, then
    a new PostgreSQL database (``catalog_url``, tests/conftest.py)."""
    return Store(data_dir, catalog_url)


@pytest.fixture(scope="session")
def planner(sample_analysis: Analysis) -> PlannerBase:
    """The ROI planner on the sample's models, built once for the engine tests (evaluating never changes it)."""
    return PlannerBase.build(sample_analysis)
