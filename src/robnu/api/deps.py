"""What every route depends on: the runtime, the caller (``current_principal``: a cookie session, a Bearer
access token or a personal API token), and ``require(Permission.X)``, which checks the permission and yields
a ``Tenant``: the principal and a session scoped to its seller. Routes never ask for a role."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from robnu.api.cookies import ACCESS_COOKIE, CSRF_COOKIE, CSRF_HEADER
from robnu.api.problems import ApiProblem
from robnu.api.ratelimit import RateLimits
from robnu.domain.permissions import Permission
from robnu.services.auth import Principal, is_api_token, principal_from_access, principal_from_api_token
from robnu.services.runtime import Runtime
from robnu.services.tenancy import tenant_session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def rate_limits(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.rate_limits
    return limits


def check_rate(request: Request, key: str) -> None:
    wait = rate_limits(request).hit(key)
    if wait:
        raise ApiProblem(429, "rate limit reached; slow down", headers={"Retry-After": str(wait)})


def _unauthenticated(detail: str) -> ApiProblem:
    return ApiProblem(401, detail, headers={"WWW-Authenticate": "Bearer"})


def current_principal(request: Request) -> Principal:
    rt = runtime(request)
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if header:
        if scheme.lower() != "bearer" or not credentials.strip():
            raise _unauthenticated("Authorization must be 'Bearer <token>'")
        token = credentials.strip()
        principal = principal_from_api_token(rt, token) if is_api_token(token) else principal_from_access(rt, token)
    else:
        cookie = request.cookies.get(ACCESS_COOKIE)
        if not cookie:
            raise _unauthenticated("sign in first: POST /v1/auth/login")
        principal = principal_from_access(rt, cookie)
        if request.method not in SAFE_METHODS:
            # A cookie goes with any request the browser makes, a forged cross-site one too: the page must
            # also prove it can read the CSRF cookie (double submit).
            sent, expected = request.headers.get(CSRF_HEADER, ""), request.cookies.get(CSRF_COOKIE, "")
            if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
                raise ApiProblem(403, f"the {CSRF_HEADER} header must echo the {CSRF_COOKIE} cookie")
    check_rate(request, f"seller:{principal.seller_id}")
    request.state.principal = principal
    return principal


@dataclass
class Tenant:
    """A request's tenant unit of work: who is calling and a session that sees only their seller."""

    principal: Principal
    session: Session
    rt: Runtime
    ip: str | None

    @property
    def seller_id(self) -> int:
        return self.principal.seller_id


def require(*permissions: Permission) -> Any:
    """A dependency: 403 unless the caller has every one of ``permissions``; then a seller-scoped ``Tenant``
    (committed when the route returns, rolled back when it raises). The route's permissions are kept on
    the dependency (``required_permissions``) for the documentation and the role-matrix tests."""
    wanted = frozenset(permissions)

    def dependency(request: Request, principal: Principal = Depends(current_principal)) -> Iterator[Tenant]:
        missing = wanted - principal.permissions
        if missing:
            raise ApiProblem(403, f"needs permission {', '.join(sorted(missing))}")
        rt = runtime(request)
        with tenant_session(rt, principal.seller_id) as session:
            yield Tenant(principal, session, rt, client_ip(request))

    dependency.required_permissions = wanted  # type: ignore[attr-defined]
    return Depends(dependency, scope="function")


def required_permissions(call: Callable[..., Any]) -> frozenset[Permission] | None:
    found: frozenset[Permission] | None = getattr(call, "required_permissions", None)
    return found


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every API route of an app or router, through included routers (FastAPI may keep those nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        nested = getattr(route, "original_router", None) or getattr(route, "router", None)
        if nested is not None and hasattr(nested, "routes"):
            yield from api_routes(nested.routes)
