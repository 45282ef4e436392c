"""Today (the home page) and global search."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from robnu.services.queries.search import search
from robnu.services.queries.today import today_board
from robnu.web import permissions as P
from robnu.web.pages.core import Dashboard, dashboard, need, render
from robnu.web.viewer import Viewer

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def today(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.ORDERS_READ))
) -> HTMLResponse:
    with d.session(viewer) as s:
        board = today_board(s, d.rt.registry, viewer.seller_id, d.rt.clock.now())
    return render(request, d, viewer, "today.html", board=board, now=d.rt.clock.now())


@router.get("/search", response_class=HTMLResponse)
def global_search(
    request: Request, q: str = "", d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.ORDERS_READ))
) -> HTMLResponse:
    q = q.strip()[:100]
    hits = []
    if len(q) >= 2:  # an id or AWB: the same exact lookup as GET /v1/search
        with d.session(viewer) as s:
            hits = search(s, viewer.seller_id, q)
    return d.templates.TemplateResponse(request, "partials/hits.html", {"hits": hits, "q": q})
