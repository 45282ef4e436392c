"""The dashboard's long actions (sync now, check credentials, close a batch) as rows: any process serving the
dashboard answers a poll of a job that another one runs (``robnu serve --workers N``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from robnu.db.models import Base
from robnu.db.types import BigId, UTCDateTime


class WebJob(Base):
    __tablename__ = "web_jobs"
    __table_args__ = (Index("ix_web_jobs_seller_started", "seller_id", "started_at"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, unguessable: it goes in a URL
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    total: Mapped[int] = mapped_column(Integer)  # steps
    done: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))  # QUEUED, RUNNING, DONE, FAILED, INTERRUPTED
    current: Mapped[str | None] = mapped_column(String(200))  # the step running now
    results: Mapped[str] = mapped_column(Text, default="[]")  # JSON list: one line per finished step
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner: Mapped[str | None] = mapped_column(String(160))  # the process running it: host/pid namespace:pid:token
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)  # its last sign of life (stale: orphaned)
    kind: Mapped[str | None] = mapped_column(String(32))  # what it does: sync, validate, close_batch
    subject_id: Mapped[int | None] = mapped_column(BigId)  # its account/batch
    message: Mapped[str | None] = mapped_column(String(500))  # why it ended so, for the seller (interrupted)
    retried_as: Mapped[str | None] = mapped_column(String(32))  # the job that ran it again
