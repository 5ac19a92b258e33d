"""First start: an empty store gets the sample company, through the real import path (docs/architecture.md "The store"),
and — in the app — an example initiative and two example alerts on it, so a newcomer sees the loop
closed: the sample's planted initiative measured by a difference-in-differences, and an alert firing.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl

from cxdata.access import SYSTEM
from cxdata.catalog.store import Store

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
    no sample, not an error. Momento itself makes these changes (:data:`cxdata.access.SYSTEM`), as it does the
    examples of :func:`seed_examples`.

    The three files are read at the same time (each :func:`cxdata.ingest.pipeline.prepare` reads in a worker
    process of its own), then validated and stored one after the other (:func:`cxdata.ingest.pipeline.run_import`):
    :func:`cxdata.ingest.import_file`'s two halves, about 1.5 s sooner than one file after the other.
    """
    if store.datasets() or store.get_setting(_LOADED, False):
        return False
    paths = sample_files(directory)
    if paths is None:
        return False
    # the import path, loaded only on a first start (every page imports this module)
    from cxdata.ingest.pipeline import prepare, run_import

    with ThreadPoolExecutor(len(paths)) as pool:
        read = {table: pool.submit(prepare, store, path.read_bytes(), path.name, table) for table, path in paths.items()}
        for prepared in read.values():
            run_import(store, prepared.result(), actor=SYSTEM, dataset=SAMPLE_DATASET)
    store.set_settings({_LOADED: True}, actor=SYSTEM, defaults={_LOADED: False})
    return True


def seed_examples(store: Store, frames: tuple[pl.DataFrame | None, pl.DataFrame | None] | None = None) -> None:
    """Add the sample's example initiative (its planted one: Billing staffed up from 1 July 2026, phone
    waits about billing halved; sample_data/README.md) and two example alerts — the ones the issue
    names — to the sample dataset. Only the app calls this, right after :func:`ensure_sample`, with the contact
    frame and the customer-month panel of the sample's version when it has them (else they are built here:
    :func:`cxdata.models.analysis.load_frames`, a few seconds)."""
    from cxdata.actions.alerts import create_alert
    from cxdata.actions.initiatives import baseline, create_initiative
    from cxdata.models.analysis import load_frames
    from cxdata.sample import SampleParams

    version = store.active_version(SAMPLE_DATASET)
    if version is None:
        return
    planted = SampleParams()
    start = planted.initiative_start
    assert start is not None  # the default sample plants its initiative
    scope = {"channel": [planted.initiative_channel], "touchpoint": [planted.initiative_touchpoint]}
    contacts, panel = frames if frames is not None else load_frames(store, version.version_id)
    before = baseline("negative_rate", contacts, panel, scope, start)
    create_initiative(store, actor=SYSTEM, dataset=SAMPLE_DATASET, title="Staff up the billing phone lines",
                      owner="Customer Operations", metric="negative_rate", start=start, where=scope, investment=60_000,
                      running_cost=8_000, status="active", baseline=before,
                      target=None if before.value is None else round(before.value - 8, 1),
                      source="Example: the sample's planted initiative (described in the sample's README)")
    create_alert(store, actor=SYSTEM, dataset=SAMPLE_DATASET, metric="escalation_rate", rule="above", threshold=30,
                 where={"channel": ["chatbot"], "touchpoint": ["billing"]})
    create_alert(store, actor=SYSTEM, dataset=SAMPLE_DATASET, metric="nps", rule="falls_by", threshold=5,
                 where={"segment": ["Small Business"]})
