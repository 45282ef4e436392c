"""What every Flipkart handler shares: the ``FlipkartApi`` context (kit, world, tokens, reports, switches),
the auth/guard/lock prologue, route registration and the small request parsers.

Every handler starts with ``api.enter(request, operation)``: the rate limit and generic faults first, then
the world lock (held until the handler returns, see ``route``), the token-fault switches, the bearer check
and the lifecycle catch-up of the account.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request

from robnu.sandbox.faults import FaultKind
from robnu.sandbox.flipkart.auth import TokenStore
from robnu.sandbox.flipkart.errors import fail
from robnu.sandbox.flipkart.model import Shipment
from robnu.sandbox.flipkart.reports import Reports
from robnu.sandbox.flipkart.world import World
from robnu.sandbox.kit import SandboxKit

Endpoint = Callable[..., Any]


async def raw_body(request: Request) -> bytes:
    """A dependency so that handlers stay plain ``def`` functions and still see the raw body."""
    return await request.body()


def parse_json(body: bytes) -> Any:
    if not body.strip():
        raise fail(400, "Request body is required")
    try:
        return json.loads(body)
    except ValueError:
        raise fail(400, "Malformed JSON request body") from None


def split_ids(raw: str, limit: int, what: str = "shipmentIds") -> list[str]:
    """A comma-separated id list of at most ``limit`` ids; 400 naming ``what`` otherwise."""
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if not values:
        raise fail(400, f"{what} is required")
    if len(values) > limit:
        raise fail(400, f"At most {limit} {what} per request")
    return values


def item_result(shipment_id: str, error: str | None = None, message: str | None = None) -> dict[str, Any]:
    """One shipment's outcome in a batch answer (pack, dispatch, cancel, form acknowledgements)."""
    return {
        "shipmentId": shipment_id,
        "status": "FAILURE" if error else "SUCCESS",
        "errorCode": error,
        "errorMessage": message,
    }


class FlipkartApi:
    def __init__(self, kit: SandboxKit, world: World, tokens: TokenStore, reports: Reports) -> None:
        self.kit = kit
        self.world = world
        self.tokens = tokens
        self.reports = reports
        self.form_fail_switch: set[str] = set()  # shipments whose next pack ends FORM_FAILED
        # The OpenAPI document and SDK name the per-shipment outcome "status"; Flipkart's older docs say
        # "processingStatus". A control switch (default off) answers the older name.
        self.legacy_processing_status = False

    def reset(self) -> None:
        self.form_fail_switch.clear()

    def route(self, app: FastAPI, method: str, path: str, operation_id: str) -> Callable[[Endpoint], Endpoint]:
        """Register a marketplace route that holds the world lock from ``enter`` until it returns."""

        def register(endpoint: Endpoint) -> Endpoint:
            app.add_api_route(path, self._locked(endpoint), methods=[method], operation_id=operation_id)
            return endpoint

        return register

    def _locked(self, endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return endpoint(*args, **kwargs)
            finally:
                request = kwargs.get("request")
                if request is not None and getattr(request.state, "fk_locked", False):
                    request.state.fk_locked = False
                    self.world.lock.release()

        return run

    def enter(self, request: Request, operation: str) -> str:
        """Guard, lock, authenticate and catch the account's lifecycle up; returns the account key."""
        key = self.tokens.peek(request)
        self.kit.guard(request, operation, key)
        self.world.lock.acquire()
        request.state.fk_locked = True
        if key is not None:
            if self.kit.faults.take_one(operation, FaultKind.TOKEN_EXPIRED, key):
                self.tokens.expire(request)
            if self.kit.faults.take_one(operation, FaultKind.REVOKED_CREDENTIALS, key):
                self.world.revoke(key)
        key = self.tokens.require(request)
        self.world.tick(key)
        return key

    def results(self, results: list[dict[str, Any]]) -> dict[str, Any]:
        if self.legacy_processing_status:
            results = [{("processingStatus" if k == "status" else k): v for k, v in r.items()} for r in results]
        return {"shipments": results}

    def own(self, key: str, shipment_id: str) -> Shipment | None:
        sh = self.world.shipments.get(shipment_id)
        return sh if sh is not None and sh.account_key == key else None

    def owned(self, key: str, shipment_ids: list[str]) -> list[Shipment]:
        found = []
        for sid in shipment_ids:
            sh = self.own(key, sid)
            if sh is None:
                raise fail(404, f"Shipment {sid} not found", "NOT_FOUND")
            found.append(sh)
        return found

    def actionable(self, sh: Shipment) -> str | None:
        if sh.hold:
            return "Shipment is on hold"
        if self.world.clock.now() < sh.dispatch_after:
            return "Shipment cannot be processed before dispatchAfterDate"
        return None
