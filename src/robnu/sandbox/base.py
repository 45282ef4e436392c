"""``BaseSandbox``: the plumbing every built-in sandbox shares (attach to the kit, advance the clock).

Optional for a third-party sandbox: anything that satisfies ``protocol.MarketplaceSandbox`` will do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import timedelta
from typing import Any

from robnu.sandbox.kit import ASGIApp, SandboxKit


class BaseSandbox(ABC):
    code: str

    def __init__(self, kit: SandboxKit) -> None:
        self.kit = kit
        self.apps: dict[str, ASGIApp] = {}
        kit.attach(self)

    def advance(self, delta: timedelta) -> None:
        """Move the shared clock on; marketplaces whose world must react to time passing extend this."""
        self.kit.clock.advance(delta)

    @abstractmethod
    def create_account(self, **overrides: Any) -> dict[str, Any]: ...

    @abstractmethod
    def has_account(self, account_key: str) -> bool: ...

    @abstractmethod
    def generate_orders(self, account_key: str, count: int, *, days: float = 30) -> list[str]: ...

    @abstractmethod
    def revoke(self, account_key: str) -> None: ...

    @abstractmethod
    def truth(self, account_key: str) -> dict[str, Any]: ...

    @abstractmethod
    def pushed(self, account_key: str) -> dict[str, Any]: ...

    # Seeded settlement errors (robnu.sandbox.seeded_errors): a sandbox that seeds none says so.
    def arm_settlement_errors(self, account_key: str, period: str, seed: int | None = None) -> dict[str, Any]:
        raise NotImplementedError(f"the {self.code} sandbox seeds no settlement errors")

    def disarm_settlement_errors(self, account_key: str) -> dict[str, Any]:
        raise NotImplementedError(f"the {self.code} sandbox seeds no settlement errors")

    def settlement_errors(self, account_key: str) -> dict[str, Any]:
        raise NotImplementedError(f"the {self.code} sandbox seeds no settlement errors")
