"""The store: a SQL catalog (SQLModel) and Parquet files for the normalised tables (docs/architecture.md "The store").

- Catalog in SQLite at ``$MOMENTO_DATA_DIR/catalog.sqlite`` (default ``./.momento``), or in the
  database of ``$DATABASE_URL`` (e.g. ``postgresql+psycopg://user:pw@host/momento``).
- A **dataset** groups the three tables. Every import creates a new **version** of its dataset:
  the imported table gets a new Parquet file; the other tables are carried over from the
  previous version by reference. One version per dataset is **active** (the newest by default).
- Parquet files are written to a temporary name and renamed (atomic on POSIX); the catalog rows
  are written in one transaction afterwards, and the file is removed if that transaction fails,
  so a failed import leaves nothing behind.
- The catalog's schema is Alembic's (:mod:`cxdata.catalog.migrations`): opening a store upgrades its catalog.
- Imports may run at the same moment, in threads, processes or app replicas: a version's number is
  unique per dataset and taken in the transaction that records it, and :meth:`Store.dataset_lock`
  lets an import hold a dataset from reading its active version until its own version is committed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
import uuid
from collections.abc import Collection, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, create_engine, delete, func, select

from cxdata.access import Actor, require
from cxdata.catalog import migrations
from cxdata.catalog.tables import (
    AuditEntry,
    ColumnMapping,
    Dataset,
    DatasetVersion,
    ImportAudit,
    Setting,
    TableFile,
    utcnow,
)

DEFAULT_DATA_DIR = ".momento"
WORKSPACE = "default"
#: How often a version's catalog transaction is tried when another import took its number or created its
#: dataset first (each try reads the catalog again).
COMMIT_ATTEMPTS = 5






@dataclass(frozen=True)
class SavedMapping:
    """What was saved for an export format: ``{column: field}`` and the choices as plain JSON."""

    mapping: dict[str, str | None]
    choices: dict


@dataclass
class Change:
    """A state change being written (:meth:`Store.change`): its session, and the audit entry's target and detail."""

    session: Session
    target: str
    detail: dict[str, object]

    def add(self, row: SQLModel, kind: str, **detail: object) -> int:
        """Add ``row`` (of a table numbered by an integer ``id``) and return its id, given by a flush; the entry's
        target becomes "<kind> <id>" and its detail gains ``detail``."""
        self.session.add(row)
        self.session.flush()  # numbers the row
        row_id = int(row.id)  # type: ignore[attr-defined]  # the tables added this way are numbered by an id
        self.target = f"{kind} {row_id}"
        self.detail |= detail
        return row_id

    def set(self, row: SQLModel, values: Mapping[str, object], *, unaudited: Collection[str] = ()) -> None:
        """Set ``values`` (column → value) on ``row`` and record each changed column as ``{"old": …, "new": …}``
        in the detail, but those in ``unaudited`` (a long JSON the detail names otherwise)."""
        for column, value in values.items():
            if column not in unaudited:
                self.changed(column, getattr(row, column), value)
            setattr(row, column, value)

    def changed(self, key: str, old: object, new: object) -> None:
        """Record ``key``'s change from ``old`` to ``new`` in the detail, as ``{"old": …, "new": …}`` (the form the
        audit log reads: :func:`cxdata.catalog.audit.detail_words`); nothing when they are equal."""
        if old != new:
            self.detail[key] = {"old": old, "new": new}


@dataclass(frozen=True)
class VersionInfo:
    dataset: str
    version_id: int
    number: int
    created_at: datetime
    note: str
    active: bool
    tables: dict[str, int] = field(hash=False)  # table → rows (not hashed: a version is hashable, e.g. in a Scope)


def data_dir_from_env() -> Path:
    return Path(os.environ.get("MOMENTO_DATA_DIR", DEFAULT_DATA_DIR))


