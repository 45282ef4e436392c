"""The HTTP client every adapter uses: client-side rate limits, retries with backoff and jitter,
one token refresh on an expired-token answer, typed errors, and redacted request logging."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import random
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import orjson

from robnu.adapters.errors import (
    MarketplaceAuthError,
    MarketplaceRequestError,
    TransientMarketplaceError,
)
from robnu.adapters.ratelimit import ClientRateLimiter, OperationLimit
from robnu.security.redaction import redact

log = logging.getLogger("robnu.http")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process, shared by every client: building one loads the CA bundle, which
    costs tens of milliseconds — more than a sync of an account with nothing new spends on its HTTP calls.
    An SSLContext may be shared by clients and threads (each connection gets its own SSL object)."""
    return httpx.create_ssl_context()


def json_of(response: httpx.Response) -> Any:
    """The response body as JSON: parsed by orjson (several times faster on the pages a sync reads), and by
    the standard library where orjson refuses what it accepts (NaN, numbers beyond 64 bits, other UTFs).
    Raises ValueError when the body is not JSON."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return json.loads(response.content)


class AuthProvider(Protocol):
    """How one marketplace authenticates a request and reads its auth failures."""

    def apply(self, request: httpx.Request) -> None:
        """Add credentials (bearer header, signature…) to a request about to be sent."""

    def token_expired(self, response: httpx.Response) -> bool:
        """True when the answer means: the access token is stale, mint a new one and try again."""

    def invalidate(self) -> None:
        """Forget the cached access token."""

    def auth_error(self, response: httpx.Response) -> MarketplaceAuthError:
        """The error to raise for a 401/403 that a new token will not fix."""


class PageRecorder(Protocol):
    """Told about every answer an adapter is handed (the raw-payload journal); it must be quick and must not
    raise: the sync it watches goes on whatever the recorder does."""

    def record(self, operation: str, request: httpx.Request, response: httpx.Response) -> None: ...


@dataclass
class HttpPolicy:
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    timeout: float = 30.0
    rate_scale: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)


class _BorrowedTransport(httpx.BaseTransport):
    """A transport lent to a client: the client may close itself without closing what it borrowed."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._inner.handle_request(request)

    def close(self) -> None:
        pass


