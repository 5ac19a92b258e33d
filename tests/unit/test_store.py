"""The store (docs/architecture.md "The store"): versions, carry-over by reference, activation, deletion, atomic commits, saved mappings.

Every test that takes ``catalog_store`` (tests/unit/conftest.py) runs on both catalogs: SQLite in the data
directory and PostgreSQL."""

from __future__ import annotations

import pytest

import cxdata.catalog.store
from cxdata.access import LOCAL
from cxdata.catalog.store import Store
from cxdata.catalog.tables import ImportAudit, TableFile
from cxdata.ingest import UnusableFile, import_file, prepare
from nasty_files import (
    assert_store_untouched,
    column,
    csv_bytes,
    import_ok,
    interactions_rows,
    parquet_files,
    snapshot,
)

CUSTOMERS = csv_bytes([["customer_id", "segment"], ["C1", "Gold"], ["C2", "Silver"]])
INTERACTIONS = csv_bytes(interactions_rows(3))
INTERACTIONS_2 = csv_bytes(interactions_rows(5, start_day=10))


def table_file(store: Store, dataset: str, number: int, table: str) -> TableFile | None:
    version = next(v for v in store.versions(dataset) if v.number == number)
    return store._table_file(version.version_id, table)


@pytest.fixture
def three_versions(catalog_store: Store) -> Store:
    """v1 customers; v2 + interactions (3 rows); v3 interactions replaced (5 rows)."""
    import_ok(catalog_store, CUSTOMERS, "customers.csv", "customers")
    import_ok(catalog_store, INTERACTIONS, "contacts.csv")
    import_ok(catalog_store, INTERACTIONS_2, "contacts-2.csv")
    return catalog_store


def test_every_import_is_a_new_version_carrying_the_other_tables_by_reference(three_versions):
    store = three_versions
    versions = store.versions("default")
    assert [(v.number, v.active, v.tables) for v in versions] == [
        (3, True, {"customers": 2, "interactions": 5}),
        (2, False, {"customers": 2, "interactions": 3}),
        (1, False, {"customers": 2}),
    ]
    paths = {n: table_file(store, "default", n, "customers").path for n in (1, 2, 3)}
    assert len(set(paths.values())) == 1  # one customers file, referenced by three versions
    assert len(parquet_files(store)) == 3 * 2  # customers, two interactions; each with its problems file
    assert store.active_version("default").number == 3


def test_activate_an_older_version(three_versions):
    store = three_versions
    info = store.activate("default", 2, actor=LOCAL)
    assert info.active and info.number == 2
    assert store.active_version("default").number == 2
    assert [v.active for v in store.versions("default")] == [False, True, False]
    frame = store.scan(info.version_id, "interactions").collect()
    assert column(frame, "interaction_id") == ["I0", "I1", "I2"]
    with pytest.raises(KeyError):
        store.activate("default", 9, actor=LOCAL)


def test_delete_the_active_version_removes_its_own_files_and_activates_the_newest_left(three_versions):
    store = three_versions
    own = table_file(store, "default", 3, "interactions")
    shared = table_file(store, "default", 3, "customers")
    store.delete_version("default", 3, actor=LOCAL)
    assert [(v.number, v.active) for v in store.versions("default")] == [(2, True), (1, False)]
    assert not (store.data_dir / own.path).exists() and not (store.data_dir / own.problems_path).exists()
    assert (store.data_dir / shared.path).exists()  # still used by versions 1 and 2
    assert len(parquet_files(store)) == 4


def test_delete_an_inactive_version_keeps_the_active_one(three_versions):
    store = three_versions
    store.delete_version("default", 2, actor=LOCAL)
    assert [(v.number, v.active) for v in store.versions("default")] == [(3, True), (1, False)]
    assert len(parquet_files(store)) == 4
    store.delete_version("default", 1, actor=LOCAL)
    assert len(parquet_files(store)) == 4  # customers file still used by version 3
    assert store.versions("default")[0].tables == {"customers": 2, "interactions": 5}


