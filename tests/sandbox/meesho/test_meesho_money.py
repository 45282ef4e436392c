"""Settlements: line arithmetic, GST on fees, TCS/TDS, weekly cycles, truth, money faults."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from meesho_support import MeeshoClient, advance, control, plain_order, ship

from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.meesho import MeeshoSandbox
from robnu.sandbox.meesho import money as m

FEES = {
    "FORWARD_SHIPPING_FEE",
    "RETURN_SHIPPING_FEE",
    "PAYMENT_GATEWAY_FEE",
    "RETURNS_ASSURANCE_FEE",
    "PENALTY_SUPPLIER_CANCEL",
    "PENALTY_AUTO_CANCEL",
    "PENALTY_LATE_DISPATCH",
    "PENALTY_WRONG_ITEM",
}


def test_worked_example() -> None:
    taxable = m.taxable_value(Decimal("499.00"), Decimal("5"))
    assert taxable == Decimal("475.24")
    lines = [
        Decimal("499.00"),
        -m.shipping_fee(Decimal("0.4")),
        -m.gst_on(Decimal("72.00")),
        -m.tcs_on(taxable),
        -m.tds_on(taxable),
    ]
    assert lines[1:] == [Decimal("-72.00"), Decimal("-12.96"), Decimal("-2.38"), Decimal("-0.48")]
    assert sum(lines) == Decimal("411.18")
    split = m.gst_split(Decimal("1299"), Decimal("5"), intra_state=True)
    assert (split["taxable"], split["cgst"], split["sgst"]) == (Decimal("1237.14"), Decimal("30.93"), Decimal("30.93"))
    assert m.gst_split(Decimal("1299"), Decimal("5"), intra_state=False)["igst"] == Decimal("61.86")
    assert m.gst_rate_for(Decimal("2600"), date(2026, 1, 1)) == Decimal("18.00")
    assert m.gst_rate_for(Decimal("1100"), date(2025, 9, 1)) == Decimal("12.00")


@pytest.fixture
def settled(sandbox: MeeshoSandbox, creds: dict[str, Any]) -> dict[str, Any]:
    sandbox.generate_orders(creds["supplier_id"], 300, days=30)
    return creds


def _lines(client: MeeshoClient, settlement_id: str) -> list[dict[str, Any]]:
    return client.pages(f"/v1/payments/settlements/{settlement_id}/lines", limit=100)


def test_settlements_are_consistent(
    client: MeeshoClient, sandbox: MeeshoSandbox, settled: dict[str, Any], clock: SandboxClock
) -> None:
    headers = client.get("/v1/payments/settlements", **{"from": "2026-01-01", "to": "2026-03-31"}).json()["data"]
    assert headers and all(h["settlement_id"].startswith("STL") for h in headers)
    truth = sandbox.truth(settled["supplier_id"])
    assert {h["settlement_id"] for h in headers} == set(truth["payouts"])
    world = sandbox.world.account(settled["supplier_id"])
    for header in headers:
        assert date.fromisoformat(header["period_start"]).weekday() == 0
        assert date.fromisoformat(header["payment_date"]).weekday() == 2  # Wednesday
        paid = date.fromisoformat(header["payment_date"]) < date(2026, 3, 10)
        assert header["status"] == ("PAID" if paid else "SCHEDULED") and bool(header["utr"]) == paid
        lines = _lines(client, header["settlement_id"])
        assert len(lines) == header["line_count"] == len({line["line_id"] for line in lines})
        assert sum(Decimal(line["amount"]) for line in lines) == Decimal(header["net_amount"])
        assert truth["payouts"][header["settlement_id"]] == {
            "net": header["net_amount"],
            "lines": header["line_count"],
            "status": header["status"],
            "payment_date": header["payment_date"],
        }
        by_sub: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for line in lines:
            by_sub[line["sub_order_no"]].append(line)
        for no, group in by_sub.items():
            fees = sum(
                -Decimal(line["amount"])
                for line in group
                if line["line_type"] in FEES and line["event_date"] == group[0]["event_date"]
            )
            gst = sum(-Decimal(line["amount"]) for line in group if line["line_type"] == "GST_ON_FEES")
            assert gst == m.q(fees * Decimal("0.18")) or abs(gst - fees * Decimal("0.18")) <= Decimal("0.02")
            value = [line for line in group if line["line_type"] == "ORDER_VALUE"]
            if value:
                sub = world.sub_orders[no]
                taxable = m.taxable_value(Decimal(value[0]["amount"]), sub.gst_rate)
                tcs = next(line for line in group if line["line_type"] == "TCS" and Decimal(line["amount"]) < 0)
                tds = next(line for line in group if line["line_type"] == "TDS" and Decimal(line["amount"]) < 0)
                assert Decimal(tcs["amount"]) == -m.q(taxable * Decimal("0.005"))
                assert Decimal(tds["amount"]) == -m.q(taxable * Decimal("0.001"))
    total = sum(Decimal(p["net"]) for p in truth["payouts"].values())
    assert Decimal(truth["totals"]["payout_net"]) == total
    order_total = sum(Decimal(o["total"]) for o in truth["orders"].values())
    assert Decimal(truth["totals"]["order_value"]) == order_total


def test_range_and_not_found(client: MeeshoClient, settled: dict[str, Any]) -> None:
    wide = client.get("/v1/payments/settlements", **{"from": "2025-01-01", "to": "2026-03-31"})
    assert wide.status_code == 400 and wide.json()["error"]["code"] == "DATE_RANGE_TOO_LARGE"
    assert client.get("/v1/payments/settlements/STL0/lines").json()["error"]["code"] == "NOT_FOUND"


def test_delivered_then_returned_sub_order(
    client: MeeshoClient, http: httpx.Client, creds: dict[str, Any], clock: SandboxClock
) -> None:
    no = plain_order(http, creds, outcome="DELIVERED", payment_mode="PREPAID")
    ship(client, http, creds, no)
    control(http, creds, f"sub-orders/{no}/deliver")
    advance(clock, days=8)
    data = client.get(f"/v1/payments/sub-orders/{no}").json()["data"]
    kinds = [line["line_type"] for line in data["lines"]]
    assert kinds == ["ORDER_VALUE", "FORWARD_SHIPPING_FEE", "PAYMENT_GATEWAY_FEE", "GST_ON_FEES", "TCS", "TDS"]
    amounts = {line["line_type"]: Decimal(line["amount"]) for line in data["lines"]}
    assert amounts["GST_ON_FEES"] == -m.q(
        (-amounts["FORWARD_SHIPPING_FEE"] - amounts["PAYMENT_GATEWAY_FEE"]) * Decimal("0.18")
    )
    assert Decimal(data["final_settlement_amount"]) == sum(amounts.values())
    control(http, creds, f"sub-orders/{no}/customer-return")
    advance(clock, days=2)
    lines = client.get(f"/v1/payments/sub-orders/{no}").json()["data"]
    later = [line["line_type"] for line in lines["lines"]][6:]
    if later:  # pickup happened (no modelled pickup failure)
        assert later == ["ORDER_REVERSAL", "RETURN_SHIPPING_FEE", "GST_ON_FEES", "TCS", "TDS"]
        final = Decimal(lines["final_settlement_amount"])
        assert final < 0  # value and taxes reversed, logistics and gateway fees remain


@pytest.mark.parametrize("fault", ["duplicate_return_fee", "phantom_penalty", "wrong_weight_slab", "missing_delivered"])
def test_money_faults(sandbox: MeeshoSandbox, settled: dict[str, Any], http: httpx.Client, fault: str) -> None:
    before = sandbox.truth(settled["supplier_id"])["totals"]["payout_net"]
    control(http, settled, "money-faults", {"kind": fault})
    after = sandbox.truth(settled["supplier_id"])["totals"]["payout_net"]
    if fault == "missing_delivered":
        assert Decimal(after) < Decimal(before) or Decimal(after) != Decimal(before)
    else:
        assert Decimal(after) < Decimal(before)
    control(http, settled, "money-faults", {"kind": fault, "enabled": False})
    assert sandbox.truth(settled["supplier_id"])["totals"]["payout_net"] == before


def test_cycles_follow_the_clock(
    client: MeeshoClient, sandbox: MeeshoSandbox, settled: dict[str, Any], clock: SandboxClock
) -> None:
    before = set(sandbox.truth(settled["supplier_id"])["payouts"])
    advance(clock, days=7)
    after = sandbox.truth(settled["supplier_id"])["payouts"]
    assert before < set(after)
    newest = max(after, key=lambda sid: after[sid]["payment_date"])
    assert after[newest]["status"] == "SCHEDULED"
    advance(clock, days=3)
    assert sandbox.truth(settled["supplier_id"])["payouts"][newest]["status"] == "PAID"
    assert clock.now() - timedelta(days=10) < clock.now()


def test_settlement_lines_paging_and_faults(client: MeeshoClient, settled: dict[str, Any], http: httpx.Client) -> None:
    header = max(client.get("/v1/payments/settlements").json()["data"], key=lambda h: h["line_count"])
    lines = client.pages(f"/v1/payments/settlements/{header['settlement_id']}/lines", limit=9)
    assert len(lines) == header["line_count"] == len({line["line_id"] for line in lines})
    assert set(lines[0]) == {"line_id", "sub_order_no", "line_type", "amount", "event_date", "description"}
    path = f"/v1/payments/settlements/{header['settlement_id']}/lines"
    first = client.get(path, limit=9).json()
    cursor = first["pagination"]["next_cursor"]
    http.post("/_sandbox/faults", json={"kind": "duplicate_across_pages", "operation": "listSettlementLines"})
    assert client.get(path, limit=9, cursor=cursor).json()["data"][0] == first["data"][-1]
    http.post("/_sandbox/faults", json={"kind": "page_token_expired", "operation": "listSettlementLines"})
    assert client.get(path, limit=9, cursor=cursor).json()["error"]["code"] == "INVALID_CURSOR"


def test_not_found_everywhere(client: MeeshoClient) -> None:
    for path in (
        "/v1/sub-orders/1_1",
        "/v1/labels/LBL1",
        "/v1/labels/LBL1/pdf",
        "/v1/manifests/MNF1",
        "/v1/returns/RET1",
        "/v1/payments/sub-orders/1_1",
        "/v1/payments/settlements/STL1/lines",
    ):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND", path
    assert client.get("/v1/inventory", sku="NOPE").status_code == 404
    assert client.post("/v1/returns/RET1/receive", {"condition": "OK"}).status_code == 404
    assert client.post("/v1/returns/RET1/claims", {"claim_type": "WRONG_RETURN"}).status_code == 404
