"""Finances v0 event lists (listFinancialEvents, …ByOrderId, …ByGroupId): the same postings as Finances
2024-06-19, so both generations of the API tell one money story to the paisa."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from robnu.sandbox.amazon_in import AmazonSandbox
from robnu.sandbox.faults import FaultKind, FaultRule

EVENTS = "/finances/v0/financialEvents"
TXNS = "/finances/2024-06-19/transactions"
GROUPS = "/finances/v0/financialEventGroups"
SINCE = "2026-10-20T00:00:00Z"


def paise(value: float) -> int:
    return round(value * 100)


def _amounts(components: list[dict[str, Any]], key: str) -> int:
    return sum(paise(c[key]["CurrencyAmount"]) for c in components)


def event_totals(events: dict[str, list[dict[str, Any]]]) -> Counter[str]:
    """Net paise per order id over every event of a FinancialEvents object."""
    totals: Counter[str] = Counter()
    for name in ("ShipmentEventList", "RefundEventList"):
        for event in events.get(name, []):
            items = event.get("ShipmentItemList") or event.get("ShipmentItemAdjustmentList") or []
            for item in items:
                charges = item.get("ItemChargeList") or item.get("ItemChargeAdjustmentList") or []
                fees = item.get("ItemFeeList") or item.get("ItemFeeAdjustmentList") or []
                withheld = [t for w in item.get("ItemTaxWithheldList", []) for t in w["TaxesWithheld"]]
                totals[event["AmazonOrderId"]] += (
                    _amounts(charges, "ChargeAmount") + _amounts(fees, "FeeAmount") + _amounts(withheld, "ChargeAmount")
                )
    for event in events.get("ServiceFeeEventList", []):
        totals[event["AmazonOrderId"]] += _amounts(event["FeeList"], "FeeAmount")
    return totals


def count_events(events: dict[str, list[dict[str, Any]]]) -> int:
    return sum(len(v) for v in events.values())


def all_events(
    api: httpx.Client, headers: dict[str, str], path: str, params: dict[str, Any], *, token_only: bool = True
) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """Every page of a v0 event list merged; the continuation sends only NextToken when ``token_only``."""
    merged: dict[str, list[dict[str, Any]]] = {}
    pages = 0
    query = dict(params)
    while True:
        response = api.get(path, headers=headers, params=query)
        assert response.status_code == 200, response.text
        payload = response.json()["payload"]
        pages += 1
        for name, events in payload["FinancialEvents"].items():
            merged.setdefault(name, []).extend(events)
        if "NextToken" not in payload:
            return merged, pages
        query = {"NextToken": payload["NextToken"]} if token_only else {**params, "NextToken": payload["NextToken"]}


def all_transactions(api: httpx.Client, headers: dict[str, str], params: dict[str, Any]) -> list[dict[str, Any]]:
    txns: list[dict[str, Any]] = []
    token = None
    while True:
        query = {**params, **({"nextToken": token} if token else {})}
        payload = api.get(TXNS, headers=headers, params=query).json()["payload"]
        txns.extend(payload["transactions"])
        token = payload.get("nextToken")
        if not token:
            return txns


def txn_totals(txns: list[dict[str, Any]]) -> Counter[str]:
    totals: Counter[str] = Counter()
    for txn in txns:
        ids = {r["relatedIdentifierName"]: r["relatedIdentifierValue"] for r in txn["relatedIdentifiers"]}
        totals[ids["ORDER_ID"]] += paise(txn["totalAmount"]["currencyAmount"])
    return totals


def test_v0_events_and_2024_transactions_are_one_ledger(
    account: dict[str, Any], raw_api: httpx.Client, headers: dict[str, str]
) -> None:
    api = raw_api  # big bodies: the contract is covered in test_amazon_contract
    events, pages = all_events(api, headers, EVENTS, {"PostedAfter": SINCE, "MaxResultsPerPage": 40})
    assert pages > 2
    txns = all_transactions(api, headers, {"postedAfter": SINCE})
    assert count_events(events) == len(txns) > 40
    assert event_totals(events) == txn_totals(txns)
    shipments = events["ShipmentEventList"]
    assert shipments and events["RefundEventList"]
    assert len({(e["AmazonOrderId"], e["PostedDate"]) for e in shipments}) == len(shipments)  # nothing twice
    first = shipments[0]["ShipmentItemList"][0]
    assert (
        first["ItemChargeList"][0]["ChargeType"] == "Principal"
        and first["ItemChargeList"][0]["ChargeAmount"]["CurrencyAmount"] > 0
    )
    assert {f["FeeType"] for f in first["ItemFeeList"]} >= {"Commission", "FixedClosingFee", "GSTOnFees"}
    assert first["ItemTaxWithheldList"][0]["TaxCollectionModel"] == "MarketplaceFacilitator"
    assert {t["ChargeType"] for t in first["ItemTaxWithheldList"][0]["TaxesWithheld"]} & {"TCS-IGST", "TCS-CGST"}
    refund = events["RefundEventList"][0]["ShipmentItemAdjustmentList"][0]
    assert refund["OrderAdjustmentItemId"] and "ItemChargeList" not in refund
    # a continuation that repeats the arguments gives the same events
    again, _ = all_events(api, headers, EVENTS, {"PostedAfter": SINCE, "MaxResultsPerPage": 40}, token_only=False)
    assert again == events


def test_events_by_order_match_its_transactions(
    account: dict[str, Any], raw_api: httpx.Client, headers: dict[str, str]
) -> None:
    api = raw_api
    txns = all_transactions(api, headers, {"postedAfter": SINCE})
    by_order = txn_totals(txns)
    counts = Counter(
        next(r["relatedIdentifierValue"] for r in t["relatedIdentifiers"] if r["relatedIdentifierName"] == "ORDER_ID")
        for t in txns
    )
    busiest = counts.most_common(1)[0][0]  # e.g. a sale and its refund
    events, pages = all_events(api, headers, f"/finances/v0/orders/{busiest}/financialEvents", {"MaxResultsPerPage": 1})
    assert pages == count_events(events) == counts[busiest]
    assert event_totals(events) == Counter({busiest: by_order[busiest]})
    unknown = api.get("/finances/v0/orders/404-0000000-0000000/financialEvents", headers=headers).json()
    assert count_events(unknown["payload"]["FinancialEvents"]) == 0 and "NextToken" not in unknown["payload"]


def test_events_by_group_add_up_to_the_payout(
    sandbox: AmazonSandbox, account: dict[str, Any], raw_api: httpx.Client, headers: dict[str, str]
) -> None:
    api = raw_api
    truth = sandbox.truth(account["selling_partner_id"])
    groups = api.get(GROUPS, headers=headers, params={"MaxResultsPerPage": 100}).json()["payload"][
        "FinancialEventGroupList"
    ]
    closed = [g for g in groups if g["ProcessingStatus"] == "Closed"]
    assert closed
    for group in closed[:3]:
        gid = group["FinancialEventGroupId"]
        path = f"/finances/v0/financialEventGroups/{gid}/financialEvents"
        events, _ = all_events(api, headers, path, {"MaxResultsPerPage": 25})
        assert count_events(events) == truth["payouts"][gid]["lines"]
        assert sum(event_totals(events).values()) == paise(group["OriginalTotal"]["CurrencyAmount"])
    nowhere = api.get("/finances/v0/financialEventGroups/nope/financialEvents", headers=headers).json()
    assert count_events(nowhere["payload"]["FinancialEvents"]) == 0


@pytest.mark.parametrize(
    "params",
    [
        {},  # PostedAfter is required without a NextToken
        {"PostedAfter": "2026-11-27T11:59:00Z"},  # less than two minutes ago
        {"PostedAfter": "2026-11-01T00:00:00Z", "PostedBefore": "2026-11-27T11:59:30Z"},
        {"PostedAfter": "2026-11-10T00:00:00Z", "PostedBefore": "2026-11-01T00:00:00Z"},
        {"PostedAfter": "yesterday"},
        {"PostedAfter": "2026-11-01T00:00:00Z", "MaxResultsPerPage": 101},
        {"NextToken": "garbage"},
    ],
)
def test_list_events_invalid_input(
    account: dict[str, Any], api: httpx.Client, headers: dict[str, str], params: dict[str, Any]
) -> None:
    response = api.get(EVENTS, headers=headers, params=params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"


def test_list_events_paging_rules(
    sandbox: AmazonSandbox, account: dict[str, Any], raw_api: httpx.Client, headers: dict[str, str]
) -> None:
    api = raw_api
    wide = api.get(
        EVENTS, headers=headers, params={"PostedAfter": "2026-01-01T00:00:00Z", "PostedBefore": "2026-11-20T00:00:00Z"}
    ).json()["payload"]
    assert count_events(wide["FinancialEvents"]) == 0 and "NextToken" not in wide  # more than 180 days apart
    params = {"PostedAfter": SINCE, "MaxResultsPerPage": 5}
    first = api.get(EVENTS, headers=headers, params=params).json()["payload"]
    assert count_events(first["FinancialEvents"]) == 5 and first["NextToken"]
    moved = api.get(
        EVENTS, headers=headers, params={"PostedAfter": "2026-10-21T00:00:00Z", "NextToken": first["NextToken"]}
    )
    assert moved.status_code == 400  # a token comes back with the arguments it was issued for, or alone
    other = api.get("/finances/v0/orders/x/financialEvents", headers=headers, params={"NextToken": first["NextToken"]})
    assert other.status_code == 400  # a token of another operation
    sandbox.kit.faults.add(FaultRule(FaultKind.PAGE_TOKEN_EXPIRED, "listFinancialEvents"))
    expired = api.get(EVENTS, headers=headers, params={"NextToken": first["NextToken"]})
    assert expired.status_code == 400 and "expired" in expired.json()["errors"][0]["message"]
