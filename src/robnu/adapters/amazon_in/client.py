"""The Amazon SP-API client: endpoints, LWA tokens, paced calls and page generators.

Every call goes through ``MarketplaceHttp`` (client-side rate limits corrected by
``x-amzn-RateLimit-Limit``, retries with backoff on 429/5xx/timeouts/broken bodies, one token refresh
on an expired-token 403, typed errors). Listings are generators yielding one page of raw JSON at a
time, so memory stays flat. docs/adapters/amazon_in.md describes the API as Robnu uses it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from robnu.adapters.amazon_in.auth import AmazonAuth, sp_error
from robnu.adapters.amazon_in.credentials import AmazonCredentials
from robnu.adapters.amazon_in.mapping import api_time
from robnu.adapters.client import MarketplaceClient
from robnu.adapters.errors import MarketplaceRequestError, TransientMarketplaceError
from robnu.adapters.http import MarketplaceHttp, json_of
from robnu.adapters.prefetch import prefetched
from robnu.adapters.ratelimit import OperationLimit

CODE = "AMAZON_IN"
API_ENDPOINT = "api"
AUTH_ENDPOINT = "auth"
REGION_HOSTS = {  # India is in the Europe selling region
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}
DEFAULT_BASE_URL = REGION_HOSTS["eu"]
DEFAULT_AUTH_URL = "https://api.amazon.com"  # LWA, all regions
RATE_LIMIT_HEADER = "x-amzn-RateLimit-Limit"

SEARCH_ORDERS_PATH = "/orders/2026-01-01/orders"
GROUPS_PATH = "/finances/v0/financialEventGroups"
TRANSACTIONS_PATH = "/finances/2024-06-19/transactions"
LISTINGS_PATH = "/listings/2021-08-01/items"
CONFIRM_SHIPMENT_PATH = "/orders/v0/orders/{order_id}/shipmentConfirmation"

LISTING_DATA = ("summaries", "offers", "fulfillmentAvailability")  # getListingsItem includedData
ORDER_DATA = ("FULFILLMENT", "RECIPIENT", "PROCEEDS", "PACKAGES", "PAYMENT", "CANCELLATION")
PAGE_SIZE = 100  # the largest page searchOrders gives
GROUP_PAGE_SIZE = 100  # the largest page of event groups (default 10)
MAX_GROUP_SPAN = timedelta(days=179)  # > 180 days apart -> no groups
MAX_RESTARTS = 5  # per listing: an expired page token restarts it from the window start

# Amazon's published usage plans (rate per second, burst). LWA has no published plan.
LIMITS: dict[str, OperationLimit] = {
    "searchOrders": OperationLimit(0.0056, 20),
    "getOrder": OperationLimit(0.5, 30),
    "getOrders": OperationLimit(0.0167, 20),
    "getOrderItems": OperationLimit(0.5, 30),
    "confirmShipment": OperationLimit(2, 10),
    "listFinancialEventGroups": OperationLimit(0.5, 30),
    "listTransactions": OperationLimit(0.5, 10),
    "patchListingsItem": OperationLimit(5, 5),
    "getListingsItem": OperationLimit(5, 10),
    "createReport": OperationLimit(0.0167, 15),
    "getReport": OperationLimit(2, 15),
    "getReportDocument": OperationLimit(0.0167, 15),
}


class PageTokenRejected(Exception):
    """A page token answered 400: restart the listing (bounded by MAX_RESTARTS)."""


def _body(response: httpx.Response) -> Any:
    try:
        return json_of(response)
    except ValueError:
        return None


class AmazonClient(MarketplaceClient[AmazonAuth]):
    """One selling partner's SP-API connection (``AmazonInAdapter.open_client``): the API host and the LWA
    host, closed together. The returns report is read by ``reports.returns_report``."""

    def __init__(
        self,
        api: MarketplaceHttp,
        lwa: MarketplaceHttp,
        auth: AmazonAuth,
        creds: AmazonCredentials,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rate_scale: float = 1.0,
    ) -> None:
        super().__init__(api, auth, lwa)
        self.api = api
        self.lwa = lwa
        self.creds = creds
        self.sleep = sleep
        self.rate_scale = rate_scale
        self.restarts = 0  # listings restarted after a rejected page token (for tests and reports)

    def __repr__(self) -> str:
        return f"AmazonClient({self.creds.selling_partner_id})"

    # ------------------------------------------------------------------ plumbing
    def call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        paged: bool = False,
    ) -> Any:
        """One authenticated SP-API call returning its JSON body. A 4xx is raised as
        MarketplaceRequestError carrying Amazon's error code; with ``paged`` a 400 raises
        PageTokenRejected (the only 400 a resent request with a page token can earn)."""
        ok = frozenset({200, 201, 202, 204, 400, 404, 409, 413, 415, 422})
        response = self.api.request(
            operation,
            method,
            path,
            auth=self.auth,
            params=params,
            json_body=json_body,
            headers={"Accept": "application/json"},
            ok_statuses=ok,
        )
        body = _body(response)
        if response.status_code < 300 and body is None and response.status_code != 204:
            body = self._retry_json(operation, method, path, params, json_body)
        if response.status_code >= 400:
            code, message = sp_error(body)
            code = code or f"HTTP_{response.status_code}"
            if paged and response.status_code == 400:
                raise PageTokenRejected(f"{code}: {message}")
            raise MarketplaceRequestError(
                self.clean(f"Amazon {operation} answered HTTP {response.status_code} {code}: {message}"),
                http_status=response.status_code,
                code=code,
            )
        return body

    def _retry_json(
        self, operation: str, method: str, path: str, params: Mapping[str, Any] | None, json_body: Any
    ) -> Any:
        """A 2xx whose body is not JSON (truncated, malformed): ask again through request_json."""
        return self.api.request_json(
            operation,
            method,
            path,
            auth=self.auth,
            params=params,
            json_body=json_body,
            headers={"Accept": "application/json"},
        )

    # ------------------------------------------------------------------ orders
    def search_orders(
        self,
        after: datetime,
        before: datetime,
        *,
        statuses: tuple[str, ...] = (),
        fulfilled_by: tuple[str, ...] = (),
        included: tuple[str, ...] = ORDER_DATA,
        page_size: int = PAGE_SIZE,
    ) -> Iterator[list[dict[str, Any]]]:
        """Orders whose lastUpdatedTime is in [after, before], one page at a time.

        The same filters are resent with every ``paginationToken``. A rejected token (expired
        after 24 h, or refused) restarts the search from ``after``: repeats are upserts downstream.
        """
        params: dict[str, Any] = {
            "lastUpdatedAfter": api_time(after),
            "lastUpdatedBefore": api_time(before),
            "marketplaceIds": self.creds.marketplace_id,
            "includedData": ",".join(included),
            "maxResultsPerPage": page_size,
        }
        if statuses:
            params["fulfillmentStatuses"] = ",".join(statuses)
        if fulfilled_by:
            params["fulfilledBy"] = ",".join(fulfilled_by)
        for body in self._pages("searchOrders", SEARCH_ORDERS_PATH, params, "paginationToken", _next_2026):
            yield list(body.get("orders") or [])

    def get_order(self, order_id: str, included: tuple[str, ...] = ORDER_DATA) -> dict[str, Any]:
        """One 2026-01-01 order with its items (always embedded) and the datasets asked for."""
        body = self.call(
            "getOrder",
            "GET",
            f"{SEARCH_ORDERS_PATH}/{quote(order_id, safe='')}",
            params={"includedData": ",".join(included)},
        )
        order = body.get("order") if isinstance(body, dict) else None
        if not isinstance(order, dict):
            raise TransientMarketplaceError(f"Amazon getOrder {order_id} answered without an order")
        return order

    def confirm_shipment(self, order_id: str, package_detail: dict[str, Any]) -> None:
        """v0 confirmShipment (ordersV0 ``ConfirmShipmentRequest``): tells Amazon a seller-fulfilled
        package left with the seller's carrier. 204 on success; a 400 is raised with Amazon's code.
        Not idempotent on Amazon's side: callers look at the order's packages before sending."""
        body = {"packageDetail": package_detail, "marketplaceId": self.creds.marketplace_id}
        self.call(
            "confirmShipment",
            "POST",
            CONFIRM_SHIPMENT_PATH.format(order_id=quote(order_id, safe="")),
            json_body=body,
        )

    # ------------------------------------------------------------------ finances
    def event_groups(self, started_after: datetime, started_before: datetime) -> Iterator[list[dict[str, Any]]]:
        """Finances v0 event groups that started in the range, in spans of < 180 days."""
        start = started_after
        while start < started_before:
            end = min(start + MAX_GROUP_SPAN, started_before)
            params = {
                "FinancialEventGroupStartedAfter": api_time(start),
                "FinancialEventGroupStartedBefore": api_time(end),
                "MaxResultsPerPage": GROUP_PAGE_SIZE,
            }
            for body in self._pages("listFinancialEventGroups", GROUPS_PATH, params, "NextToken", _next_v0):
                payload = body.get("payload") or {}
                yield list(payload.get("FinancialEventGroupList") or [])
            start = end

    def group_transactions(self, group_id: str) -> Iterator[list[dict[str, Any]]]:
        """Released 2024-06-19 transactions of one event group (read group by group, as Amazon recommends).
        Pages may be empty while a nextToken still comes: loop until none does. A rejected token restarts
        the group; the caller dedupes by transactionId."""
        params = {
            "relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID",
            "relatedIdentifierValue": group_id,
            "transactionStatus": "RELEASED",
            "marketplaceId": self.creds.marketplace_id,
        }
        for body in self._pages("listTransactions", TRANSACTIONS_PATH, params, "nextToken", _next_2024):
            payload = body.get("payload") or {}
            yield list(payload.get("transactions") or [])

    # ------------------------------------------------------------------ pagination
    def _pages(
        self,
        operation: str,
        path: str,
        params: dict[str, Any],
        token_param: str,
        next_token: Callable[[Any], str | None],
    ) -> Iterator[dict[str, Any]]:
        restarts = 0
        while True:
            try:
                yield from prefetched(
                    lambda token: self._page(operation, path, params, token_param, token),
                    next_token,
                    name=f"amazon-{operation}",
                )
                return
            except PageTokenRejected:
                restarts += 1
                self.restarts += 1
                if restarts > MAX_RESTARTS:
                    raise TransientMarketplaceError(
                        f"Amazon {operation}: page tokens kept being rejected; gave up after {restarts} restarts"
                    ) from None

    def _page(
        self, operation: str, path: str, params: dict[str, Any], token_param: str, token: str | None
    ) -> dict[str, Any]:
        query = dict(params)
        if token:
            query[token_param] = token
        body = self.call(operation, "GET", path, params=query, paged=token is not None)
        if not isinstance(body, dict):
            raise TransientMarketplaceError(f"Amazon {operation} answered a body that is not an object")
        return body

    # ------------------------------------------------------------------ listings
    def patch_quantity(self, sku: str, quantity: int) -> dict[str, Any]:
        """Set one SKU's seller-fulfilled quantity. 200 ACCEPTED / INVALID come back as the body."""
        seller = quote(self.creds.selling_partner_id, safe="")
        path = f"{LISTINGS_PATH}/{seller}/{quote(sku, safe='')}"
        body = {
            "productType": "PRODUCT",
            "patches": [
                {
                    "op": "replace",
                    "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
                }
            ],
        }
        result = self.call(
            "patchListingsItem", "PATCH", path, params={"marketplaceIds": self.creds.marketplace_id}, json_body=body
        )
        return dict(result) if isinstance(result, dict) else {}

    def get_listing(self, sku: str, included: tuple[str, ...] = LISTING_DATA) -> Any:
        """getListingsItem: the ``Item`` of one seller SKU in the account's marketplace, or None when
        Amazon has no listing for the SKU (404, "the resource specified does not exist"). Paced by the
        client-side ``getListingsItem`` bucket (5/s, burst 10), shared by every client of the selling
        partner. The body is returned as sent; the mapping quarantines one it cannot read."""
        seller = quote(self.creds.selling_partner_id, safe="")
        path = f"{LISTINGS_PATH}/{seller}/{quote(sku, safe='')}"
        params = {"marketplaceIds": self.creds.marketplace_id, "includedData": ",".join(included)}
        try:
            return self.call("getListingsItem", "GET", path, params=params)
        except MarketplaceRequestError as exc:
            if exc.http_status == 404:
                return None
            raise

    def probe(self, now: datetime) -> None:
        """One cheap authenticated read (a one-order search of the last day), for credential checks."""
        before = now - timedelta(minutes=3)
        self.call(
            "searchOrders",
            "GET",
            SEARCH_ORDERS_PATH,
            params={
                "lastUpdatedAfter": api_time(before - timedelta(days=1)),
                "lastUpdatedBefore": api_time(before),
                "marketplaceIds": self.creds.marketplace_id,
                "maxResultsPerPage": 1,
            },
        )


def _next_2026(body: Any) -> str | None:
    token = (body.get("pagination") or {}).get("nextToken")
    return str(token) if token else None


def _next_v0(body: Any) -> str | None:
    token = (body.get("payload") or {}).get("NextToken")
    return str(token) if token else None


def _next_2024(body: Any) -> str | None:
    token = (body.get("payload") or {}).get("nextToken")
    return str(token) if token else None
