"""Kirana Hub's adapter: a satellite model, typed credentials, its client and sync_orders — registered by code.

Nothing in Robnu's core changes for it: it declares its satellite on Robnu's base, opens its
client through the adapter base (which also validates the credentials with ``_probe``), and maps its feed
onto the generic OrderRecord that the unchanged leaf tables store. Its dispatch flow is in processing.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
from pydantic import Field, SecretStr
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from robnu.adapters.auth import MarketplaceAuth
from robnu.adapters.base import Adapter, AdapterContext, map_or_quarantine
from robnu.adapters.client import MarketplaceClient
from robnu.adapters.credentials_base import CredentialModel
from robnu.adapters.errors import MarketplaceAuthError
from robnu.adapters.ratelimit import OperationLimit
from robnu.db.satellite import AccountSatellite, SatelliteSpec
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.records import OrderItemRecord, OrderRecord, Quarantine, SyncWindow
from robnu.domain.statuses import OrderStatus

CODE = "KIRANA_HUB"
LIMITS = {"orders": OperationLimit(rate=50, burst=10)}


class KiranaHubAccountDetails(AccountSatellite):
    __tablename__ = "kirana_hub_account_details"
    shop_id: Mapped[str] = mapped_column(String(20))
    api_token_ciphertext: Mapped[str] = mapped_column(Text)


class KiranaHubCredentials(CredentialModel):
    shop_id: str = Field(pattern=r"^KH[0-9]{4}$")
    api_token: SecretStr


class KiranaAuth(MarketplaceAuth):
    """A static shop token on every request; a 401 means the token is refused (reconnect)."""

    def __init__(self, creds: KiranaHubCredentials) -> None:
        super().__init__(creds.secret_values())
        self.creds = creds

    def apply(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Token {self.creds.api_token.get_secret_value()}"

    def token_expired(self, response: httpx.Response) -> bool:
        return False  # no access tokens: nothing to refresh

    def invalidate(self) -> None:
        return None

    def auth_error(self, response: httpx.Response) -> MarketplaceAuthError:
        return MarketplaceAuthError("Kirana Hub refused the token", http_status=response.status_code, code="BAD_TOKEN")


class KiranaClient(MarketplaceClient[KiranaAuth]):
    def call(self, operation: str, method: str, path: str, **kwargs: Any) -> Any:
        return self.http.request_json(operation, method, path, auth=self.auth, **kwargs)

    def orders(self, start: datetime, end: datetime) -> Iterator[list[dict[str, Any]]]:
        page: int | None = 0
        while page is not None:
            params = {"updated_from": start.isoformat(), "updated_to": end.isoformat(), "page": page}
            body = self.call("orders", "GET", "/v1/orders", params=params)
            yield list(body["orders"])
            page = body["next_page"]


class KiranaHubAdapter(Adapter[KiranaHubCredentials, KiranaClient]):
    code = CODE
    display_name = "Kirana Hub"
    satellite = SatelliteSpec(
        model=KiranaHubAccountDetails,
        credentials=KiranaHubCredentials,
        identity={"shop_id": "shop_id"},
        secrets={"api_token": "api_token_ciphertext"},
        external_account_field="shop_id",
    )
    supported_targets = frozenset({ScheduleTarget.ORDERS, ScheduleTarget.CREDENTIAL_CHECK})

    def open_client(self, ctx: AdapterContext[KiranaHubCredentials]) -> KiranaClient:
        return KiranaClient(
            ctx.http.client(CODE, "api", "https://api.kiranahub.example", LIMITS), KiranaAuth(ctx.credentials)
        )

    def _probe(self, client: KiranaClient, ctx: AdapterContext[KiranaHubCredentials]) -> None:
        params = {"updated_from": "2026-01-01T00:00:00+00:00", "updated_to": "2026-01-01T00:00:01+00:00"}
        client.call("orders", "GET", "/v1/orders", params=params)

    def sync_orders(
        self, ctx: AdapterContext[KiranaHubCredentials], window: SyncWindow
    ) -> Iterator[OrderRecord | Quarantine]:
        with self.open_client(ctx) as client:
            for page in client.orders(window.start, window.end):
                for o in page:
                    yield map_or_quarantine(self._map, o, o.get("id"))

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
        ship_to = o.get("ship_to") or {}
        return OrderRecord(
            external_id=o["id"],
            source_updated_at=datetime.fromisoformat(o["updated"]),
            status=OrderStatus.NEW,
            raw_status=o["state"],
            ordered_at=datetime.fromisoformat(o["placed"]),
            order_total=Decimal(o["total"]),
            items=items,
            ship_pincode=ship_to.get("pincode"),
            ship_state_code=ship_to.get("state_code"),
        )
