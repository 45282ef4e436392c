"""What the conformance suite needs to know about one marketplace's sandbox, beyond the adapter contract.

Each adapter ships ``tests/conformance/profiles/<package>.py`` defining ``PROFILE``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.faults import FaultKind

PROFILE_MODULES = ("ajio", "meesho", "amazon_in", "flipkart")


@dataclass(frozen=True)
class Listing:
    seller_sku: str
    marketplace_sku: str | None
    external_id: str  # the listing id Robnu stores (what the adapter sends to identify the listing)


@dataclass(frozen=True)
class ConformanceProfile:
    code: str
    # Sandbox operation names (as passed to kit.guard) that list each target: faults are injected there.
    list_operations: dict[ScheduleTarget, str]
    inventory_operation: str
    # Marketplace-specific fault kinds the sandbox implements on the orders listing.
    page_faults: frozenset[FaultKind]
    # Credentials of the right shape that the sandbox refuses (e.g. a wrong secret).
    bad_credentials: Callable[[dict[str, Any]], dict[str, Any]]
    # Listings of an account's catalog, and a listing the marketplace does not know (for partial failures).
    listings: Callable[[Any, str], list[Listing]]
    unknown_listing: Listing
    # What the sandbox received, in arrival order: (listing external id, quantity).
    pushed_quantities: Callable[[Any, str], list[tuple[str, int]]]
    # False where the marketplace signs every request instead of issuing access tokens (Meesho).
    has_access_tokens: bool = True
    orders: int = 120
    options: dict[str, Any] = field(default_factory=dict)


def load_profiles() -> list[ConformanceProfile]:
    found = []
    for name in PROFILE_MODULES:
        try:
            module = importlib.import_module(f"tests.conformance.profiles.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"tests.conformance.profiles.{name}":
                raise
            continue
        found.append(module.PROFILE)
    return found
