"""``flipkart_account_details``: seller and location in clear; application id and secret encrypted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from robnu.adapters.flipkart.credentials import FlipkartCredentials
from robnu.db.models import Base
from robnu.db.satellite import SatelliteSpec
from robnu.db.types import UTCDateTime


class FlipkartAccountDetails(Base):
    __tablename__ = "flipkart_account_details"
    marketplace_account_id: Mapped[int] = mapped_column(
        ForeignKey("marketplace_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    flipkart_seller_id: Mapped[str] = mapped_column(String(32))
    location_id: Mapped[str] = mapped_column(String(40))
    app_id_ciphertext: Mapped[str] = mapped_column(Text)
    app_secret_ciphertext: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


SATELLITE = SatelliteSpec(
    model=FlipkartAccountDetails,
    credentials=FlipkartCredentials,
    identity={"seller_id": "flipkart_seller_id", "location_id": "location_id"},
    secrets={"app_id": "app_id_ciphertext", "app_secret": "app_secret_ciphertext"},
    external_account_field="seller_id",
)
