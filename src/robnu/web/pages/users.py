"""Users and roles of the seller (users:read to see, users:write to change): the tenancy services, with the
same rules as the API (only an OWNER makes or changes an OWNER; a seller keeps one OWNER)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from robnu.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from robnu.domain.permissions import Role
from robnu.services.audit import Actor
from robnu.services.users import add_member, change_role, list_members, remove_member
from robnu.web import permissions as P
from robnu.web.pages.core import Dashboard, check_csrf, dashboard, need, render
from robnu.web.viewer import Viewer

router = APIRouter()


def _page(request: Request, d: Dashboard, viewer: Viewer, status_code: int = 200, **extra: object) -> HTMLResponse:
    with d.session(viewer) as s:
        members = list_members(s, viewer.seller_id)
    context = {"form": {}, "error": None, "added": None, **extra}
    return render(request, d, viewer, "users.html", status_code, members=members, roles=list(Role), **context)


@router.get("/users", response_class=HTMLResponse)
def users_page(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.USERS_READ))
) -> HTMLResponse:
    return _page(request, d, viewer)


def _field_error(exc: Exception, field: str) -> tuple[str, str]:
    if isinstance(exc, InvalidInput):
        return exc.field, exc.reason
    return str(getattr(exc, "field", field)), str(getattr(exc, "reason", exc))


def _status(exc: Exception) -> int:
    return {Forbidden: 403, NotFound: 404, Conflict: 409}.get(type(exc), 400)


def _actor(request: Request, viewer: Viewer) -> Actor:
    return Actor(user_id=viewer.user_id, ip=request.client.host if request.client else None)


@router.post("/users", response_model=None)
async def user_add(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.USERS_WRITE))
) -> Response:
    form = await check_csrf(request, viewer)
    try:
        with d.rt.session() as s:  # a system session: the user row is global, the membership the seller's
            added = add_member(
                s,
                viewer.seller_id,
                form.get("email", ""),
                form.get("role", ""),
                d.rt.clock.now(),
                actor=_actor(request, viewer),
                granter=Role(viewer.role),
            )
    except (InvalidInput, NotFound, Conflict, Forbidden) as exc:  # nothing was written; the form is kept
        kept = {"email": form.get("email", ""), "role": form.get("role", "")}
        return _page(request, d, viewer, _status(exc), form=kept, error=_field_error(exc, "email"))
    # A new user's one-time password is shown once, to the person who added them, and never again.
    return _page(request, d, viewer, added=(form.get("email", "").strip().lower(), added.one_time_password))


@router.post("/users/{user_id}/role", response_model=None)
async def user_role(
    request: Request, user_id: int, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.USERS_WRITE))
) -> Response:
    form = await check_csrf(request, viewer)
    try:
        with d.rt.session() as s:
            change_role(
                s,
                viewer.seller_id,
                user_id,
                form.get("role", ""),
                d.rt.clock.now(),
                actor=_actor(request, viewer),
                granter=Role(viewer.role),
            )
    except (InvalidInput, NotFound, Conflict, Forbidden) as exc:
        return _page(request, d, viewer, _status(exc), error=_field_error(exc, "role"))
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}/remove", response_model=None)
async def user_remove(
    request: Request, user_id: int, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.USERS_WRITE))
) -> Response:
    await check_csrf(request, viewer)
    try:
        with d.rt.session() as s:
            remove_member(
                s, viewer.seller_id, user_id, d.rt.clock.now(), actor=_actor(request, viewer), granter=Role(viewer.role)
            )
    except (InvalidInput, NotFound, Conflict, Forbidden) as exc:
        return _page(request, d, viewer, _status(exc), error=_field_error(exc, "user_id"))
    return RedirectResponse("/users", status_code=303)
