"""Jobs: `run_reports`, one row per scheduled run of (account, target) (issue 6).

Procrastinate's own schema is not an Alembic migration: it is applied on PostgreSQL by
``robnu worker --apply-schema`` / ``robnu db upgrade`` (robnu.jobs.procrastinate_backend.apply_schema).

Revision ID: 0006_jobs
Revises: 0005_flipkart_details
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import robnu.db.types

revision = "0006_jobs"
down_revision = "0005_flipkart_details"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "run_reports",
        sa.Column("id", ID, nullable=False),
        sa.Column("schedule_id", ID, nullable=True),
        sa.Column("sync_run_id", ID, nullable=True),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("backend", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=100), nullable=True),
        sa.Column("started_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", robnu.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("synced", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("emailed_at", robnu.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("seller_id", ID, nullable=False),
        sa.Column("marketplace_account_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_run_reports_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_run_reports_schedule_id_schedules"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_run_reports_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sync_run_id"], ["sync_runs.id"], name=op.f("fk_run_reports_sync_run_id_sync_runs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_reports")),
    )
    with op.batch_alter_table("run_reports", schema=None) as batch_op:
        batch_op.create_index("ix_run_reports_account_started", ["marketplace_account_id", "started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_run_reports_seller_id"), ["seller_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("run_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_reports_seller_id"))
        batch_op.drop_index("ix_run_reports_account_started")
    op.drop_table("run_reports")
