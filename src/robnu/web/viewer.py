"""Who is looking: the signed-in user, the seller they act for, and what their role lets them do.

Every page asks for a ``Viewer`` and for the permission it needs; data is read for ``viewer.seller_id`` only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SellerChoice:
    id: int
    name: str


@dataclass(frozen=True)
class Viewer:
    user_id: int
    email: str
    seller_id: int
    seller_name: str
    role: str
    permissions: frozenset[str]
    sellers: tuple[SellerChoice, ...]  # every seller the user belongs to (the switcher)
    csrf_token: str

    def can(self, permission: str) -> bool:
        return permission in self.permissions


class LoginRequired(Exception):
    """No valid session: the page sends the browser to the login form."""


class Forbidden(Exception):
    """Signed in, but the role lacks the permission the page or action needs."""

    def __init__(self, permission: str) -> None:
        super().__init__(f"your role does not allow {permission}")
        self.permission = permission
