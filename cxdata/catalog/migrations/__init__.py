"""The catalog's schema, managed by Alembic: one file per revision in ``versions/``.

:class:`cxdata.catalog.store.Store` calls :func:`upgrade` when it opens a catalog (once per process and catalog,
under a lock), so a release that changes the schema upgrades every SQLite and PostgreSQL catalog on
its first start. No ``alembic.ini`` is needed: :func:`config` builds the configuration.

- Revision ``0001`` is the catalog as releases before migrations made it. It creates each table the
  catalog lacks, so a catalog without an ``alembic_version`` table is adopted as it is (those releases
  created a feature's table when the feature was first used, so an old catalog may lack some) and then
  upgraded like any other.
- Changing a ``table=True`` model takes a new file in ``versions/`` whose ``down_revision`` is the
  previous head; ``tests/unit/test_migrations.py`` fails while the head and the models differ.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection


def config(connection: Connection) -> Config:
    """Alembic's configuration for running this package's revisions on ``connection``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent).replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Bring the catalog on ``connection`` to ``revision`` (the newest by default); the caller commits."""
    command.upgrade(config(connection), revision)
