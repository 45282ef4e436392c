"""How the browser tests get a signed-in user (replaced by the real sign-in once sessions exist)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from robnu.services.runtime import Runtime
from robnu.web.app import create_dashboard
from robnu.web.viewer import SellerChoice, Viewer

OWNER = frozenset(
    [
        "orders:read",
        "returns:read",
        "payouts:read",
        "stock:read",
        "stock:write",
        "accounts:read",
        "accounts:write",
        "sync:run",
        "processing:read",
        "processing:run",
        "runs:read",
        "schedules:write",
        "documents:read",
        "users:read",
        "users:write",
    ]
)
VIEWER = frozenset(p for p in OWNER if p.endswith(":read") and not p.startswith("users"))
COOKIE = "robnu_test_user"


def dashboard_app(rt: Runtime, seller_a: int, seller_b: int) -> Any:
    users = {
        "owner@a.example": Viewer(
            1,
            "owner@a.example",
            seller_a,
            "Demo Seller",
            "OWNER",
            OWNER,
            (SellerChoice(seller_a, "Demo Seller"),),
            "csrf-a",
        ),
        "viewer@a.example": Viewer(
            2,
            "viewer@a.example",
            seller_a,
            "Demo Seller",
            "VIEWER",
            VIEWER,
            (SellerChoice(seller_a, "Demo Seller"),),
            "csrf-v",
        ),
        "owner@b.example": Viewer(
            3,
            "owner@b.example",
            seller_b,
            "Other Seller",
            "OWNER",
            OWNER,
            (SellerChoice(seller_b, "Other Seller"),),
            "csrf-b",
        ),
    }

    def resolve(request: Request) -> Viewer | None:
        return users.get(request.cookies.get(COOKIE, ""))

    return create_dashboard(rt, resolve)


def sign_in(context: Any, base_url: str, email: str, password: str = "") -> None:
    context.add_cookies([{"name": COOKIE, "value": email, "url": base_url}])
