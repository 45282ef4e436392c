from __future__ import annotations

import httpx
from fk_helpers import Seller

from robnu.sandbox.flipkart import FlipkartSandbox

R = "/sellers/v2/returns"


def _all(s: Seller, params: dict[str, str]) -> list[dict[str, object]]:
    r = s.get(R, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    items = list(body["returnItems"])
    while body["hasMore"]:
        assert body["nextUrl"].startswith("/returns/search/")
        body = s.get("/sellers/v2" + body["nextUrl"]).json()
        items += body["returnItems"]
    return items


def test_returns_by_source_page_to_the_end(seller: Seller, sandbox: FlipkartSandbox) -> None:
    truth = sandbox.truth(seller.key)["returns"]
    for source in ("customer_return", "courier_return"):
        items = _all(seller, {"source": source})
        ids = [str(i["returnId"]) for i in items]
        assert len(ids) == len(set(ids))
        assert set(ids) == {k for k, v in truth.items() if v["kind"] == source}
        assert all(i["type"] == source for i in items)
        assert {str(i["status"]) for i in items} <= {"created", "picked_up", "completed", "cancelled"}
    assert len(truth) > 25


def test_returns_modified_window(seller: Seller, sandbox: FlipkartSandbox) -> None:
    truth = sandbox.truth(seller.key)["returns"]
    stamps = sorted(v["updated_at"] for v in truth.values() if v["kind"] == "customer_return")
    low = stamps[len(stamps) // 2]
    items = _all(seller, {"source": "customer_return", "modifiedAfter": low})
    expected = {k for k, v in truth.items() if v["kind"] == "customer_return" and v["updated_at"] >= low}
    assert {str(i["returnId"]) for i in items} == expected


def test_returns_by_ids_and_errors(seller: Seller, sandbox: FlipkartSandbox) -> None:
    items = _all(seller, {"source": "customer_return"})[:3]
    ids = ",".join(str(i["returnId"]) for i in items)
    got = seller.get(R, params={"source": "customer_return", "returnIds": ids}).json()["returnItems"]
    assert {i["returnId"] for i in got} == {i["returnId"] for i in items}
    tracking = ",".join(str(i["trackingId"]) for i in items)
    got = seller.get(R, params={"source": "customer_return", "trackingIds": tracking}).json()["returnItems"]
    assert {i["returnId"] for i in got} == {i["returnId"] for i in items}
    assert seller.get(R).status_code == 400
    assert seller.get(R, params={"source": "rto"}).status_code == 400
    assert seller.get(R, params={"source": "courier_return", "createdAfter": "soon"}).status_code == 400
    many = ",".join(str(n) for n in range(26))
    assert seller.get(R, params={"source": "courier_return", "returnIds": many}).status_code == 400
    assert seller.get("/sellers/v2/returns/search/garbage").status_code == 400


def test_return_page_faults(seller: Seller, client: httpx.Client, sandbox: FlipkartSandbox) -> None:
    first = seller.get(R, params={"source": "customer_return"}).json()
    assert first["hasMore"]
    client.post("/_sandbox/faults", json={"kind": "page_token_expired", "operation": "getReturns"})
    assert seller.get("/sellers/v2" + first["nextUrl"]).status_code == 400
    client.post("/_sandbox/faults", json={"kind": "duplicate_across_pages", "operation": "getReturns"})
    second = seller.get("/sellers/v2" + first["nextUrl"]).json()
    assert second["returnItems"][0]["returnId"] == first["returnItems"][-1]["returnId"]
    client.post("/_sandbox/faults", json={"kind": "change_between_pages", "operation": "getReturns"})
    third = seller.get(R, params={"source": "customer_return"}).json()
    changed = sandbox.world.returns[str(third["returnItems"][0]["returnId"])]
    assert changed.updated_at == sandbox.kit.clock.now()