class MarketplaceHttp:
    def __init__(
        self,
        *,
        marketplace: str,
        base_url: str,
        limits: Mapping[str, OperationLimit],
        policy: HttpPolicy,
        transport: httpx.BaseTransport | None = None,
        rate_limit_header: str | None = None,
        limiter: ClientRateLimiter | None = None,
        recorder: PageRecorder | None = None,
    ) -> None:
        self.marketplace = marketplace
        self.recorder = recorder
        self.policy = policy
        # A marketplace that meters every call in one bucket (Meesho) passes one shared limiter.
        self.limiter = limiter or ClientRateLimiter(limits, scale=policy.rate_scale, sleep=policy.sleep)
        self.rate_limit_header = rate_limit_header
        borrowed = _BorrowedTransport(transport) if transport is not None else None
        self.client = httpx.Client(base_url=base_url, transport=borrowed, timeout=policy.timeout, verify=tls_context())
        self.retries = 0  # how many attempts were retried, for run reports and benchmarks
        self.throttled = 0  # how many 429s the marketplace answered

    def __repr__(self) -> str:
        return f"MarketplaceHttp({self.marketplace}, {self.client.base_url})"

    def close(self) -> None:
        """Close this client's connections; a transport lent by the HttpFactory stays open for others."""
        self.client.close()

    def request(
        self,
        operation: str,
        method: str,
        url: str,
        *,
        auth: AuthProvider | None = None,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        ok_statuses: frozenset[int] = frozenset({200, 201, 202, 204}),
    ) -> httpx.Response:
        """Send with retries; return a response whose status is in ``ok_statuses`` or raise a typed error.

        4xx answers other than 401/403/429 are returned when listed in ok_statuses, else raised as
        MarketplaceRequestError so that callers can read marketplace error bodies where they matter.
        """
        refreshed = False
        attempt = 0
        while True:
            if json_body is not None:
                content = json.dumps(json_body, separators=(",", ":")).encode()
                headers = {**(headers or {}), "Content-Type": "application/json"}
            request = self.client.build_request(method, url, params=params, content=content, data=data, headers=headers)
            # Authenticate before taking a rate-limit token: minting an access token is slow, and the time
            # between our token and the marketplace seeing the request would let our bucket run ahead of theirs.
            if auth is not None:
                auth.apply(request)
            if self.limiter.acquire(operation) and auth is not None:
                auth.apply(request)  # signed afresh after a wait (timestamps and nonces must be current)
            started = time.perf_counter()
            try:
                response = self.client.send(request)
                response.read()
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                self._log(request, None, started, type(exc).__name__)
                attempt = self._retry_or_raise(attempt, operation, f"{type(exc).__name__}: {exc}", None)
                continue
            self.limiter.answered(operation)
            self._log(request, response, started, None)
            self._correct_rate(operation, response)
            status = response.status_code
            if status in (401, 403) and auth is not None:
                if auth.token_expired(response) and not refreshed:
                    auth.invalidate()
                    refreshed = True
                    continue
                raise auth.auth_error(response)
            if status in RETRY_STATUSES:
                if status == 429:
                    self.throttled += 1
                    self.limiter.refund(operation)
                attempt = self._retry_or_raise(attempt, operation, f"HTTP {status}", response)
                continue
            if status in ok_statuses:
                if self.recorder is not None:
                    self.recorder.record(operation, request, response)
                return response
            raise MarketplaceRequestError(
                f"{self.marketplace} {operation} answered HTTP {status}: {redact(response.text[:300])}",
                http_status=status,
            )

    def request_json(self, operation: str, method: str, url: str, **kwargs: Any) -> Any:
        """Like ``request`` but also retries a body that is not valid JSON (truncated or malformed)."""
        attempt = 0
        while True:
            response = self.request(operation, method, url, **kwargs)
            try:
                return json_of(response)
            except ValueError:
                attempt = self._retry_or_raise(attempt, operation, "response body is not valid JSON", None)

    def _retry_or_raise(self, attempt: int, operation: str, reason: str, response: httpx.Response | None) -> int:
        if attempt >= self.policy.max_retries:
            raise TransientMarketplaceError(
                f"{self.marketplace} {operation} failed after {attempt + 1} attempts: {reason}",
                http_status=response.status_code if response is not None else None,
            )
        self.retries += 1
        delay = min(self.policy.backoff_cap, self.policy.backoff_base * (2**attempt))
        delay = delay / 2 + self.policy.rng.uniform(0, delay / 2)  # "equal jitter"
        if response is not None:
            retry_after = response.headers.get("Retry-After")
            if retry_after is not None:
                with contextlib.suppress(ValueError):
                    delay = max(delay, min(float(retry_after), self.policy.backoff_cap))
        self.policy.sleep(delay)
        return attempt + 1

    def _correct_rate(self, operation: str, response: httpx.Response) -> None:
        if self.rate_limit_header is None:
            return
        value = response.headers.get(self.rate_limit_header)
        if value:
            with contextlib.suppress(ValueError):
                self.limiter.correct_rate(operation, float(value))

    def _log(self, request: httpx.Request, response: httpx.Response | None, started: float, error: str | None) -> None:
        if not log.isEnabledFor(logging.DEBUG):
            return
        elapsed = (time.perf_counter() - started) * 1000
        outcome = error or str(response.status_code if response is not None else "?")
        log.debug(
            "%s %s %s -> %s in %.0f ms",
            self.marketplace,
            request.method,
            redact(str(request.url)),
            outcome,
            elapsed,
        )
