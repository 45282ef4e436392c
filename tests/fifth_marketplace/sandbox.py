"""Kirana Hub's own tiny sandbox: a token-authenticated, paginated order feed (real HTTP semantics)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Header, HTTPException, Query

SHOP_TOKEN = "kh-token-0123456789"
BASE = datetime(2026, 11, 1, tzinfo=UTC)


def build_orders(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"KH-{n:05d}",
            "updated": (BASE + timedelta(minutes=n)).isoformat(),
            "state": "placed",
            "placed": (BASE + timedelta(minutes=n)).isoformat(),
            "total": f"{100 + n}.50",
            "lines": [{"line_id": f"KH-{n:05d}-1", "sku": f"SKU-{n % 7}", "qty": 1 + n % 2, "price": f"{100 + n}.50"}],
        }
        for n in range(count)
    ]


def create_app(orders: list[dict[str, Any]]) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/orders")
    def list_orders(
        updated_from: str, updated_to: str, page: int = Query(0, ge=0), authorization: str = Header("")
    ) -> dict[str, Any]:
        if authorization != f"Token {SHOP_TOKEN}":
            raise HTTPException(401, "bad token")
        start, end = datetime.fromisoformat(updated_from), datetime.fromisoformat(updated_to)
        match = [o for o in orders if start <= datetime.fromisoformat(o["updated"]) < end]
        chunk = match[page * 10 : (page + 1) * 10]
        return {"orders": chunk, "next_page": page + 1 if (page + 1) * 10 < len(match) else None}

    return app
