from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fk_helpers import BASE, START, Seller
from tests.sandbox.scale_timing import best_of, seconds_per

from robnu.domain.india import PincodeCheck, check_pincode_state, gstin_problem
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.flipkart import FlipkartSandbox, build_sandbox
from robnu.sandbox.transport import InProcessTransport


def _world(seed: int) -> tuple[FlipkartSandbox, str]:
    sb = build_sandbox(seed=seed, clock=SandboxClock(frozen_at=START))
    key = sb.create_account()["seller_id"]
    sb.generate_orders(key, 200)
    return sb, key


def test_same_seed_same_world() -> None:
    (a, ka), (b, kb), (c, kc) = _world(5), _world(5), _world(6)
    assert ka == kb and a.world.describe(ka) == b.world.describe(kb)
    assert a.truth(ka) == b.truth(kb)
    assert a.truth(ka) != c.truth(kc)
    for sa, sb_ in zip(a.world.shipments_of(ka), b.world.shipments_of(kb), strict=True):
        assert (sa.shipment_id, sa.awb, sa.buyer_name, sa.events) == (
            sb_.shipment_id,
            sb_.awb,
            sb_.buyer_name,
            sb_.events,
        )


def test_world_is_realistically_indian(sandbox: FlipkartSandbox) -> None:
    account = sandbox.create_account()
    assert gstin_problem(account["gstin"]) is None
    sandbox.generate_orders(account["seller_id"], 400)
    shipments = sandbox.world.shipments_of(account["seller_id"])
    assert all(check_pincode_state(s.place.pincode, s.place.state_code) is PincodeCheck.MATCH for s in shipments)
    payments = {s.payment_type for s in shipments}
    assert payments == {"COD", "PREPAID"}
    assert any(len(s.items) > 1 for s in shipments) and any(i.quantity > 1 for s in shipments for i in s.items)
    assert all(s.order_date <= START for s in shipments)
    assert min(s.order_date for s in shipments) >= START - timedelta(days=30)
    listings = sandbox.world.accounts[account["seller_id"]].listings.values()
    assert all(len(lst.ean) == 13 and len(lst.hsn) == 8 and lst.selling_price <= lst.mrp for lst in listings)
    truth = sandbox.truth(account["seller_id"])
    kinds = {r["kind"] for r in truth["returns"].values()}
    assert kinds == {"customer_return", "courier_return"}


def test_generic_faults_use_flipkart_shapes(seller: Seller, raw_client: httpx.Client) -> None:
    h = seller.h
    body = {"filter": {"type": "preDispatch", "states": ["APPROVED"]}}
    raw_client.post(
        "/_sandbox/faults", json={"kind": "server_error", "operation": "searchShipments", "params": {"status": 503}}
    )
    r = raw_client.post("/sellers/v3/shipments/filter", json=body, headers=h)
    assert r.status_code == 503 and r.json()["errorCode"] == "INTERNAL_ERROR"
    raw_client.post("/_sandbox/faults", json={"kind": "rate_limit", "operation": "searchShipments"})
    r = raw_client.post("/sellers/v3/shipments/filter", json=body, headers=h)
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    raw_client.post("/_sandbox/faults", json={"kind": "truncated_body", "operation": "searchShipments"})
    r = raw_client.post("/sellers/v3/shipments/filter", json=body, headers=h)
    with pytest.raises(ValueError):
        r.json()
    raw_client.post("/_sandbox/faults", json={"kind": "drop_connection", "operation": "searchShipments"})
    with pytest.raises(httpx.RemoteProtocolError):
        raw_client.post("/sellers/v3/shipments/filter", json=body, headers=h)
    assert raw_client.post("/sellers/v3/shipments/filter", json=body, headers=h).status_code == 200


def test_truth_shape(seller: Seller, sandbox: FlipkartSandbox) -> None:
    truth = sandbox.truth(seller.key)
    order_id, order = next(iter(truth["orders"].items()))
    assert order_id.startswith("OD") and {"status", "updated_at", "total", "items"} <= set(order)
    got = seller.get("/sellers/v3/shipments", params={"orderIds": order_id}).json()["shipments"][0]
    assert got["updatedAt"] == order["updated_at"] and got["orderItems"][0]["status"] == order["status"]
    total = sum(i["priceComponents"]["totalPrice"] for i in got["orderItems"])
    assert f"{total:.2f}" == order["total"]


RETURNS = {"source": "customer_return"}


def _generate_and_page(orders: int) -> tuple[float, float, float]:
    """(seconds per generated order, fastest of five page pairs, seconds per order of six hours' life cycle
    and a page of returns) for an account of ``orders`` orders."""
    sb = build_sandbox(
        seed=9, clock=SandboxClock(frozen_at=datetime(2026, 11, 18, tzinfo=UTC)), rate_limits_enabled=False
    )
    account = sb.create_account()
    per_order = seconds_per(orders, lambda: sb.generate_orders(account["seller_id"], orders))
    client = httpx.Client(transport=InProcessTransport(sb.apps["api"]), base_url=BASE)
    s = Seller(sb, client, account)
    s.login()
    body = {
        "filter": {"type": "postDispatch", "states": ["SHIPPED", "DELIVERED", "PICKUP_COMPLETE"]},
        "sort": {"field": "modifiedDate", "order": "desc"},
    }
    s.post("/sellers/v3/shipments/filter", json=body)
    timings = []
    for _ in range(5):
        t = time.perf_counter()
        r = s.post("/sellers/v3/shipments/filter", json=body)
        nxt = s.get("/sellers" + r.json()["nextPageUrl"])
        timings.append((time.perf_counter() - t) / 2)
        assert nxt.status_code == 200 and len(nxt.json()["shipments"]) == 20
    returns: list[httpx.Response] = []
    advance_per_order = seconds_per(
        orders,
        lambda: (sb.advance(timedelta(hours=6)), returns.append(s.get("/sellers/v2/returns", params=RETURNS))),
    )
    assert returns[0].status_code == 200 and len(returns[0].json()["returnItems"]) == 25
    client.close()
    return per_order, min(timings), advance_per_order


@pytest.mark.slow
def test_100k_orders_page_as_fast_as_2k() -> None:
    """Measured side by side against a 2,000-order account in the same run (ratios, so a loaded machine does
    not fail the test): a page costs about the same, and generation stays linear."""
    small_gen, small_page, small_advance = best_of(3, lambda: _generate_and_page(2_000))
    big_gen, big_page, big_advance = _generate_and_page(100_000)
    assert big_page < 5 * small_page + 0.005, (small_page, big_page)
    assert big_gen < 4 * small_gen, (small_gen, big_gen)
    assert big_advance < 4 * small_advance + 5e-6, (small_advance, big_advance)
