"""Money recovery: a month's reconciliation per account (matched lines, deltas, what is recoverable), the claims
list and one claim with its events and evidence (resolved won or lost here), and the receive scan for a
keyboard-wedge barcode reader. Data comes through the same services and permissions as /v1."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from robnu.domain.claims import ClaimStatus
from robnu.domain.errors import InvalidInput, NotFound
from robnu.services.claims.claims import Actor
from robnu.services.claims.disputes import resolve, storage_for
from robnu.services.queries import money
from robnu.services.queries.common import Page
from robnu.services.returns.scan import scan
from robnu.web import permissions as P
from robnu.web.pages.core import Dashboard, check_csrf, dashboard, need, render
from robnu.web.viewer import Viewer

router = APIRouter()
MAX_RUNS = 100
PERIOD = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
IST = timedelta(hours=5, minutes=30)


def _actor(viewer: Viewer) -> Actor:
    return Actor(f"user:{viewer.user_id}", viewer.user_id)


@router.get("/reconciliation", response_model=None)
def reconciliation_now(
    period: str = "", d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.RECONCILIATION_READ))
) -> Response:
    """The month asked for (the month picker's form), else the current IST month's reconciliation."""
    month = period.strip()[:7] if PERIOD.match(period.strip()) else (d.rt.clock.now() + IST).strftime("%Y-%m")
    return RedirectResponse(f"/reconciliation/{month}", status_code=303)


@router.get("/reconciliation/{period}", response_class=HTMLResponse)
def reconciliation_page(
    request: Request,
    period: str,
    d: Dashboard = Depends(dashboard),
    viewer: Viewer = Depends(need(P.RECONCILIATION_READ)),
) -> HTMLResponse:
    period = period[:20]
    filters = money.MoneyFilters(period=period)
    with d.session(viewer) as s:
        runs = money.list_reconciliations(s, viewer.seller_id, filters, limit=MAX_RUNS).items
        latest: dict[int, money.ReconciliationView] = {}
        for run in runs:  # newest first: the latest run of each account
            latest.setdefault(run.account.account_id, run)
        details = [money.get_reconciliation(s, viewer.seller_id, r.id) for r in latest.values()]
        adjustments = money.list_adjustments(
            s, viewer.seller_id, money.AdjustmentFilters(period=period), limit=MAX_RUNS
        ).items
    accounts = [
        {"run": det, "deltas": [i for i in det.items if i.status != "MATCHED"]}
        for det in sorted(details, key=lambda x: x.account.account_id)
    ]
    return render(request, d, viewer, "reconciliation.html", period=period, accounts=accounts, adjustments=adjustments)


@router.get("/claims", response_class=HTMLResponse)
def claims_page(
    request: Request,
    status: str = "",
    cursor: str = "",
    d: Dashboard = Depends(dashboard),
    viewer: Viewer = Depends(need(P.CLAIMS_READ)),
) -> HTMLResponse:
    """The seller's claims, newest first, narrowed to one status (``money.list_claims``, as ``GET /v1/claims``)."""
    status = status.strip()[:32]
    error = None
    with d.session(viewer) as s:
        try:
            page = money.list_claims(
                s, viewer.seller_id, money.MoneyFilters(status=status or None), cursor=cursor[:400] or None
            )
        except InvalidInput as exc:  # the field named above an empty list
            error, page = exc, Page[money.ClaimView](items=[])
    return render(request, d, viewer, "claims.html", page=page, status=status, statuses=list(ClaimStatus), error=error)


def _claim_page(
    request: Request, d: Dashboard, viewer: Viewer, claim_id: int, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    with d.session(viewer) as s:
        claim = money.get_claim(s, viewer.seller_id, claim_id)
    extra.setdefault("form", {})
    extra.setdefault("error", None)
    return render(request, d, viewer, "claim.html", status_code=status_code, c=claim, **extra)


@router.get("/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(
    request: Request, claim_id: int, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.CLAIMS_READ))
) -> HTMLResponse:
    done = request.query_params.get("done")
    return _claim_page(request, d, viewer, claim_id, done=done if done in ("won", "lost") else None)


