"""Alembic's environment: run the revisions on the connection :func:`cxdata.catalog.migrations.config` carries."""

from alembic import context

context.configure(connection=context.config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
