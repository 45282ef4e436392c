"""Amazon's error bodies and headers: LWA's OAuth2 shape and the conventions common to all SP-API operations.

SP-API errors are ``{"errors":[{"code","message","details"}]}`` everywhere (the v0 response types carry
the same ``errors`` array). LWA errors use the OAuth2 shape ``{"error","error_description"}``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from fastapi.responses import JSONResponse, Response

from robnu.sandbox.amazon_in.constants import RATE_LIMITS
from robnu.sandbox.json_response import FastJSONResponse
from robnu.sandbox.kit import SandboxResponse

REQUEST_ID_HEADER = "x-amzn-RequestId"
RATE_LIMIT_HEADER = "x-amzn-RateLimit-Limit"
LWA_OPERATION = "lwaToken"
LWA_TOKEN_PATH = "/auth/o2/token"  # noqa: S105 - a path, not a secret
# The models declare x-amzn-RateLimit-Limit on 200, 400 and 404 only.
_RATE_HEADER_STATUSES = frozenset({200, 202, 204, 400, 404})


def request_id() -> str:
    return str(uuid.uuid4())


def rate_limit_value(operation: str) -> str | None:
    limit = RATE_LIMITS.get(operation)
    return None if limit is None else f"{limit.rate:g}"


def sp_headers(operation: str, status: int) -> dict[str, str]:
    headers = {REQUEST_ID_HEADER: request_id()}
    value = rate_limit_value(operation)
    if value is not None and status in _RATE_HEADER_STATUSES:
        headers[RATE_LIMIT_HEADER] = value
    return headers


def error_body(code: str, message: str, details: str = "") -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message, "details": details}]}


def sp_error(operation: str, status: int, code: str, message: str, details: str = "") -> JSONResponse:
    return FastJSONResponse(
        status_code=status, content=error_body(code, message, details), headers=sp_headers(operation, status)
    )


def invalid_input(operation: str, message: str = "Invalid Input") -> SandboxResponse:
    """400 InvalidInput, the wording of the models' examples."""
    return SandboxResponse(sp_error(operation, 400, "InvalidInput", message, message))


def not_found(operation: str, what: str) -> SandboxResponse:
    # modelled: an unknown id is 404 NotFound, in our own wording.
    return SandboxResponse(sp_error(operation, 404, "NotFound", f"{what} not found", f"{what} not found"))


def unauthorized(operation: str, details: str = "") -> SandboxResponse:
    """403 Unauthorized for a missing, invalid, expired or revoked token."""
    return SandboxResponse(sp_error(operation, 403, "Unauthorized", "Access to requested resource is denied.", details))


def lwa_error(status: int, error: str, description: str) -> JSONResponse:
    return FastJSONResponse(status_code=status, content={"error": error, "error_description": description})


class AmazonErrors:
    """The ``MarketplaceErrors`` of the Amazon sandbox: 429 QuotaExceeded and the 5xx bodies."""

    def throttled(self, operation: str, retry_after: float) -> Response:
        if operation == LWA_OPERATION:
            return lwa_error(429, "temporarily_unavailable", "Too many requests. Try again later.")
        # Amazon's exact throttling body; it sends no Retry-After header.
        return sp_error(operation, 429, "QuotaExceeded", "You exceeded your quota for the requested resource.")

    def server_error(self, operation: str, status: int) -> Response:
        if operation == LWA_OPERATION:
            return lwa_error(status, "server_error", "Internal server error")
        if status == 503:
            return sp_error(operation, 503, "ServiceUnavailable", "Service temporarily unavailable.")
        # modelled: wording of Amazon's InternalFailure answers.
        return sp_error(operation, status, "InternalFailure", "We encountered an internal error. Please try again.")

    def not_served(self, method: str, path: str, status: int) -> Response:
        """modelled: Amazon documents no answer for a resource it does not have. The sandbox answers 404
        ``NotFound`` (405 ``MethodNotAllowed`` for a known path and another method) in SP-API's ``ErrorList``
        shape, which every SP-API client raises on; LWA's host answers in its OAuth2 shape."""
        if path == LWA_TOKEN_PATH:
            return lwa_error(status, "invalid_request", f"{method} is not supported on {path}")
        if status == 405:
            return sp_error("", 405, "MethodNotAllowed", f"{method} is not allowed on {path}.", f"{method} {path}")
        if status == 404:
            return sp_error("", 404, "NotFound", "The requested resource was not found.", f"{method} {path}")
        return sp_error("", status, "InvalidInput", "The request could not be served.", f"{method} {path}")

    def invalid_request(self, problems: Sequence[tuple[str, str]]) -> Response:
        details = "; ".join(f"{field}: {issue}" for field, issue in problems)
        return sp_error("", 400, "InvalidInput", "Invalid Input", details or "Invalid Input")
