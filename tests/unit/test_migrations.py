"""The catalog's migrations (cxdata/catalog/migrations): old catalogs are upgraded with everything in them, the
newest revision is exactly the models, and processes opening a catalog at the same moment take turns.

``tests/fixtures/catalog-v1.sqlite`` (with its Parquet files in ``tests/fixtures/catalog-v1/``) is a catalog
made by the release before migrations (main at 4569bc2): dataset ``legacy`` with version 1 (customers, 2
rows) and version 2 (+ interactions, 3 rows, active), a saved view, an initiative, a level alert and a
change alert, and two settings. tests/fixtures/README.md says how it was made.
"""

from __future__ import annotations

import shutil
import traceback
from datetime import date
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlmodel import SQLModel

from cxdata.access import LOCAL
from cxdata.actions.alerts import create_alert, list_alerts
from cxdata.actions.initiatives import list_initiatives
from cxdata.catalog import migrations
from cxdata.catalog.store import Store
from cxdata.catalog.views import list_views
from nasty_files import column, csv_bytes, import_ok, interactions_rows
from together import run_together

FIXTURES = Path(__file__).parent.parent / "fixtures"


def head() -> str:
    with create_engine("sqlite://").connect() as connection:
        return ScriptDirectory.from_config(migrations.config(connection)).get_current_head()


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def catalog_engine(data_dir: Path, catalog_url: str | None) -> Engine:
    """An engine on the catalog a store of ``data_dir`` would open, without opening a store."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return create_engine(catalog_url or f"sqlite:///{data_dir / 'catalog.sqlite'}")


def test_a_catalog_from_before_migrations_keeps_everything(data_dir):
    shutil.copytree(FIXTURES / "catalog-v1", data_dir)
    shutil.copy(FIXTURES / "catalog-v1.sqlite", data_dir / "catalog.sqlite")
    store = Store(data_dir)
    assert revision(store.engine) == head()

    assert store.datasets() == ["legacy"]
    assert [(v.number, v.active, v.tables) for v in store.versions("legacy")] == [
        (2, True, {"customers": 2, "interactions": 3}), (1, False, {"customers": 2})]
    active = store.active_version("legacy").version_id
    assert column(store.scan(active, "interactions").collect(), "interaction_id") == ["I0", "I1", "I2"]
    assert column(store.scan(active, "customers").collect(), "customer_id") == ["C1", "C2"]
    assert [(a.version_number, a.source_name, a.accepted) for a in store.audit("legacy")] == [
        (2, "contacts.csv", 3), (1, "customers.csv", 2)]
    assert (store.get_setting("currency"), store.get_setting("repeat_window_days")) == ("GBP", 14)
    assert [(v.id, v.name, v.page, v.params) for v in list_views(store)] == [
        ("bfbimasn", "Phone in March", "drilldown", {"channel": ["phone"]})]
    assert [(i.title, i.owner, i.metric, i.start, i.investment) for i in list_initiatives(store, "legacy")] == [
        ("Callback button", "Ana", "csat", date(2025, 3, 1), 1000.0)]

    # significant_only: kept as stored (None on a level alert, on for the change alert) and usable.
    new = create_alert(store, actor=LOCAL, dataset="legacy", metric="nps", rule="rises_by", threshold=3,
                       significant_only=False)
    assert [(a.name, a.significant_only, a.requires_significance) for a in list_alerts(store, "legacy")] == [
        ("Contact volume above 100", None, False),
        ("NPS (phone) falls by at least 5 points", True, True),
        ("NPS rises by at least 3 points (even within noise)", False, False)]
    assert new == 3

    import_ok(store, csv_bytes(interactions_rows(4, start_day=5)), "april.csv", dataset="legacy")
    assert [v.number for v in store.versions("legacy")] == [3, 2, 1]


def test_revision_2_numbers_shared_versions_apart_and_adds_the_alert_option(data_dir, catalog_url):
    """A catalog at revision 1, without an alembic_version table (as a release before migrations left
    it), whose dataset has three versions numbered 2 (two imports at the same moment before the fix) and
    an import log that also names a deleted version 4: the oldest version 2 keeps its number, the others
    become 5 and 6. The alert gains significant_only (empty, so on) and its stale checks are dropped."""
    engine = catalog_engine(data_dir, catalog_url)
    with engine.begin() as connection:
        migrations.upgrade(connection, "0001")
        connection.execute(text("DROP TABLE alembic_version"))
        connection.execute(text("INSERT INTO dataset (id, name, created_at, active_version_id) "
                                "VALUES (1, 'shop', '2025-01-01', 3)"))
        for version_id, number in ((1, 1), (2, 2), (3, 2), (4, 2)):
            connection.execute(text("INSERT INTO datasetversion (id, dataset_id, number, created_at, note) "
                                    "VALUES (:i, 1, :n, '2025-01-01', '')"), {"i": version_id, "n": number})
        for number in (1, 2, 2, 2, 4):
            connection.execute(text(
                "INSERT INTO importaudit (at, dataset, version_number, table_name, source_name, source_sha256, "
                "rows_in, accepted, rejected, report_json) VALUES ('2025-01-01', 'shop', :n, 'interactions', "
                "'x.csv', 'x', 1, 1, 0, '{}')"), {"n": number})
        connection.execute(text(
            "INSERT INTO alert (id, dataset, name, metric, where_json, rule, threshold, min_n, enabled, created_at) "
            "VALUES (1, 'shop', 'NPS falls', 'nps', '{}', 'falls_by', 5, 30, true, '2025-01-01')"))
        connection.execute(text("INSERT INTO alertcheck (alert_id, version_id, n, status, message, evaluated_at) "
                                "VALUES (1, 3, 40, 'fired', 'old', '2025-01-01')"))
    engine.dispose()

    store = Store(data_dir, catalog_url)
    assert revision(store.engine) == head()
    assert [(v.number, v.version_id, v.active) for v in store.versions("shop")] == [
        (6, 4, False), (5, 3, True), (2, 2, False), (1, 1, False)]
    [alert] = list_alerts(store, "shop")
    assert (alert.significant_only, alert.requires_significance) == (None, True)
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM alertcheck")).scalar_one() == 0


def test_the_newest_revision_is_the_models_and_goes_down_and_up(data_dir, catalog_url):
    store = Store(data_dir, catalog_url)
    with store.engine.begin() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
        command.downgrade(migrations.config(connection), "base")
        assert inspect(connection).get_table_names() == ["alembic_version"]
        migrations.upgrade(connection)
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
    assert sorted(SQLModel.metadata.tables) == sorted(set(inspect(store.engine).get_table_names()) - {"alembic_version"})


def test_a_catalog_is_upgraded_once_per_process(data_dir, catalog_url, monkeypatch):
    calls = []
    monkeypatch.setattr(migrations, "upgrade", lambda connection: calls.append(connection.engine.url.database))
    Store(data_dir, catalog_url)
    Store(data_dir, catalog_url)
    Store(data_dir.parent / "other")  # another catalog
    assert calls == [catalog_engine(data_dir, catalog_url).url.database, str(data_dir.parent / "other" / "catalog.sqlite")]


def _open_at_the_barrier(data_dir: str, url: str | None, barrier, results) -> None:
    try:
        barrier.wait()
        Store(data_dir, url)
        results.put("opened")
    except BaseException:  # noqa: BLE001 — the test shows it
        results.put(traceback.format_exc())


def test_processes_opening_a_new_catalog_at_once_take_turns(data_dir, catalog_url, openers=3):
    data_dir.mkdir(parents=True)
    outcomes = run_together(_open_at_the_barrier, [(str(data_dir), catalog_url)] * openers)
    assert outcomes == ["opened"] * openers
    assert revision(catalog_engine(data_dir, catalog_url)) == head()
