"""Errors adapters raise. Messages carry status, code and the marketplace's words; never a secret."""

from __future__ import annotations

from enum import StrEnum

from robnu.domain.errors import RobnuError, UnsupportedTarget


class MarketplaceError(RobnuError):
    def __init__(self, message: str, *, http_status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code


class MarketplaceAuthError(MarketplaceError):
    """The marketplace refused the credentials (not just an expired access token)."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        code: str | None = None,
        needs_reconnect: bool = True,
    ) -> None:
        super().__init__(message, http_status=http_status, code=code)
        self.needs_reconnect = needs_reconnect


class TransientMarketplaceError(MarketplaceError):
    """Still failing after every retry: 429, 5xx, timeouts, dropped connections, broken bodies."""


class MarketplaceRequestError(MarketplaceError):
    """A 4xx the marketplace will answer the same way again: no retry."""


class FailureKind(StrEnum):
    """Why a run against a marketplace failed, as far as what to do next is concerned."""

    AUTH = "AUTH"  # the marketplace refused the credentials: pause the account's schedules
    REJECTED = "REJECTED"  # a request the marketplace will refuse again: retrying changes nothing
    UNSUPPORTED = "UNSUPPORTED"  # the adapter does not do this target
    TRANSIENT = "TRANSIENT"  # an outage, throttling, a database hiccup or anything unforeseen: try again later


def classify(exc: BaseException) -> FailureKind:
    """The one reading of an exception that ended a run (syncs, full processing, catalog reads)."""
    if isinstance(exc, MarketplaceAuthError):
        return FailureKind.AUTH
    if isinstance(exc, MarketplaceRequestError):
        return FailureKind.REJECTED
    if isinstance(exc, UnsupportedTarget):
        return FailureKind.UNSUPPORTED
    return FailureKind.TRANSIENT