def write_parquet_atomic(frame: pl.DataFrame, path: Path) -> None:
    """Write to ``path`` through a temporary file and an atomic rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        frame.write_parquet(tmp, compression="zstd", statistics=True)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


#: Catalogs (URLs) this process has brought to the newest migration, and the guard of that set.
_UPGRADED: set[str] = set()
_UPGRADING = threading.Lock()


class Store:
    """Catalog + Parquet files under one data directory."""

    def __init__(self, data_dir: Path | str | None = None, database_url: str | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else data_dir_from_env()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        url = database_url or os.environ.get("DATABASE_URL") or f"sqlite:///{(self.data_dir / 'catalog.sqlite').resolve()}"
        self.engine: Engine = create_engine(url)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._upgrade_catalog()

    def _upgrade_catalog(self) -> None:
        """Bring the catalog's schema to the newest migration (:mod:`cxdata.catalog.migrations`), once per process
        and catalog, holding the catalog's lock: processes opening it at the same moment take turns, and
        those after the first find it upgraded."""
        url = self.engine.url.render_as_string(hide_password=False)
        with _UPGRADING:
            if url in _UPGRADED:
                return
            with self._lock("catalog"), self.engine.begin() as connection:
                migrations.upgrade(connection)
            _UPGRADED.add(url)

    def dataset_lock(self, dataset: str) -> AbstractContextManager[None]:
        """Hold ``dataset`` for one import at a time, across threads, processes and app replicas, until the
        block ends: an append reads the active version and commits the version built on it with no other
        import committing in between. It blocks while another holder has it; the dataset need not exist."""
        return self._lock(f"dataset:{dataset}")

    @contextmanager
    def _lock(self, name: str) -> Iterator[None]:
        """An exclusive lock called ``name``: on PostgreSQL a transaction-level advisory lock on a 64-bit hash
        of the name (released when the block's transaction ends, also when the process dies); otherwise an
        ``flock`` on ``locks/<name>-<hash>.lock`` in the data directory (released when the file is closed)."""
        digest = hashlib.sha256(name.encode()).digest()
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as connection, connection.begin():
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": int.from_bytes(digest[:8], "big", signed=True)})
                yield
            return
        path = self.data_dir / "locks" / f"{_safe(name)}-{digest.hex()[:12]}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """A session for a read-then-write transaction. On SQLite it starts with ``BEGIN IMMEDIATE``, taking
        the catalog's write lock before its first read, so what it read is still true when it writes (a
        second writer waits for the busy timeout instead of overwriting it); PostgreSQL's unique indexes
        and row locks do that job there."""
        with Session(self.engine) as s:
            if self.engine.dialect.name == "sqlite":
                s.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield s

    @contextmanager
    def change(self, actor: Actor, action: str, target: str = "", **detail: object) -> Iterator[Change]:
        """The one way a state change is written: refused (:class:`cxdata.access.Forbidden`, with a sentence) unless
        ``actor``'s role may make ``action`` (:data:`cxdata.access.ACTIONS`), then a write transaction
        (:meth:`_writing`) whose audit entry — who, when, the action, the target and the detail (JSON) — is
        committed with it when the block ends: no change without its entry, no entry without its change. The
        block writes through ``change.session`` (without committing) and may set ``change.target`` and add to
        ``change.detail`` once it knows them (a new row's id, an old value)."""
        require(actor, action)
        with self._writing() as s:
            change = Change(s, target, dict(detail))
            yield change
            s.add(AuditEntry(actor_id=actor.id, actor_name=actor.name, role=actor.role.label, action=action,
                             target=change.target, detail_json=json.dumps(change.detail, default=str, sort_keys=True)))
            s.commit()

    def delete_row(self, table: type[SQLModel], key: object, *, actor: Actor, action: str, target: str,
                   children: tuple[type[SQLModel], str] | None = None) -> None:
        """Delete the row of a catalog table (saved view, initiative, alert, schedule) by its primary key, if it
        exists, with the rows of ``children`` (a table and its column that holds the key: an alert's checks, a
        schedule's deliveries), as the change ``action`` on ``target`` by ``actor`` (:meth:`change`)."""
        with self.change(actor, action, target) as change:
            if children is not None:
                child, column = children
                change.session.exec(delete(child).where(col(getattr(child, column)) == key))
            row = change.session.get(table, key)
            if row is not None:
                change.session.delete(row)

    def update_row(self, table: type[SQLModel], key: object, *, actor: Actor, action: str, target: str,
                   **values: object) -> None:
        """Set ``values`` (column → value) on the row of a catalog table by its primary key, if it exists, as the
        change ``action`` on ``target`` by ``actor`` (:meth:`change`), audited with each changed column's old and
        new value (:meth:`Change.set`)."""
        with self.change(actor, action, target) as change:
            row = change.session.get(table, key)
            if row is not None:
                change.set(row, values)
                change.session.add(row)

    # -------------------------------------------------------------- reading

    def datasets(self) -> list[str]:
        with Session(self.engine) as s:
            return list(s.exec(select(Dataset.name).order_by(Dataset.name)))

    def versions(self, dataset: str) -> list[VersionInfo]:
        """Versions of a dataset, newest first."""
        with Session(self.engine) as s:
            ds = self._dataset(s, dataset)
            if ds is None:
                return []
            versions = s.exec(select(DatasetVersion).where(DatasetVersion.dataset_id == ds.id)
                              .order_by(col(DatasetVersion.number).desc())).all()
            return [self._info(s, ds, v) for v in versions]

    def active_version(self, dataset: str) -> VersionInfo | None:
        with Session(self.engine) as s:
            ds = self._dataset(s, dataset)
            if ds is None or ds.active_version_id is None:
                return None
            active = s.get(DatasetVersion, ds.active_version_id)
            assert active is not None  # a foreign key: the active version is a row
            return self._info(s, ds, active)

    def scan(self, version_id: int, table: str) -> pl.LazyFrame | None:
        """The table of a version as a lazy Parquet scan, or None when the version lacks it."""
        path = self.table_path(version_id, table)
        return None if path is None else pl.scan_parquet(self.data_dir / path)

    def table_path(self, version_id: int, table: str) -> Path | None:
        """The Parquet file of a version's table, relative to the data directory (None when the version lacks it):
        what another engine reads (:mod:`cxdata.compute`)."""
        tf = self._table_file(version_id, table)
        return None if tf is None else Path(tf.path)

    def problems(self, version_id: int, table: str) -> pl.DataFrame | None:
        """Rejected rows and cleared values of the import that produced this table of this version."""
        tf = self._table_file(version_id, table)
        if tf is None or tf.problems_path is None:
            return None
        return pl.read_parquet(self.data_dir / tf.problems_path)

    def find_identical(self, dataset: str, table: str, sha256: str) -> VersionInfo | None:
        """The newest version of ``dataset`` whose ``table`` came from a file with this SHA-256."""
        with Session(self.engine) as s:
            ds = self._dataset(s, dataset)
            if ds is None:
                return None
            row = s.exec(
                select(DatasetVersion).join(TableFile, col(TableFile.version_id) == col(DatasetVersion.id))
                .where(DatasetVersion.dataset_id == ds.id, TableFile.table_name == table,
                       TableFile.source_sha256 == sha256)
                .order_by(col(DatasetVersion.number).desc())
            ).first()
            return None if row is None else self._info(s, ds, row)

    # -------------------------------------------------------------- writing

    def commit_table(
        self,
        dataset: str,
        table: str,
        frame: pl.DataFrame,
        problems: pl.DataFrame,
        *,
        actor: Actor,
        source_name: str,
        source_sha256: str,
        audit: dict,
        note: str = "",
    ) -> VersionInfo:
        """Create a new active version of ``dataset`` whose ``table`` is ``frame``: the change "data.import" by
        ``actor``, refused before anything is written.

        Parquet first (atomic), then one catalog transaction, which also holds the audit entry; on any
        failure the new files are removed and the catalog is unchanged. The transaction takes the version's
        number (and creates the dataset); when another import took that number or created the dataset first,
        the unique indexes refuse it and it is tried again on the catalog as it is then, up to
        :data:`COMMIT_ATTEMPTS` times. It carries the other tables over from the active version it
        reads: an import that read that version earlier holds :meth:`dataset_lock`.
        """
        require(actor, "data.import")
        stem = f"{table}-{source_sha256[:12]}-{uuid.uuid4().hex[:8]}"
        rel = Path("datasets") / _safe(dataset) / f"{stem}.parquet"
        rel_problems = rel.with_name(f"{stem}.problems.parquet")
        written: list[Path] = []
        try:
            for df, path in ((frame, rel), (problems, rel_problems)):
                write_parquet_atomic(df, self.data_dir / path)
                written.append(self.data_dir / path)
            new_file = {"table_name": table, "path": str(rel), "problems_path": str(rel_problems), "rows": frame.height,
                        "source_sha256": source_sha256, "source_name": source_name}
            audit_row = {"dataset": dataset, "table_name": table, "source_name": source_name,
                         "source_sha256": source_sha256, "rows_in": audit["rows_in"], "accepted": audit["accepted"],
                         "rejected": audit["rejected"], "report_json": json.dumps(audit, default=str)}
            for attempt in range(1, COMMIT_ATTEMPTS + 1):
                try:
                    return self._record_version(actor, dataset, new_file, audit_row,
                                                note or f"{table} from {source_name}")
                except IntegrityError:
                    if attempt == COMMIT_ATTEMPTS:
                        raise
            raise AssertionError("unreachable: the last attempt returns or raises")
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise

    def _record_version(self, actor: Actor, dataset: str, new_file: dict, audit_row: dict, note: str) -> VersionInfo:
        """One catalog transaction (:meth:`change` "data.import", target "<dataset> v<number>", detail the table,
        the source and its rows in, accepted and rejected): the dataset (created if new), its next version
        holding the table file ``new_file`` and the active version's other tables, that version made active,
        and the import's audit row (fields of :class:`TableFile` and :class:`ImportAudit` but the version's)."""
        with self.change(actor, "data.import", table=new_file["table_name"], source=new_file["source_name"],
                         rows_in=audit_row["rows_in"], accepted=audit_row["accepted"],
                         rejected=audit_row["rejected"]) as change:
            s = change.session
            ds = self._dataset(s, dataset) or Dataset(name=dataset)
            s.add(ds)
            s.flush()
            assert ds.id is not None  # numbered by the flush
            version = DatasetVersion(dataset_id=ds.id, number=self._next_number(s, ds), note=note)
            s.add(version)
            s.flush()
            assert version.id is not None  # numbered by the flush
            if ds.active_version_id is not None:
                for tf in s.exec(select(TableFile).where(TableFile.version_id == ds.active_version_id,
                                                         TableFile.table_name != new_file["table_name"])):
                    s.add(TableFile(**tf.model_dump(exclude={"id", "version_id"}), version_id=version.id))
            s.add(TableFile(**new_file, version_id=version.id))
            ds.active_version_id = version.id
            s.add(ImportAudit(**audit_row, version_number=version.number))
            change.target = f"{dataset} v{version.number}"
            return self._info(s, ds, version)

    def activate(self, dataset: str, number: int, *, actor: Actor) -> VersionInfo:
        """Make version ``number`` the one the app shows (the change "version.activate" by ``actor``)."""
        with self.change(actor, "version.activate", f"{dataset} v{number}") as change:
            ds, version = self._version(change.session, dataset, number)
            ds.active_version_id = version.id
            change.session.add(ds)
            return self._info(change.session, ds, version)

    def delete_version(self, dataset: str, number: int, *, actor: Actor) -> None:
        """Delete a version (the change "version.delete" by ``actor``); files no other version uses are removed;
        the newest left becomes active.

        Deleting the last version deletes the dataset: the change "dataset.delete".
        """
        last = [v.number for v in self.versions(dataset)] == [number]
        action, target = ("dataset.delete", dataset) if last else ("version.delete", f"{dataset} v{number}")
        with self.change(actor, action, target, version=number) as change:
            s = change.session
            ds, version = self._version(s, dataset, number)
            files = s.exec(select(TableFile).where(TableFile.version_id == version.id)).all()
            paths = {p for tf in files for p in (tf.path, tf.problems_path) if p}
            for tf in files:
                s.delete(tf)
            s.flush()  # the table files first: the unit of work does not order deletes by foreign key
            s.delete(version)
            s.flush()
            still_used = {p for tf in s.exec(select(TableFile)) for p in (tf.path, tf.problems_path) if p}
            newest = s.exec(select(DatasetVersion).where(DatasetVersion.dataset_id == ds.id)
                            .order_by(col(DatasetVersion.number).desc())).first()
            if newest is None:
                s.delete(ds)
            elif ds.active_version_id == version.id:
                ds.active_version_id = newest.id
                s.add(ds)
        for p in paths - still_used:
            (self.data_dir / p).unlink(missing_ok=True)

    # -------------------------------------------------------------- mappings, settings, audit

    def saved_mapping(self, signature: str) -> SavedMapping | None:
        """The mapping and choices saved for an export format (a mapping saved before choices existed has none)."""
        with Session(self.engine) as s:
            row = s.get(ColumnMapping, signature)
        if row is None:
            return None
        saved = json.loads(row.mapping_json)
        if saved.get("__format") == 2:
            return SavedMapping(saved["columns"], saved.get("choices", {}))
        return SavedMapping(saved, {})

    def save_mapping(self, signature: str, table: str, mapping: dict[str, str | None], choices: dict | None = None,
                     *, actor: Actor) -> None:
        """Save the column mapping and the analyst's choices (value maps, units, scales, date orders): the change
        "mapping.save" by ``actor``, target the table. The same mapping saved again changes nothing and writes
        no audit entry (every import of a known export format saves its mapping)."""
        require(actor, "mapping.save")
        payload = {"__format": 2, "columns": mapping, "choices": choices or {}}
        text = json.dumps(payload)
        with Session(self.engine) as s:
            row = s.get(ColumnMapping, signature)
            if row is not None and json.loads(row.mapping_json) == json.loads(text):
                return
        with self.change(actor, "mapping.save", table, columns=len(mapping)) as change:
            row = change.session.get(ColumnMapping, signature) or ColumnMapping(signature=signature, table_name=table,
                                                                                 mapping_json="")
            row.mapping_json, row.updated_at = text, utcnow()
            change.session.add(row)

    def get_setting(self, key: str, default=None, workspace: str = WORKSPACE):
        with Session(self.engine) as s:
            row = s.get(Setting, (workspace, key))
            return default if row is None else json.loads(row.value_json)

    def set_settings(self, values: Mapping[str, object], *, actor: Actor, defaults: Mapping[str, object] | None = None,
                     workspace: str = WORKSPACE) -> None:
        """Set settings (key → a JSON value) in one change, "settings.change" by ``actor``, audited with
        the old and new value of each key whose value changes (:meth:`Change.changed`; old: the stored value, else
        ``defaults``')."""
        with self.change(actor, "settings.change", "settings") as change:
            for key, value in values.items():
                row = change.session.get(Setting, (workspace, key)) or Setting(workspace=workspace, key=key,
                                                                               value_json="")
                old = json.loads(row.value_json if row.value_json else json.dumps((defaults or {}).get(key)))
                row.value_json = json.dumps(value)
                change.changed(key, old, json.loads(row.value_json))
                change.session.add(row)

    def audit(self, dataset: str | None = None) -> list[ImportAudit]:
        with Session(self.engine) as s:
            q = select(ImportAudit).order_by(col(ImportAudit.id).desc())
            if dataset is not None:
                q = q.where(ImportAudit.dataset == dataset)
            return list(s.exec(q))

    # -------------------------------------------------------------- helpers

    @staticmethod
    def _next_number(s: Session, ds: Dataset) -> int:
        """One more than the highest number this dataset ever used, so a deleted version's number
        (which a shared link may hold) never comes back naming other data. The audit log keeps
        the numbers of deleted versions, even of a deleted dataset of the same name."""
        live = s.exec(select(func.max(DatasetVersion.number)).where(DatasetVersion.dataset_id == ds.id)).one()
        logged = s.exec(select(func.max(ImportAudit.version_number)).where(ImportAudit.dataset == ds.name)).one()
        return max(live or 0, logged or 0) + 1

    @staticmethod
    def _dataset(s: Session, name: str) -> Dataset | None:
        return s.exec(select(Dataset).where(Dataset.name == name)).first()

    def _version(self, s: Session, dataset: str, number: int) -> tuple[Dataset, DatasetVersion]:
        ds = self._dataset(s, dataset)
        version = None if ds is None else s.exec(select(DatasetVersion).where(
            DatasetVersion.dataset_id == ds.id, DatasetVersion.number == number)).first()
        if ds is None or version is None:
            raise KeyError(f"Dataset '{dataset}' has no version {number}.")
        return ds, version

    def _table_file(self, version_id: int, table: str) -> TableFile | None:
        with Session(self.engine) as s:
            return s.exec(select(TableFile).where(TableFile.version_id == version_id,
                                                  TableFile.table_name == table)).first()

    @staticmethod
    def _info(s: Session, ds: Dataset, v: DatasetVersion) -> VersionInfo:
        assert v.id is not None  # a row of the catalog
        tables = {tf.table_name: tf.rows for tf in s.exec(select(TableFile).where(TableFile.version_id == v.id))}
        return VersionInfo(dataset=ds.name, version_id=v.id, number=v.number, created_at=v.created_at,
                           note=v.note, active=ds.active_version_id == v.id, tables=tables)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:60] or "dataset"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
