"""What every AJIO handler shares: the ``AjioApi`` context (kit, world, tokens), the bearer-token prologue,
paging with AJIO's paging faults, lookups that answer AJIO's 404/409, and the small parsers.

Limits: [corroborated] pages of at most 50 products and 50 SKUs per inventory call; [modelled] the same page
cap elsewhere, 100 orders per confirmation upload and a 24 h replay of a ``batch_ref``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from robnu.sandbox.ajio import views
from robnu.sandbox.ajio.auth import TokenStore
from robnu.sandbox.ajio.book import Book
from robnu.sandbox.ajio.errors import fail, field_error
from robnu.sandbox.ajio.model import Manifest, Order, Return
from robnu.sandbox.ajio.world import AjioWorld
from robnu.sandbox.faults import FaultKind
from robnu.sandbox.kit import SandboxKit

DAY = 86400
MAX_PAGE = 50  # [corroborated for products; modelled elsewhere]
MAX_INVENTORY = 50  # SKUs per call [corroborated]
MAX_BATCH = 100  # orders per confirmation upload [modelled]
BATCH_TTL = DAY  # batch_ref idempotency [modelled]


def json_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        fail(400, "VALIDATION_ERROR", "request body must be a JSON object")
    return body


def check_paging(page: int, size: int) -> None:
    if page < 0 or not 1 <= size <= MAX_PAGE:
        fail(
            400,
            "VALIDATION_ERROR",
            f"page must be >= 0 and size 1..{MAX_PAGE}",
            [field_error("size", "VALIDATION_ERROR", f"size must be 1..{MAX_PAGE}")],
        )


def epoch_window(lo: int | None, hi: int | None, max_days: int) -> tuple[int, int]:
    if lo is None or hi is None:
        fail(400, "VALIDATION_ERROR", "from_date and to_date (epoch seconds) are required")
    if lo > hi or hi - lo > max_days * DAY:
        fail(400, "VALIDATION_ERROR", f"from_date must be <= to_date and the window at most {max_days} days")
    return lo, hi


def pdf_response(content: bytes, name: str) -> Response:
    return Response(content, media_type="application/pdf", headers={"Content-Disposition": f"inline; filename={name}"})


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(400, "VALIDATION_ERROR", f"{text!r} is not a YYYY-MM-DD date")


class AjioApi:
    def __init__(self, kit: SandboxKit, world: AjioWorld, tokens: TokenStore) -> None:
        self.kit = kit
        self.world = world
        self.tokens = tokens

    def authed(self, request: Request, operation: str) -> Book:
        header = request.headers.get("authorization", "")
        token = self.tokens.get(header[7:].strip() if header.lower().startswith("bearer ") else None)
        pob = token.pob_id if token else None
        self.kit.guard(request, operation, pob)
        if token is None or pob not in self.world.books:
            fail(401, "INVALID_TOKEN", "Missing or invalid bearer token")
        now = self.world.now()
        if self.kit.faults.take_one(operation, FaultKind.REVOKED_CREDENTIALS, pob):
            self.world.revoke(pob)
        if self.kit.faults.take_one(operation, FaultKind.TOKEN_EXPIRED, pob):
            token.expires = min(token.expires, now)
        book = self.world.book(pob)
        if book.account.revoked:
            fail(403, "POB_INACTIVE", f"POB {pob} is deactivated")
        if now >= token.expires:
            fail(401, "TOKEN_EXPIRED", "Access token expired; call /authToken again")
        if token.superseded_at is not None and now >= token.superseded_at:
            fail(401, "TOKEN_SUPERSEDED", "Access token replaced by a newer /authToken call")
        return book

    def order_of(self, book: Book, order_id: str) -> Order:
        order = book.by_id.get(order_id)
        if order is None:
            fail(404, "NOT_FOUND", f"order {order_id} not found")
        return order

    def paged(
        self, op: str, pob: str, items: Sequence[Any], page: int, size: int, touch: Any = None
    ) -> tuple[list[Any], dict[str, int]]:
        """Page with the marketplace-specific paging faults (DUPLICATE / CHANGE_BETWEEN_PAGES)."""
        if page > 0 and touch is not None and self.kit.faults.take_one(op, FaultKind.CHANGE_BETWEEN_PAGES, pob):
            items = touch(items[0]) if items else items
        rows, meta = views.page_of(items, page, size)
        if page > 0 and rows and self.kit.faults.take_one(op, FaultKind.DUPLICATE_ACROSS_PAGES, pob):
            prev = page * size - 1
            if 0 <= prev < len(items):
                rows = [items[prev], *rows]
        return rows, meta

    def ready(self, book: Book, order_id: str, kind: str) -> Order:
        order = self.order_of(book, order_id)
        if order.invoice is None or self.world.now() < order.invoice.label_ready_at:
            fail(409, "LABEL_NOT_READY", f"{kind} for {order_id} is not ready yet")
        return order

    def manifest_of(self, book: Book, manifest_id: str) -> Manifest:
        man = book.manifests.get(manifest_id)
        if man is None:
            fail(404, "NOT_FOUND", f"manifest {manifest_id} not found")
        return man

    def return_of(self, book: Book, return_id: str) -> Return:
        ret = book.returns_by_id.get(return_id)
        if ret is None or not self.world.visible_return(ret, self.world.now()):
            fail(404, "NOT_FOUND", f"return {return_id} not found")
        return ret

    def cycle_lines(self, book: Book, settlement_id: str) -> tuple[str, list[Any]]:
        cycle = self.world.find_cycle(book, settlement_id)
        if cycle is None:
            fail(404, "NOT_FOUND", f"settlement {settlement_id} not found")
        return settlement_id, self.world.statement(book, cycle)
