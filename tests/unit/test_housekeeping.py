"""kill -9 during an import never leaves the catalog inconsistent, and start-up housekeeping removes the
files it left behind — only once they are older than the grace period, so a running import is safe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from cxdata.access import LOCAL
from cxdata.catalog.housekeeping import GRACE_SECONDS, leftovers, sweep
from cxdata.catalog.store import Store
from cxdata.ingest import import_file

ROOT = Path(__file__).resolve().parents[2]
ROWS = 3000


def _csv(first: int, n: int) -> bytes:
    lines = ["interaction_id,started_at,customer_id,channel"]
    lines += [f"I{i},2026-03-{1 + i % 28:02d} 09:00,C{i % 50},phone" for i in range(first, first + n)]
    return ("\n".join(lines) + "\n").encode()


#: Where the child kills itself: code run in it before the import (it patches the write path).
KILL_POINTS = {
    # the temporary file of the first Parquet file is written, the rename never happens
    "before the rename": "import os\n_replace = os.replace\nos.replace = lambda *a: os.kill(os.getpid(), 9)",
    # the data file is in place, its problems file never comes
    "between the two files": (
        "import os, cxdata.catalog.store as st\n_write = st.write_parquet_atomic\ncalls = []\n"
        "def write(frame, path):\n"
        "    calls.append(path)\n"
        "    if len(calls) == 2: os.kill(os.getpid(), 9)\n"
        "    _write(frame, path)\n"
        "st.write_parquet_atomic = write"),
    # both files are in place, the catalog transaction never commits
    "before the catalog commit": (
        "import os, cxdata.catalog.store as st\n_write, _commit = st.write_parquet_atomic, st.Session.commit\ncalls = []\n"
        "def write(frame, path):\n"
        "    calls.append(path)\n"
        "    _write(frame, path)\n"
        "def commit(self):\n"
        "    if len(calls) == 2: os.kill(os.getpid(), 9)\n"
        "    _commit(self)\n"
        "st.write_parquet_atomic, st.Session.commit = write, commit"),
}


def _killed_import(data_dir: Path, catalog_url: str | None, point: str) -> None:
    """Run an import in a child process that SIGKILLs itself at ``point``."""
    script = (f"{KILL_POINTS[point]}\n"
              "from cxdata.ingest import import_file\nfrom cxdata.catalog.store import Store\n"
              "from cxdata.access import LOCAL\nimport sys\n"
              f"import_file(Store({str(data_dir)!r}, {catalog_url!r}), sys.stdin.buffer.read(), 'more.csv', "
              "'interactions', "
              "dataset='d', mode='append', actor=LOCAL)\n")
    child = subprocess.run([sys.executable, "-c", script], input=_csv(ROWS, ROWS), cwd=ROOT, capture_output=True,
                           timeout=120, env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]


def _age(paths: list[Path], seconds: float) -> None:
    """Make ``paths`` look ``seconds`` old (housekeeping judges files by their modification time)."""
    past = time.time() - seconds
    for p in paths:
        os.utime(p, (past, past))


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_an_import_killed_mid_way_leaves_the_catalog_whole_and_its_files_are_swept(tmp_path: Path, point: str,
                                                                                   catalog_url: str | None):
    store = Store(tmp_path, catalog_url)
    import_file(store, _csv(0, ROWS), "first.csv", "interactions", dataset="d", actor=LOCAL)
    before = store.active_version("d")
    files_before = {p for p in (tmp_path / "datasets").rglob("*") if p.is_file()}

    _killed_import(tmp_path, catalog_url, point)

    store = Store(tmp_path, catalog_url)  # a new process's view of the catalog
    assert store.active_version("d") == before, "the catalog still shows the version before the killed import"
    assert store.scan(before.version_id, "interactions").collect().height == ROWS
    left = sorted({p for p in (tmp_path / "datasets").rglob("*") if p.is_file()} - files_before)
    assert left, "the killed import left a file behind (what housekeeping is for)"
    assert leftovers(store) == [], "fresh files are within the grace period: a running import is not harmed"

    _age(left, GRACE_SECONDS + 60)
    swept = sweep(store)
    assert sorted(tmp_path / p for p in swept.removed) == left
    assert {p for p in (tmp_path / "datasets").rglob("*") if p.is_file()} == files_before
    again = import_file(store, _csv(ROWS, ROWS), "more.csv", "interactions", dataset="d", mode="append", actor=LOCAL)
    assert again.report.accepted == ROWS and again.report.rows_in == again.report.accepted + again.report.rejected
    assert store.scan(again.version.version_id, "interactions").collect().height == 2 * ROWS


def test_housekeeping_keeps_every_file_a_version_references(tmp_path: Path, catalog_url: str | None):
    store = Store(tmp_path, catalog_url)
    import_file(store, _csv(0, ROWS), "first.csv", "interactions", dataset="d", actor=LOCAL)
    import_file(store, _csv(ROWS, ROWS), "more.csv", "interactions", dataset="d", mode="append", actor=LOCAL)
    files = [p for p in (tmp_path / "datasets").rglob("*") if p.is_file()]
    _age(files, GRACE_SECONDS + 60)
    assert sweep(store).removed == ()
    for version in store.versions("d"):
        assert store.scan(version.version_id, "interactions").collect().height in (ROWS, 2 * ROWS)
    # a Parquet file that no catalog row references (as a crash leaves) goes
    orphan = files[0].with_name("stray.parquet")
    pl.DataFrame({"x": [1]}).write_parquet(orphan)
    _age([orphan], GRACE_SECONDS + 60)
    assert sweep(store).removed == (str(orphan.relative_to(tmp_path)),)
