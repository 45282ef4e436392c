"""``meesho_account_details``: supplier and warehouses in clear; key and secret encrypted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from robnu.adapters.meesho.credentials import MeeshoCredentials
from robnu.db.models import Base
from robnu.db.satellite import SatelliteSpec
from robnu.db.types import UTCDateTime


class MeeshoAccountDetails(Base):
    __tablename__ = "meesho_account_details"
    marketplace_account_id: Mapped[int] = mapped_column(
        ForeignKey("marketplace_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[str] = mapped_column(String(16))
    warehouse_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    api_key_ciphertext: Mapped[str] = mapped_column(Text)
    api_secret_ciphertext: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


SATELLITE = SatelliteSpec(
    model=MeeshoAccountDetails,
    credentials=MeeshoCredentials,
    identity={"supplier_id": "supplier_id", "warehouse_ids": "warehouse_ids"},
    secrets={"api_key": "api_key_ciphertext", "api_secret": "api_secret_ciphertext"},
    external_account_field="supplier_id",
)
