"""Session fixtures shared by the tests: the committed sample, imported and analysed once; a throw-away
PostgreSQL server and the catalog URLs the store tests run on."""

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
from pathlib import Path

import psycopg
import pytest

from cxdata.analysis import Analysis, load_or_analyse
from cxdata.bootstrap import ensure_sample
from cxdata.store import Store


_MAIN = sys.modules["__main__"]


@pytest.fixture(autouse=True)
def _main_module_restored() -> Iterator[None]:
    """Put pytest's ``__main__`` back after each test: Streamlit's AppTest runs ``app.py`` as ``__main__`` and
    leaves it there, and a ``spawn``ed process would then run the whole app before its target."""
    yield
    sys.modules["__main__"] = _MAIN


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
    ``postgres`` system user (the server package creates it). Skips when the server is not installed."""
    binaries = _postgres_binaries()
    if binaries is None:
        pytest.skip(f"PostgreSQL tests skipped: no PostgreSQL server (initdb, pg_ctl) under {POSTGRES_BIN}/*/bin; "
                    "install it with 'apt-get install -y postgresql'")
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("PostgreSQL tests skipped: running as root and there is no 'postgres' user to run initdb as")
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
