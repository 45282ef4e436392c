"""Dashboard jobs whose process died: each job row names the process running it (``owner``) and when it last
showed a sign of life (``heartbeat_at``), so a poll can tell a running job from an orphaned one and mark it
INTERRUPTED; ``kind`` and ``subject_id`` say what the job was for (a retry starts the same thing again),
``message`` is what the seller reads about its end, ``retried_as`` the job that ran it again (at most one).
Only ``web_jobs`` changes; rows already there get their last update as their heartbeat.

Revision ID: 0019_web_job_heartbeats
Revises: 0018_web_jobs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import robnu.db.types

revision = "0019_web_job_heartbeats"
down_revision = "0018_web_jobs"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("web_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", robnu.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("subject_id", ID, nullable=True))
        batch_op.add_column(sa.Column("message", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("retried_as", sa.String(length=32), nullable=True))
    op.execute("UPDATE web_jobs SET heartbeat_at = updated_at")
    with op.batch_alter_table("web_jobs", schema=None) as batch_op:
        batch_op.alter_column("heartbeat_at", existing_type=robnu.db.types.UTCDateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("web_jobs", schema=None) as batch_op:
        for column in ("retried_as", "message", "subject_id", "kind", "heartbeat_at", "owner"):
            batch_op.drop_column(column)
