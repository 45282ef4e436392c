"""Sign-in, refresh, sign-out, seller switch and ``GET /v1/me``."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from robnu.api.cookies import CSRF_COOKIE, CSRF_HEADER, REFRESH_COOKIE, clear_session, secure, set_session
from robnu.api.deps import check_rate, client_ip, current_principal, runtime
from robnu.api.params import MAX_ID, TEXT_PATTERN
from robnu.api.problems import ApiProblem, problem_responses
from robnu.db.models import Seller, User
from robnu.db.tenancy_models import SellerUser
from robnu.services import auth
from robnu.services.auth import Principal, SessionTokens

router = APIRouter(prefix="/v1", tags=["auth"])


class LoginIn(BaseModel):
    # No control characters: the email is looked up and throttled in the database (PostgreSQL refuses a NUL).
    email: str = Field(min_length=3, max_length=320, pattern=TEXT_PATTERN)
    password: str = Field(min_length=1, max_length=256)
    seller_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="default: the first seller")
    mode: Literal["bearer", "cookie"] = Field(
        default="bearer", description="bearer: tokens in the body; cookie: HttpOnly cookies (browsers)"
    )


class RefreshIn(BaseModel):
    refresh_token: str | None = Field(default=None, max_length=200, description="omit to use the cookie")


class SwitchIn(BaseModel):
    seller_id: int = Field(ge=1, le=MAX_ID)


class SessionOut(BaseModel):
    user_id: int
    seller_id: int
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105  (a scheme name)
    access_token: str | None = Field(default=None, description="absent in cookie mode")
    expires_in: int = Field(description="seconds until the access token expires")
    refresh_token: str | None = Field(default=None, description="absent in cookie mode; rotate it on every use")
    csrf_token: str | None = Field(default=None, description=f"cookie mode: echo it in {CSRF_HEADER}")


def _answer(request: Request, response: Response, tokens: SessionTokens, cookie: bool) -> SessionOut:
    rt = runtime(request)
    now = rt.clock.now()
    expires_in = int((tokens.access_expires_at - now).total_seconds())
    if cookie:
        csrf = set_session(response, tokens, now, secure_cookie=secure(request, rt.settings.cookie_secure))
        return SessionOut(user_id=tokens.user_id, seller_id=tokens.seller_id, expires_in=expires_in, csrf_token=csrf)
    return SessionOut(
        user_id=tokens.user_id,
        seller_id=tokens.seller_id,
        access_token=tokens.access_token,
        expires_in=expires_in,
        refresh_token=tokens.refresh_token,
    )


@router.post(
    "/auth/login",
    response_model=SessionOut,
    response_model_exclude_none=True,
    responses=problem_responses(401, 403, 422, 429),
)
def login(body: LoginIn, request: Request, response: Response) -> SessionOut:
    """Sign in with email and password. Throttled per account and per client address."""
    ip = client_ip(request)
    check_rate(request, f"ip:{ip}")
    tokens = auth.login(
        runtime(request),
        body.email,
        body.password,
        seller_id=body.seller_id,
        ip=ip,
        user_agent=request.headers.get("user-agent"),
    )
    return _answer(request, response, tokens, body.mode == "cookie")


@router.post(
    "/auth/refresh",
    response_model=SessionOut,
    response_model_exclude_none=True,
    responses=problem_responses(401, 403, 422, 429),
)
def refresh(request: Request, response: Response, body: RefreshIn | None = None) -> SessionOut:
    """Exchange a refresh token for a new access token and a new refresh token (the old one is spent; using
    it again ends the whole session)."""
    check_rate(request, f"ip:{client_ip(request)}")
    token = body.refresh_token if body and body.refresh_token else None
    cookie = token is None
    if cookie:
        token = request.cookies.get(REFRESH_COOKIE)
        if not token:
            raise ApiProblem(401, "no refresh token: send refresh_token or the session cookie")
        sent, expected = request.headers.get(CSRF_HEADER, ""), request.cookies.get(CSRF_COOKIE, "")
        if not expected or sent != expected:
            raise ApiProblem(403, f"the {CSRF_HEADER} header must echo the {CSRF_COOKIE} cookie")
    assert token is not None
    tokens = auth.refresh(runtime(request), token, ip=client_ip(request))
    return _answer(request, response, tokens, cookie)


@router.post("/auth/logout", status_code=204, responses=problem_responses(401, 403, 429))
def logout(request: Request, response: Response, principal: Principal = Depends(current_principal)) -> Response:
    """End this session: its refresh tokens stop working at once, its access tokens within minutes."""
    rt = runtime(request)
    auth.logout(rt, principal, ip=client_ip(request))
    out = Response(status_code=204)
    clear_session(out, secure_cookie=secure(request, rt.settings.cookie_secure))
    return out


@router.post(
    "/auth/switch",
    response_model=SessionOut,
    response_model_exclude_none=True,
    responses=problem_responses(401, 403, 422, 429),
)
def switch(
    body: SwitchIn, request: Request, response: Response, principal: Principal = Depends(current_principal)
) -> SessionOut:
    """Work for another seller the user belongs to (a new access token; the session goes on)."""
    tokens = auth.switch_seller(runtime(request), principal, body.seller_id, ip=client_ip(request))
    return _answer(request, response, tokens, "authorization" not in request.headers)


class UserOut(BaseModel):
    id: int
    email: str
    display_name: str | None


class MembershipOut(BaseModel):
    seller_id: int
    seller_name: str
    role: str


class MeOut(BaseModel):
    user: UserOut
    seller_id: int
    role: str
    permissions: list[str]
    via: Literal["session", "api_token"]
    sellers: list[MembershipOut]


@router.get("/me", response_model=MeOut, responses=problem_responses(401, 403, 429))
def me(request: Request, principal: Principal = Depends(current_principal)) -> MeOut:
    """Who is signed in, for which seller, with which role and permissions, and the user's other sellers."""
    rt = runtime(request)
    with rt.sessions() as s:  # the user's own memberships across sellers: not one tenant's data
        user = s.get(User, principal.user_id)
        assert user is not None
        rows = s.execute(
            select(SellerUser.seller_id, Seller.name, SellerUser.role)
            .join(Seller, Seller.id == SellerUser.seller_id)
            .where(SellerUser.user_id == principal.user_id, Seller.suspended_at.is_(None))
            .order_by(SellerUser.seller_id)
        ).all()
    return MeOut(
        user=UserOut(id=user.id, email=user.email, display_name=user.display_name),
        seller_id=principal.seller_id,
        role=principal.role,
        permissions=sorted(principal.permissions),
        via=principal.kind,
        sellers=[MembershipOut(seller_id=sid, seller_name=name, role=role) for sid, name, role in rows],
    )
