"""Imports into one dataset at the same moment lose nothing, on SQLite and on PostgreSQL.

The imports run in real processes (spawned, so each has its own catalog connections and file locks)
that read and map their file first and then wait at a barrier, so both start importing together:
two appends keep both files' rows, two replaces become two versions, two imports creating one
dataset both land. The retry of the catalog transaction is driven by hand on one store.
"""

from __future__ import annotations

import traceback

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from cxdata.access import LOCAL
from cxdata.catalog.store import COMMIT_ATTEMPTS, Store
from cxdata.catalog.tables import AuditEntry
from cxdata.ingest import UnusableFile, prepare, run_import
from nasty_files import csv_bytes, import_ok, parquet_files
from together import run_together

BASE_ROWS = 100


def contacts(prefix: str, n: int) -> bytes:
    """An interactions file of ``n`` contacts with ids ``<prefix>0`` … ``<prefix><n-1>``."""
    return csv_bytes([["id", "date", "channel"]] + [[f"{prefix}{i}", f"2025-03-{1 + i % 28:02d}", "phone"]
                                                    for i in range(n)])


def rows_for(catalog_url: str | None) -> int:
    """Rows of each concurrent file: 20,000 on SQLite, 5,000 on PostgreSQL (to keep the suite within its time)."""
    return 20_000 if catalog_url is None else 5_000


def _import_at_the_barrier(data_dir: str, url: str | None, data: bytes, filename: str, dataset: str, mode: str,
                           barrier, results) -> None:
    """A child process: open the store, read and map the file, wait for the others, import; put the outcome."""
    try:
        store = Store(data_dir, url)
        prepared = prepare(store, data, filename, "interactions")
        barrier.wait()
        result = run_import(store, prepared, dataset=dataset, mode=mode, actor=LOCAL)
        report = result.report
        results.put({"file": filename, "status": result.status, "number": result.version.number,
                     "rows_in": report.rows_in, "accepted": report.accepted, "rejected": report.rejected})
    except UnusableFile as exc:
        results.put({"file": filename, "status": "refused", "message": str(exc)})
    except BaseException:  # noqa: BLE001 — the test shows it
        results.put({"file": filename, "status": "traceback", "message": traceback.format_exc()})


def import_together(store: Store, url: str | None, files: dict[str, bytes], dataset: str, mode: str) -> dict[str, dict]:
    """Import ``files`` (name → bytes) into ``dataset`` from one process each, started together; outcome by file."""
    outcomes = run_together(_import_at_the_barrier, [(str(store.data_dir), url, data, name, dataset, mode)
                                                     for name, data in files.items()])
    assert [o["message"] for o in outcomes if o["status"] == "traceback"] == []
    return {o["file"]: o for o in outcomes}


def test_two_appends_at_once_keep_both_files(catalog_store, catalog_url):
    n = rows_for(catalog_url)
    import_ok(catalog_store, contacts("base-", BASE_ROWS), "base.csv", dataset="shop")
    outcomes = import_together(catalog_store, catalog_url, {"a.csv": contacts("a-", n), "b.csv": contacts("b-", n)},
                               "shop", "append")
    for o in outcomes.values():
        assert (o["status"], o["rows_in"], o["accepted"], o["rejected"]) == ("imported", n, n, 0)
    assert sorted(o["number"] for o in outcomes.values()) == [2, 3]
    active = catalog_store.active_version("shop")
    assert (active.number, active.tables["interactions"]) == (3, BASE_ROWS + 2 * n)
    ids = catalog_store.scan(active.version_id, "interactions").collect().get_column("interaction_id")
    assert ids.n_unique() == BASE_ROWS + 2 * n
    assert {i.split("-")[0] for i in ids.to_list()} == {"base", "a", "b"}
    # The version between holds the base and the first file to commit, nothing of the second.
    first = min(outcomes.values(), key=lambda o: o["number"])["file"][0]
    between = next(v for v in catalog_store.versions("shop") if v.number == 2)
    assert between.tables["interactions"] == BASE_ROWS + n
    prefixes = (catalog_store.scan(between.version_id, "interactions").collect().get_column("interaction_id")
                .str.split("-"))
    assert set(prefixes.list.first().to_list()) == {"base", first}


