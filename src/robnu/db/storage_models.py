"""Every stored object (document, raw-payload journal hour) has a row: its key, type, size, checksum, owner
and the backend that holds it. Reads go through the row, so a damaged or swapped object is caught."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from robnu.db.models import Base
from robnu.db.types import BigId, UTCDateTime


class StorageObject(Base):
    __tablename__ = "storage_objects"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(500), unique=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    # Set for an account's objects (documents); a journal hour spans a seller's accounts on one marketplace.
    marketplace_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("marketplace_accounts.id", ondelete="CASCADE"), index=True
    )
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    backend: Mapped[str] = mapped_column(String(300))  # "local" or "s3://bucket[/prefix]"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
