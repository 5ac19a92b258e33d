"""First start: an empty store gets the sample company, through the real import path (docs/architecture.md "The store"),
and — in the app — an example initiative and two example alerts on it, so a newcomer sees the loop
closed: the sample's planted initiative measured by a difference-in-differences, and an alert firing.
"""

from __future__ import annotations

from pathlib import Path

from cxdata.catalog.store import Store
from cxdata.ingest import import_file
from cxdata.sample import SampleParams

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


def seed_examples(store: Store) -> None:
    """Add the sample's example initiative (its planted one: Billing staffed up from 1 July 2026, phone
    waits about billing halved; sample_data/README.md) and two example alerts — the ones the issue
    names — to the sample dataset. Only the app calls this, right after :func:`ensure_sample`."""
    from cxdata.actions.alerts import create_alert
    from cxdata.actions.initiatives import baseline, create_initiative
    from cxdata.models.analysis import load_frames

    version = store.active_version(SAMPLE_DATASET)
    if version is None:
        return
    planted = SampleParams()
    start = planted.initiative_start
    assert start is not None  # the default sample plants its initiative
    scope = {"channel": [planted.initiative_channel], "touchpoint": [planted.initiative_touchpoint]}
    contacts, panel = load_frames(store, version.version_id)
    before = baseline("negative_rate", contacts, panel, scope, start)
    create_initiative(store, dataset=SAMPLE_DATASET, title="Staff up the billing phone lines", owner="Customer Operations",
                      metric="negative_rate", start=start, where=scope, investment=60_000,
                      running_cost=8_000, status="active", baseline=before,
                      target=None if before.value is None else round(before.value - 8, 1),
                      source="Example: the sample's planted initiative (sample_data/README.md)")
    create_alert(store, dataset=SAMPLE_DATASET, metric="escalation_rate", rule="above", threshold=30,
                 where={"channel": ["chatbot"], "touchpoint": ["billing"]})
    create_alert(store, dataset=SAMPLE_DATASET, metric="nps", rule="falls_by", threshold=5,
                 where={"segment": ["Small Business"]})
