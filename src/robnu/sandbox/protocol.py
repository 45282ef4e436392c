"""What a marketplace sandbox offers the rest of Robnu: the ``MarketplaceSandbox`` protocol, the
``MarketplaceErrors`` a sandbox answers failures with, and the ``SandboxFactory`` that builds one.

The four built-in sandboxes implement these; a third-party marketplace can ship its own sandbox by
implementing them too (structural typing: no base class to inherit, though ``base.BaseSandbox`` saves
the boilerplate) and registering a ``world.SandboxSpec``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from starlette.responses import Response

if TYPE_CHECKING:
    from robnu.sandbox.clock import SandboxClock
    from robnu.sandbox.kit import ASGIApp, SandboxKit


class MarketplaceErrors(Protocol):
    """How one marketplace words the errors every sandbox can be asked to produce, in its own shape."""

    def throttled(self, operation: str, retry_after: float) -> Response:
        """The marketplace's answer to a request over its rate limit."""
        ...

    def server_error(self, operation: str, status: int) -> Response:
        """A 5xx (``status``) as the marketplace sends it."""
        ...

    def not_served(self, method: str, path: str, status: int) -> Response:
        """A path the sandbox does not serve (404) or a method it does not take there (405). A client must
        read it as an error of the marketplace, never as an empty success."""
        ...

    def invalid_request(self, problems: Sequence[tuple[str, str]]) -> Response:
        """A request whose parameters failed validation: ``(field, issue)`` pairs."""
        ...


class MarketplaceSandbox(Protocol):
    """One marketplace's simulator: its ASGI apps, its kit and the seller-side controls tests and the demo use.

    ``apps`` maps endpoint names (``"api"``, and ``"auth"`` where the marketplace authenticates on its own
    host) to ASGI apps; the kit mounts the shared control API (``/_sandbox/...``, including the account
    routes that call the methods below) on each of them.
    """

    code: str
    kit: SandboxKit
    apps: dict[str, ASGIApp]

    def create_account(self, **overrides: Any) -> dict[str, Any]:
        """A new seller account; the result holds ``account_key`` and the credentials to connect it."""
        ...

    def has_account(self, account_key: str) -> bool: ...

    def generate_orders(self, account_key: str, count: int, *, days: float = 30) -> list[str]:
        """``count`` orders created over the last ``days`` of the clock; returns their marketplace ids."""
        ...

    def revoke(self, account_key: str) -> None:
        """The seller revokes the integration: the credentials stop working."""
        ...

    def truth(self, account_key: str) -> dict[str, Any]:
        """What Robnu's database must hold after a full sync of the account, keyed by the marketplace's ids."""
        ...

    def pushed(self, account_key: str) -> dict[str, Any]:
        """What the seller sent (inventory, acknowledgements, labels, manifests ...), in order of arrival."""
        ...

    def advance(self, delta: timedelta) -> None:
        """Move the shared clock on by ``delta`` and apply whatever became due."""
        ...

    def arm_settlement_errors(self, account_key: str, period: str, seed: int | None = None) -> dict[str, Any]:
        """Seed one settlement error of every class in the account's statements of ``period`` (YYYY-MM); the
        truth of what was placed. ``BaseSandbox`` raises NotImplementedError: the sandbox seeds none."""
        ...

    def disarm_settlement_errors(self, account_key: str) -> dict[str, Any]:
        """Correct the statements again (they are re-issued without the errors)."""
        ...

    def settlement_errors(self, account_key: str) -> dict[str, Any]:
        """The truth: which order carries which error, in which settlement, and what the seller is owed."""
        ...


class SandboxFactory(Protocol):
    """``build_sandbox`` of a sandbox package: one sandbox on the given seed and (shared) clock."""

    def __call__(
        self, *, seed: int, clock: SandboxClock, rate_scale: float = 1.0, rate_limits_enabled: bool = True
    ) -> MarketplaceSandbox: ...
