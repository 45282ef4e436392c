"""Faults on demand, per operation, injected through the control API.

Generic faults (429 bursts, 5xx, slow responses, dropped connections, malformed or truncated bodies)
are applied by ``kit.FaultMiddleware`` for every sandbox. Marketplace-specific faults (expiring tokens,
page tokens, duplicate or changing records across pages, revoked credentials, clock skew) are taken by
the marketplace's own handlers with ``FaultBook.take``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    RATE_LIMIT = "rate_limit"  # answer the marketplace's throttling response
    SERVER_ERROR = "server_error"  # params.status: 500 (default), 502 or 503
    SLOW = "slow"  # params.delay_seconds before answering
    DROP_CONNECTION = "drop_connection"  # the connection closes mid-response
    MALFORMED_BODY = "malformed_body"  # 200 with a body that is not JSON
    TRUNCATED_BODY = "truncated_body"  # 200 with the JSON body cut in half
    TOKEN_EXPIRED = "token_expired"  # noqa: S105  (a fault name)  the access token in use stops working now
    PAGE_TOKEN_EXPIRED = "page_token_expired"  # noqa: S105  (a fault name)  the next page token is rejected
    DUPLICATE_ACROSS_PAGES = "duplicate_across_pages"  # the last record of a page repeats on the next
    CHANGE_BETWEEN_PAGES = "change_between_pages"  # a record already served is updated while paging
    REVOKED_CREDENTIALS = "revoked_credentials"  # the account's credentials are revoked
    CLOCK_SKEW = "clock_skew"  # params.skew_seconds: the server's idea of now moves (signed requests)


GENERIC_FAULTS = frozenset(
    {
        FaultKind.RATE_LIMIT,
        FaultKind.SERVER_ERROR,
        FaultKind.SLOW,
        FaultKind.DROP_CONNECTION,
        FaultKind.MALFORMED_BODY,
        FaultKind.TRUNCATED_BODY,
    }
)


@dataclass
class FaultRule:
    kind: FaultKind
    operation: str = "*"  # an operation name of the sandbox, or "*" for every operation
    remaining: int = 1  # how many requests it hits; -1 means until cleared
    account: str | None = None  # limit to one account id of the marketplace, or any
    params: dict[str, Any] = field(default_factory=dict)
    id: int = 0

    def matches(self, operation: str, account: str | None) -> bool:
        if self.operation not in ("*", operation):
            return False
        return self.account is None or self.account == account


class FaultBook:
    """The armed faults of one sandbox. ``take`` consumes one hit of the first matching rule."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._next_id = 1
        self.fired: list[tuple[str, str]] = []  # (kind, operation), for tests to read back

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            rule.id = self._next_id
            self._next_id += 1
            self._rules.append(rule)
            return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def take(
        self, operation: str, kinds: frozenset[FaultKind] | set[FaultKind], account: str | None = None
    ) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.kind in kinds and rule.matches(operation, account):
                    if rule.remaining > 0:
                        rule.remaining -= 1
                        if rule.remaining == 0:
                            self._rules.remove(rule)
                    self.fired.append((rule.kind.value, operation))
                    return rule
        return None

    def take_one(self, operation: str, kind: FaultKind, account: str | None = None) -> FaultRule | None:
        return self.take(operation, {kind}, account)
