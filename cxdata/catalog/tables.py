"""The catalog's tables (SQLModel, ``table=True``), all in one place: what each row holds, no behaviour beyond
reading its JSON columns. The services that write and read them live beside their feature
(:mod:`cxdata.catalog.store`, :mod:`cxdata.catalog.views`, :mod:`cxdata.actions.alerts`, :mod:`cxdata.delivery`,
:mod:`cxdata.actions.initiatives`); changing a table takes a migration (:mod:`cxdata.catalog.migrations`).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Now, in UTC: when a row was created or changed."""
    return datetime.now(UTC)


#: Ids are never reused (SQLite otherwise hands a deleted row's id to the next insert, and a cache
#: keyed by version id would then serve the deleted version's data).
_NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


# Datasets, versions and imports (cxdata.catalog.store)

class Dataset(SQLModel, table=True):
    __table_args__ = _NEVER_REUSE_IDS
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    active_version_id: int | None = None


class DatasetVersion(SQLModel, table=True):
    __table_args__ = (Index("uq_datasetversion_dataset_id_number", "dataset_id", "number", unique=True),
                      _NEVER_REUSE_IDS)
    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int = Field(foreign_key="dataset.id", index=True)
    number: int
    created_at: datetime = Field(default_factory=utcnow)
    note: str = ""


class TableFile(SQLModel, table=True):
    """One canonical table of one version. Several versions may share a file."""

    __table_args__ = _NEVER_REUSE_IDS
    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="datasetversion.id", index=True)
    table_name: str
    path: str  # relative to the data directory
    problems_path: str | None = None  # the import's rejected rows and cleared values
    rows: int
    source_sha256: str = Field(index=True)
    source_name: str


class ColumnMapping(SQLModel, table=True):
    signature: str = Field(primary_key=True)  # see ingest.mapping.header_signature
    table_name: str
    mapping_json: str
    updated_at: datetime = Field(default_factory=utcnow)


class Setting(SQLModel, table=True):
    workspace: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    value_json: str


