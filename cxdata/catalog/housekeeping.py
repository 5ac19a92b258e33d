"""Start-up housekeeping: remove what an interrupted import left in the data directory.

An import writes its Parquet files first (through a temporary ``.….tmp`` file and an atomic rename),
then records them in the catalog in one transaction (:meth:`cxdata.catalog.store.Store.commit_table`). A
process killed in between (``kill -9``, a power cut) leaves the catalog consistent but files behind:
a temporary file, or a Parquet file that no catalog row references. Nothing else removes them.

:func:`sweep` deletes, under ``datasets/``, every temporary file and every Parquet file that no
version's table references — but only those older than a grace period, so the files of an import
that is running right now (written, not yet committed) are never touched. The app runs it once per
process when it opens the store, the command line before an import.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from cxdata.catalog.store import Store
from cxdata.catalog.tables import TableFile

#: Files younger than this are left alone: an import may be between writing and committing them.
GRACE_SECONDS = 3600.0
LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Swept:
    """What :func:`sweep` removed (paths relative to the data directory) and how many bytes it freed."""

    removed: tuple[str, ...]
    bytes: int


def referenced(store: Store) -> set[Path]:
    """Every data and problems file a version's table references, as absolute paths."""
    with Session(store.engine) as s:
        rows = s.exec(select(TableFile.path, TableFile.problems_path)).all()
    return {(store.data_dir / p).resolve() for row in rows for p in row if p}


def leftovers(store: Store, grace_seconds: float = GRACE_SECONDS, now: float | None = None) -> list[Path]:
    """Temporary files and unreferenced Parquet files under ``datasets/`` last modified more than
    ``grace_seconds`` ago."""
    root = store.data_dir / "datasets"
    if not root.is_dir():
        return []
    cutoff = (time.time() if now is None else now) - grace_seconds
    keep = referenced(store)
    out = []
    for path in root.rglob("*"):
        if path.suffix not in (".tmp", ".parquet") or (path.suffix == ".parquet" and path.resolve() in keep):
            continue
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                out.append(path)
        except FileNotFoundError:  # gone meanwhile (a running import renamed its temporary file)
            continue
    return sorted(out)


def sweep(store: Store, grace_seconds: float = GRACE_SECONDS) -> Swept:
    """Delete :func:`leftovers` and return what was removed; a file that cannot be removed is logged and
    skipped (housekeeping never stops the app from starting)."""
    removed, freed = [], 0
    for path in leftovers(store, grace_seconds):
        try:
            size = path.stat().st_size
            path.unlink()
        except OSError:
            LOG.warning("housekeeping could not remove %s", path, exc_info=True)
            continue
        removed.append(str(path.relative_to(store.data_dir)))
        freed += size
    if removed:
        LOG.info("housekeeping removed %d leftover file(s), %d bytes", len(removed), freed)
    return Swept(tuple(removed), freed)
