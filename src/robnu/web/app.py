"""The dashboard as an ASGI app: its routers, static files and error pages. ``mount_dashboard`` puts it under
the API app at ``/`` (the API's own routes match first), so pages and /v1 share one process and one login."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from robnu.domain.errors import Forbidden as NotAllowed
from robnu.domain.errors import InvalidInput, NotFound
from robnu.services.runtime import Runtime
from robnu.services.tenancy import tenant_session
from robnu.web.jobs import JobBoard, SessionScope
from robnu.web.pages import (
    accounts,
    home,
    jobs,
    money,
    orders,
    platform,
    process,
    recovery,
    runs,
    session,
    stock,
    users,
)
from robnu.web.pages.core import Dashboard, ViewerResolver, make_templates, render
from robnu.web.viewer import Forbidden, LoginRequired

STATIC = Path(__file__).resolve().parent / "static"


def create_dashboard(
    rt: Runtime,
    resolve_viewer: ViewerResolver,
    *,
    scope: SessionScope = tenant_session,
    board: JobBoard | None = None,
) -> FastAPI:
    app = FastAPI(title="Robnu dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.dashboard = Dashboard(rt, board or JobBoard(rt, scope=scope), make_templates(), resolve_viewer, scope)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for module in (session, home, jobs, accounts, orders, recovery, money, stock, process, runs, platform, users):
        app.include_router(module.router)

    def page_error(request: Request, status: int, heading: str, message: str) -> Response:
        d: Dashboard = app.state.dashboard
        viewer = None
        try:
            viewer = d.resolve_viewer(request)
        except Exception:  # an error page never fails for want of a session
            viewer = None
        return render(request, d, viewer, "error.html", status_code=status, heading=heading, message=message)

    @app.exception_handler(LoginRequired)
    def login_required(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("hx-request") == "true":  # a fragment's request: come back to its page
            page = urlsplit(request.headers.get("hx-current-url", "/")).path or "/"
            return Response(status_code=401, headers={"HX-Redirect": "/login?next=" + quote(page, safe="/")})
        target = "/login?next=" + quote(request.url.path, safe="/")
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Forbidden)
    def forbidden(request: Request, exc: Forbidden) -> Response:
        return page_error(request, 403, "Not allowed", str(exc))

    @app.exception_handler(NotAllowed)
    def not_allowed(request: Request, exc: NotAllowed) -> Response:
        return page_error(request, 403, "Not allowed", str(exc))

    @app.exception_handler(NotFound)
    def not_found(request: Request, exc: NotFound) -> Response:
        return page_error(request, 404, "Not found", "There is nothing here, or it is not yours to see.")

    @app.exception_handler(InvalidInput)
    def invalid(request: Request, exc: InvalidInput) -> Response:
        return page_error(request, 400, "Check the input", str(exc))

    @app.exception_handler(404)
    def no_route(request: Request, exc: Exception) -> Response:
        return page_error(request, 404, "Not found", "There is nothing here, or it is not yours to see.")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> HTMLResponse:
        return HTMLResponse("ok")

    return app


def mount_dashboard(api: FastAPI, dashboard: FastAPI) -> FastAPI:
    """Serve the dashboard beside the API: the API's routes are matched first, everything else is a page."""
    api.mount("/", dashboard)
    return api
