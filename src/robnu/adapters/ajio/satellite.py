"""``ajio_account_details``: the POB id in clear, each blob separately encrypted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from robnu.adapters.ajio.credentials import AjioCredentials
from robnu.db.models import Base
from robnu.db.satellite import SatelliteSpec
from robnu.db.types import UTCDateTime


class AjioAccountDetails(Base):
    __tablename__ = "ajio_account_details"
    marketplace_account_id: Mapped[int] = mapped_column(
        ForeignKey("marketplace_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    pob_id: Mapped[str] = mapped_column(String(16))
    api_password_ciphertext: Mapped[str] = mapped_column(Text)
    store_ciphertext: Mapped[str] = mapped_column(Text)
    einvoice_ciphertext: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


SATELLITE = SatelliteSpec(
    model=AjioAccountDetails,
    credentials=AjioCredentials,
    identity={"pob_id": "pob_id"},
    secrets={
        "api_password": "api_password_ciphertext",
        "store": "store_ciphertext",
        "einvoice": "einvoice_ciphertext",
    },
    external_account_field="pob_id",
)
