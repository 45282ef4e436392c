"""Valid credential sets of the right shape for each marketplace (not real credentials), and small rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from robnu.db.models import Product

CANARY = "CANARY-7f3c9a1e-do-not-leak"


def credentials(code: str, n: int = 1, secret: str = "s3cret-value-xyz") -> dict[str, Any]:
    if code == "AJIO":
        return {
            "pob_id": f"DV4K7Q{n:02d}",
            "api_password": secret,
            "store": {
                "store_code": "JPR-WH1",
                "ship_from_pincode": "302013",
                "state_code": "08",
                "seller_gstin": "08ABCDE1234F1Z0",
                "invoice_series_prefix": "JPR/",
            },
            "einvoice": {"enabled": False},
        }
    if code == "MEESHO":
        return {
            "supplier_id": f"{100000 + n}",
            "api_key": f"mk_test_{n:06d}",
            "api_secret": "msk_" + secret * 2,
            "warehouse_ids": ["WH1"],
        }
    if code == "AMAZON_IN":
        return {
            "selling_partner_id": f"A1B2C3D4E5F6{n:02d}",
            "marketplace_id": "A21TJRUUN4KGV",
            "lwa_client_id": "amzn1.application-oa2-client.0123456789abcdef",
            "lwa_client_secret": secret,
            "refresh_token": "Atzr|" + secret,
        }
    if code == "FLIPKART":
        return {
            "seller_id": f"3ff3e289367b42{n:02d}",
            "location_id": "LOC" + "a" * 32,
            "app_id": "app-id-1",
            "app_secret": secret,
        }
    raise ValueError(code)


ALL_CODES = ("AJIO", "MEESHO", "AMAZON_IN", "FLIPKART")


def product(seller_id: int, sku: str, on_hand: int, at: datetime, *, version: int = 1) -> Product:
    """A product of the seller's SKU master with ``on_hand`` units, none reserved (add it to a session)."""
    return Product(
        seller_id=seller_id, sku=sku, on_hand=on_hand, reserved=0, stock_version=version, created_at=at, updated_at=at
    )
