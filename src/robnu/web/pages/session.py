"""Sign-in, sign-out and the seller switcher: the API's session service and cookies behind an HTML form."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from robnu.api.cookies import clear_session, secure, set_session
from robnu.domain.errors import RobnuError
from robnu.services import auth
from robnu.services.auth import LoginRefused, NoAccess, Principal, Throttled
from robnu.web.pages.core import Dashboard, check_csrf, current_viewer, dashboard, render
from robnu.web.viewer import Forbidden, Viewer

router = APIRouter()


def _next(value: str | None) -> str:
    """Only a path on this site: a sign-in never sends the browser elsewhere."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value[:500]


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/", d: Dashboard = Depends(dashboard)) -> HTMLResponse:
    return render(request, d, None, "login.html", next=_next(next), email="", error=None)


@router.post("/login", response_model=None)
async def login_submit(request: Request, d: Dashboard = Depends(dashboard)) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    email, password, target = (
        form.get("email", "").strip()[:320],
        form.get("password", "")[:256],
        _next(form.get("next")),
    )
    if not email or not password:
        error = "email: is required" if not email else "password: is required"
        return render(request, d, None, "login.html", 400, next=target, email=email, error=error)
    try:
        tokens = auth.login(d.rt, email, password, ip=_ip(request), user_agent=request.headers.get("user-agent"))
    except Throttled as exc:
        return render(request, d, None, "login.html", 429, next=target, email=email, error=str(exc))
    except (LoginRefused, NoAccess):
        error = "The email or password is not right."
        return render(request, d, None, "login.html", 401, next=target, email=email, error=error)
    response = RedirectResponse(target, status_code=303)
    set_session(response, tokens, d.rt.clock.now(), secure_cookie=secure(request, d.rt.settings.cookie_secure))
    return response


def _principal(request: Request) -> Principal:
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:  # resolved with the viewer; a viewer without one is not a session
        raise Forbidden("this action (sign in again)")
    return principal


@router.post("/logout", response_model=None)
async def logout(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(current_viewer)
) -> Response:
    await check_csrf(request, viewer)
    auth.logout(d.rt, _principal(request), ip=_ip(request))
    response = RedirectResponse("/login", status_code=303)
    clear_session(response, secure_cookie=secure(request, d.rt.settings.cookie_secure))
    return response


@router.post("/session/seller", response_model=None)
async def switch_seller(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(current_viewer)
) -> Response:
    form = await check_csrf(request, viewer)
    raw = form.get("seller_id", "")
    if not raw.isdigit() or int(raw) not in {c.id for c in viewer.sellers}:
        raise Forbidden("working for that seller")
    try:
        tokens = auth.switch_seller(d.rt, _principal(request), int(raw), ip=_ip(request))
    except RobnuError:
        raise Forbidden("working for that seller") from None
    response = RedirectResponse("/", status_code=303)
    set_session(response, tokens, d.rt.clock.now(), secure_cookie=secure(request, d.rt.settings.cookie_secure))
    return response