def test_deleting_the_last_version_deletes_the_dataset(catalog_store):
    import_ok(catalog_store, INTERACTIONS)
    catalog_store.delete_version("default", 1, actor=LOCAL)
    assert catalog_store.datasets() == [] and catalog_store.versions("default") == []
    assert catalog_store.active_version("default") is None
    assert parquet_files(catalog_store) == []
    with pytest.raises(KeyError):
        catalog_store.delete_version("default", 1, actor=LOCAL)


def test_version_numbers_keep_growing_after_a_delete(catalog_store):
    import_ok(catalog_store, INTERACTIONS)
    import_ok(catalog_store, INTERACTIONS_2)
    catalog_store.delete_version("default", 2, actor=LOCAL)
    _, _ = import_ok(catalog_store, csv_bytes(interactions_rows(2)))
    assert [v.number for v in catalog_store.versions("default")] == [3, 1]  # never reuse a number a link may hold


def test_datasets_are_independent(catalog_store):
    import_ok(catalog_store, INTERACTIONS, dataset="north")
    import_ok(catalog_store, INTERACTIONS_2, dataset="south")
    catalog_store.delete_version("north", 1, actor=LOCAL)
    assert catalog_store.datasets() == ["south"]
    assert catalog_store.versions("south")[0].tables == {"interactions": 5}


class Boom(RuntimeError):
    pass


def fail_at_the_audit_row(patch: pytest.MonkeyPatch) -> None:
    """Make the catalog transaction fail at its last step, adding the audit row: the version and
    table-file rows are already flushed by then, so only a rollback can undo them."""
    real_add = cxdata.catalog.store.Session.add

    def add(self, instance, *args, **kwargs):
        if isinstance(instance, ImportAudit):
            raise Boom("disk on fire")
        return real_add(self, instance, *args, **kwargs)

    patch.setattr(cxdata.catalog.store.Session, "add", add)


def test_failure_inside_the_catalog_transaction_leaves_nothing(catalog_store, monkeypatch):
    with monkeypatch.context() as patch, pytest.raises(Boom):
        fail_at_the_audit_row(patch)
        import_file(catalog_store, INTERACTIONS, "contacts.csv", "interactions", actor=LOCAL)
    assert_store_untouched(catalog_store)


def test_failure_inside_the_catalog_transaction_keeps_the_previous_version(catalog_store, monkeypatch):
    import_ok(catalog_store, CUSTOMERS, "customers.csv", "customers")
    before = snapshot(catalog_store)
    with monkeypatch.context() as patch, pytest.raises(Boom):
        fail_at_the_audit_row(patch)
        import_file(catalog_store, INTERACTIONS, "contacts.csv", "interactions", actor=LOCAL)
    assert snapshot(catalog_store) == before
    assert catalog_store.active_version("default").number == 1


def test_failure_at_commit_leaves_nothing(catalog_store, monkeypatch):
    def failing_commit(self):
        raise Boom("database is locked")

    with monkeypatch.context() as patch, pytest.raises(Boom):
        patch.setattr(cxdata.catalog.store.Session, "commit", failing_commit)
        import_file(catalog_store, INTERACTIONS, "contacts.csv", "interactions", actor=LOCAL)
    assert_store_untouched(catalog_store)


def test_failure_writing_the_second_file_removes_the_first(catalog_store, monkeypatch):
    real = cxdata.catalog.store.write_parquet_atomic
    calls = []

    def second_fails(frame, path):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("No space left on device")
        real(frame, path)

    monkeypatch.setattr(cxdata.catalog.store, "write_parquet_atomic", second_fails)
    with pytest.raises(OSError):
        import_file(catalog_store, INTERACTIONS, "contacts.csv", "interactions", actor=LOCAL)
    assert_store_untouched(catalog_store)


