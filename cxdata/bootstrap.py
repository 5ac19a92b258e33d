"""First start: an empty store gets the sample company, through the real import path (DESIGN.md §6)."""

from __future__ import annotations

from pathlib import Path

from cxdata.ingest import import_file
from cxdata.store import Store

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
SAMPLE_DATASET = "sample"
#: table → file in sample_data/, in import order
SAMPLE_FILES = {"customers": "customers.csv", "revenue": "revenue.csv.gz", "interactions": "interactions.csv.gz"}


def ensure_sample(store: Store, directory: Path = SAMPLE_DIR) -> bool:
    """Import the sample dataset when the store has no dataset at all; return True if it did."""
    if store.datasets():
        return False
    for table, name in SAMPLE_FILES.items():
        path = directory / name
        import_file(store, path.read_bytes(), path.name, table, dataset=SAMPLE_DATASET)
    return True
