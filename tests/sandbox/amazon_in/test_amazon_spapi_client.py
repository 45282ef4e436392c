"""A real third-party client (python-amazon-sp-api) against the sandbox on real uvicorn servers, with only its
endpoint (and LWA host) changed: the operations Robnu's adapter calls, the legacy ones existing integrations
still call (Finances v0 event lists, getReports), and an operation the sandbox does not serve."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from conftest import START
from robnu.sandbox.amazon_in import AmazonSandbox, build_sandbox
from robnu.sandbox.clock import SandboxClock

sp_api = pytest.importorskip("sp_api")
from sp_api.api import Finances, ListingsItems, Orders, Reports  # noqa: E402
from sp_api.auth import AccessTokenClient  # noqa: E402
from sp_api.auth import access_token_client as token_cache  # noqa: E402
from sp_api.base import Marketplaces  # noqa: E402
from sp_api.base.exceptions import SellingApiBadRequestException, SellingApiNotFoundException  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AmazonSandbox, dict[str, Any], int, int]]:
    monkeypatch.delenv("SP_API_DEFAULT_MARKETPLACE", raising=False)
    monkeypatch.delenv("AWS_ENV", raising=False)
    sandbox = build_sandbox(seed=99, clock=SandboxClock(frozen_at=START))
    acc = sandbox.create_account()
    sandbox.generate_orders(acc["selling_partner_id"], 230, days=30)
    token_cache.cache.clear()
    with Served(sandbox.apps["api"]) as api, Served(sandbox.apps["auth"]) as auth:
        yield sandbox, acc, api.port, auth.port
    token_cache.cache.clear()


def clients(acc: dict[str, Any], api_port: int, auth_port: int) -> dict[str, Any]:
    class SandboxTokenClient(AccessTokenClient):  # type: ignore[misc]
        scheme = "http://"
        host = f"127.0.0.1:{auth_port}"

    credentials = {
        "refresh_token": acc["refresh_token"],
        "lwa_app_id": acc["lwa_client_id"],
        "lwa_client_secret": acc["lwa_client_secret"],
    }
    made = {
        "orders": Orders(
            version="2026-01-01",
            marketplace=Marketplaces.IN,
            credentials=credentials,
            auth_token_client_class=SandboxTokenClient,
        ),
        "finances": Finances(
            version="2024-06-19",
            marketplace=Marketplaces.IN,
            credentials=credentials,
            auth_token_client_class=SandboxTokenClient,
        ),
        "finances_v0": Finances(
            marketplace=Marketplaces.IN, credentials=credentials, auth_token_client_class=SandboxTokenClient
        ),
        "orders_v0": Orders(
            marketplace=Marketplaces.IN, credentials=credentials, auth_token_client_class=SandboxTokenClient
        ),
        "listings": ListingsItems(
            marketplace=Marketplaces.IN, credentials=credentials, auth_token_client_class=SandboxTokenClient
        ),
        "reports": Reports(
            marketplace=Marketplaces.IN, credentials=credentials, auth_token_client_class=SandboxTokenClient
        ),
    }
    for client in made.values():
        client.endpoint = f"http://127.0.0.1:{api_port}"
    return made


def test_python_amazon_sp_api_end_to_end(served: tuple[AmazonSandbox, dict[str, Any], int, int]) -> None:
    sandbox, acc, api_port, auth_port = served
    c = clients(acc, api_port, auth_port)
    # token exchange + order search with pagination
    seen: list[str] = []
    response = c["orders"].search_orders(
        createdAfter="2026-01-01T00:00:00Z", maxResultsPerPage=50, includedData=["FULFILLMENT", "PROCEEDS"]
    )
    while True:
        seen.extend(o["orderId"] for o in response.payload["orders"])
        if not response.next_token:
            break
        response = c["orders"].search_orders(
            createdAfter="2026-01-01T00:00:00Z", maxResultsPerPage=50, paginationToken=response.next_token
        )
    truth = sandbox.truth(acc["selling_partner_id"])
    assert len(seen) == len(set(seen)) == 230 and set(seen) == set(truth["orders"])
    one = c["orders"].get_order(seen[0], includedData=["FULFILLMENT"])
    assert one.payload["order"]["orderId"] == seen[0]
    # finances (payload envelope quirk of 2024-06-19)
    txns = c["finances"].list_transactions(postedAfter="2026-11-10T00:00:00Z")
    assert isinstance(txns.payload["transactions"], list)
    # quantity patch
    sku = acc["skus"][0]
    patched = c["listings"].patch_listings_item(
        acc["selling_partner_id"],
        sku,
        marketplaceIds=["A21TJRUUN4KGV"],
        body={
            "productType": "PRODUCT",
            "patches": [
                {
                    "op": "replace",
                    "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 9}],
                }
            ],
        },
    )
    assert patched.payload["status"] == "ACCEPTED"
    assert sandbox.pushed(acc["selling_partner_id"])["inventory"][sku][0]["quantity"] == 9
    # returns report download
    created = c["reports"].create_report(
        reportType="GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE", dataStartTime="2026-10-01T00:00:00Z"
    )
    report_id = created.payload["reportId"]
    for _ in range(5):
        report = c["reports"].get_report(report_id).payload
        if report["processingStatus"] == "DONE":
            break
    assert report["processingStatus"] == "DONE"
    document = c["reports"].get_report_document(report["reportDocumentId"], download=True).payload["document"]
    lines = document.splitlines()
    assert lines[0].startswith("Order ID\tOrder date\tReturn request date")
    rmas = {line.split("\t")[4] for line in lines[1:]}
    assert rmas == {k for k, v in truth["returns"].items() if v["kind"] == "customer_return"}


def _v0_total(events: dict[str, Any]) -> int:
    """Net paise of a FinancialEvents object (charges, fees and taxes withheld of every event)."""
    total = 0.0
    for name in ("ShipmentEventList", "RefundEventList"):
        for event in events[name]:
            for item in event.get("ShipmentItemList") or event.get("ShipmentItemAdjustmentList"):
                for key in ("ItemChargeList", "ItemChargeAdjustmentList"):
                    total += sum(c["ChargeAmount"]["CurrencyAmount"] for c in item.get(key, []))
                for key in ("ItemFeeList", "ItemFeeAdjustmentList"):
                    total += sum(f["FeeAmount"]["CurrencyAmount"] for f in item.get(key, []))
                for withheld in item.get("ItemTaxWithheldList", []):
                    total += sum(t["ChargeAmount"]["CurrencyAmount"] for t in withheld["TaxesWithheld"])
    for event in events["ServiceFeeEventList"]:
        total += sum(f["FeeAmount"]["CurrencyAmount"] for f in event["FeeList"])
    return round(total * 100)


def test_python_amazon_sp_api_legacy_operations(served: tuple[AmazonSandbox, dict[str, Any], int, int]) -> None:
    _sandbox, acc, api_port, auth_port = served
    c = clients(acc, api_port, auth_port)
    v0 = c["finances_v0"]
    # listFinancialEvents, paged the way the library's users loop: NextToken alone
    events: dict[str, list[Any]] = {"ShipmentEventList": [], "RefundEventList": [], "ServiceFeeEventList": []}
    response = v0.list_financial_events(PostedAfter="2026-11-01T00:00:00Z", MaxResultsPerPage=20)
    pages = 1
    while True:
        for name in events:
            events[name].extend(response.payload["FinancialEvents"][name])
        if not response.next_token:
            break
        response = v0.list_financial_events(NextToken=response.next_token)
        pages += 1
    assert pages > 1 and events["ShipmentEventList"]
    txns = c["finances"].list_transactions(postedAfter="2026-11-01T00:00:00Z")
    total = 0
    count = 0
    while True:
        count += len(txns.payload["transactions"])
        total += sum(round(t["totalAmount"]["currencyAmount"] * 100) for t in txns.payload["transactions"])
        if not txns.next_token:
            break
        txns = c["finances"].list_transactions(postedAfter="2026-11-01T00:00:00Z", nextToken=txns.next_token)
    assert sum(len(v) for v in events.values()) == count and _v0_total(events) == total
    # listFinancialEventsByOrderId and listFinancialEventsByGroupId
    order_id = events["ShipmentEventList"][0]["AmazonOrderId"]
    for_order = v0.get_financial_events_for_order(order_id).payload["FinancialEvents"]
    assert for_order["ShipmentEventList"][0]["AmazonOrderId"] == order_id
    group = v0.list_financial_event_groups(MaxResultsPerPage=1).payload["FinancialEventGroupList"][0]
    in_group = v0.list_financial_events_by_group_id(group["FinancialEventGroupId"]).payload["FinancialEvents"]
    assert _v0_total(in_group) == round(group["OriginalTotal"]["CurrencyAmount"] * 100)
    with pytest.raises(SellingApiBadRequestException):
        v0.list_financial_events()  # no PostedAfter: an error the library raises, not an empty success
    # getReports
    made = [
        c["reports"]
        .create_report(reportType="GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE", dataStartTime="2026-10-01T00:00:00Z")
        .payload["reportId"]
        for _ in range(3)
    ]
    listed = c["reports"].get_reports(reportTypes=["GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"], pageSize=2)
    ids = [r["reportId"] for r in listed.payload["reports"]]
    assert listed.next_token
    ids += [r["reportId"] for r in c["reports"].get_reports(nextToken=listed.next_token).payload["reports"]]
    assert sorted(ids) == sorted(made)
    # an operation the sandbox does not serve raises in the client instead of reading as an empty success
    with pytest.raises(SellingApiNotFoundException) as caught:
        c["orders_v0"].get_order_address(order_id)
    assert caught.value.code == 404
