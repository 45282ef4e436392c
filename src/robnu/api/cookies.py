"""Session cookies for browsers: the access token (HttpOnly, all paths), the refresh token (HttpOnly, only sent
to /v1/auth), and a CSRF token readable by the page and echoed in ``X-CSRF-Token`` on unsafe requests
(double submit). All ``SameSite=Lax``; ``Secure`` when the request came over HTTPS (or when configured)."""

from __future__ import annotations

import secrets
from datetime import datetime

from fastapi import Request, Response

from robnu.services.auth import SessionTokens

ACCESS_COOKIE = "robnu_access"
REFRESH_COOKIE = "robnu_refresh"
CSRF_COOKIE = "robnu_csrf"
CSRF_HEADER = "X-CSRF-Token"
REFRESH_PATH = "/v1/auth"


def secure(request: Request, configured: bool | None) -> bool:
    if configured is not None:
        return configured
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def _max_age(until: datetime, now: datetime) -> int:
    return max(0, int((until - now).total_seconds()))


def set_session(response: Response, tokens: SessionTokens, now: datetime, *, secure_cookie: bool) -> str:
    """Set the cookies of a sign-in (or a refresh); returns the CSRF token the page must echo."""
    csrf = secrets.token_urlsafe(24)
    common = {"secure": secure_cookie, "samesite": "lax"}
    response.set_cookie(
        ACCESS_COOKIE,
        tokens.access_token,
        max_age=_max_age(tokens.access_expires_at, now),
        httponly=True,
        path="/",
        **common,  # type: ignore[arg-type]
    )
    if tokens.refresh_token and tokens.refresh_expires_at:
        response.set_cookie(
            REFRESH_COOKIE,
            tokens.refresh_token,
            max_age=_max_age(tokens.refresh_expires_at, now),
            httponly=True,
            path=REFRESH_PATH,
            **common,  # type: ignore[arg-type]
        )
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, path="/", **common)  # type: ignore[arg-type]
    return csrf


def clear_session(response: Response, *, secure_cookie: bool) -> None:
    for name, path in ((ACCESS_COOKIE, "/"), (REFRESH_COOKIE, REFRESH_PATH), (CSRF_COOKIE, "/")):
        response.delete_cookie(name, path=path, secure=secure_cookie, httponly=name != CSRF_COOKIE, samesite="lax")
