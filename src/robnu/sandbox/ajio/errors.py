"""AJIO's error body (reference ajio.md §3) and the throttling / server-error shapes (§4, §13)."""

from __future__ import annotations

import math
from typing import Any, NoReturn

from fastapi.responses import JSONResponse, Response

from robnu.sandbox.kit import SandboxResponse, json_error

_SERVER_CODES = {
    500: "INTERNAL_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


def error_body(status: int, code: str, message: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """``{"success":false,"statusCode","errorCode","message","errors":[{field,code,message}]}`` (§3)."""
    return {
        "success": False,
        "statusCode": status,
        "errorCode": code,
        "message": message,
        "errors": errors or [],
    }


def error_response(
    status: int,
    code: str,
    message: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return json_error(status, error_body(status, code, message, errors), headers)


def fail(status: int, code: str, message: str, errors: list[dict[str, Any]] | None = None) -> NoReturn:
    """Answer the current request with an AJIO error from anywhere in a handler."""
    raise SandboxResponse(error_response(status, code, message, errors))


def field_error(field: str, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message}


class AjioErrors:
    """The ``MarketplaceErrors`` of AJIO: 429 ``RATE_LIMITED`` + ``Retry-After``; 5xx ``INTERNAL_ERROR``…"""

    def throttled(self, operation: str, retry_after: float) -> Response:
        seconds = max(1, math.ceil(retry_after))
        return error_response(
            429,
            "RATE_LIMITED",
            f"Too many requests for {operation}; retry after {seconds} s",
            headers={"Retry-After": str(seconds)},
        )

    def server_error(self, operation: str, status: int) -> Response:
        code = _SERVER_CODES.get(status, "INTERNAL_ERROR")
        return error_response(status, code, f"{operation} failed: upstream error, please retry")
