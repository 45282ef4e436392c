"""``amazon_account_details``: selling partner, marketplace and region in clear; LWA secrets encrypted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from robnu.adapters.amazon_in.credentials import AmazonCredentials
from robnu.db.models import Base
from robnu.db.satellite import SatelliteSpec
from robnu.db.types import UTCDateTime


class AmazonAccountDetails(Base):
    __tablename__ = "amazon_account_details"
    marketplace_account_id: Mapped[int] = mapped_column(
        ForeignKey("marketplace_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    selling_partner_id: Mapped[str] = mapped_column(String(32))
    marketplace_id: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(4))
    lwa_client_id_ciphertext: Mapped[str] = mapped_column(Text)
    lwa_client_secret_ciphertext: Mapped[str] = mapped_column(Text)
    refresh_token_ciphertext: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


SATELLITE = SatelliteSpec(
    model=AmazonAccountDetails,
    credentials=AmazonCredentials,
    identity={
        "selling_partner_id": "selling_partner_id",
        "marketplace_id": "marketplace_id",
        "region": "region",
    },
    secrets={
        "lwa_client_id": "lwa_client_id_ciphertext",
        "lwa_client_secret": "lwa_client_secret_ciphertext",
        "refresh_token": "refresh_token_ciphertext",
    },
    external_account_field="selling_partner_id",
)
