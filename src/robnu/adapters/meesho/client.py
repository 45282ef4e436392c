"""The Meesho supplier API client (the API is modelled, see docs/adapters/meesho.md): endpoints, HMAC auth, cursor
listings that survive page faults, date-window chunking.

Every call goes through ``MarketplaceHttp`` (client-side rate limit, retries with backoff on 429/5xx/
timeouts/dropped connections/broken bodies). Listings are generators yielding one page of raw JSON
records at a time, so memory stays flat however many records there are.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from robnu.adapters.client import MarketplaceClient
from robnu.adapters.errors import MarketplaceAuthError, MarketplaceRequestError, TransientMarketplaceError
from robnu.adapters.http import MarketplaceHttp
from robnu.adapters.meesho.auth import CLOCK_CODES, MeeshoAuth, MeeshoSigner
from robnu.adapters.meesho.credentials import MeeshoCredentials
from robnu.adapters.meesho.mapping import iso_ist, when
from robnu.adapters.ratelimit import ClientRateLimiter, OperationLimit
from robnu.domain.clock import Clock, ist_day

CODE = "MEESHO"
ENDPOINT = "api"
# Meesho publishes no API host: the modelled base URL is configuration (MEESHO_API_BASE).
DEFAULT_BASE_URL = "https://supplier-api.meesho.invalid"

PAGE_SIZE = 100  # limit 1-100
INVENTORY_BATCH = 50  # <= 50 items per POST /v1/inventory
LIST_WINDOW = timedelta(days=30)  # an updated_from/updated_to window is at most 30 days
SETTLEMENT_RANGE = timedelta(days=92)  # from/to at most 92 days
# Settlements are listed by payment date; one is paid up to 10 days after its period (Mon-Sun, paid the
# Wednesday after). Read this far around the window so SCHEDULED -> PAID is seen.
SETTLEMENT_LOOKBACK = timedelta(days=1)
SETTLEMENT_LOOKAHEAD = timedelta(days=10)
# 4xx answers of processing calls that refuse one request (not the account): read, never retried.
REFUSALS = frozenset({400, 404, 409, 422})
MAX_RESTARTS = 5  # per listing: a cursor that keeps expiring is an error, not a loop

# 20 req/s per api_key, burst 40, one bucket for every call; labels and manifests also 2 req/s.
DEFAULT_LIMIT = OperationLimit(rate=20.0, burst=40)
LIMITS: dict[str, OperationLimit] = {
    "default": DEFAULT_LIMIT,
    "createLabels": OperationLimit(rate=2.0, burst=2),
    "createManifest": OperationLimit(rate=2.0, burst=2),
}


class SharedBucketLimiter(ClientRateLimiter):
    """Meesho meters every call of one key in one bucket; a few operations have a bucket on top."""

    def _buckets(self, operation: str) -> list[str]:
        return ["default", operation] if operation != "default" and operation in LIMITS else ["default"]

    def acquire(self, operation: str) -> float:
        return sum(super(SharedBucketLimiter, self).acquire(bucket) for bucket in self._buckets(operation))

    def answered(self, operation: str) -> None:
        for bucket in self._buckets(operation):
            super().answered(bucket)

    def refund(self, operation: str) -> None:
        for bucket in self._buckets(operation):
            super().refund(bucket)


def _created_key(row: Mapping[str, Any]) -> datetime | None:
    try:
        return when(row.get("created_at"))
    except ValueError:
        return None


class MeeshoClient(MarketplaceClient[MeeshoAuth]):
    """One account's connection to the Meesho API (``MeeshoAdapter.open_client``); close it when done.
    Every request is signed for the base URL's path (the signature covers the path as sent)."""

    def __init__(self, http: MarketplaceHttp, creds: MeeshoCredentials, clock: Clock) -> None:
        base_path = http.client.base_url.raw_path.decode("ascii")
        super().__init__(http, MeeshoAuth(MeeshoSigner(creds, clock, base_path=base_path)))
        self.creds = creds
        self.clock = clock
        self.signer = self.auth.signer
        self.restarts = 0  # listings restarted after an expired cursor (for tests and run reports)

    def __repr__(self) -> str:
        return f"MeeshoClient(supplier_id={self.creds.supplier_id})"

    # ------------------------------------------------------------- calls
    def call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        ok_statuses: frozenset[int] = frozenset({200, 201, 202}),
    ) -> Any:
        """One signed call, answered as JSON. A stale timestamp is fixed inside MarketplaceHttp (one
        re-signed retry with the learned offset); if the server's clock moved again in between, the
        offset is learned once more and the call is repeated once."""
        for attempt in range(2):
            try:
                return self.http.request_json(
                    operation,
                    method,
                    path,
                    auth=self.auth,
                    params=params,
                    json_body=json_body,
                    headers=headers,
                    ok_statuses=ok_statuses,
                )
            except MarketplaceAuthError as exc:
                if exc.code not in CLOCK_CODES or attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def data(self, operation: str, path: str, params: Mapping[str, Any] | None = None) -> Any:
        body = self.call(operation, "GET", path, params=params)
        if not isinstance(body, dict) or "data" not in body:
            raise TransientMarketplaceError(f"Meesho {operation} answered without data")
        return body["data"]

    def acceptance(self) -> dict[str, Any]:
        """``GET /v1/settings/acceptance``: the credential check."""
        found = self.data("getAcceptance", "/v1/settings/acceptance")
        return found if isinstance(found, dict) else {}

    # ------------------------------------------------------------- listings
    def pages(
        self, operation: str, path: str, params: Mapping[str, Any], id_key: str
    ) -> Iterator[list[dict[str, Any]]]:
        """Every record of a cursor listing, robust to what can happen between pages.

        * A record repeated from the previous page is skipped (by id).
        * An expired or refused cursor (400 ``INVALID_CURSOR``) restarts the listing from its first page
          with the same filters. Listings are sorted by ``created_at``: records up to the last one
          already yielded are skipped, so a restart re-reads but does not repeat. If a listing turns out
          not to be in that order, a restart re-yields everything (the sync engine upserts by id).
        """
        restarts = 0
        cursor: str | None = None
        recent: deque[set[str]] = deque(maxlen=2)
        mark: datetime | None = None  # created_at of the newest record yielded so far
        at_mark: set[str] = set()  # ids yielded with exactly that created_at
        ordered = True
        replaying = False
        while True:
            query = {**params, "limit": PAGE_SIZE}
            if cursor:
                query["cursor"] = cursor
            body = self.call(operation, "GET", path, params=query, ok_statuses=frozenset({200, 400}))
            error = body.get("error") if isinstance(body, dict) else None
            if isinstance(error, dict):
                if error.get("code") != "INVALID_CURSOR" or not cursor:
                    raise MarketplaceRequestError(
                        f"Meesho {operation} answered HTTP 400 {error.get('code')}: {str(error.get('message'))[:200]}",
                        http_status=400,
                        code=str(error.get("code")),
                    )
                restarts += 1
                self.restarts += 1
                if restarts > MAX_RESTARTS:
                    raise TransientMarketplaceError(f"Meesho {operation}: the cursor kept expiring")
                cursor, replaying = None, ordered
                recent.clear()
                continue
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise TransientMarketplaceError(f"Meesho {operation} answered without a data list")
            fresh: list[dict[str, Any]] = []
            ids: set[str] = set()
            for row in body["data"]:
                rid = _record_id(row, id_key)
                if rid in ids or any(rid in seen for seen in recent):
                    continue
                ids.add(rid)
                created = _created_key(row)
                if replaying and mark is not None and created is not None:
                    if created < mark or (created == mark and rid in at_mark):
                        continue  # yielded before the restart
                    replaying = False
                if created is None:
                    ordered = False
                elif mark is None or created > mark:
                    mark, at_mark = created, {rid}
                elif created == mark:
                    at_mark.add(rid)
                else:
                    ordered = False
                fresh.append(row)
            recent.append(ids)
            if fresh:
                yield fresh
            pagination = body.get("pagination") or {}
            cursor = pagination.get("next_cursor")
            if not pagination.get("has_more") or not cursor:
                return

    def windowed(
        self, operation: str, path: str, id_key: str, start: datetime, end: datetime
    ) -> Iterator[list[dict[str, Any]]]:
        """Records whose ``updated_at`` is in [start, end): ``updated_from``/``updated_to`` windows of at
        most 30 days (the server's window is inclusive; the end is cut here)."""
        lo = start
        while lo < end:
            hi = min(end, lo + LIST_WINDOW)
            query = {"updated_from": iso_ist(lo), "updated_to": iso_ist(hi)}
            for rows in self.pages(operation, path, query, id_key):
                kept = [r for r in rows if _updated_in(r, lo, hi)]
                if kept:
                    yield kept
            lo = hi

    def sub_orders(self, start: datetime, end: datetime) -> Iterator[list[dict[str, Any]]]:
        return self.windowed("listSubOrders", "/v1/sub-orders", "sub_order_no", start, end)

    def returns(self, start: datetime, end: datetime) -> Iterator[list[dict[str, Any]]]:
        return self.windowed("listReturns", "/v1/returns", "return_id", start, end)

    def settlements(self, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
        """Settlement headers whose payment date is near the window (``from``/``to`` <= 92 days)."""
        lo = ist_day(start - SETTLEMENT_LOOKBACK)
        top = ist_day(end + SETTLEMENT_LOOKAHEAD)
        seen: set[str] = set()
        while lo <= top:
            hi = min(top, lo + SETTLEMENT_RANGE)
            for header in self._settlement_page(lo, hi):
                sid = str(header.get("settlement_id"))
                if sid not in seen:
                    seen.add(sid)
                    yield header
            lo = hi + timedelta(days=1)

    def _settlement_page(self, lo: date, hi: date) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        params = {"from": lo.isoformat(), "to": hi.isoformat()}
        for rows in self.pages("listSettlements", "/v1/payments/settlements", params, "settlement_id"):
            found += rows
        return found

    def settlement_lines(self, settlement_id: str) -> list[dict[str, Any]]:
        """Every line of one settlement, de-duplicated by ``line_id`` (a restart re-reads them all)."""
        by_id: dict[str, dict[str, Any]] = {}
        for rows in self.pages("listSettlementLines", f"/v1/payments/settlements/{settlement_id}/lines", {}, "line_id"):
            for row in rows:
                by_id[str(row["line_id"])] = row
        return list(by_id.values())

    # ------------------------------------------------------------- inventory
    def update_inventory(self, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """``POST /v1/inventory``: absolute quantities, <= 50 items, per-item results. One
        Idempotency-Key per batch, so a retry after a lost answer is replayed, not applied twice."""
        body = self.call(
            "updateInventory",
            "POST",
            "/v1/inventory",
            json_body={"items": list(items)},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        data = body.get("data") if isinstance(body, dict) else None
        results = data.get("results") if isinstance(data, dict) else None
        return [r for r in results if isinstance(r, dict)] if isinstance(results, list) else []

    # ------------------------------------------------------------- full processing
    def checked(self, operation: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One call whose 4xx error body becomes a MarketplaceRequestError carrying Meesho's code
        (NOT_FOUND, INVALID_STATE, MIXED_COURIERS, CONFLICT...), so a caller can hold just that line."""
        answer = self.call(operation, method, path, ok_statuses=frozenset({200, 201, 202, *REFUSALS}), **kwargs)
        error = answer.get("error") if isinstance(answer, dict) else None
        if isinstance(error, dict) or not isinstance(answer, dict) or answer.get("success") is False:
            err = error if isinstance(error, dict) else {}
            raise MarketplaceRequestError(
                f"Meesho {operation} refused: {err.get('code')}: {str(err.get('message'))[:200]}",
                code=str(err.get("code") or "REFUSED"),
            )
        data = answer.get("data")
        if not isinstance(data, dict):
            raise TransientMarketplaceError(f"Meesho {operation} answered without data")
        return data

    def sub_order(self, sub_order_no: str) -> dict[str, Any]:
        """``GET /v1/sub-orders/{sub_order_no}``: the marketplace's current view, read before re-sending."""
        return self.checked("getSubOrder", "GET", f"/v1/sub-orders/{sub_order_no}")

    def post(self, operation: str, path: str, body: Mapping[str, Any], idempotency_key: str) -> dict[str, Any]:
        """A signed POST with an Idempotency-Key (replayed for 24 h, so a retry is never applied twice)."""
        headers = {"Idempotency-Key": idempotency_key}
        return self.checked(operation, "POST", path, json_body=dict(body), headers=headers)

    def accept(self, sub_order_nos: Sequence[str], idempotency_key: str) -> list[dict[str, Any]]:
        """``POST /v1/sub-orders/accept`` (<= 50): per-item results, not all-or-nothing."""
        data = self.post(
            "acceptSubOrders", "/v1/sub-orders/accept", {"sub_order_nos": list(sub_order_nos)}, idempotency_key
        )
        results = data.get("results")
        return [r for r in results if isinstance(r, dict)] if isinstance(results, list) else []

    def create_label(self, sub_order_nos: Sequence[str], idempotency_key: str) -> dict[str, Any]:
        """``POST /v1/labels`` (202): Meesho assigns courier + AWB and issues the tax invoice."""
        return self.post("createLabels", "/v1/labels", {"sub_order_nos": list(sub_order_nos)}, idempotency_key)

    def label(self, label_id: str) -> dict[str, Any]:
        found = self.data("getLabel", f"/v1/labels/{label_id}")
        return found if isinstance(found, dict) else {}

    def create_manifest(self, sub_order_nos: Sequence[str], idempotency_key: str) -> dict[str, Any]:
        """``POST /v1/manifests`` (<= 100, one courier): the handover; Meesho has no separate dispatch call."""
        return self.post("createManifest", "/v1/manifests", {"sub_order_nos": list(sub_order_nos)}, idempotency_key)

    def manifest(self, manifest_id: str) -> dict[str, Any]:
        found = self.data("getManifest", f"/v1/manifests/{manifest_id}")
        return found if isinstance(found, dict) else {}

    def pdf(self, operation: str, path: str) -> bytes:
        """A signed GET answered as ``application/pdf`` (label + invoice pages, manifest)."""
        response = self.http.request(operation, "GET", path, auth=self.auth)
        content = response.content
        if not content.startswith(b"%PDF"):
            raise TransientMarketplaceError(f"Meesho {operation} did not answer a PDF")
        return content


def _record_id(row: Mapping[str, Any], id_key: str) -> str:
    value = row.get(id_key) if isinstance(row, Mapping) else None
    return str(value) if value is not None else repr(row)


def _updated_in(row: Mapping[str, Any], lo: datetime, hi: datetime) -> bool:
    try:
        updated = when(row.get("updated_at"))
    except ValueError:
        return True  # let the mapper quarantine it rather than drop it silently
    return lo <= updated < hi