def _parse_resolution(form: dict[str, str]) -> tuple[str, Decimal | None, str | None]:
    outcome = form.get("outcome", "").strip().lower()
    if outcome not in ("won", "lost"):
        raise InvalidInput("outcome", "must be won or lost")
    raw = form.get("amount", "").strip()
    amount: Decimal | None = None
    if raw:
        try:
            amount = Decimal(raw.replace(",", "").lstrip("₹"))
        except InvalidOperation:
            raise InvalidInput("amount", f"{raw[:20]!r} is not an amount in rupees (e.g. 1348.50)") from None
        exponent = amount.as_tuple().exponent
        if not amount.is_finite() or not isinstance(exponent, int) or exponent < -4:
            raise InvalidInput("amount", "must be an amount in rupees with at most 4 decimals")
        if amount <= 0 or amount >= Decimal("1e10"):
            raise InvalidInput("amount", "must be more than 0 and below ₹10,000,000,000")
    reason = form.get("reason", "").strip() or None
    if reason is not None and (len(reason) > 500 or not reason.isprintable()):
        raise InvalidInput("reason", "must be at most 500 printable characters")
    return outcome, amount, reason


@router.post("/claims/{claim_id}/resolve", response_model=None)
async def claim_resolve(
    request: Request,
    claim_id: int,
    d: Dashboard = Depends(dashboard),
    viewer: Viewer = Depends(need(P.CLAIMS_RESOLVE)),
) -> Response:
    form = await check_csrf(request, viewer)
    with d.session(viewer) as s:
        money.get_claim(s, viewer.seller_id, claim_id)  # 404 before anything else for another seller's claim
    try:
        outcome, amount, reason = _parse_resolution(form)
        with d.rt.session() as s:
            resolve(
                s,
                claim_id,
                outcome,
                actor=_actor(viewer),
                now=d.rt.clock.now(),
                amount=amount,
                reason=reason,
                seller_id=viewer.seller_id,
            )
    except InvalidInput as exc:
        return _claim_page(request, d, viewer, claim_id, status_code=400, form=form, error=(exc.field, exc.reason))
    return RedirectResponse(f"/claims/{claim_id}?done={outcome}", status_code=303)


@router.get("/returns/scan", response_class=HTMLResponse)
def scan_page(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.RETURNS_SCAN))
) -> HTMLResponse:
    return render(request, d, viewer, "scan.html", outcome=None, error=None, form={})


@router.post("/returns/scan", response_class=HTMLResponse)
async def scan_submit(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.RETURNS_SCAN))
) -> HTMLResponse:
    form = await check_csrf(request, viewer)
    code = form.get("code", "").strip()
    kept = {"warehouse": form.get("warehouse", "")[:100]}
    try:
        if not code or len(code) > 100 or not code.isprintable():
            raise InvalidInput("code", "is required: what the scanner read (at most 100 characters)")
        with d.rt.session() as s:  # one transaction: the scan, the return's status, any late claim
            outcome = scan(
                s,
                storage_for(d.rt),
                viewer.seller_id,
                code,
                actor=_actor(viewer),
                now=d.rt.clock.now(),
                damage_note=form.get("damage_note", "").strip()[:500] or None,
                warehouse=kept["warehouse"].strip() or None,
            )
    except (InvalidInput, NotFound) as exc:
        field = exc.field if isinstance(exc, InvalidInput) else "code"
        reason = exc.reason if isinstance(exc, InvalidInput) else str(exc)
        return render(
            request,
            d,
            viewer,
            "scan.html",
            status_code=400,
            outcome=None,
            error=(field, reason),
            form=kept,
            code=code[:100],
        )
    return render(request, d, viewer, "scan.html", outcome=outcome, error=None, form=kept, code=code)
