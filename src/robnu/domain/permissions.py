"""Permissions and roles. A check always asks for a permission; a role is only a named set of them, so a new
role (or a personal API token limited to a few permissions) never needs a code change where checks happen."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from robnu.domain.errors import InvalidInput


class Permission(StrEnum):
    ACCOUNTS_READ = "accounts:read"
    ACCOUNTS_WRITE = "accounts:write"  # connect, reconnect, disconnect, validate
    ORDERS_READ = "orders:read"
    ORDERS_WRITE = "orders:write"  # hold, release, process orders by hand
    RETURNS_READ = "returns:read"
    RETURNS_SCAN = "returns:scan"  # receive scan at the warehouse
    PAYOUTS_READ = "payouts:read"
    RECONCILIATION_READ = "reconciliation:read"
    RECONCILIATION_WRITE = "reconciliation:write"  # run a reconciliation, overrides, bank imports
    CLAIMS_READ = "claims:read"
    CLAIMS_RESOLVE = "claims:resolve"  # raise, dispute, resolve claims
    STOCK_READ = "stock:read"  # products, listings, inventory tasks
    STOCK_WRITE = "stock:write"  # adjust stock, listing rules
    SCHEDULES_READ = "schedules:read"
    SCHEDULES_WRITE = "schedules:write"  # set, pause, resume
    RUNS_READ = "runs:read"  # sync runs, run reports
    SYNC_RUN = "sync:run"  # start a sync now
    PROCESSING_READ = "processing:read"  # processing batches, steps, SLA board
    PROCESSING_RUN = "processing:run"  # run the dispatch flow, close a manifest
    DOCUMENTS_READ = "documents:read"  # labels, invoices, manifests
    SETTINGS_READ = "settings:read"  # dispatch settings, tax identity
    SETTINGS_WRITE = "settings:write"
    USERS_READ = "users:read"
    USERS_WRITE = "users:write"  # add, change role, remove
    TOKENS_WRITE = "tokens:write"  # personal API tokens (each scoped to at most the creator's permissions)
    AUDIT_READ = "audit:read"
    BILLING_WRITE = "billing:write"  # the seller's plan


class Role(StrEnum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    OPERATOR = "OPERATOR"
    FINANCE = "FINANCE"
    VIEWER = "VIEWER"


P = Permission
_READ_ALL = frozenset(p for p in Permission if p.endswith(":read") and p not in {P.USERS_READ, P.AUDIT_READ})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # Everything, the plan included; the only role that can make or remove another OWNER.
    Role.OWNER: frozenset(Permission),
    # Runs the business and its people; not the plan.
    Role.ADMIN: frozenset(Permission) - {P.BILLING_WRITE},
    # The warehouse floor: orders, returns, stock, dispatch; no money, no people, no credentials.
    Role.OPERATOR: _READ_ALL - {P.PAYOUTS_READ, P.RECONCILIATION_READ}
    | {
        P.ORDERS_WRITE,
        P.RETURNS_SCAN,
        P.STOCK_WRITE,
        P.SCHEDULES_WRITE,
        P.SYNC_RUN,
        P.PROCESSING_RUN,
        P.TOKENS_WRITE,
    },
    # Money: payouts, reconciliation, claims.
    Role.FINANCE: _READ_ALL | {P.RECONCILIATION_WRITE, P.CLAIMS_RESOLVE, P.TOKENS_WRITE},
    Role.VIEWER: _READ_ALL,
}


def permissions_of(role: str) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[parse_role(role)]


def parse_role(value: str, field: str = "role") -> Role:
    try:
        return Role(value.strip().upper())
    except ValueError:
        raise InvalidInput(field, f"must be one of {', '.join(Role)}") from None


def parse_permissions(values: Iterable[str], field: str = "permissions") -> frozenset[Permission]:
    found: set[Permission] = set()
    for value in values:
        try:
            found.add(Permission(value))
        except ValueError:
            raise InvalidInput(field, f"{value!r} is not a permission (known: {', '.join(Permission)})") from None
    return frozenset(found)


def may_grant(granter: Role, role: Role) -> bool:
    """Only an OWNER makes, changes or removes an OWNER; anyone with users:write manages the other roles."""
    return granter is Role.OWNER or role is not Role.OWNER