def test_problems_of_the_import_are_kept_with_the_version(catalog_store):
    data = csv_bytes([["id", "date", "wait"], ["A", "2025-03-01", "-1"], ["B", "never", "3"]])
    import_ok(catalog_store, data)
    version = catalog_store.active_version("default")
    problems = catalog_store.problems(version.version_id, "interactions")
    assert problems.select("row", "field", "problem", "action").rows() == [
        (2, "wait_seconds", "negative", "value cleared"),
        (3, None, "started_at 'never': not a date", "row rejected"),
    ]
    audit = catalog_store.audit("default")[0]
    assert (audit.rows_in, audit.accepted, audit.rejected, audit.source_name) == (2, 1, 1, "export.csv")


def test_mapping_is_saved_per_header_signature_and_reused(catalog_store):
    first = csv_bytes([["Quando", "Chi", "Dove"], ["2025-03-01", "C1", "phone"]])
    prepared = prepare(catalog_store, first, "crm.csv", "interactions")
    assert prepared.mapping_source == "suggested" and prepared.mapping == {}
    import_file(catalog_store, first, "crm.csv", "interactions",
                overrides={"Quando": "started_at", "Chi": "customer_id", "Dove": "channel"}, actor=LOCAL)

    second = csv_bytes([["Quando", "Chi", "Dove"], ["2025-04-01", "C2", "email"]])
    prepared = prepare(catalog_store, second, "crm-april.csv", "interactions")
    assert prepared.mapping_source == "saved"
    assert prepared.mapping == {"Quando": "started_at", "Chi": "customer_id", "Dove": "channel"}
    frame, _ = import_ok(catalog_store, second, "crm-april.csv")  # no overrides needed any more
    assert frame.select("customer_id", "channel").rows() == [("C2", "email")]

    # The same headers spelt differently are the same export format; other headers are not.
    respelt = prepare(catalog_store, csv_bytes([["quando", "CHI", "dove"], ["2025-04-01", "C2", "email"]]), "x.csv",
                      "interactions")
    assert respelt.mapping_source == "saved"
    other = prepare(catalog_store, csv_bytes([["Quando", "Chi"], ["2025-04-01", "C2"]]), "y.csv", "interactions")
    assert other.mapping_source == "suggested"
    assert prepare(catalog_store, first, "crm.csv", "customers").mapping_source == "suggested"  # per table too


def test_a_failed_import_saves_no_mapping(catalog_store):
    data = csv_bytes([["Quando", "Chi"], ["never", "C1"]])
    with pytest.raises(UnusableFile):
        import_file(catalog_store, data, "crm.csv", "interactions", overrides={"Quando": "started_at"}, actor=LOCAL)
    assert prepare(catalog_store, data, "crm.csv", "interactions").mapping_source == "suggested"


def test_settings_round_trip(catalog_store, catalog_url):
    assert catalog_store.get_setting("currency", "EUR") == "EUR"
    catalog_store.set_settings({"currency": "GBP", "cost_per_contact": {"phone": 5.5}}, actor=LOCAL)
    reopened = Store(catalog_store.data_dir, catalog_url)
    assert reopened.get_setting("currency") == "GBP"
    assert reopened.get_setting("cost_per_contact") == {"phone": 5.5}


def test_the_store_reads_its_directory_from_the_environment(data_dir):
    assert Store().data_dir == data_dir
    assert (data_dir / "catalog.sqlite").exists()


def test_a_deleted_version_id_is_never_handed_out_again(catalog_store):
    import_ok(catalog_store, INTERACTIONS)
    import_ok(catalog_store, INTERACTIONS_2)
    deleted = catalog_store.active_version("default").version_id
    catalog_store.delete_version("default", 2, actor=LOCAL)
    import_ok(catalog_store, csv_bytes(interactions_rows(2)))
    assert catalog_store.active_version("default").version_id > deleted  # caches keyed by id stay right
