"""What the database remembers about the master keys: a fingerprint per key id, never a key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from robnu.db.models import Base
from robnu.db.types import UTCDateTime


class MasterKeyCheck(Base):
    """The check value (an HMAC of a fixed label under the key) of every master key that has sealed data here:
    a ring that brings a different key under a known id is refused at start, instead of every secret reading
    as tampered."""

    __tablename__ = "master_key_checks"
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    check_value: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
