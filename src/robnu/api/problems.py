"""One error shape for everything: RFC 9457 problem details (``application/problem+json``). Every bad input
is a 4xx naming the field; only Robnu's own faults are 5xx, and they say nothing about the internals."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from robnu.db.scope import CrossTenantWrite
from robnu.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, RobnuError, UnknownMarketplace
from robnu.security.redaction import redact
from robnu.security.tokens import InvalidToken
from robnu.services.auth import LoginRefused, NoAccess, Throttled
from robnu.storage import StorageError

log = logging.getLogger("robnu.api")
MEDIA_TYPE = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Unavailable",
}


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class ApiProblem(Exception):
    """Raise anywhere in a request: becomes a problem response."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, errors, headers or {}


def problem_response(
    request: Request,
    status: int,
    detail: str | None,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        title=TITLES.get(status, "Error"),
        status=status,
        detail=redact(detail) if detail else None,
        instance=request.url.path,
        errors=errors,
    )
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _loc(error: dict[str, Any]) -> tuple[Any, ...]:
    loc = tuple(error.get("loc", ()))
    if error.get("type") in {"union_tag_invalid", "union_tag_not_found"}:
        # A tagged body whose tag is wrong or missing: name the tag field, not the whole body.
        tag = str(error.get("ctx", {}).get("discriminator", "")).strip("'\"")
        if tag:
            loc = (*loc, tag)
    return loc


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [FieldError(field=_field_of(_loc(e)), message=str(e.get("msg", ""))) for e in exc.errors()]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    return problem_response(request, 422, detail, errors=errors)


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(request, exc.status_code, detail, headers=getattr(exc, "headers", None))


def _api(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    return problem_response(request, exc.status, exc.detail, errors=exc.errors, headers=exc.headers)


def _robnu(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, Conflict):
        return problem_response(request, 409, str(exc), errors=[FieldError(field=exc.field, message=exc.reason)])
    if isinstance(exc, InvalidInput):
        return problem_response(request, 422, str(exc), errors=[FieldError(field=exc.field, message=exc.reason)])
    if isinstance(exc, NotFound | CrossTenantWrite):
        return problem_response(request, 404, str(exc) if isinstance(exc, NotFound) else "not found")
    if isinstance(exc, UnknownMarketplace):
        return problem_response(request, 404, str(exc))
    if isinstance(exc, InvalidToken | LoginRefused):
        return problem_response(request, 401, str(exc), headers={"WWW-Authenticate": "Bearer"})
    if isinstance(exc, NoAccess | Forbidden):
        return problem_response(request, 403, str(exc))
    if isinstance(exc, Throttled):
        return problem_response(request, 429, str(exc), headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, StorageError):  # unreachable backend, missing or damaged object: ours, not the caller's
        log.error("storage failed on %s: %s", request.url.path, redact(str(exc)))
        return problem_response(request, 503, "the stored object could not be read; it has been logged")
    log.warning("request %s failed: %s", request.url.path, redact(str(exc)))
    return problem_response(request, 422, str(exc))


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("internal error on %s %s: %s", request.method, request.url.path, redact(repr(exc)))
    log.debug("traceback", exc_info=exc)
    return problem_response(request, 500, "an internal error occurred; it has been logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(ApiProblem, _api)
    app.add_exception_handler(RobnuError, _robnu)
    app.add_exception_handler(Exception, _unexpected)


COMMON = (401, 403, 404, 409, 422, 429)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of the problem responses a route may give."""
    return {s: {"model": Problem, "description": TITLES.get(s, "Error"), "content": {MEDIA_TYPE: {}}} for s in statuses}
