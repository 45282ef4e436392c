"""The marketplace registry as a live view: every registered marketplace and the seller's accounts on it."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from robnu.services.queries.accounts import AccountView, list_accounts
from robnu.services.queries.common import MAX_LIMIT
from robnu.web import permissions as P
from robnu.web.pages.core import Dashboard, dashboard, need, render
from robnu.web.viewer import Viewer

router = APIRouter()


@dataclass(frozen=True)
class RegistryRow:
    code: str
    display_name: str
    targets: list[str]
    satellite_table: str
    accounts: list[AccountView]


@router.get("/platform/marketplace-registry", response_class=HTMLResponse)
def registry_page(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.ACCOUNTS_READ))
) -> HTMLResponse:
    with d.session(viewer) as s:
        accounts = list_accounts(s, viewer.seller_id, limit=MAX_LIMIT).items
    rows = [
        RegistryRow(
            adapter.code,
            adapter.display_name,
            sorted(str(t) for t in adapter.supported_targets),
            adapter.satellite.table,
            [a for a in accounts if a.marketplace == adapter.code],
        )
        for adapter in d.rt.registry.all()
    ]
    return render(request, d, viewer, "registry.html", rows=rows)
