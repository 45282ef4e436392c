"""What an adapter is handed for one account: ``AdapterContext`` (typed credentials, clock, HTTP factory,
token store, dispatch settings, per-run options), and the two services behind it that outlive a run:
the access-token store and the HTTP factory.

The context holds no database session: an adapter reads and writes Robnu's tables only through the
processing store port it is given during full processing (``robnu.adapters.processing.port``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import httpx

from robnu.adapters.credentials_base import CredentialModel
from robnu.adapters.http import HttpPolicy, MarketplaceHttp, PageRecorder
from robnu.adapters.ratelimit import ClientRateLimiter, OperationLimit
from robnu.db.models import MarketplaceAccount
from robnu.domain.clock import Clock
from robnu.domain.dispatch import DispatchSettings

C = TypeVar("C", bound=CredentialModel)


class TokenStore:
    """Access-token cache for one account (implemented by services over an encrypted table)."""

    def get(self) -> tuple[str, datetime] | None:
        raise NotImplementedError

    def put(self, token: str, expires_at: datetime) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError


@dataclass
class HttpFactory:
    """Builds marketplace HTTP clients: real hosts by default, overridden endpoints for sandboxes."""

    policy: HttpPolicy = field(default_factory=HttpPolicy)
    endpoints: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # code -> {name: base url}
    transport: httpx.BaseTransport | None = None
    recorder: PageRecorder | None = None  # the raw-payload journal of the run this factory serves
    _limiters: dict[tuple[str, str], ClientRateLimiter] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def shared_limiter(
        self,
        code: str,
        key: str,
        limits: Mapping[str, OperationLimit],
        kind: type[ClientRateLimiter] = ClientRateLimiter,
    ) -> ClientRateLimiter:
        """Rate buckets for one (marketplace, account key) that outlive any one client: marketplaces meter
        per seller and operation, so a fresh bucket per sync would believe in a burst it does not have."""
        with self._lock:
            limiter = self._limiters.get((code, key))
            if limiter is None:
                limiter = kind(limits, scale=self.policy.rate_scale, sleep=self.policy.sleep)
                self._limiters[(code, key)] = limiter
            return limiter

    def recording(self, recorder: PageRecorder) -> HttpFactory:
        """The same factory (same transport and the same shared rate buckets) whose clients tell ``recorder``
        about every answer: one run's view of the process-wide factory."""
        clone = HttpFactory(policy=self.policy, endpoints=self.endpoints, transport=self.transport, recorder=recorder)
        clone._limiters, clone._lock = self._limiters, self._lock
        return clone

    def base_url(self, code: str, name: str, default: str) -> str:
        return self.endpoints.get(code, {}).get(name, default)

    def client(
        self,
        code: str,
        name: str,
        default_base_url: str,
        limits: Mapping[str, OperationLimit],
        *,
        rate_limit_header: str | None = None,
        limiter: ClientRateLimiter | None = None,
    ) -> MarketplaceHttp:
        return MarketplaceHttp(
            marketplace=code,
            base_url=self.base_url(code, name, default_base_url),
            limits=limits,
            policy=self.policy,
            transport=self.transport,
            rate_limit_header=rate_limit_header,
            limiter=limiter,
            recorder=self.recorder,
        )


@dataclass
class AdapterContext(Generic[C]):
    """One account as an adapter sees it. ``credentials`` is the adapter's own credential model (the
    satellite's, decrypted), so an adapter declared ``MarketplaceAdapter[AjioCredentials, ...]`` reads
    ``ctx.credentials.store`` without checking its type again."""

    account: MarketplaceAccount
    credentials: C
    clock: Clock
    http: HttpFactory
    tokens: TokenStore
    dispatch: DispatchSettings = field(default_factory=DispatchSettings)  # the account's stored settings
    options: dict[str, Any] = field(default_factory=dict)  # per run: a user's manual close, flow options

    def __repr__(self) -> str:  # never let credentials reach a log through a repr
        return f"AdapterContext(account_id={self.account.id})"
