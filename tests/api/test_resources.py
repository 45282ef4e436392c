"""The /v1 resource routes on two sellers' real data (built through the sandboxes, tests/queries/conftest.py):
lists page through exactly the caller's rows with their filters, details and downloads answer for the caller's
ids and 404 for the other seller's (reads and writes alike), errors are problem details naming the field, and
the actions (receive scan, stock adjustment, schedules, sync now, closing a batch, dispute and resolve) work and
are idempotent where they create."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from robnu.api.app import create_app
from robnu.db.claims_models import ReturnClaim
from robnu.db.models import MarketplacePayout, Order, OrderReturn, PayoutLineItem, Product, Shipment, SyncRun
from robnu.db.money_models import Adjustment, ReconciliationBatch
from robnu.db.processing_models import ProcessingBatch
from robnu.db.stock_models import Document, StockMovement
from robnu.domain.permissions import Role
from robnu.services.queries import orders as order_queries
from tests.api.conftest import add_role_members, bearer, role_email
from tests.queries.conftest import Data, SellerData
from tests.queries.conftest import data as data  # the module-scoped data fixture

# The module-scoped data is built once: the whole module runs on one xdist worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("api-resources-data")

PROBLEM = "application/problem+json"


def _email(seller: SellerData, role: Role) -> str:
    return role_email(seller.seller_id, role)


@pytest.fixture(scope="module")
def client(data: Data) -> Iterator[TestClient]:
    add_role_members(data.rt, [data.a.seller_id, data.b.seller_id])
    with TestClient(create_app(data.rt), base_url="http://testserver") as c:
        yield c


@pytest.fixture(scope="module")
def a_admin(client: TestClient, data: Data) -> dict[str, str]:
    return bearer(client, _email(data.a, Role.ADMIN))


def _pages(
    client: TestClient, url: str, headers: dict[str, str], limit: int = 13, **filters: Any
) -> list[dict[str, Any]]:
    """Every item of a list, following next_cursor (the filters go with every page)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit, **filters}
        if cursor:
            params["cursor"] = cursor
        r = client.get(url, params=params, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def _ids(data: Data, model: Any, seller: SellerData) -> set[int]:
    with data.rt.sessions() as s:
        return set(s.execute(select(model.id).where(model.seller_id == seller.seller_id)).scalars())


LISTS = {
    "/v1/orders": Order,
    "/v1/returns": OrderReturn,
    "/v1/payouts": MarketplacePayout,
    "/v1/sync-runs": SyncRun,
    "/v1/processing/batches": ProcessingBatch,
    "/v1/reconciliations": ReconciliationBatch,
    "/v1/adjustments": Adjustment,
    "/v1/claims": ReturnClaim,
}


def test_lists_page_through_exactly_the_callers_rows(client: TestClient, data: Data, a_admin: dict[str, str]) -> None:
    for url, model in LISTS.items():
        items = _pages(client, url, a_admin)
        assert [i["id"] for i in items] and {i["id"] for i in items} == _ids(data, model, data.a), url
        assert len(items) == len({i["id"] for i in items}), url
    stock = _pages(client, "/v1/stock", a_admin)
    assert {p["product_id"] for p in stock} == _ids(data, Product, data.a)
    orders = client.get("/v1/orders", params={"limit": 3}, headers=a_admin).json()["items"]
    assert isinstance(orders[0]["order_total"], str) and orders[0]["ordered_at"].endswith("Z") is not None
    for url in ("/v1/listings", "/v1/inventory-tasks", "/v1/run-reports", "/v1/schedules"):
        r = client.get(url, headers=a_admin)
        assert r.status_code == 200 and r.json(), url


def test_filters_and_their_errors(client: TestClient, data: Data, a_admin: dict[str, str]) -> None:
    meesho = _pages(client, "/v1/orders", a_admin, marketplace="meesho")
    assert meesho and {o["account"]["marketplace"] for o in meesho} == {"MEESHO"}
    rto = _pages(client, "/v1/returns", a_admin, kind="RTO")
    assert rto and {r["kind"] for r in rto} == {"RTO"}
    ajio = data.a.ajio.account_id
    delivered = _pages(
        client, "/v1/orders", a_admin, status="DELIVERED", account_id=ajio, ordered_from="2026-11-01T00:00:00Z"
    )
    assert delivered and all(o["status"] == "DELIVERED" and o["ordered_at"] >= "2026-11-01" for o in delivered)
    assert client.get(f"/v1/orders?account_id={data.b.ajio.account_id}", headers=a_admin).json()["items"] == []
    for query, field in (
        ("status=LOST", "status"),
        ("ordered_from=2026-11-01T00:00:00", "ordered_from"),
        ("cursor=not-a-cursor", "cursor"),
        ("limit=0", "limit"),
        ("processing_stage=-1", "processing_stage"),
        ("q=AWB%00X", "q"),
    ):
        r = client.get(f"/v1/orders?{query}", headers=a_admin)
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, (query, r.text)
        assert [e["field"] for e in r.json()["errors"]] == [field], query
    r = client.get("/v1/search", headers=a_admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "q"


def _first(data: Data, model: Any, seller: SellerData, *where: Any) -> Any:
    with data.rt.sessions() as s:
        return s.execute(select(model).where(model.seller_id == seller.seller_id, *where).limit(1)).scalar_one()


def test_details_answer_for_the_caller_and_404_for_the_other_seller(
    client: TestClient, data: Data, a_admin: dict[str, str]
) -> None:
    routes = {
        "/v1/orders/{}": Order,
        "/v1/returns/{}": OrderReturn,
        "/v1/payouts/{}": MarketplacePayout,
        "/v1/sync-runs/{}": SyncRun,
        "/v1/processing/batches/{}": ProcessingBatch,
        "/v1/reconciliations/{}": ReconciliationBatch,
        "/v1/adjustments/{}": Adjustment,
        "/v1/claims/{}": ReturnClaim,
        "/v1/documents/{}": Document,
    }
    for route, model in routes.items():
        mine, theirs = _first(data, model, data.a), _first(data, model, data.b)
        assert client.get(route.format(mine.id), headers=a_admin).status_code == 200, route
        r = client.get(route.format(theirs.id), headers=a_admin)
        assert r.status_code == 404 and r.headers["content-type"] == PROBLEM, (route, r.text)
    b_account = data.b.ajio.account_id
    b_batch = _first(data, ProcessingBatch, data.b)
    b_adjustment = _first(data, Adjustment, data.b, Adjustment.status == "OPEN", Adjustment.is_recoverable.is_(True))
    b_claim = _first(data, ReturnClaim, data.b)
    writes = [
        ("POST", f"/v1/accounts/{b_account}/sync", {"target": "ORDERS"}),
        ("PUT", f"/v1/accounts/{b_account}/schedules/ORDERS", {"every_seconds": 600}),
        ("POST", f"/v1/accounts/{b_account}/schedules/pause", None),
        ("POST", f"/v1/processing/batches/{b_batch.id}/close", None),
        ("POST", f"/v1/adjustments/{b_adjustment.id}/dispute", {}),
        ("POST", f"/v1/claims/{b_claim.id}/resolve", {"outcome": "lost"}),
    ]
    for method, url, body in writes:
        r = client.request(method, url, json=body, headers=a_admin)
        assert r.status_code == 404, (url, r.text)
    b_awb = _first(data, OrderReturn, data.b, OrderReturn.return_awb.is_not(None)).return_awb
    assert client.post("/v1/returns/scan", json={"code": b_awb}, headers=a_admin).status_code == 404
    with data.rt.sessions() as s:  # nothing of seller B changed
        assert s.get(ReturnClaim, b_claim.id).status == b_claim.status  # type: ignore[union-attr]
        assert s.get(Adjustment, b_adjustment.id).status == "OPEN"  # type: ignore[union-attr]


def test_order_detail_and_document_download(client: TestClient, data: Data, a_admin: dict[str, str]) -> None:
    slip = _first(data, Document, data.a, Document.doc_type == "SLIP")
    detail = client.get(f"/v1/orders/{slip.order_id}", headers=a_admin).json()
    assert slip.id in {d["id"] for d in detail["documents"]} and detail["items"] and detail["shipments"]
    assert detail["processing"]["status"] and detail["steps"]
    r = client.get(f"/v1/documents/{slip.id}", headers=a_admin)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(r.content).hexdigest() == slip.sha256 and r.content.startswith(b"%PDF")
    assert "attachment" in r.headers["content-disposition"]
    finance = bearer(client, _email(data.a, Role.FINANCE))
    assert client.get(f"/v1/documents/{slip.id}", headers=finance).status_code == 200


def test_search_shows_what_the_role_may_read(client: TestClient, data: Data, a_admin: dict[str, str]) -> None:
    shipment = _first(data, Shipment, data.a, Shipment.awb.is_not(None))
    hits = client.get("/v1/search", params={"q": shipment.awb}, headers=a_admin).json()
    assert [(h["kind"], h["id"], h["order_id"]) for h in hits] == [("SHIPMENT", shipment.id, shipment.order_id)]
    payout = _first(data, MarketplacePayout, data.a)
    operator = bearer(client, _email(data.a, Role.OPERATOR))  # no payouts:read
    finance = bearer(client, _email(data.a, Role.FINANCE))
    assert client.get("/v1/search", params={"q": payout.external_id}, headers=operator).json() == []
    assert [h["id"] for h in client.get("/v1/search", params={"q": payout.external_id}, headers=finance).json()] == [
        payout.id
    ]
    other = _first(data, Order, data.b)
    assert all(h["kind"] != "ORDER" or h["id"] != other.id for h in client.get(
        "/v1/search", params={"q": other.external_id}, headers=a_admin
    ).json())  # fmt: skip


def test_the_sla_board_then_closing_the_manual_batch(client: TestClient, data: Data) -> None:
    operator = bearer(client, _email(data.a, Role.OPERATOR))
    board = client.get("/v1/sla", headers=operator).json()
    (manual,) = [b for b in board if b["closure_policy"] == "MANUAL"]
    assert manual["open_orders"] > 0 and manual["account"]["marketplace"] == "MEESHO"
    viewer = bearer(client, _email(data.a, Role.VIEWER))
    assert client.post(f"/v1/processing/batches/{manual['batch_id']}/close", headers=viewer).status_code == 403
    r = client.post(f"/v1/processing/batches/{manual['batch_id']}/close", headers=operator)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "CLOSED" and any(st["name"] for st in r.json()["steps"])
    assert manual["batch_id"] not in {b["batch_id"] for b in client.get("/v1/sla", headers=operator).json()}
    again = client.post(f"/v1/processing/batches/{manual['batch_id']}/close", headers=operator)
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM


def test_receive_scan_is_idempotent_by_key_and_by_nature(client: TestClient, data: Data) -> None:
    scanner = bearer(client, _email(data.a, Role.OPERATOR))
    ret = _first(data, OrderReturn, data.a, OrderReturn.return_awb.is_not(None), OrderReturn.received_at.is_(None))
    key = {"Idempotency-Key": "scan-1", **scanner}
    first = client.post("/v1/returns/scan", json={"code": ret.return_awb, "damage_note": "box torn"}, headers=key)
    assert first.status_code == 200, first.text
    assert first.json()["first"] is True and first.json()["return_id"] == ret.id
    replay = client.post("/v1/returns/scan", json={"code": ret.return_awb, "damage_note": "box torn"}, headers=key)
    assert replay.json() == first.json() and replay.headers.get("idempotent-replayed") == "true"
    repeat = client.post("/v1/returns/scan", json={"code": ret.return_awb}, headers=scanner)
    assert repeat.status_code == 200 and repeat.json()["first"] is False
    detail = client.get(f"/v1/returns/{ret.id}", headers=scanner).json()
    assert [sc["first"] for sc in detail["scans"]] == [True, False] and detail["internal_status"] == "received"
    misuse = client.post("/v1/returns/scan", json={"code": "other"}, headers=key)  # same key, other request
    assert misuse.status_code == 422 and misuse.json()["errors"][0]["field"] == "Idempotency-Key"
    nul = client.post("/v1/returns/scan", json={"code": "AWB\u0000"}, headers=scanner)
    assert nul.status_code == 422 and nul.json()["errors"][0]["field"] == "code"
    blank = client.post("/v1/returns/scan", json={"code": " \u00a0 "}, headers=scanner)  # a no-break space
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "code"
    # ... and the schema says so, so no schema-valid code is refused (the fuzz test sends what the schema allows).
    code_schema = client.get("/v1/openapi.json").json()["components"]["schemas"]["ScanIn"]["properties"]["code"]
    assert not re.search(code_schema["pattern"], " \u00a0 ") and re.search(code_schema["pattern"], "AWB 123")
    finance = bearer(client, _email(data.a, Role.FINANCE))  # no returns:scan
    assert client.post("/v1/returns/scan", json={"code": ret.return_awb}, headers=finance).status_code == 403


def test_stock_adjustment_is_pushed_and_applied_once_per_key(client: TestClient, data: Data) -> None:
    operator = bearer(client, _email(data.a, Role.OPERATOR))
    product = _first(data, Product, data.a)
    headers = {"Idempotency-Key": "grn-42", **operator}
    body = {"sku": product.sku, "delta": 5, "reason": "goods received"}
    r1 = client.post("/v1/stock/adjustments", json=body, headers=headers)
    r2 = client.post("/v1/stock/adjustments", json=body, headers=headers)
    assert r1.status_code == r2.status_code == 201, r1.text
    assert r1.json()["on_hand"] == product.on_hand + 5 == r2.json()["on_hand"]
    with data.rt.sessions() as s:
        moves = s.execute(
            select(StockMovement).where(StockMovement.product_id == product.id, StockMovement.kind == "ADJUST")
        )
        assert len(moves.scalars().all()) == 1
    bad = client.post("/v1/stock/adjustments", json={**body, "sku": "NO-SUCH-SKU"}, headers=operator)
    assert bad.status_code == 404
    below = client.post("/v1/stock/adjustments", json={**body, "delta": -(10**6)}, headers=operator)
    assert below.status_code == 422 and below.json()["errors"][0]["field"] == "delta"


def test_schedules_set_pause_resume(client: TestClient, data: Data) -> None:
    operator = bearer(client, _email(data.a, Role.OPERATOR))
    account = data.a.ajio.account_id
    r = client.put(f"/v1/accounts/{account}/schedules/orders", json={"every_seconds": 900}, headers=operator)
    assert r.status_code == 200, r.text
    assert r.json()["interval_seconds"] == 900 and r.json()["target"] == "ORDERS"
    paused = client.post(f"/v1/accounts/{account}/schedules/pause", headers=operator).json()
    assert paused["changed"] > 1 and not any(sc["enabled"] for sc in paused["schedules"])
    resumed = client.post(f"/v1/accounts/{account}/schedules/resume?target=ORDERS", headers=operator).json()
    assert resumed["changed"] == 1
    assert [sc["target"] for sc in resumed["schedules"] if sc["enabled"]] == ["ORDERS"]
    bad = client.put(f"/v1/accounts/{account}/schedules/orders", json={"every_seconds": 900, "cron": "0 9 * * *"},
                     headers=operator)  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cadence"


def test_sync_now_hands_out_a_run_to_poll(client: TestClient, data: Data) -> None:
    operator = bearer(client, _email(data.a, Role.OPERATOR))
    r = client.post(f"/v1/accounts/{data.a.ajio.account_id}/sync", json={"target": "returns"}, headers=operator)
    assert r.status_code == 202, r.text
    poll = r.json()["poll"]
    assert r.headers["location"] == poll
    deadline = time.monotonic() + 60
    while (run := client.get(poll, headers=operator).json())["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert run["status"] == "SUCCEEDED" and run["target"] == "RETURNS"
    bad = client.post(
        f"/v1/accounts/{data.a.ajio.account_id}/sync", json={"target": "FULL_PROCESSING"}, headers=operator
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "target"


def test_dispute_then_resolve_a_claim(client: TestClient, data: Data) -> None:
    finance = bearer(client, _email(data.a, Role.FINANCE))
    adjustment = _first(data, Adjustment, data.a, Adjustment.status == "OPEN", Adjustment.is_recoverable.is_(True))
    headers = {"Idempotency-Key": "dispute-1", **finance}
    filed = client.post(f"/v1/adjustments/{adjustment.id}/dispute", json={"marketplace_ref": "TKT-1"}, headers=headers)
    assert filed.status_code == 201, filed.text
    claim = filed.json()
    assert claim["status"] == "filed" and claim["adjustment_id"] == adjustment.id
    again = client.post(f"/v1/adjustments/{adjustment.id}/dispute", json={"marketplace_ref": "TKT-1"}, headers=headers)
    assert again.json() == claim
    operator = bearer(client, _email(data.a, Role.OPERATOR))  # no claims:resolve
    assert (
        client.post(f"/v1/claims/{claim['id']}/resolve", json={"outcome": "won"}, headers=operator).status_code == 403
    )
    won = client.post(f"/v1/claims/{claim['id']}/resolve", json={"outcome": "won", "amount": "10.50"}, headers=finance)
    assert won.status_code == 200, won.text
    assert won.json()["status"] == "resolved_won" and won.json()["amount_recovered"] == "10.5000"
    twice = client.post(f"/v1/claims/{claim['id']}/resolve", json={"outcome": "lost"}, headers=finance)
    assert twice.status_code == 422
    adjustments = client.get("/v1/adjustments", params={"status": "RECOVERED"}, headers=finance).json()["items"]
    assert adjustment.id in {a["id"] for a in adjustments}


def test_the_read_models_are_what_the_api_serves(client: TestClient, data: Data, a_admin: dict[str, str]) -> None:
    with data.rt.sessions() as s:
        page = order_queries.list_orders(s, data.a.seller_id, limit=20)
    assert client.get("/v1/orders?limit=20", headers=a_admin).json() == page.model_dump(mode="json")


def test_the_overview_and_the_chart_series_count_the_callers_rows(
    client: TestClient, data: Data, a_admin: dict[str, str]
) -> None:
    today = client.get("/v1/today", headers=a_admin).json()
    accounts = {a["account_id"] for a in today["accounts"]}
    assert accounts == {data.a.ajio.account_id, *data.a.others.values()}
    assert today["free_tier"]["used"] >= 0 and sum(a["new_orders"] for a in today["accounts"]) > 0
    per_day = client.get("/v1/stats/orders-per-day", params={"days": 366}, headers=a_admin).json()
    with data.rt.sessions() as s:
        placed = s.execute(select(func.count(Order.id)).where(Order.seller_id == data.a.seller_id)).scalar_one()
        paid = s.execute(
            select(func.sum(MarketplacePayout.net_amount)).where(MarketplacePayout.seller_id == data.a.seller_id)
        ).scalar_one()
        fees = s.execute(
            select(func.sum(PayoutLineItem.amount)).where(
                PayoutLineItem.seller_id == data.a.seller_id, PayoutLineItem.amount < 0
            )
        ).scalar_one()
    assert sum(d["orders"] for d in per_day) == placed  # the sandbox's orders are all within the year
    assert {d["marketplace"] for d in per_day} == {"AJIO", "MEESHO"}
    assert client.get("/v1/stats/orders-per-day", params={"days": 0}, headers=a_admin).status_code == 422
    months = client.get("/v1/stats/payouts-per-month", headers=a_admin).json()
    assert sum(Decimal(m["net_paid"]) for m in months) == paid and sum(Decimal(m["fees"]) for m in months) == -fees
    history = client.get("/v1/sla/history", headers=a_admin).json()
    assert {p["batch_id"] for p in history} <= _ids(data, ProcessingBatch, data.a)


def test_the_fields_and_filters_the_dashboard_reads(client: TestClient, data: Data, a_admin: dict[str, str]) -> None:
    held = _pages(client, "/v1/orders", a_admin, held="true")
    assert held and {o["processing_status"] for o in held} <= {"HELD", "HELD_QUOTA"}
    payout = _first(data, MarketplacePayout, data.a)
    body = client.get(f"/v1/payouts/{payout.id}", headers=a_admin).json()
    negative = sum((Decimal(li["amount"]) for li in body["lines"] if Decimal(li["amount"]) < 0), Decimal(0))
    assert Decimal(body["fees"]) == -negative and body["reconciliation_status"] in ("RECONCILED", "DELTAS", "NOT_RUN")
    claim = _first(data, ReturnClaim, data.a, ReturnClaim.adjustment_id.is_not(None))
    adjustments = _pages(client, "/v1/adjustments", a_admin)
    assert {a["id"]: a["claim_id"] for a in adjustments}[claim.adjustment_id] == claim.id
    disputed = _first(data, Adjustment, data.a, Adjustment.id == claim.adjustment_id)
    lines = client.get(f"/v1/payouts/{disputed.payout_id}", headers=a_admin).json()["lines"]
    assert claim.id in {li["claim_id"] for li in lines}
    batches = _pages(client, "/v1/processing/batches", a_admin)
    newest = max(b["ist_day"] for b in batches)
    recent = _pages(client, "/v1/processing/batches", a_admin, ist_day_from=newest)
    assert recent and {b["ist_day"] for b in recent} == {newest}
    assert all(b["lowest_open_stage"] is None or b["lowest_open_stage"] >= 0 for b in batches)
