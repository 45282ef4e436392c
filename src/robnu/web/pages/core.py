"""What every page handler shares: the dashboard's state, the viewer and permission checks, the seller-scoped
session, rendering with the layout's context, and the CSRF check of unsafe requests."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from robnu.services.queries.accounts import AccountFilters, list_accounts
from robnu.services.queries.common import MAX_LIMIT
from robnu.services.runtime import Runtime
from robnu.web import formatting
from robnu.web.jobs import JobBoard, SessionScope
from robnu.web.viewer import Forbidden, LoginRequired, Viewer

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

ViewerResolver = Callable[[Request], Viewer | None]


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.filters["ist"] = formatting.ist
    env.filters["inr"] = formatting.inr
    env.filters["every"] = formatting.seconds
    env.globals["NAV"] = NAV
    return templates


# (path, label, permission): the navigation, shown only where the role may go.
NAV = (
    ("/", "Today", "orders:read"),
    ("/orders", "Orders", "orders:read"),
    ("/returns", "Returns", "returns:read"),
    ("/returns/scan", "Scan returns", "returns:scan"),
    ("/payouts", "Payouts", "payouts:read"),
    ("/reconciliation", "Reconciliation", "reconciliation:read"),
    ("/claims", "Claims", "claims:read"),
    ("/stock", "Stock", "stock:read"),
    ("/process/batches", "Processing", "processing:read"),
    ("/process/sla-watchdog", "SLA watchdog", "processing:read"),
    ("/runs", "Runs", "runs:read"),
    ("/accounts", "Accounts", "accounts:read"),
    ("/platform/marketplace-registry", "Marketplaces", "accounts:read"),
    ("/users", "Users", "users:read"),
)


@dataclass
class Dashboard:
    rt: Runtime
    jobs: JobBoard
    templates: Jinja2Templates
    resolve_viewer: ViewerResolver
    scope: SessionScope

    @contextmanager
    def session(self, viewer: Viewer) -> Iterator[Session]:
        """A read session scoped to the viewer's seller (queries filter on it too)."""
        with self.scope(self.rt, viewer.seller_id) as s:
            yield s


def dashboard(request: Request) -> Dashboard:
    d: Dashboard = request.app.state.dashboard
    return d


def current_viewer(request: Request, d: Dashboard = Depends(dashboard)) -> Viewer:
    viewer = d.resolve_viewer(request)
    if viewer is None:
        raise LoginRequired()
    return viewer


def need(permission: str) -> Callable[..., Viewer]:
    """A dependency: the viewer, when their role holds ``permission``; 403 otherwise."""

    def check(viewer: Viewer = Depends(current_viewer)) -> Viewer:
        if not viewer.can(permission):
            raise Forbidden(permission)
        return viewer

    return check


async def check_csrf(request: Request, viewer: Viewer) -> dict[str, str]:
    """An unsafe request made with the session cookie must carry the session's CSRF token (form field or
    header): a page of another site cannot read it. Returns the form's fields."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    sent = request.headers.get("x-csrf-token") or form.get("csrf_token", "")
    if not hmac.compare_digest(sent.encode(), viewer.csrf_token.encode()):
        raise Forbidden("this form (it is stale or came from another site: reload the page)")
    return form


def render(
    request: Request,
    d: Dashboard,
    viewer: Viewer | None,
    template: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    flags: list[tuple[int, str]] = []
    if viewer is not None:
        with d.session(viewer) as s:
            flagged = list_accounts(s, viewer.seller_id, AccountFilters(needs_reconnect=True), limit=MAX_LIMIT)
        flags = [(a.id, a.display_name) for a in flagged.items]
    return d.templates.TemplateResponse(
        request,
        template,
        {"viewer": viewer, "reconnect": flags, "path": request.url.path, **context},
        status_code=status_code,
    )


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"
