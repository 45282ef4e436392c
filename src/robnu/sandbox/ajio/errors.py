"""AJIO's error body (modelled: AJIO's real one is not disclosed) and the throttling / server-error shapes."""

from __future__ import annotations

import math
from collections.abc import Sequence
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
    """``{"success":false,"statusCode","errorCode","message","errors":[{field,code,message}]}``."""
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

    def not_served(self, method: str, path: str, status: int) -> Response:
        """modelled: an unknown path is 404 ``NOT_FOUND``, a known path with another method 405
        ``METHOD_NOT_ALLOWED``, both in AJIO's error body."""
        if status == 405:
            return error_response(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {path}")
        if status == 404:
            return error_response(404, "NOT_FOUND", f"no API at {method} {path}")
        return error_response(status, "VALIDATION_ERROR", f"{method} {path} could not be served")

    def invalid_request(self, problems: Sequence[tuple[str, str]]) -> Response:
        errors = [field_error(name, "VALIDATION_ERROR", issue) for name, issue in problems]
        return error_response(400, "VALIDATION_ERROR", "Request validation failed", errors)
