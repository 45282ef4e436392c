"""Finances: v0 groups, 2024-06-19 transactions and the settlement arithmetic."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from robnu.sandbox.amazon_in import AmazonSandbox
from robnu.sandbox.faults import FaultKind, FaultRule

GROUPS = "/finances/v0/financialEventGroups"
TXNS = "/finances/2024-06-19/transactions"


def all_groups(api: httpx.Client, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    query: dict[str, Any] = dict(params)
    while True:
        payload = api.get(GROUPS, headers=headers, params=query).json()["payload"]
        groups.extend(payload["FinancialEventGroupList"])
        if "NextToken" not in payload:
            return groups
        query = {"NextToken": payload["NextToken"]}


def all_transactions(
    api: httpx.Client, headers: dict[str, str], params: dict[str, Any]
) -> tuple[list[dict[str, Any]], int]:
    txns: list[dict[str, Any]] = []
    empty_pages = 0
    token = None
    for _ in range(500):
        response = api.get(TXNS, headers=headers, params={**params, **({"nextToken": token} if token else {})})
        assert response.status_code == 200, response.text
        payload = response.json()["payload"]
        txns.extend(payload["transactions"])
        empty_pages += not payload["transactions"]
        token = payload.get("nextToken")
        if not token:
            return txns, empty_pages
    raise AssertionError("never ended")


def paise(value: float) -> int:
    return round(value * 100)


def test_groups_match_truth(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, headers: dict[str, str]
) -> None:
    truth = sandbox.truth(account["selling_partner_id"])
    groups = all_groups(api, headers, MaxResultsPerPage=2)
    assert {g["FinancialEventGroupId"] for g in groups} == set(truth["payouts"])
    for group in groups:
        net = Decimal(truth["payouts"][group["FinancialEventGroupId"]]["net"])
        assert paise(group["OriginalTotal"]["CurrencyAmount"]) == int(net * 100)
        if group["ProcessingStatus"] == "Open":
            assert not {"FundTransferDate", "TraceId", "FinancialEventGroupEnd"} & set(group)
        else:
            assert {"FundTransferDate", "TraceId", "FinancialEventGroupEnd"} <= set(group)
    assert any(g["ProcessingStatus"] == "Open" for g in groups)
    total = sum(Decimal(p["net"]) for p in truth["payouts"].values())
    assert str(total) == truth["totals"]["payout_net"]


def test_group_errors_and_180_day_rule(account: dict[str, Any], api: httpx.Client, headers: dict[str, str]) -> None:
    assert (
        api.get(
            GROUPS, headers=headers, params={"FinancialEventGroupStartedBefore": "2026-11-27T11:59:30Z"}
        ).status_code
        == 400
    )
    assert api.get(GROUPS, headers=headers, params={"MaxResultsPerPage": 101}).status_code == 400
    wide = api.get(
        GROUPS,
        headers=headers,
        params={
            "FinancialEventGroupStartedAfter": "2026-01-01T00:00:00Z",
            "FinancialEventGroupStartedBefore": "2026-11-20T00:00:00Z",
        },
    )
    assert wide.json()["payload"]["FinancialEventGroupList"] == []
    assert len(api.get(GROUPS, headers=headers).json()["payload"]["FinancialEventGroupList"]) <= 10


def test_transactions_per_group_add_up(
    sandbox: AmazonSandbox, account: dict[str, Any], raw_api: httpx.Client, headers: dict[str, str]
) -> None:
    api = raw_api  # big bodies: the contract is covered in test_amazon_contract
    truth = sandbox.truth(account["selling_partner_id"])
    for gid, expected in truth["payouts"].items():
        txns, _ = all_transactions(
            api,
            headers,
            {
                "relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID",
                "relatedIdentifierValue": gid,
                "transactionStatus": "RELEASED",
            },
        )
        assert len(txns) == expected["lines"]
        assert sum(paise(t["totalAmount"]["currencyAmount"]) for t in txns) == int(Decimal(expected["net"]) * 100)
        for txn in txns:
            ids = {r["relatedIdentifierName"]: r["relatedIdentifierValue"] for r in txn["relatedIdentifiers"]}
            assert ids["FINANCIAL_EVENT_GROUP_ID"] == gid and ids["ORDER_ID"] in truth["orders"]


def _walk(node: dict[str, Any]) -> int:
    amount = paise(node["breakdownAmount"]["currencyAmount"])
    if "breakdowns" in node:
        assert sum(_walk(child) for child in node["breakdowns"]) == amount
    return amount


def test_settlement_arithmetic(
    sandbox: AmazonSandbox, account: dict[str, Any], raw_api: httpx.Client, headers: dict[str, str]
) -> None:
    api = raw_api  # big bodies: the contract is covered in test_amazon_contract
    txns, empty_pages = all_transactions(api, headers, {"postedAfter": "2026-06-01T00:00:00Z"})
    assert txns and empty_pages >= 1  # the range starts months before the first posting: empty pages with tokens
    kinds = {t["description"] for t in txns}
    assert {"Order Payment", "Refund Order", "RTO Refund"} <= kinds
    world_account = sandbox.world.accounts[account["selling_partner_id"]]
    for txn in txns:
        assert sum(paise(i["totalAmount"]["currencyAmount"]) for i in txn["items"]) == paise(
            txn["totalAmount"]["currencyAmount"]
        )
        order = world_account.orders[txn["relatedIdentifiers"][0]["relatedIdentifierValue"]]
        for item in txn["items"]:
            nodes = {b["breakdownType"]: b for b in item["breakdowns"]}
            assert sum(_walk(b) for b in item["breakdowns"]) == paise(item["totalAmount"]["currencyAmount"])
            fees = sum(
                paise(nodes[k]["breakdownAmount"]["currencyAmount"]) for k in ("AmazonFees", "Penalties") if k in nodes
            )
            gst = paise(nodes["GSTOnFees"]["breakdownAmount"]["currencyAmount"])
            assert abs(gst - fees * 18 / 100) <= 0.5  # 18 % GST on fees, rounded half-up per line
            if "TaxWithheld" in nodes:
                line = next(
                    li
                    for li in order.lines
                    if li.order_item_id == item["relatedIdentifiers"][0]["itemRelatedIdentifierValue"]
                )
                taxable = line.total_paise * 100 / (100 + line.gst_rate)
                parts = {
                    b["breakdownType"]: paise(b["breakdownAmount"]["currencyAmount"])
                    for b in nodes["TaxWithheld"]["breakdowns"]
                }
                tcs = sum(v for k, v in parts.items() if k.startswith("TCS-"))
                assert abs(abs(tcs) - taxable * 0.005) <= 1.0  # 0.5 % TCS from 10 Jul 2024
                assert abs(abs(parts["TDS-194O"]) - taxable * 0.001) <= 0.5  # 0.1 % TDS from 1 Oct 2024
                assert ("TCS-IGST" in parts) != order.intra_state
                assert ("TCS-CGST" in parts and "TCS-SGST" in parts) == order.intra_state
            if txn["description"] == "Order Payment":
                assert paise(nodes["ProductCharges"]["breakdownAmount"]["currencyAmount"]) > 0
                assert paise(nodes["AmazonFees"]["breakdownAmount"]["currencyAmount"]) < 0
            if txn["description"] == "Refund Order":
                assert paise(nodes["ProductCharges"]["breakdownAmount"]["currencyAmount"]) < 0
                assert paise(nodes["TaxWithheld"]["breakdownAmount"]["currencyAmount"]) > 0


def test_transactions_by_order_and_filters(
    account: dict[str, Any], raw_api: httpx.Client, headers: dict[str, str]
) -> None:
    api = raw_api  # big bodies: the contract is covered in test_amazon_contract
    txns, _ = all_transactions(api, headers, {"postedAfter": "2026-10-20T00:00:00Z"})
    oid = txns[0]["relatedIdentifiers"][0]["relatedIdentifierValue"]
    by_order = api.get(
        TXNS, headers=headers, params={"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": oid}
    ).json()["payload"]
    assert by_order["transactions"] and "nextToken" not in by_order
    assert all(t["relatedIdentifiers"][0]["relatedIdentifierValue"] == oid for t in by_order["transactions"])
    deferred = api.get(
        TXNS, headers=headers, params={"postedAfter": "2026-10-20T00:00:00Z", "transactionStatus": "DEFERRED"}
    ).json()["payload"]
    assert deferred == {"transactions": []}
    wide = api.get(
        TXNS, headers=headers, params={"postedAfter": "2026-01-01T00:00:00Z", "postedBefore": "2026-11-01T00:00:00Z"}
    ).json()["payload"]
    assert wide == {"transactions": []}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"postedAfter": "2026-11-27T11:59:00Z"},
        {"postedAfter": "2026-11-01T00:00:00Z", "postedBefore": "2026-11-27T11:59:30Z"},
        {"postedAfter": "2026-11-10T00:00:00Z", "postedBefore": "2026-11-01T00:00:00Z"},
        {"postedAfter": "2026-11-01T00:00:00Z", "transactionStatus": "PAID"},
        {"relatedIdentifierName": "SETTLEMENT_ID", "relatedIdentifierValue": "1"},
        {"relatedIdentifierName": "ORDER_ID"},
    ],
)
def test_transactions_invalid_input(
    account: dict[str, Any], api: httpx.Client, headers: dict[str, str], params: dict[str, Any]
) -> None:
    response = api.get(TXNS, headers=headers, params=params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"


def test_transaction_paging_faults(
    sandbox: AmazonSandbox, account: dict[str, Any], raw_api: httpx.Client, headers: dict[str, str]
) -> None:
    api = raw_api  # big bodies: the contract is covered in test_amazon_contract
    sandbox.generate_orders(account["selling_partner_id"], 1500, days=10)
    params = {"postedAfter": "2026-11-17T12:00:00Z"}
    first = api.get(TXNS, headers=headers, params=params).json()["payload"]
    assert len(first["transactions"]) == 500 and first["nextToken"]
    sandbox.kit.faults.add(FaultRule(FaultKind.PAGE_TOKEN_EXPIRED, "listTransactions"))
    assert api.get(TXNS, headers=headers, params={**params, "nextToken": first["nextToken"]}).status_code == 400
    sandbox.kit.faults.add(FaultRule(FaultKind.DUPLICATE_ACROSS_PAGES, "listTransactions"))
    second = api.get(TXNS, headers=headers, params={**params, "nextToken": first["nextToken"]}).json()["payload"]
    assert second["transactions"][0]["transactionId"] == first["transactions"][-1]["transactionId"]
    other = api.get(
        TXNS, headers=headers, params={"postedAfter": "2026-11-18T00:00:00Z", "nextToken": first["nextToken"]}
    )
    assert other.status_code == 400
    txns, _ = all_transactions(api, headers, params)
    ids = [t["transactionId"] for t in txns]
    assert len(ids) == len(set(ids))
