"""Object storage (issue 18): a storage_objects row for every stored object (documents, raw-payload journal
hours) with its key, type, size, sha256, owner and the backend that holds it.

Revision ID: 0016_storage
Revises: 0015_read_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import robnu.db.types

revision = "0016_storage"
down_revision = "0015_read_indexes"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "storage_objects",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("seller_id", ID, nullable=False),
        sa.Column("marketplace_account_id", ID, nullable=True),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("backend", sa.String(length=300), nullable=False),
        sa.Column("created_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_storage_objects_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_storage_objects_seller_id_sellers"), ondelete="CASCADE"
        ),
        # The account's seller and the copied seller_id cannot disagree (a journal hour has no account).
        sa.ForeignKeyConstraint(
            ["marketplace_account_id", "seller_id"],
            ["marketplace_accounts.id", "marketplace_accounts.seller_id"],
            name="fk_storage_objects_account_seller",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storage_objects")),
        sa.UniqueConstraint("key", name=op.f("uq_storage_objects_key")),
    )
    with op.batch_alter_table("storage_objects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_storage_objects_seller_id"), ["seller_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_storage_objects_marketplace_account_id"), ["marketplace_account_id"], unique=False
        )
    # Documents written before this revision sit in <data dir>/documents/<key>, which is where the local
    # backend keeps key "documents/<key>": rename the keys and give each object its row (the newest document
    # of a key describes the file, as the old writer overwrote it).
    op.execute(
        "UPDATE documents SET storage_key = 'documents/' || storage_key WHERE storage_key NOT LIKE 'documents/%'"
    )
    op.execute(
        "INSERT INTO storage_objects (key, seller_id, marketplace_account_id, mime, size, sha256, backend, "
        "created_at, updated_at) SELECT storage_key, seller_id, marketplace_account_id, content_type, size_bytes, "
        "sha256, 'local', created_at, created_at FROM documents "
        "WHERE id IN (SELECT max(id) FROM documents GROUP BY storage_key)"
    )


def downgrade() -> None:
    op.drop_table("storage_objects")
    op.execute("UPDATE documents SET storage_key = substr(storage_key, 11) WHERE storage_key LIKE 'documents/%'")