class ImportAudit(SQLModel, table=True):
    """One row per import that created a version."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    dataset: str
    version_number: int
    table_name: str
    source_name: str
    source_sha256: str
    rows_in: int
    accepted: int
    rejected: int
    report_json: str


# Saved views (cxdata.catalog.views)

class SavedView(SQLModel, table=True):
    id: str = Field(primary_key=True)
    name: str
    page: str  # the page's URL path, e.g. "drilldown"
    params_json: str  # {parameter: [values…]}
    created_at: datetime = Field(default_factory=utcnow)


# Alerts (cxdata.actions.alerts)

#: The rules that compare a month with the month before (the others compare it with the threshold).
CHANGE_RULES = ("rises_by", "falls_by")


class Alert(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dataset: str = Field(index=True)
    name: str
    metric: str  # a key of cxdata.measures.metrics.REGISTRY
    where_json: str = "{}"  # {column: [values…]}
    rule: str  # a key of cxdata.actions.alerts.RULES
    threshold: float
    min_n: int  # the fewest answers a month is judged on (cxdata.measures.metrics.MIN_ANSWERS by default)
    enabled: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # change rules: fire only when the change's 95% interval excludes 0. None (level rules, and change
    # alerts stored before the option existed: migration 0002 adds the column empty) reads as on.
    significant_only: bool | None = None

    @property
    def where(self) -> dict[str, list[str]]:
        return json.loads(self.where_json)

    @property
    def requires_significance(self) -> bool:
        """Whether the alert fires only on a significant change: a change rule unless switched off, never a level."""
        return self.rule in CHANGE_RULES and self.significant_only is not False



class AlertCheck(SQLModel, table=True):
    """The evaluation of one alert on one data version."""

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(index=True)
    version_id: int = Field(index=True)
    month: date | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    n: int = 0
    previous: float | None = None  # the month before (change rules and context)
    status: str  # fired, ok, too few answers, no data, needs <field>
    message: str = ""
    evaluated_at: datetime = Field(default_factory=utcnow)


# Initiatives (cxdata.actions.initiatives)

class Initiative(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dataset: str = Field(index=True)
    title: str
    owner: str = ""
    metric: str  # a key of cxdata.measures.metrics.REGISTRY
    where_json: str = "{}"  # {column: [values…]}
    start: date
    target: float | None = None  # the KPI's target value, in its display unit
    investment: float = 0.0
    running_cost: float = 0.0  # a month
    status: str = "planned"
    source: str = ""  # where it came from, in words ("moment of service: phone · billing · SMB")
    baseline_json: str = "{}"  # Estimate of the KPI before the start, computed at creation
    plan_json: str | None = None  # Plan, when created from an ROI scenario
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def where(self) -> dict[str, list[str]]:
        return json.loads(self.where_json)


# Scheduled deliveries (cxdata.delivery)

class Schedule(SQLModel, table=True):
    """A saved view sent as the meeting pack's files to targets on a cadence (:mod:`cxdata.delivery.schedules`)."""

    __table_args__ = _NEVER_REUSE_IDS
    id: int | None = Field(default=None, primary_key=True)
    name: str
    view_id: str = Field(index=True)  # a SavedView's id
    formats_json: str  # ["xlsx", "html", …]: keys of cxdata.screens.pack.PACK_FORMATS
    targets_json: str  # ["ana@example.com", "/srv/packs", "https://hooks.slack.com/…"]
    cadence: str  # daily, weekly, monthly
    day: int | None = None  # weekly: 0 Monday … 6 Sunday; monthly: 1–31 (a shorter month: its last day)
    at: time  # local time of day in ``timezone``
    timezone: str  # IANA, e.g. Europe/Rome
    enabled: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # the restrictions of the user who created it, {dimension: [values…]}: its packs show no other rows
    restrictions_json: str = "{}"

    @property
    def formats(self) -> list[str]:
        return json.loads(self.formats_json)

    @property
    def targets(self) -> list[str]:
        return json.loads(self.targets_json)

    @property
    def restrictions(self) -> dict[str, list[str]]:
        return json.loads(self.restrictions_json)


class Delivery(SQLModel, table=True):
    """One attempt series at sending one schedule's files to one target: its outcome after the retries."""

    __table_args__ = _NEVER_REUSE_IDS
    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(index=True)
    at: datetime = Field(default_factory=utcnow)  # when the run happened (UTC)
    due_at: datetime  # the scheduled time it served (UTC)
    target: str
    outcome: str  # ok, failed
    error: str = ""  # one sentence when failed
    attempts: int
    files_json: str = "[]"  # file names
    bytes: int = 0

    @property
    def files(self) -> list[str]:
        return json.loads(self.files_json)


# Users and the audit log (cxdata.access, cxdata.catalog.users, cxdata.catalog.audit)

class UserAccount(SQLModel, table=True):
    """A user an admin added or changed on the Users page: the role and the restrictions that hold at sign-in."""

    email: str = Field(primary_key=True)  # lower case
    name: str = ""
    role: str  # viewer, analyst, admin
    restrictions_json: str = "{}"  # {dimension: [values…]}
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    last_seen: datetime | None = None

    @property
    def restrictions(self) -> dict[str, list[str]]:
        return json.loads(self.restrictions_json)


class AuditEntry(SQLModel, table=True):
    """One state change: who made it, when, what (an action of :data:`cxdata.access.ACTIONS`), on what, and with
    what (for a setting, old → new)."""

    __table_args__ = _NEVER_REUSE_IDS
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: str = Field(index=True)
    actor_name: str
    role: str
    action: str = Field(index=True)
    target: str = ""  # e.g. "sample v3", "alert 12", "gross_margin"
    detail_json: str = "{}"

    @property
    def detail(self) -> dict:
        return json.loads(self.detail_json)
