"""The shape every marketplace client shares: one account's HTTP clients and its auth, closed together."""

from __future__ import annotations

from typing import Generic, Self, TypeVar

from robnu.adapters.auth import MarketplaceAuth
from robnu.adapters.http import MarketplaceHttp

A = TypeVar("A", bound=MarketplaceAuth)


class MarketplaceClient(Generic[A]):
    """One account's connection to a marketplace; close it (or use it as a context manager).

    ``http`` is the API client; ``others`` are further clients it owns (a separate token host, say), closed
    with it. ``auth`` authenticates every call and scrubs secrets from error text (``clean``)."""

    def __init__(self, http: MarketplaceHttp, auth: A, *others: MarketplaceHttp) -> None:
        self.http = http
        self.auth = auth
        self._owned = (http, *others)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.http.marketplace})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        errors: list[BaseException] = []
        for http in self._owned:
            try:
                http.close()
            except Exception as exc:  # close the rest, then report the first
                errors.append(exc)
        if errors:
            raise errors[0]

    def clean(self, text: str) -> str:
        """``text`` without any secret of the account (for errors and validation messages)."""
        return self.auth.clean(text)
