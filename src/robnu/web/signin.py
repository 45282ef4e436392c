"""The dashboard's sign-in is the API's: the same session cookies (an HttpOnly access token, a refresh token
sent only to /v1/auth, a CSRF cookie the page echoes), the same principal and permissions. This module turns
the request's access cookie into a ``Viewer`` for the pages."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from sqlalchemy import select

from robnu.api.cookies import ACCESS_COOKIE, CSRF_COOKIE
from robnu.db.models import Seller, User
from robnu.db.tenancy_models import SellerUser
from robnu.domain.errors import RobnuError
from robnu.services.auth import Principal, principal_from_access
from robnu.services.runtime import Runtime
from robnu.web.viewer import SellerChoice, Viewer


def viewer_of(rt: Runtime, principal: Principal, csrf_token: str) -> Viewer:
    with rt.sessions() as s:  # the user's own memberships across sellers: not one tenant's data
        email = s.execute(select(User.email).where(User.id == principal.user_id)).scalar_one()
        sellers = tuple(
            SellerChoice(int(sid), str(name))
            for sid, name in s.execute(
                select(SellerUser.seller_id, Seller.name)
                .join(Seller, Seller.id == SellerUser.seller_id)
                .where(SellerUser.user_id == principal.user_id, Seller.suspended_at.is_(None))
                .order_by(SellerUser.seller_id)
            ).all()
        )
    name = next((c.name for c in sellers if c.id == principal.seller_id), f"seller {principal.seller_id}")
    return Viewer(
        user_id=principal.user_id,
        email=email,
        seller_id=principal.seller_id,
        seller_name=name,
        role=str(principal.role),
        permissions=frozenset(str(p) for p in principal.permissions),
        sellers=sellers,
        csrf_token=csrf_token,
    )


def session_viewer(rt: Runtime) -> Callable[[Request], Viewer | None]:
    """The viewer of a request's session cookie; None when there is none or it is no longer valid (expired,
    signed out, removed from the seller)."""

    def resolve(request: Request) -> Viewer | None:
        cached: Viewer | None = getattr(request.state, "viewer", None)
        if cached is not None:
            return cached
        token = request.cookies.get(ACCESS_COOKIE)
        if not token:
            return None
        try:
            principal = principal_from_access(rt, token)
        except RobnuError:
            return None
        viewer = viewer_of(rt, principal, request.cookies.get(CSRF_COOKIE, ""))
        request.state.viewer = viewer
        request.state.principal = principal
        return viewer

    return resolve
