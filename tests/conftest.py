"""Session fixtures shared by the tests: the committed sample, imported and analysed once; a throw-away
PostgreSQL server and the catalog URLs the store tests run on.

The sample is imported once (``sample_store_template``) and its models fitted once (``analysed_sample``,
10–20 s): the app tests copy those data directories per test (``tests/app/conftest.py``), the engine
tests share a copy (``sample_store``) and the fit (``sample_analysis``). Templates are never written to.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from cxdata import bootstrap
from cxdata.catalog.store import Store
from cxdata.models.analysis import Analysis, load_or_analyse
from cxdata.sample import write_sample_files
from cxdata.settings import Settings, load_settings
from tests.services import unavailable

_MAIN = sys.modules["__main__"]


@pytest.fixture(autouse=True)
def _main_module_restored() -> Iterator[None]:
    """Put pytest's ``__main__`` back after each test: Streamlit's AppTest runs ``app.py`` as ``__main__`` and
    leaves it there, and a ``spawn``ed process would then run the whole app before its target."""
    yield
    sys.modules["__main__"] = _MAIN


# ---------------------------------------------------------------- the sample

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
    """A data directory holding the sample dataset, imported once per session through the real import path.
    Copy it before writing (``loaded_store``, ``sample_store``)."""
    directory = tmp_path_factory.mktemp("sample-store")
    store = Store(directory)
    assert bootstrap.ensure_sample(store, sample_dir)
    store.engine.dispose()
    return directory


@dataclass(frozen=True)
class AnalysedSample:
    """The sample with its models fitted under the default settings, once per session."""

    directory: Path  #: a copy of ``sample_store_template`` with the fit in its ``fits/`` folder; copy it before writing
    analysis: Analysis  #: the fit as it came out of the models (not read back from ``fits/``)
    settings: Settings  #: the store's settings, the defaults, that the fit was made with


@pytest.fixture(scope="session")
def analysed_sample(tmp_path_factory: pytest.TempPathFactory, sample_store_template: Path) -> AnalysedSample:
    """The one fit of the sample in a session: what the app reads (``analysed_store_template``) and what the
    engine tests check (``sample_analysis``)."""
    directory = tmp_path_factory.mktemp("analysed-store") / "momento"
    shutil.copytree(sample_store_template, directory)
    store = Store(directory)
    settings = load_settings(store)
    analysis = load_or_analyse(store, store.active_version(bootstrap.SAMPLE_DATASET).version_id, settings.params(),
                               settings.churn_horizon_months)
    store.engine.dispose()
    return AnalysedSample(directory, analysis, settings)


@pytest.fixture(scope="session")
def analysed_store_template(analysed_sample: AnalysedSample) -> Path:
    """A data directory holding the sample with its models fitted (``fits/``): copy it before writing."""
    return analysed_sample.directory


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory, sample_store_template: Path) -> Store:
    """The sample store of the engine tests: a copy of the imported sample shared by the session (a test
    that adds to it removes what it added). ``sample_analysis`` puts the fit in its ``fits/`` folder."""
    directory = tmp_path_factory.mktemp("engine-sample-store") / "momento"
    shutil.copytree(sample_store_template, directory)
    return Store(directory)


@pytest.fixture(scope="session")
def sample_analysis(sample_store: Store, analysed_sample: AnalysedSample) -> Analysis:
    """The sample's models (the session's one fit), also in ``sample_store``'s ``fits/`` folder, so that
    ``load_or_analyse`` and the command line read them there instead of fitting again."""
    shutil.copytree(analysed_sample.directory / "fits", sample_store.data_dir / "fits", dirs_exist_ok=True)
    return analysed_sample.analysis


# ---------------------------------------------------------------- PostgreSQL

POSTGRES_BIN = Path("/usr/lib/postgresql")


def _postgres_binaries() -> Path | None:
    """The ``bin`` directory of the newest PostgreSQL server installed (Debian's layout), or None."""
    found = [p.parent for p in POSTGRES_BIN.glob("*/bin/initdb") if (p.parent / "pg_ctl").exists()]
    return max(found, key=lambda b: int(b.parent.name) if b.parent.name.isdigit() else 0, default=None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[str]:
    """A throw-away PostgreSQL cluster on a free loopback port for the test session; yields the URL of
    its server (no database). initdb refuses to run as root, so as root the cluster belongs to the
    ``postgres`` system user (the server package creates it). Skips when the server is not installed (fails
where the services are required: :mod:`tests.services`)."""
    binaries = _postgres_binaries()
    if binaries is None:
        unavailable(f"PostgreSQL tests skipped: no PostgreSQL server (initdb, pg_ctl) under {POSTGRES_BIN}/*/bin; "
                    "install it with 'apt-get install -y postgresql'")
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            unavailable("PostgreSQL tests skipped: running as root and there is no 'postgres' user to run initdb as")
        as_user = ["runuser", "-u", "postgres", "--"]
    cluster = Path(tempfile.mkdtemp(prefix="momento-pg-", dir="/tmp"))
    if as_user:
        shutil.chown(cluster, "postgres", "postgres")
    data, port = cluster / "data", _free_port()
    options = (f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={cluster} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")

    def run(*args: str) -> None:
        done = subprocess.run([*as_user, *args], capture_output=True, text=True)
        if done.returncode:
            log = cluster / "server.log"
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stdout}{done.stderr}"
                               f"{log.read_text() if log.exists() else ''}")

    run(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
    run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(cluster / "server.log"), "-o", options, "-w", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(cluster, ignore_errors=True)


@pytest.fixture
def postgresql_url(postgresql_server: str) -> str:
    """The URL of a new, empty database on the session's PostgreSQL server."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(f"{postgresql_server.replace('+psycopg', '')}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{postgresql_server}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_url(request: pytest.FixtureRequest) -> str | None:
    """The catalog a store test runs on: None, SQLite in the data directory; or a new PostgreSQL database."""
    return None if request.param == "sqlite" else request.getfixturevalue("postgresql_url")
