"""Kirana Hub's own tiny sandbox: a token-authenticated, paginated order feed (real HTTP semantics), and the
few calls of its dispatch: accept orders, read a label, hand a batch over to the courier."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Body, FastAPI, Header, HTTPException, Query

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
            "ship_to": {"pincode": "560034", "state_code": "29"},  # Bengaluru, Karnataka
            "lines": [{"line_id": f"KH-{n:05d}-1", "sku": f"SKU-{n % 7}", "qty": 1 + n % 2, "price": f"{100 + n}.50"}],
        }
        for n in range(count)
    ]


class Dispatch:
    """What Kirana Hub keeps of a shop's dispatch: accepted orders and handovers, and how often each
    order was accepted or handed over (a test checks nothing is sent twice)."""

    def __init__(self) -> None:
        self.accepted: set[str] = set()
        self.accepts: Counter[str] = Counter()
        self.handovers: dict[str, list[str]] = {}  # handover id -> order ids
        self.handed: Counter[str] = Counter()
        self.by_key: dict[str, str] = {}  # Idempotency-Key -> handover id (replayed, not repeated)


def create_app(orders: list[dict[str, Any]], dispatch: Dispatch | None = None) -> FastAPI:
    app = FastAPI()
    book = dispatch or Dispatch()
    by_id = {o["id"]: o for o in orders}

    def authorised(authorization: str) -> None:
        if authorization != f"Token {SHOP_TOKEN}":
            raise HTTPException(401, "bad token")

    @app.get("/v1/orders")
    def list_orders(
        updated_from: str, updated_to: str, page: int = Query(0, ge=0), authorization: str = Header("")
    ) -> dict[str, Any]:
        authorised(authorization)
        start, end = datetime.fromisoformat(updated_from), datetime.fromisoformat(updated_to)
        match = [o for o in orders if start <= datetime.fromisoformat(o["updated"]) < end]
        chunk = match[page * 10 : (page + 1) * 10]
        return {"orders": chunk, "next_page": page + 1 if (page + 1) * 10 < len(match) else None}

    @app.get("/v1/orders/{order_id}")
    def get_order(order_id: str, authorization: str = Header("")) -> dict[str, Any]:
        authorised(authorization)
        if order_id not in by_id:
            raise HTTPException(404, "no such order")
        return {**by_id[order_id], "accepted": order_id in book.accepted}

    @app.post("/v1/orders/accept")
    def accept(ids: list[str] = Body(embed=True), authorization: str = Header("")) -> dict[str, Any]:
        authorised(authorization)
        results = []
        for order_id in ids:
            order = by_id.get(order_id)
            if order is None or order["state"] != "placed":
                results.append({"id": order_id, "status": "REFUSED", "reason": "not open"})
                continue
            book.accepted.add(order_id)
            book.accepts[order_id] += 1  # every acceptance sent, a repeat too: a flow must look first
            results.append({"id": order_id, "status": "ACCEPTED"})
        return {"results": results}

    @app.get("/v1/orders/{order_id}/label")
    def label(order_id: str, authorization: str = Header("")) -> dict[str, Any]:
        authorised(authorization)
        if order_id not in book.accepted:
            raise HTTPException(409, "accept the order first")
        return {"awb": f"KHX{order_id[3:]}", "courier": "Kirana Express"}

    @app.post("/v1/handovers")
    def handover(
        ids: list[str] = Body(embed=True), authorization: str = Header(""), idempotency_key: str = Header("")
    ) -> dict[str, Any]:
        authorised(authorization)
        if idempotency_key in book.by_key:
            return {"handover_id": book.by_key[idempotency_key]}
        handover_id = f"HO-{len(book.handovers) + 1:04d}"
        book.handovers[handover_id] = list(ids)
        book.handed.update(ids)
        if idempotency_key:
            book.by_key[idempotency_key] = handover_id
        return {"handover_id": handover_id}

    return app
