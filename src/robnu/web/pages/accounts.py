"""Accounts: connect (a form generated from the adapter's credential model), validate, reconnect, the
credential-event history, schedules per target with pause/resume, and "sync now" as a job."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from robnu.adapters.base import MarketplaceAdapter
from robnu.domain.errors import InvalidInput, NotFound, UnknownMarketplace
from robnu.domain.marketplace import ScheduleTarget
from robnu.jobs.execute import execute_run
from robnu.services.accounts import connect_account
from robnu.services.queries.accounts import AccountView, get_account, list_accounts, list_credential_events
from robnu.services.queries.common import MAX_LIMIT
from robnu.services.queries.runs import list_schedules
from robnu.services.reconnect import reconnect_account
from robnu.services.schedules import set_enabled
from robnu.services.validation import validate_account
from robnu.web import permissions as P
from robnu.web.credential_form import form_groups, kept_values, parse_form
from robnu.web.jobs import Job, Step
from robnu.web.pages.core import Dashboard, check_csrf, dashboard, need, render
from robnu.web.pages.job_view import job_card, may_retry
from robnu.web.viewer import Viewer

router = APIRouter()
EVENTS_SHOWN = 20
SYNC_ORDER = (ScheduleTarget.ORDERS, ScheduleTarget.RETURNS, ScheduleTarget.PAYOUTS)


def _adapter(d: Dashboard, code: str) -> MarketplaceAdapter:
    try:
        return d.rt.registry.get(code)
    except UnknownMarketplace:
        raise InvalidInput("marketplace", f"{code[:40]!r} is not a registered marketplace") from None


def _validate_job(d: Dashboard, viewer: Viewer, account_id: int, name: str, *, retry_of: str | None = None) -> Job:
    def check() -> str:
        outcome = validate_account(d.rt, account_id)
        return outcome.status.lower() + (f" ({outcome.message})" if outcome.message else "")

    steps: list[Step] = [("credentials check", check)]
    return d.jobs.submit(
        viewer.seller_id, f"Validate {name}", steps, kind="validate", subject_id=account_id, retry_of=retry_of
    )


def start_validate(d: Dashboard, viewer: Viewer, account_id: int, *, retry_of: str | None = None) -> Job:
    """Check the seller's account's credentials as a job (another seller's account: NotFound, nothing started)."""
    account = _owned_account(d, viewer, account_id)
    return _validate_job(d, viewer, account_id, account.display_name, retry_of=retry_of)


def start_sync(d: Dashboard, viewer: Viewer, account_id: int, *, retry_of: str | None = None) -> Job:
    """Sync now: each sync target the adapter supports, one after the other, as a job with a step each (another
    seller's account: NotFound, nothing started)."""
    account = _owned_account(d, viewer, account_id)
    supported = _adapter(d, account.marketplace).supported_targets
    targets = [t for t in SYNC_ORDER if t in supported]

    def step(target: ScheduleTarget) -> Step:
        def run() -> str:
            result = execute_run(d.rt, account_id, target, trigger="MANUAL")
            counts = ", ".join(f"{n} {k}" for k, n in result.counts.items() if n)
            return (
                result.outcome.lower()
                + (f" ({counts})" if counts else "")
                + (f" — {result.error}" if result.error else "")
            )

        return (f"{target.lower()} sync", run)

    steps = [step(t) for t in targets]
    title = f"Sync {account.display_name}"
    return d.jobs.submit(viewer.seller_id, title, steps, kind="sync", subject_id=account_id, retry_of=retry_of)


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.ACCOUNTS_READ))
) -> HTMLResponse:
    with d.session(viewer) as s:
        accounts = list_accounts(s, viewer.seller_id, limit=MAX_LIMIT).items
    return render(request, d, viewer, "accounts.html", accounts=accounts, adapters=d.rt.registry.all())


def _connect_form(
    request: Request,
    d: Dashboard,
    viewer: Viewer,
    code: str | None,
    *,
    values: dict[str, str] | None = None,
    error: InvalidInput | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    adapter = _adapter(d, code) if code else None
    groups = form_groups(adapter.satellite.credentials) if adapter else []
    return render(
        request,
        d,
        viewer,
        "connect.html",
        status_code=status_code,
        adapter=adapter,
        adapters=d.rt.registry.all(),
        groups=groups,
        values=values or {},
        error=error,
        action="/accounts/connect",
        account=None,
    )


@router.get("/accounts/connect", response_class=HTMLResponse)
def connect_page(
    request: Request,
    marketplace: str = "",
    d: Dashboard = Depends(dashboard),
    viewer: Viewer = Depends(need(P.ACCOUNTS_WRITE)),
) -> HTMLResponse:
    return _connect_form(request, d, viewer, marketplace or None)


@router.post("/accounts/connect", response_model=None)
async def connect_submit(
    request: Request, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.ACCOUNTS_WRITE))
) -> Response:
    form = await check_csrf(request, viewer)
    code = form.get("marketplace", "")
    adapter = _adapter(d, code)
    model = adapter.satellite.credentials
    display_name = form.get("display_name", "").strip() or None
    try:
        if display_name is not None and (len(display_name) > 200 or not display_name.isprintable()):
            raise InvalidInput("display_name", "must be at most 200 printable characters")
        data = parse_form(model, {k: v for k, v in form.items() if k not in ("marketplace", "display_name")})
        account_id = connect_account(d.rt, viewer.seller_id, code, data, display_name=display_name)
    except InvalidInput as exc:  # nothing was written: the form comes back with the field named
        return _connect_form(request, d, viewer, code, values=kept_values(model, form), error=exc, status_code=400)
    job = _validate_job(d, viewer, account_id, display_name or f"{adapter.display_name} account")
    return RedirectResponse(f"/accounts/{account_id}?{urlencode({'job': job.id})}", status_code=303)


