"""Errors adapters raise. Messages carry status, code and the marketplace's words; never a secret."""

from __future__ import annotations

from robnu.domain.errors import RobnuError


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
