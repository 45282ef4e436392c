"""Orders 2026-01-01 and v0: search rules, pagination to the end, getOrder, getOrderItems,
confirmShipment (MFN), the lifecycle on the sandbox clock, and the paging fault kinds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from robnu.sandbox.amazon_in import AmazonSandbox
from robnu.sandbox.faults import FaultKind, FaultRule

SEARCH = "/orders/2026-01-01/orders"
ALL = "FULFILLMENT,RECIPIENT,PROCEEDS,PACKAGES,CANCELLATION,PAYMENT"


def walk(api: httpx.Client, headers: dict[str, str], params: dict[str, Any]) -> list[dict[str, Any]]:
    orders: list[dict[str, Any]] = []
    token = None
    for _ in range(1000):
        response = api.get(SEARCH, headers=headers, params={**params, **({"paginationToken": token} if token else {})})
        assert response.status_code == 200, response.text
        body = response.json()
        orders.extend(body["orders"])
        token = body.get("pagination", {}).get("nextToken")
        if not token:
            return orders
    raise AssertionError("pagination never ended")


def test_search_by_created_pages_to_the_end(
    sandbox: AmazonSandbox, account: dict[str, Any], raw_api: httpx.Client, headers: dict[str, str]
) -> None:
    api = raw_api  # big bodies: the contract is covered in test_amazon_contract
    orders = walk(api, headers, {"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": 37})
    ids = [o["orderId"] for o in orders]
    truth = sandbox.truth(account["selling_partner_id"])["orders"]
    assert len(ids) == len(set(ids)) == len(truth) == 400
    assert set(ids) == set(truth)
    created = [o["createdTime"] for o in orders]
    assert created == sorted(created)


def test_search_by_last_updated_matches_truth(
    sandbox: AmazonSandbox, account: dict[str, Any], raw_api: httpx.Client, headers: dict[str, str]
) -> None:
    api = raw_api  # big bodies: the contract is covered in test_amazon_contract
    orders = walk(
        api, headers, {"lastUpdatedAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": 50, "includedData": ALL}
    )
    truth = sandbox.truth(account["selling_partner_id"])["orders"]
    lag = {k for k, v in truth.items() if v["updated_at"] > "2026-11-27T11:58:00Z"}  # inside the 2-minute lag
    assert {o["orderId"] for o in orders} == set(truth) - lag
    for order in orders:
        expected = truth[order["orderId"]]
        assert order["lastUpdatedTime"] == expected["updated_at"]
        assert order["fulfillment"]["fulfillmentStatus"] == expected["status"]
        assert order["proceeds"]["grandTotal"]["amount"] == expected["total"]
        assert len(order["orderItems"]) == expected["items"]


def test_search_echoes_before_and_filters(account: dict[str, Any], api: httpx.Client, headers: dict[str, str]) -> None:
    body = api.get(
        SEARCH,
        headers=headers,
        params={"createdAfter": "2026-11-01T00:00:00Z", "createdBefore": "2026-11-20T00:00:00Z"},
    ).json()
    assert body["createdBefore"] == "2026-11-20T00:00:00Z"
    assert all("2026-11-01" <= o["createdTime"] <= "2026-11-20" for o in body["orders"])
    updated = api.get(SEARCH, headers=headers, params={"lastUpdatedAfter": "2026-11-01T00:00:00Z"}).json()
    assert updated["lastUpdatedBefore"] == "2026-11-27T11:58:00Z" and "createdBefore" not in updated
    cancelled = walk(
        api,
        headers,
        {
            "createdAfter": "2026-01-01T00:00:00Z",
            "fulfillmentStatuses": "CANCELLED",
            "includedData": "FULFILLMENT,CANCELLATION",
        },
    )
    assert cancelled and all(o["fulfillment"]["fulfillmentStatus"] == "CANCELLED" for o in cancelled)
    assert all("cancellationExecution" in o["orderItems"][0]["cancellation"] for o in cancelled)
    fba = walk(
        api, headers, {"createdAfter": "2026-01-01T00:00:00Z", "fulfilledBy": "AMAZON", "includedData": "FULFILLMENT"}
    )
    assert fba and all(o["fulfillment"]["fulfilledBy"] == "AMAZON" for o in fba)
    core = api.get(SEARCH, headers=headers, params={"createdAfter": "2026-11-01T00:00:00Z"}).json()["orders"][0]
    assert set(core) <= {
        "orderId",
        "orderAliases",
        "createdTime",
        "lastUpdatedTime",
        "programs",
        "salesChannel",
        "associatedOrders",
        "orderItems",
    }


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"createdAfter": "2026-11-01T00:00:00Z", "lastUpdatedAfter": "2026-11-01T00:00:00Z"},
        {"createdAfter": "2026-11-01T00:00:00Z", "lastUpdatedBefore": "2026-11-02T00:00:00Z"},
        {"lastUpdatedAfter": "2026-11-01T00:00:00Z", "createdBefore": "2026-11-02T00:00:00Z"},
        {"createdAfter": "2026-11-01T00:00:00Z", "createdBefore": "2026-11-27T11:59:00Z"},
        {"createdAfter": "2026-11-10T00:00:00Z", "createdBefore": "2026-11-01T00:00:00Z"},
        {"createdAfter": "2026-11-01T00:00:00Z", "maxResultsPerPage": 0},
        {"createdAfter": "2026-11-01T00:00:00Z", "maxResultsPerPage": 101},
        {"createdAfter": "2026-11-01T00:00:00Z", "fulfillmentStatuses": "Shipped"},
        {"createdAfter": "2026-11-01T00:00:00Z", "includedData": "EVERYTHING"},
        {"createdAfter": "2026-11-01T00:00:00Z", "marketplaceIds": ",".join(["A21TJRUUN4KGV"] * 51)},
        {"createdAfter": "not a date"},
    ],
)
def test_search_invalid_input(
    account: dict[str, Any], api: httpx.Client, headers: dict[str, str], params: dict[str, Any]
) -> None:
    response = api.get(SEARCH, headers=headers, params=params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"


def test_token_must_match_filters(account: dict[str, Any], api: httpx.Client, headers: dict[str, str]) -> None:
    first = api.get(SEARCH, headers=headers, params={"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": 10})
    token = first.json()["pagination"]["nextToken"]
    other = api.get(SEARCH, headers=headers, params={"createdAfter": "2026-02-01T00:00:00Z", "paginationToken": token})
    assert other.status_code == 400
    same = api.get(
        SEARCH,
        headers=headers,
        params={
            "createdAfter": "2026-01-01T00:00:00Z",
            "paginationToken": token,
            "maxResultsPerPage": 20,
            "includedData": "FULFILLMENT",
        },
    )
    assert same.status_code == 200
    garbage = api.get(SEARCH, headers=headers, params={"createdAfter": "2026-01-01T00:00:00Z", "paginationToken": "zz"})
    assert garbage.status_code == 400


def test_page_token_expires_after_24h(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, login: Any
) -> None:
    headers = login(account)
    params = {"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": 10}
    token = api.get(SEARCH, headers=headers, params=params).json()["pagination"]["nextToken"]
    sandbox.kit.clock.advance(timedelta(hours=24, seconds=1))
    response = api.get(SEARCH, headers=login(account), params={**params, "paginationToken": token})
    assert response.status_code == 400 and "expired" in response.json()["errors"][0]["message"]


def test_page_token_expired_fault(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, headers: dict[str, str]
) -> None:
    params = {"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": 10}
    token = api.get(SEARCH, headers=headers, params=params).json()["pagination"]["nextToken"]
    sandbox.kit.faults.add(FaultRule(FaultKind.PAGE_TOKEN_EXPIRED, "searchOrders"))
    assert api.get(SEARCH, headers=headers, params={**params, "paginationToken": token}).status_code == 400
    assert api.get(SEARCH, headers=headers, params={**params, "paginationToken": token}).status_code == 200


def test_duplicate_across_pages_fault(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, headers: dict[str, str]
) -> None:
    sandbox.kit.faults.add(FaultRule(FaultKind.DUPLICATE_ACROSS_PAGES, "searchOrders"))
    first = api.get(SEARCH, headers=headers, params={"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": 10})
    token = first.json()["pagination"]["nextToken"]
    second = api.get(
        SEARCH,
        headers=headers,
        params={"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": 10, "paginationToken": token},
    ).json()
    assert second["orders"][0]["orderId"] == first.json()["orders"][-1]["orderId"]
    orders = walk(api, headers, {"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": 10})
    assert len({o["orderId"] for o in orders}) == 400  # the fault fired once; nothing lost


def test_change_between_pages_fault(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, headers: dict[str, str]
) -> None:
    params = {"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": 10}
    first = api.get(SEARCH, headers=headers, params=params).json()
    served = first["orders"][-1]
    sandbox.kit.faults.add(FaultRule(FaultKind.CHANGE_BETWEEN_PAGES, "searchOrders"))
    sandbox.kit.clock.advance(timedelta(seconds=30))
    api.get(SEARCH, headers=headers, params={**params, "paginationToken": first["pagination"]["nextToken"]})
    again = api.get(f"/orders/2026-01-01/orders/{served['orderId']}", headers=headers).json()["order"]
    assert again["lastUpdatedTime"] > served["lastUpdatedTime"]
    assert again["lastUpdatedTime"] == "2026-11-27T12:00:30Z"


def test_get_order_embeds_items_and_v0_views_agree(
    account: dict[str, Any], raw_api: httpx.Client, headers: dict[str, str]
) -> None:
    api = raw_api  # big bodies: the contract is covered in test_amazon_contract
    orders = walk(api, headers, {"createdAfter": "2026-01-01T00:00:00Z", "includedData": ALL})
    for order in orders[:12]:
        oid = order["orderId"]
        one = api.get(f"/orders/2026-01-01/orders/{oid}", headers=headers, params={"includedData": ALL}).json()["order"]
        assert one == order
        v0 = api.get(f"/orders/v0/orders/{oid}", headers=headers).json()["payload"]
        status = order["fulfillment"]["fulfillmentStatus"]
        assert (
            v0["OrderStatus"]
            == {
                "PENDING": "Pending",
                "UNSHIPPED": "Unshipped",
                "SHIPPED": "Shipped",
                "CANCELLED": "Canceled",
                "PARTIALLY_SHIPPED": "PartiallyShipped",
            }[status]
        )
        assert v0["LastUpdateDate"] == order["lastUpdatedTime"]
        assert v0["FulfillmentChannel"] == ("AFN" if order["fulfillment"]["fulfilledBy"] == "AMAZON" else "MFN")
        items = api.get(f"/orders/v0/orders/{oid}/orderItems", headers=headers).json()["payload"]
        assert [i["OrderItemId"] for i in items["OrderItems"]] == [i["orderItemId"] for i in order["orderItems"]]
        if status != "PENDING":
            assert v0["OrderTotal"]["Amount"] == order["proceeds"]["grandTotal"]["amount"]
            total = sum(float(i["ItemPrice"]["Amount"]) for i in items["OrderItems"])
            assert f"{total:.2f}" == order["proceeds"]["grandTotal"]["amount"]
        place = order["recipient"]["deliveryAddress"]
        assert v0["ShippingAddress"]["PostalCode"] == place["postalCode"]


def test_indian_addresses_and_gst_split(
    sandbox: AmazonSandbox, account: dict[str, Any], raw_api: httpx.Client, headers: dict[str, str]
) -> None:
    api = raw_api  # big bodies: the contract is covered in test_amazon_contract
    from robnu.domain.india import STATE_NAME_TO_CODE, PincodeCheck, check_pincode_state

    orders = walk(api, headers, {"createdAfter": "2026-01-01T00:00:00Z", "includedData": "RECIPIENT,PAYMENT"})
    methods = set()
    for order in orders:
        address = order["recipient"]["deliveryAddress"]
        code = STATE_NAME_TO_CODE[address["stateOrRegion"]]
        assert check_pincode_state(address["postalCode"], code) is not PincodeCheck.MISMATCH
        methods.add(order["payment"]["paymentExecutions"][0]["paymentMethod"])
    assert methods == {"CashOnDelivery", "Other"}
    world_account = sandbox.world.accounts[account["selling_partner_id"]]
    splits = {o.intra_state for o in world_account.orders.values()}
    assert splits == {True, False} or len(world_account.orders) < 50


def test_v0_get_orders(account: dict[str, Any], raw_api: httpx.Client, headers: dict[str, str]) -> None:
    api = raw_api  # big bodies: the contract is covered in test_amazon_contract
    seen: list[str] = []
    params: dict[str, Any] = {
        "MarketplaceIds": "A21TJRUUN4KGV",
        "CreatedAfter": "2026-01-01T00:00:00Z",
        "MaxResultsPerPage": 45,
    }
    while True:
        payload = api.get("/orders/v0/orders", headers=headers, params=params).json()["payload"]
        seen.extend(o["AmazonOrderId"] for o in payload["Orders"])
        if "NextToken" not in payload:
            break
        params = {"MarketplaceIds": "A21TJRUUN4KGV", "NextToken": payload["NextToken"]}
    assert len(seen) == len(set(seen)) == 400
    cod = api.get(
        "/orders/v0/orders",
        headers=headers,
        params={
            "MarketplaceIds": "A21TJRUUN4KGV",
            "CreatedAfter": "2026-01-01T00:00:00Z",
            "PaymentMethods": "COD",
            "OrderStatuses": "Shipped,Canceled",
            "FulfillmentChannels": "MFN",
        },
    ).json()["payload"]["Orders"]
    assert cod and all(o["PaymentMethod"] == "COD" and o["OrderStatus"] in ("Shipped", "Canceled") for o in cod)
    by_id = api.get(
        "/orders/v0/orders",
        headers=headers,
        params={"MarketplaceIds": "A21TJRUUN4KGV", "AmazonOrderIds": ",".join(seen[:3])},
    ).json()["payload"]["Orders"]
    assert [o["AmazonOrderId"] for o in by_id] == seen[:3]
    by_seller = api.get(
        "/orders/v0/orders", headers=headers, params={"MarketplaceIds": "A21TJRUUN4KGV", "SellerOrderId": seen[5]}
    ).json()["payload"]["Orders"]
    assert [o["AmazonOrderId"] for o in by_seller] == [seen[5]]
    for bad in (
        {"CreatedAfter": "2026-01-01T00:00:00Z"},
        {"MarketplaceIds": "A21TJRUUN4KGV"},
        {"MarketplaceIds": "A21TJRUUN4KGV", "CreatedAfter": "2026-01-01T00:00:00Z", "OrderStatuses": "Lost"},
        {"MarketplaceIds": "A21TJRUUN4KGV", "NextToken": "garbage"},
    ):
        assert api.get("/orders/v0/orders", headers=headers, params=bad).status_code == 400


def _unshipped_self_ship(sandbox: AmazonSandbox, key: str) -> Any:
    from robnu.sandbox.amazon_in.orders import Stage, Track

    account = sandbox.world.accounts[key]
    now_s = sandbox.world.now_s()
    for order in account.orders.values():
        if order.track is Track.SELF_SHIP and order.stage(now_s) is Stage.UNSHIPPED and len(order.lines) > 1:
            return order
    for order in account.orders.values():
        if order.track is Track.SELF_SHIP and order.stage(now_s) is Stage.UNSHIPPED:
            return order
    raise AssertionError("no unshipped self-ship order")


def _confirm(
    api: httpx.Client, headers: dict[str, str], oid: str, items: list[tuple[str, int]], ref: str = "1"
) -> httpx.Response:
    return api.post(
        f"/orders/v0/orders/{oid}/shipmentConfirmation",
        headers=headers,
        json={
            "marketplaceId": "A21TJRUUN4KGV",
            "packageDetail": {
                "packageReferenceId": ref,
                "carrierCode": "Delhivery",
                "trackingNumber": "1234567890123",
                "shipDate": "2026-11-27T12:00:00Z",
                "orderItems": [{"orderItemId": i, "quantity": q} for i, q in items],
            },
        },
    )


def test_confirm_shipment_moves_the_order_on(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, headers: dict[str, str]
) -> None:
    key = account["selling_partner_id"]
    order = _unshipped_self_ship(sandbox, key)
    oid = order.order_id
    lines = [(line.order_item_id, line.quantity) for line in order.lines]
    before = api.get(f"/orders/2026-01-01/orders/{oid}", headers=headers, params={"includedData": "FULFILLMENT"})
    assert before.json()["order"]["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    sandbox.kit.clock.advance(timedelta(minutes=5))
    if len(lines) > 1:
        assert _confirm(api, headers, oid, lines[:1]).status_code == 204
        part = api.get(f"/orders/2026-01-01/orders/{oid}", headers=headers, params={"includedData": "FULFILLMENT"})
        assert part.json()["order"]["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
        assert part.json()["order"]["lastUpdatedTime"] == "2026-11-27T12:05:00Z"
        sandbox.kit.clock.advance(timedelta(minutes=5))
        assert _confirm(api, headers, oid, lines[1:], "2").status_code == 204
    else:
        assert _confirm(api, headers, oid, lines).status_code == 204
    after = api.get(
        f"/orders/2026-01-01/orders/{oid}", headers=headers, params={"includedData": "FULFILLMENT,PACKAGES"}
    ).json()["order"]
    assert after["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert after["packages"] and after["packages"][-1]["trackingNumber"] == "1234567890123"
    assert sandbox.truth(key)["orders"][oid]["status"] == "SHIPPED"
    pushed = sandbox.pushed(key)["dispatches"]
    assert pushed[-1]["order_id"] == oid and pushed[-1]["complete"]
    # already shipped -> 400; the timeline continues from the action time
    assert _confirm(api, headers, oid, lines).status_code == 400
    sandbox.kit.clock.advance(timedelta(days=12))
    final = sandbox.truth(key)["orders"][oid]
    assert final["status"] == "SHIPPED" and final["updated_at"] > "2026-11-28"
    packages = api.get(
        f"/orders/2026-01-01/orders/{oid}", headers=_relogin(sandbox, account), params={"includedData": "PACKAGES"}
    ).json()["order"]["packages"]
    assert packages[-1]["packageStatus"]["detailedStatus"] in ("DELIVERED", "RETURNED_TO_SELLER")


def _relogin(sandbox: AmazonSandbox, account: dict[str, Any]) -> dict[str, str]:
    world = sandbox.world
    return {"x-amz-access-token": world.issue_token(world.accounts[account["selling_partner_id"]])}


def test_confirm_shipment_errors(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, headers: dict[str, str]
) -> None:
    from robnu.sandbox.amazon_in.orders import Track

    key = account["selling_partner_id"]
    order = _unshipped_self_ship(sandbox, key)
    line = order.lines[0]
    assert _confirm(api, headers, order.order_id, [("99999999999999", 1)]).status_code == 400
    assert _confirm(api, headers, order.order_id, [(line.order_item_id, line.quantity + 1)]).status_code == 400
    incomplete = api.post(
        f"/orders/v0/orders/{order.order_id}/shipmentConfirmation",
        headers=headers,
        json={"marketplaceId": "A21TJRUUN4KGV", "packageDetail": {"packageReferenceId": "1"}},
    )
    assert incomplete.status_code == 400
    assert _confirm(api, headers, "404-0000000-0000000", [("1", 1)]).status_code == 404
    fba = next(o for o in sandbox.world.accounts[key].orders.values() if o.track is Track.AFN)
    assert _confirm(api, headers, fba.order_id, [(fba.lines[0].order_item_id, 1)]).status_code == 400


def test_lifecycle_follows_the_clock(sandbox: AmazonSandbox, login: Any, raw_api: httpx.Client) -> None:
    api = raw_api  # big bodies: the contract is covered in test_amazon_contract
    acc = sandbox.create_account()
    key = acc["selling_partner_id"]
    sandbox.generate_orders(key, 200, days=1)
    before = sandbox.truth(key)["orders"]
    sandbox.kit.clock.advance(timedelta(days=3))
    after = sandbox.truth(key)["orders"]
    moved = [k for k in before if before[k] != after[k]]
    assert len(moved) > 100
    assert all(after[k]["updated_at"] >= before[k]["updated_at"] for k in before)
    counts_before = {s: sum(1 for v in before.values() if v["status"] == s) for s in ("PENDING", "UNSHIPPED")}
    counts_after = {s: sum(1 for v in after.values() if v["status"] == s) for s in ("PENDING", "UNSHIPPED")}
    assert counts_after["PENDING"] == 0 and counts_after["UNSHIPPED"] < counts_before["UNSHIPPED"] + 1
    # self-ship orders never confirmed are cancelled by Amazon after ship-by + 3 days
    sandbox.kit.clock.advance(timedelta(days=4))
    final = sandbox.truth(key)["orders"]
    assert not [k for k, v in final.items() if v["status"] in ("PENDING", "UNSHIPPED")]
    headers = login(acc)
    found = walk(api, headers, {"lastUpdatedAfter": "2026-11-27T12:00:00Z", "includedData": "FULFILLMENT"})
    assert {o["orderId"] for o in found} == {
        k
        for k, v in final.items()
        if v["updated_at"] >= "2026-11-27T12:00:00Z" and v["updated_at"] <= "2026-12-04T11:58:00Z"
    }


def test_control_api_round_trip(sandbox: AmazonSandbox, api: httpx.Client) -> None:
    created = api.post("/_sandbox/accounts", json={"seller_name": "Test Traders"}).json()
    assert set(created) >= {
        "selling_partner_id",
        "marketplace_id",
        "lwa_client_id",
        "lwa_client_secret",
        "refresh_token",
        "region",
    }
    assert created["marketplace_id"] == "A21TJRUUN4KGV" and created["region"] == "eu"
    key = created["selling_partner_id"]
    made = api.post(f"/_sandbox/accounts/{key}/orders", json={"count": 25, "days": 10}).json()
    assert made["created"] == 25
    truth = api.get(f"/_sandbox/accounts/{key}/truth").json()
    assert set(truth["orders"]) == set(made["order_ids"])
    assert api.get(f"/_sandbox/accounts/{key}/pushed").json()["inventory"] == {}
    moved = api.post("/_sandbox/lifecycle/advance", json={"seconds": 3600}).json()
    assert moved["now"] == "2026-11-27T13:00:00+00:00"
    assert api.get("/_sandbox/accounts/NOPE/truth").status_code == 404
    assert created["seller_name"] == "Test Traders"
    again = api.post("/_sandbox/accounts", json={"selling_partner_id": key})
    assert again.status_code == 400 and "exists" in again.json()["detail"]
    assert api.post("/_sandbox/reset").status_code == 200
    assert key not in sandbox.world.accounts
