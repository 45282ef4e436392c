"""What the conformance suite needs to know about one marketplace's sandbox, beyond the adapter contract.

A plug-in declares its ``ConformanceProfile`` in the ``robnu.conformance`` entry-point group (``conformance_suite
("CODE")`` finds it there) or hands it to ``conformance_suite`` directly. Only ``code`` is always needed; the
other fields serve the targets that need them (the suite says which field is missing for which target).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from robnu import plugins
from robnu.domain.errors import PluginError
from robnu.domain.marketplace import ScheduleTarget
from robnu.sandbox.faults import FaultKind

CONFORMANCE = "robnu.conformance"


@dataclass(frozen=True)
class Listing:
    seller_sku: str
    marketplace_sku: str | None
    external_id: str  # the listing id Robnu stores (what the adapter sends to identify the listing)


def _unchanged(creds: dict[str, Any]) -> dict[str, Any]:
    return creds


@dataclass(frozen=True)
class ConformanceProfile:
    code: str
    # Sandbox operation names (as passed to kit.guard) that list each sync target: faults are injected there.
    list_operations: Mapping[ScheduleTarget, str] = field(default_factory=dict)
    # CREDENTIAL_CHECK: credentials of the right shape that the sandbox refuses (e.g. a wrong secret).
    bad_credentials: Callable[[dict[str, Any]], dict[str, Any]] = _unchanged
    # INVENTORY: the sandbox operation that takes stock; CATALOG and INVENTORY: the account's listings and one
    # listing the marketplace does not know (for partial failures); what the sandbox received, in arrival order
    # as (listing external id, quantity).
    inventory_operation: str | None = None
    listings: Callable[[Any, str], list[Listing]] | None = None
    unknown_listing: Listing | None = None
    pushed_quantities: Callable[[Any, str], list[tuple[str, int]]] | None = None
    # Marketplace-specific fault kinds the sandbox implements on the orders listing.
    page_faults: frozenset[FaultKind] = frozenset()
    # False where the marketplace signs every request (or sends a fixed token) instead of issuing access tokens.
    has_access_tokens: bool = True
    orders: int = 120  # orders generated for the account before each scenario
    options: dict[str, Any] = field(default_factory=dict)

    def missing_for(self, targets: frozenset[ScheduleTarget]) -> list[str]:
        """The profile fields ``targets`` need that are not set, as 'field (for TARGET)'."""
        needs: list[tuple[ScheduleTarget, str, object]] = [
            (t, f"list_operations[{t}]", self.list_operations.get(t))
            for t in (ScheduleTarget.ORDERS, ScheduleTarget.RETURNS, ScheduleTarget.PAYOUTS)
        ]
        needs += [
            (ScheduleTarget.CREDENTIAL_CHECK, "bad_credentials", self.bad_credentials is not _unchanged or None),
            (ScheduleTarget.INVENTORY, "inventory_operation", self.inventory_operation),
            (ScheduleTarget.INVENTORY, "listings", self.listings),
            (ScheduleTarget.INVENTORY, "unknown_listing", self.unknown_listing),
            (ScheduleTarget.INVENTORY, "pushed_quantities", self.pushed_quantities),
            (ScheduleTarget.CATALOG, "listings", self.listings),
            (ScheduleTarget.CATALOG, "pushed_quantities", self.pushed_quantities),
        ]
        return [f"{name} (for {t})" for t, name, value in needs if t in targets and value is None]


def installed_profile(code: str) -> ConformanceProfile:
    """The profile an installed plug-in declares for ``code`` (entry point group ``robnu.conformance``)."""
    seen = []
    for ep in plugins.group(CONFORMANCE):
        profile = plugins.load(ep)
        if not isinstance(profile, ConformanceProfile):
            raise PluginError(f"{plugins.describe(ep)} gives a {type(profile).__name__}; expected a ConformanceProfile")
        if profile.code == code:
            return profile
        seen.append(profile.code)
    raise PluginError(f"no installed plug-in declares a conformance profile for {code} (found: {seen or 'none'})")
