"""One number per version, and the significance option of alerts.

- ``datasetversion``: a unique index on (dataset_id, number), so two imports committing at the same
  moment can never both become the same version (:meth:`cxdata.catalog.store.Store.commit_table` numbers again
  instead). Versions that already share a number — two such imports before this revision — are numbered
  apart first: the oldest (lowest id) keeps the number, each later one takes, in id order, one more than
  the highest number the dataset ever used (its versions and its import log, as a new import would).
- ``alert.significant_only`` (nullable; NULL reads as on), unless a release's stopgap added it already.
  When it is added here, the stored alert checks are deleted: they judged the newest month, complete or
  not, without the significance test; each version's alerts are checked again when next read.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UNIQUE_NUMBER = "uq_datasetversion_dataset_id_number"


def upgrade() -> None:
    bind = op.get_bind()
    _number_shared_versions_apart(bind)
    op.create_index(UNIQUE_NUMBER, "datasetversion", ["dataset_id", "number"], unique=True)
    if "significant_only" not in {c["name"] for c in sa.inspect(bind).get_columns("alert")}:
        op.add_column("alert", sa.Column("significant_only", sa.Boolean(), nullable=True))
        op.execute("DELETE FROM alertcheck")


def downgrade() -> None:
    with op.batch_alter_table("alert") as alert:
        alert.drop_column("significant_only")
    op.drop_index(UNIQUE_NUMBER, table_name="datasetversion")


def _number_shared_versions_apart(bind: sa.Connection) -> None:
    """Give each version that shares its dataset and number with an older one the dataset's next number."""
    later = bind.execute(sa.text(
        "SELECT v.id, v.dataset_id FROM datasetversion v WHERE EXISTS (SELECT 1 FROM datasetversion o "
        "WHERE o.dataset_id = v.dataset_id AND o.number = v.number AND o.id < v.id) ORDER BY v.id")).all()
    for version_id, dataset_id in later:
        highest = bind.execute(sa.text(
            "SELECT MAX(n) FROM (SELECT number AS n FROM datasetversion WHERE dataset_id = :d UNION ALL "
            "SELECT a.version_number FROM importaudit a JOIN dataset ds ON ds.name = a.dataset WHERE ds.id = :d) used"),
            {"d": dataset_id}).scalar_one()
        bind.execute(sa.text("UPDATE datasetversion SET number = :n WHERE id = :id"),
                     {"n": highest + 1, "id": version_id})
