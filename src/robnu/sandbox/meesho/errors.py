"""Meesho's error body and the kit's MarketplaceErrors protocol."""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Sequence
from typing import Any

from fastapi.responses import JSONResponse, Response

from robnu.sandbox.json_response import FastJSONResponse
from robnu.sandbox.kit import SandboxResponse

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_counter = itertools.count(1)
_lock = threading.Lock()

MESSAGES: dict[str, str] = {
    "VALIDATION_ERROR": "Request validation failed",
    "DATE_RANGE_TOO_LARGE": "The date window is larger than allowed",
    "TOO_MANY_ITEMS": "Too many items in one request",
    "INVALID_CURSOR": "The cursor is invalid or has expired",
    "AUTH_HEADERS_MISSING": "Authentication headers are missing or malformed",
    "INVALID_API_KEY": "Unknown API key",
    "API_KEY_DISABLED": "The API key has been revoked or rotated out",
    "TIMESTAMP_OUT_OF_WINDOW": "X-Timestamp is outside the allowed window of 300 seconds",
    "NONCE_REUSED": "X-Nonce was already used for this API key within 10 minutes",
    "HMAC_MISMATCH": "HMAC mismatch: X-Signature does not match the canonical request",
    "NOT_FOUND": "Resource not found",
    "IDEMPOTENCY_KEY_REUSED": "Idempotency-Key was already used with a different request body",
    "CONFLICT": "The request conflicts with the current state",
    "INVALID_STATE": "The action is not allowed in the current state",
    "MIXED_COURIERS": "All sub-orders of a manifest must have the same courier",
    "CLAIM_WINDOW_CLOSED": "The claim window has closed",
    "LABEL_NOT_READY": "The label is still being generated",
    "RATE_LIMITED": "Too many requests",
    "INTERNAL_ERROR": "Internal error, please retry",
    "SERVICE_UNAVAILABLE": "Service temporarily unavailable, please retry",
}


def new_request_id() -> str:
    """``req_`` + 16 Crockford base32 characters (the shape of the API design's example)."""
    with _lock:
        n = next(_counter)
    n = (n * 0x9E3779B97F4A7C15) % (32**16)  # modelled: a scrambled counter, unique per process
    chars = []
    for _ in range(16):
        n, r = divmod(n, 32)
        chars.append(_CROCKFORD[r])
    return "req_" + "".join(reversed(chars))


def error_response(
    status: int,
    code: str,
    details: dict[str, Any] | None = None,
    *,
    message: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    request_id = new_request_id()
    body = {
        "success": False,
        "error": {
            "code": code,
            "message": message or MESSAGES.get(code, code),
            "request_id": request_id,
            "details": details or {},
        },
    }
    all_headers = {"X-Request-Id": request_id, **(headers or {})}
    return FastJSONResponse(status_code=status, content=body, headers=all_headers)


def fail(
    status: int, code: str, details: dict[str, Any] | None = None, *, message: str | None = None
) -> SandboxResponse:
    """An exception to ``raise`` from a handler: answers with Meesho's error body."""
    return SandboxResponse(error_response(status, code, details, message=message))


def validation_error(field: str, issue: str) -> SandboxResponse:
    return fail(400, "VALIDATION_ERROR", {"fields": [{"field": field, "issue": issue}]})


class MeeshoErrors:
    """429 RATE_LIMITED with Retry-After in whole seconds; 500 INTERNAL_ERROR / 503 SERVICE_UNAVAILABLE."""

    def throttled(self, operation: str, retry_after: float) -> Response:
        seconds = max(1, math.ceil(retry_after))
        return error_response(
            429,
            "RATE_LIMITED",
            {"operation": operation, "retry_after": seconds},
            headers={"Retry-After": str(seconds)},
        )

    def server_error(self, operation: str, status: int) -> Response:
        code = "SERVICE_UNAVAILABLE" if status in (502, 503, 504) else "INTERNAL_ERROR"
        return error_response(status, code, {"operation": operation, "retryable": True})

    def not_served(self, method: str, path: str, status: int) -> Response:
        """modelled: an unknown path is 404 ``NOT_FOUND``; another method on a known path answers 405 with the
        same code and the reason in ``details``."""
        if status == 405:
            return error_response(405, "NOT_FOUND", {"reason": "method not allowed", "method": method, "path": path})
        if status == 404:
            return error_response(404, "NOT_FOUND", {"method": method, "path": path})
        return error_response(status, "VALIDATION_ERROR", {"method": method, "path": path})

    def invalid_request(self, problems: Sequence[tuple[str, str]]) -> Response:
        fields = [{"field": name, "issue": issue} for name, issue in problems]
        return error_response(400, "VALIDATION_ERROR", {"fields": fields})
