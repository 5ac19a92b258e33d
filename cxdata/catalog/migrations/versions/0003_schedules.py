"""Scheduled deliveries (:mod:`cxdata.delivery`): the ``schedule`` of each saved view sent on a cadence, and the
``delivery`` log of every target's outcome. New tables only: nothing already in a catalog changes.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_NEVER_REUSE_IDS: dict[str, Any] = {"sqlite_autoincrement": True}


def _text(name: str, **kwargs) -> sa.Column:
    return sa.Column(name, sa.String(), nullable=kwargs.pop("nullable", False), **kwargs)


def _int(name: str, **kwargs) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=kwargs.pop("nullable", False), **kwargs)


def _when(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)  # as SQLModel makes a datetime field


def upgrade() -> None:
    op.create_table(
        "schedule", _int("id", primary_key=True), _text("name"), _text("view_id", index=True), _text("formats_json"),
        _text("targets_json"), _text("cadence"), _int("day", nullable=True), sa.Column("at", sa.Time(), nullable=False),
        _text("timezone"), sa.Column("enabled", sa.Boolean(), nullable=False), _when("created_at"),
        **_NEVER_REUSE_IDS)
    op.create_table(
        "delivery", _int("id", primary_key=True), _int("schedule_id", index=True), _when("at"), _when("due_at"),
        _text("target"), _text("outcome"), _text("error"), _int("attempts"), _text("files_json"), _int("bytes"),
        **_NEVER_REUSE_IDS)


def downgrade() -> None:
    op.drop_table("delivery")
    op.drop_table("schedule")