@router.get("/accounts/{account_id}", response_class=HTMLResponse)
def account_page(
    request: Request,
    account_id: int,
    job: str = "",
    d: Dashboard = Depends(dashboard),
    viewer: Viewer = Depends(need(P.ACCOUNTS_READ)),
) -> HTMLResponse:
    running = d.jobs.get(viewer.seller_id, job[:64]) if job else None
    return _account_page(request, d, viewer, account_id, job=running)


def _account_page(
    request: Request,
    d: Dashboard,
    viewer: Viewer,
    account_id: int,
    *,
    status_code: int = 200,
    job: Job | None = None,
    values: dict[str, str] | None = None,
    error: InvalidInput | None = None,
) -> HTMLResponse:
    """The account with its schedules and latest credential events (the read models of /v1/accounts/{id},
    its credential events and /v1/schedules), and the reconnect form."""
    with d.session(viewer) as s:
        account = get_account(s, viewer.seller_id, account_id)
        events = list_credential_events(s, viewer.seller_id, account_id, limit=EVENTS_SHOWN).items
        schedules = list_schedules(s, viewer.seller_id, account_id=account_id)
    adapter = _adapter(d, account.marketplace)
    return render(
        request,
        d,
        viewer,
        "account.html",
        status_code=status_code,
        account=account,
        events=events,
        schedules=schedules,
        adapter=adapter,
        job=job,
        can_retry=job is not None and may_retry(viewer, job),
        groups=form_groups(adapter.satellite.credentials),
        values=values or {},
        error=error,
        action=f"/accounts/{account_id}/reconnect",
    )


def _owned_account(d: Dashboard, viewer: Viewer, account_id: int) -> AccountView:
    """The seller's account; another seller's is NotFound before anything else is read or done."""
    with d.session(viewer) as s:
        return get_account(s, viewer.seller_id, account_id)


async def _owned(request: Request, d: Dashboard, viewer: Viewer, account_id: int) -> dict[str, str]:
    form = await check_csrf(request, viewer)
    _owned_account(d, viewer, account_id)
    return form


@router.post("/accounts/{account_id}/validate", response_class=HTMLResponse)
async def validate_now(
    request: Request,
    account_id: int,
    d: Dashboard = Depends(dashboard),
    viewer: Viewer = Depends(need(P.ACCOUNTS_WRITE)),
) -> HTMLResponse:
    await check_csrf(request, viewer)
    return job_card(request, d, viewer, start_validate(d, viewer, account_id))


@router.post("/accounts/{account_id}/sync", response_class=HTMLResponse)
async def sync_now(
    request: Request, account_id: int, d: Dashboard = Depends(dashboard), viewer: Viewer = Depends(need(P.SYNC_RUN))
) -> HTMLResponse:
    await check_csrf(request, viewer)
    return job_card(request, d, viewer, start_sync(d, viewer, account_id))


@router.post("/accounts/{account_id}/schedules/{target}/{action}", response_model=None)
async def schedule_toggle(
    request: Request,
    account_id: int,
    target: str,
    action: str,
    d: Dashboard = Depends(dashboard),
    viewer: Viewer = Depends(need(P.SCHEDULES_WRITE)),
) -> Response:
    await _owned(request, d, viewer, account_id)
    if action not in ("pause", "resume"):
        raise NotFound(f"no schedule action {action[:20]!r}")
    set_enabled(d.rt, account_id, target, action == "resume")
    return RedirectResponse(f"/accounts/{account_id}#schedules", status_code=303)


@router.post("/accounts/{account_id}/reconnect", response_model=None)
async def reconnect_submit(
    request: Request,
    account_id: int,
    d: Dashboard = Depends(dashboard),
    viewer: Viewer = Depends(need(P.ACCOUNTS_WRITE)),
) -> Response:
    form = await check_csrf(request, viewer)
    account = _owned_account(d, viewer, account_id)
    model = _adapter(d, account.marketplace).satellite.credentials
    try:
        reconnect_account(d.rt, viewer.seller_id, account_id, parse_form(model, form))
    except InvalidInput as exc:  # nothing was written: the form comes back with the field named
        values = kept_values(model, form)
        return _account_page(request, d, viewer, account_id, status_code=400, values=values, error=exc)
    job = _validate_job(d, viewer, account_id, account.display_name)
    return RedirectResponse(f"/accounts/{account_id}?{urlencode({'job': job.id})}", status_code=303)
