"""The shared kit, across all four sandboxes: one control API (accounts, orders, revoke, truth, pushed, the
lifecycle), every path a sandbox does not serve answered in that marketplace's own error shape, and a
registry a new marketplace's sandbox can join."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from robnu.sandbox.base import BaseSandbox
from robnu.sandbox.kit import SandboxKit, create_app, make_kit
from robnu.sandbox.world import SANDBOXES, SandboxSpec, SandboxWorld, register_sandbox

START = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
CODES = ("AJIO", "MEESHO", "AMAZON_IN", "FLIPKART")


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    made = SandboxWorld.frozen_at(START, rate_limits_enabled=False)
    yield made
    made.close()


def client(world: SandboxWorld, code: str, endpoint: str = "api") -> httpx.Client:
    return httpx.Client(transport=world.transport(), base_url=world.endpoints()[code][endpoint])


@pytest.mark.parametrize("code", CODES)
def test_every_sandbox_has_the_same_account_control_routes(world: SandboxWorld, code: str) -> None:
    http = client(world, code)
    created = http.post("/_sandbox/accounts", json={})
    assert created.status_code == 201, created.text
    key = created.json()["account_key"]
    assert world[code].has_account(key) and not world[code].has_account("nobody")
    made = http.post(f"/_sandbox/accounts/{key}/orders", json={"count": 12, "days": 5})
    assert made.status_code == 201 and made.json()["created"] >= 12
    truth = http.get(f"/_sandbox/accounts/{key}/truth").json()
    assert set(made.json()["order_ids"]) == set(truth["orders"]) == set(world[code].truth(key)["orders"])
    assert http.get(f"/_sandbox/accounts/{key}/pushed").json() == world[code].pushed(key)
    assert http.post(f"/_sandbox/accounts/{key}/orders", json={"count": 0}).status_code == 422
    for path in ("truth", "pushed"):
        missing = http.get(f"/_sandbox/accounts/nobody/{path}")
        assert missing.status_code == 404 and missing.json() == {"detail": "unknown account nobody"}
    assert http.post("/_sandbox/accounts/nobody/revoke").status_code == 404
    assert http.post(f"/_sandbox/accounts/{key}/revoke").json() == {"revoked": True}


def test_the_lifecycle_advance_moves_the_one_clock_of_the_world(world: SandboxWorld) -> None:
    before = world.clock.now()
    for code in CODES:
        moved = client(world, code).post("/_sandbox/lifecycle/advance", json={"seconds": 60})
        assert moved.status_code == 200
    assert world.clock.now() - before == timedelta(minutes=4)
    world["FLIPKART"].advance(timedelta(seconds=30))  # the protocol takes a timedelta everywhere
    world["MEESHO"].advance(timedelta(seconds=30))
    assert world.clock.now() - before == timedelta(minutes=5)


def _ajio(body: dict[str, Any], status: int) -> str:
    assert body["success"] is False and body["statusCode"] == status and body["message"]
    return str(body["errorCode"])


def _meesho(body: dict[str, Any], status: int) -> str:
    assert body["success"] is False and body["error"]["request_id"].startswith("req_")
    return str(body["error"]["code"])


def _amazon(body: dict[str, Any], status: int) -> str:
    assert set(body) == {"errors"} and len(body["errors"]) == 1
    error = body["errors"][0]
    assert error["message"] and isinstance(error["details"], str)
    return str(error["code"])


def _flipkart(body: dict[str, Any], status: int) -> str:
    assert set(body) == {"errorCode", "errorMessage"}
    return str(body["errorCode"])


# code -> (unknown path, a served path, a method it does not take, how the body names the error, 404 code, 405 code)
NOT_SERVED: dict[str, tuple[str, str, str, Callable[[dict[str, Any], int], str], str, str]] = {
    "AJIO": ("/orders/v9/nope", "/products", "DELETE", _ajio, "NOT_FOUND", "METHOD_NOT_ALLOWED"),
    "MEESHO": ("/v1/nope", "/v1/sub-orders", "DELETE", _meesho, "NOT_FOUND", "NOT_FOUND"),
    "AMAZON_IN": ("/orders/v0/nope", "/orders/2026-01-01/orders", "DELETE", _amazon, "NotFound", "MethodNotAllowed"),
    "FLIPKART": (
        "/sellers/v9/nope",
        "/sellers/v3/shipments/filter",
        "DELETE",
        _flipkart,
        "NOT_FOUND",
        "METHOD_NOT_ALLOWED",
    ),
}


@pytest.mark.parametrize("code", CODES)
def test_paths_a_sandbox_does_not_serve_answer_in_the_marketplace_error_shape(world: SandboxWorld, code: str) -> None:
    unknown, served, method, error_code, code_404, code_405 = NOT_SERVED[code]
    http = client(world, code)
    missing = http.get(unknown)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/json")
    assert error_code(missing.json(), 404) == code_404
    wrong = http.request(method, served)
    assert wrong.status_code == 405
    assert error_code(wrong.json(), 405) == code_405
    assert "GET" in wrong.headers["allow"] or "POST" in wrong.headers["allow"]
    assert missing.headers["x-robnu-sandbox"] == "1"
    # sandbox-only paths keep the web framework's own answer: they are not the marketplace's
    control = http.get("/_sandbox/nope")
    assert control.status_code == 404 and control.json() == {"detail": "Not Found"}


def test_amazon_not_served_answers_carry_a_request_id_and_lwa_keeps_its_oauth_shape(world: SandboxWorld) -> None:
    missing = client(world, "AMAZON_IN").get("/finances/v0/nope")
    assert missing.headers["x-amzn-requestid"]
    lwa = client(world, "AMAZON_IN", "auth").get("/auth/o2/token")
    assert lwa.status_code == 405 and set(lwa.json()) == {"error", "error_description"}


# ------------------------------------------------------------------ a fifth marketplace's sandbox


class _FakeErrors:
    def throttled(self, operation: str, retry_after: float) -> Response:
        return JSONResponse({"fault": "slow down"}, status_code=429)

    def server_error(self, operation: str, status: int) -> Response:
        return JSONResponse({"fault": "broken"}, status_code=status)

    def not_served(self, method: str, path: str, status: int) -> Response:
        return JSONResponse({"fault": f"no {method} {path}"}, status_code=status)

    def invalid_request(self, problems: Sequence[tuple[str, str]]) -> Response:
        return JSONResponse({"fault": [f for f, _ in problems]}, status_code=400)


class _FakeSandbox(BaseSandbox):
    code = "FAKE"

    def __init__(self, kit: SandboxKit) -> None:
        super().__init__(kit)
        self.orders: dict[str, list[str]] = {}
        app = create_app(kit, "fake marketplace")

        @app.get("/orders")
        def orders(request: Request, seller: str) -> dict[str, Any]:
            kit.guard(request, "listOrders", seller)
            return {"orders": self.orders.get(seller, [])}

        self.apps["api"] = app

    def create_account(self, **overrides: Any) -> dict[str, Any]:
        key = str(overrides.get("seller", f"S{len(self.orders) + 1}"))
        self.orders[key] = []
        return {"account_key": key}

    def has_account(self, account_key: str) -> bool:
        return account_key in self.orders

    def generate_orders(self, account_key: str, count: int, *, days: float = 30) -> list[str]:
        made = [f"{account_key}-{len(self.orders[account_key]) + n}" for n in range(count)]
        self.orders[account_key] += made
        return made

    def revoke(self, account_key: str) -> None:
        del self.orders[account_key]

    def truth(self, account_key: str) -> dict[str, Any]:
        return {"orders": {o: {} for o in self.orders[account_key]}}

    def pushed(self, account_key: str) -> dict[str, Any]:
        return {}


def _build_fake(*, seed: int, clock: Any, rate_scale: float = 1.0, rate_limits_enabled: bool = True) -> _FakeSandbox:
    return _FakeSandbox(make_kit("fake", _FakeErrors(), {}, clock, rate_scale=rate_scale))


def test_a_registered_sandbox_joins_a_world_and_gets_the_kit_control_api() -> None:
    register_sandbox(SandboxSpec("FAKE", _build_fake, {"api": "fake.sandbox"}))
    try:
        with pytest.raises(ValueError, match="already serve"):
            register_sandbox(SandboxSpec("OTHER", _build_fake, {"api": "fake.sandbox"}))
        made = SandboxWorld.frozen_at(START, codes=("FAKE", "AJIO"))
        assert isinstance(made.of("FAKE", _FakeSandbox), _FakeSandbox)
        with pytest.raises(TypeError):
            made.of("AJIO", _FakeSandbox)
        http = client(made, "FAKE")
        key = http.post("/_sandbox/accounts", json={"seller": "S9"}).json()["account_key"]
        assert http.post(f"/_sandbox/accounts/{key}/orders", json={"count": 3}).json()["created"] == 3
        assert http.get("/orders", params={"seller": key}).json() == {"orders": ["S9-0", "S9-1", "S9-2"]}
        assert http.get("/nope").json() == {"fault": "no GET /nope"}
        assert http.get("/orders").json() == {"fault": ["query.seller"]}
        http.post("/_sandbox/faults", json={"kind": "server_error", "params": {"status": 503}})
        assert http.get("/orders", params={"seller": key}).json() == {"fault": "broken"}
        made.close()
    finally:
        SANDBOXES.pop("FAKE", None)
    with pytest.raises(KeyError, match="FAKE"):
        SandboxWorld(codes=("FAKE",))
