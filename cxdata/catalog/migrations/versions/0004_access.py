"""Users and the audit log (:mod:`cxdata.access`): ``useraccount`` holds the role and restrictions an admin gave
a user, ``auditentry`` every state change (who, when, what, with what); ``schedule.restrictions_json`` the
restrictions of a schedule's creator (none for the schedules made before).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_NEVER_REUSE_IDS: dict[str, Any] = {"sqlite_autoincrement": True}


def _text(name: str, **kwargs) -> sa.Column:
    return sa.Column(name, sa.String(), nullable=kwargs.pop("nullable", False), **kwargs)


def _when(name: str, nullable: bool = False, **kwargs) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, **kwargs)  # as SQLModel makes a datetime


def upgrade() -> None:
    op.create_table(
        "useraccount", _text("email", primary_key=True), _text("name"), _text("role"), _text("restrictions_json"),
        _when("created_at"), _when("updated_at"), _when("last_seen", nullable=True))
    op.create_table(
        "auditentry", sa.Column("id", sa.Integer(), primary_key=True, nullable=False), _when("at", index=True),
        _text("actor_id", index=True), _text("actor_name"), _text("role"), _text("action", index=True),
        _text("target"), _text("detail_json"), **_NEVER_REUSE_IDS)
    with op.batch_alter_table("schedule") as batch:
        batch.add_column(_text("restrictions_json", server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("schedule") as batch:
        batch.drop_column("restrictions_json")
    op.drop_table("auditentry")
    op.drop_table("useraccount")
