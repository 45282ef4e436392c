"""Kirana Hub's adapter: a satellite model, typed credentials and sync_orders — registered by code.

Nothing in Robnu's core changes for it: it declares its own satellite (with its own metadata) and
maps its feed onto the generic OrderRecord that the unchanged leaf tables store.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field, SecretStr
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from robnu.adapters.base import AdapterContext, MarketplaceAdapter, ValidationOutcome, map_or_quarantine
from robnu.adapters.credentials_base import CredentialModel
from robnu.adapters.ratelimit import OperationLimit
from robnu.db.models import MarketplaceAccount, Seller
from robnu.db.satellite import SatelliteSpec
from robnu.db.types import UTCDateTime
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.records import OrderItemRecord, OrderRecord, Quarantine, SyncWindow
from robnu.domain.statuses import OrderStatus, ValidationStatus


class KiranaBase(DeclarativeBase):
    pass


class KiranaHubAccountDetails(KiranaBase):
    __tablename__ = "kirana_hub_account_details"
    marketplace_account_id: Mapped[int] = mapped_column(ForeignKey(MarketplaceAccount.__table__.c.id), primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey(Seller.__table__.c.id))
    shop_id: Mapped[str] = mapped_column(String(20))
    api_token_ciphertext: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KiranaHubCredentials(CredentialModel):
    shop_id: str = Field(pattern=r"^KH[0-9]{4}$")
    api_token: SecretStr


class KiranaHubAdapter(MarketplaceAdapter):
    code = "KIRANA_HUB"
    display_name = "Kirana Hub"
    satellite = SatelliteSpec(
        model=KiranaHubAccountDetails,
        credentials=KiranaHubCredentials,  # type: ignore[arg-type]
        identity={"shop_id": "shop_id"},
        secrets={"api_token": "api_token_ciphertext"},
        external_account_field="shop_id",
    )
    supported_targets = frozenset({ScheduleTarget.ORDERS, ScheduleTarget.CREDENTIAL_CHECK})

    def _headers(self, ctx: AdapterContext) -> dict[str, str]:
        creds: Any = ctx.credentials
        return {"Authorization": f"Token {creds.api_token.get_secret_value()}"}

    def validate_credentials(self, ctx: AdapterContext) -> ValidationOutcome:
        http = ctx.http.client(self.code, "api", "https://api.kiranahub.example", {})
        r = http.client.get(
            "/v1/orders",
            params={"updated_from": "2026-01-01T00:00:00+00:00", "updated_to": "2026-01-01T00:00:01+00:00"},
            headers=self._headers(ctx),
        )
        if r.status_code == 401:
            return ValidationOutcome(ValidationStatus.INVALID, 401, "BAD_TOKEN", "token refused")
        return ValidationOutcome(ValidationStatus.VALID, r.status_code)

    def sync_orders(self, ctx: AdapterContext, window: SyncWindow) -> Iterator[OrderRecord | Quarantine]:
        http = ctx.http.client(
            self.code, "api", "https://api.kiranahub.example", {"orders": OperationLimit(rate=50, burst=10)}
        )
        page: int | None = 0
        while page is not None:
            body = http.request_json(
                "orders",
                "GET",
                "/v1/orders",
                headers=self._headers(ctx),
                params={"updated_from": window.start.isoformat(), "updated_to": window.end.isoformat(), "page": page},
            )
            for o in body["orders"]:
                yield map_or_quarantine(self._map, o, o.get("id"))
            page = body["next_page"]

    @staticmethod
    def _map(o: dict[str, Any]) -> OrderRecord:
        items = [
            OrderItemRecord(
                external_id=li["line_id"],
                sku=li["sku"],
                quantity=int(li["qty"]),
                unit_price=Decimal(li["price"]),
                line_total=Decimal(li["price"]) * int(li["qty"]),
            )
            for li in o["lines"]
        ]
        return OrderRecord(
            external_id=o["id"],
            source_updated_at=datetime.fromisoformat(o["updated"]),
            status=OrderStatus.NEW,
            raw_status=o["state"],
            ordered_at=datetime.fromisoformat(o["placed"]),
            order_total=Decimal(o["total"]),
            items=items,
        )
