"""The marketplace registry as a live view: every registered marketplace and the seller's accounts on it."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from robnu.services.queries.accounts import AccountRow, seller_accounts
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
    accounts: list[AccountRow]


@router.get("/platform/marketplace-registry", response_class=HTMLResponse)
def registry_page(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.ACCOUNTS_READ))
) -> HTMLResponse:
    with d.session(viewer) as s:
        accounts = seller_accounts(s, viewer.seller_id)
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
