"""The catalog as releases before migrations made it (main at 4569bc2), less ``alert.significant_only``.

Creates each table the catalog lacks, with its indexes: all of them in a new catalog; in a catalog of an
earlier release, the tables of features it never used (those releases created a table on first use).
The dataset name is unique (``ix_dataset_name``) from this revision on.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TABLES = sa.MetaData()
_NEVER_REUSE_IDS: dict[str, Any] = {"sqlite_autoincrement": True}


def _text(name: str, **kwargs) -> sa.Column:
    return sa.Column(name, sa.String(), nullable=kwargs.pop("nullable", False), **kwargs)


def _int(name: str, **kwargs) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=kwargs.pop("nullable", False), **kwargs)


def _when(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)  # as SQLModel makes a datetime field


sa.Table("dataset", _TABLES,
         _int("id", primary_key=True), _text("name", index=True, unique=True), _when("created_at"),
         _int("active_version_id", nullable=True),
         **_NEVER_REUSE_IDS)
sa.Table("datasetversion", _TABLES,
         _int("id", primary_key=True), sa.Column("dataset_id", sa.ForeignKey("dataset.id"), nullable=False, index=True),
         _int("number"), _when("created_at"), _text("note"),
         **_NEVER_REUSE_IDS)
sa.Table("tablefile", _TABLES,
         _int("id", primary_key=True),
         sa.Column("version_id", sa.ForeignKey("datasetversion.id"), nullable=False, index=True),
         _text("table_name"), _text("path"), _text("problems_path", nullable=True), _int("rows"),
         _text("source_sha256", index=True), _text("source_name"),
         **_NEVER_REUSE_IDS)
sa.Table("columnmapping", _TABLES,
         _text("signature", primary_key=True), _text("table_name"), _text("mapping_json"), _when("updated_at"))
sa.Table("setting", _TABLES,
         _text("workspace", primary_key=True), _text("key", primary_key=True), _text("value_json"))
sa.Table("importaudit", _TABLES,
         _int("id", primary_key=True), _when("at"), _text("dataset"), _int("version_number"), _text("table_name"),
         _text("source_name"), _text("source_sha256"), _int("rows_in"), _int("accepted"), _int("rejected"),
         _text("report_json"))
sa.Table("savedview", _TABLES,
         _text("id", primary_key=True), _text("name"), _text("page"), _text("params_json"), _when("created_at"))
sa.Table("initiative", _TABLES,
         _int("id", primary_key=True), _text("dataset", index=True), _text("title"), _text("owner"), _text("metric"),
         _text("where_json"), sa.Column("start", sa.Date(), nullable=False), sa.Column("target", sa.Float()),
         sa.Column("investment", sa.Float(), nullable=False), sa.Column("running_cost", sa.Float(), nullable=False),
         _text("status"), _text("source"), _text("baseline_json"), _text("plan_json", nullable=True),
         _when("created_at"), _when("updated_at"))
sa.Table("alert", _TABLES,
         _int("id", primary_key=True), _text("dataset", index=True), _text("name"), _text("metric"),
         _text("where_json"), _text("rule"), sa.Column("threshold", sa.Float(), nullable=False), _int("min_n"),
         sa.Column("enabled", sa.Boolean(), nullable=False), _when("created_at"))
sa.Table("alertcheck", _TABLES,
         _int("id", primary_key=True), _int("alert_id", index=True), _int("version_id", index=True),
         sa.Column("month", sa.Date()), sa.Column("value", sa.Float()), sa.Column("low", sa.Float()),
         sa.Column("high", sa.Float()), _int("n"), sa.Column("previous", sa.Float()), _text("status"),
         _text("message"), _when("evaluated_at"))


def upgrade() -> None:
    bind = op.get_bind()
    present = set(sa.inspect(bind).get_table_names())
    for table in _TABLES.sorted_tables:
        if table.name not in present:
            table.create(bind)


def downgrade() -> None:
    _TABLES.drop_all(op.get_bind())
