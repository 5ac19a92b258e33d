"""First start: an empty store gets the sample company, through the real import path (DESIGN.md §6)."""

from __future__ import annotations

from pathlib import Path

from cxdata.ingest import import_file
from cxdata.store import Store

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
SAMPLE_DATASET = "sample"
#: table → file in sample_data/, in import order
SAMPLE_FILES = {"customers": "customers.csv", "revenue": "revenue.csv.gz", "interactions": "interactions.csv.gz"}
_LOADED = "sample_loaded"


def sample_files(directory: Path = SAMPLE_DIR) -> dict[str, Path] | None:
    """The sample's files by table, or None when any is missing (e.g. a trimmed deployment)."""
    paths = {table: directory / name for table, name in SAMPLE_FILES.items()}
    return paths if all(p.is_file() for p in paths.values()) else None


def ensure_sample(store: Store, directory: Path = SAMPLE_DIR) -> bool:
    """Import the sample on the very first start; return True if it did.

    Only a store that has never held the sample and has no dataset gets it, so a team that
    deletes the sample does not see it come back at the next restart. Missing sample files mean
    no sample, not an error.
    """
    if store.datasets() or store.get_setting(_LOADED, False):
        return False
    paths = sample_files(directory)
    if paths is None:
        return False
    for table, path in paths.items():
        import_file(store, path.read_bytes(), path.name, table, dataset=SAMPLE_DATASET)
    store.set_setting(_LOADED, True)
    return True