def test_two_replaces_at_once_become_two_versions(catalog_store, catalog_url):
    n = rows_for(catalog_url)
    import_ok(catalog_store, contacts("base-", BASE_ROWS), "base.csv", dataset="shop")
    outcomes = import_together(catalog_store, catalog_url, {"a.csv": contacts("a-", n), "b.csv": contacts("b-", n)},
                               "shop", "replace")
    assert sorted((o["status"], o["number"]) for o in outcomes.values()) == [("imported", 2), ("imported", 3)]
    assert [v.number for v in catalog_store.versions("shop")] == [3, 2, 1]
    last = next(o["file"] for o in outcomes.values() if o["number"] == 3)
    active = catalog_store.active_version("shop")
    ids = catalog_store.scan(active.version_id, "interactions").collect().get_column("interaction_id")
    assert (active.number, ids.len(), set(ids.str.split("-").list.first())) == (3, n, {last[0]})


def test_two_imports_creating_one_dataset_both_land(catalog_store, catalog_url):
    n = rows_for(catalog_url) // 4
    outcomes = import_together(catalog_store, catalog_url, {"a.csv": contacts("a-", n), "b.csv": contacts("b-", n)},
                               "new", "replace")
    assert sorted((o["status"], o["number"]) for o in outcomes.values()) == [("imported", 1), ("imported", 2)]
    assert catalog_store.datasets() == ["new"]
    assert [(v.number, v.tables) for v in catalog_store.versions("new")] == [(2, {"interactions": n}),
                                                                            (1, {"interactions": n})]


# ---------------------------------------------------------------- the retry of the catalog transaction


def test_a_number_taken_meanwhile_is_taken_again(catalog_store, monkeypatch):
    """The first try takes number 1, which another import holds by then: the unique index refuses it
    and the second try, reading the catalog again, takes 2."""
    import_ok(catalog_store, contacts("base-", 3), "base.csv")
    real = Store._next_number
    tries = []

    def stale_then_real(s, ds):
        tries.append(ds.name)
        return 1 if len(tries) == 1 else real(s, ds)

    monkeypatch.setattr(Store, "_next_number", staticmethod(stale_then_real))
    import_ok(catalog_store, contacts("x-", 2), "x.csv")
    assert len(tries) == 2
    assert [(v.number, v.active, v.tables) for v in catalog_store.versions("default")] == [
        (2, True, {"interactions": 2}), (1, False, {"interactions": 3})]
    assert [a.version_number for a in catalog_store.audit("default")] == [2, 1]
    with Session(catalog_store.engine) as s:  # the retried transaction's audit entry, once
        assert [e.target for e in s.exec(select(AuditEntry).where(AuditEntry.action == "data.import"))] == [
            "default v1", "default v2"]


def test_a_dataset_created_meanwhile_is_found_again(catalog_store, monkeypatch):
    """The first try does not see the dataset another import has just created and creates it again:
    the unique name refuses it, and the second try adds a version to that dataset."""
    import_ok(catalog_store, contacts("base-", 3), "base.csv", dataset="shop")
    real, tries = Store._dataset, []

    def unseen_then_real(s, name):
        tries.append(name)
        return None if len(tries) == 1 else real(s, name)

    frame = catalog_store.scan(catalog_store.active_version("shop").version_id, "interactions").collect()
    monkeypatch.setattr(Store, "_dataset", staticmethod(unseen_then_real))
    catalog_store.commit_table("shop", "interactions", frame, frame.clear(), source_name="again.csv",
                               source_sha256="0" * 64, audit={"rows_in": 3, "accepted": 3, "rejected": 0}, actor=LOCAL)
    monkeypatch.undo()
    assert tries == ["shop", "shop"]
    assert catalog_store.datasets() == ["shop"]
    assert [(v.number, v.tables) for v in catalog_store.versions("shop")] == [(2, {"interactions": 3}),
                                                                             (1, {"interactions": 3})]


def test_a_number_refused_at_every_try_leaves_nothing(catalog_store, monkeypatch):
    """After :data:`COMMIT_ATTEMPTS` refusals the error is raised and the new files are removed."""
    import_ok(catalog_store, contacts("base-", 3), "base.csv")
    before, tries = parquet_files(catalog_store), []
    frame = catalog_store.scan(catalog_store.active_version("default").version_id, "interactions").collect()
    monkeypatch.setattr(Store, "_next_number", staticmethod(lambda s, ds: tries.append(1) or 1))
    with pytest.raises(IntegrityError):
        catalog_store.commit_table("default", "interactions", frame, frame.clear(), source_name="again.csv",
                           source_sha256="0" * 64, audit={"rows_in": 3, "accepted": 3, "rejected": 0}, actor=LOCAL)
    assert len(tries) == COMMIT_ATTEMPTS
    assert parquet_files(catalog_store) == before
    assert [v.number for v in catalog_store.versions("default")] == [1] and len(catalog_store.audit()) == 1
    with Session(catalog_store.engine) as s:
        assert [e.target for e in s.exec(select(AuditEntry).where(AuditEntry.action == "data.import"))] == [
            "default v1"]
