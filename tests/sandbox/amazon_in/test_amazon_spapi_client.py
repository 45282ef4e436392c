"""A real third-party client (python-amazon-sp-api, §11.1) against the sandbox on real uvicorn servers,
with only its endpoint (and LWA host) changed."""

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
