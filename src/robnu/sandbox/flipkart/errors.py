"""Flipkart's error shapes.

OAuth errors use Spring-OAuth bodies; request-level order/listing errors use the modelled
``{"errorCode","errorMessage"}`` body with the per-item result field names (modelled).
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi.responses import JSONResponse, Response

from robnu.sandbox.kit import SandboxResponse, json_error

_CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND", 422: "UNPROCESSABLE_ENTITY", 429: "RATE_LIMITED"}


def api_error(status: int, message: str, code: str | None = None) -> JSONResponse:
    return json_error(status, {"errorCode": code or _CODES.get(status, "INTERNAL_ERROR"), "errorMessage": message})


def fail(status: int, message: str, code: str | None = None) -> SandboxResponse:
    return SandboxResponse(api_error(status, message, code))


def oauth_error(status: int, error: str, description: str) -> SandboxResponse:
    headers = {"WWW-Authenticate": f'Bearer error="{error}", error_description="{description}"'}
    return SandboxResponse(json_error(status, {"error": error, "error_description": description}, headers))


def invalid_token(token: str) -> SandboxResponse:
    return oauth_error(401, "invalid_token", f"Invalid access token: {token}")


class FlipkartErrors:
    """``MarketplaceErrors`` for Flipkart: 429 + Retry-After (modelled) and 5xx bodies."""

    def throttled(self, operation: str, retry_after: float) -> Response:
        seconds = max(1, int(retry_after + 0.999))
        return json_error(
            429,
            {
                "errorCode": "RATE_LIMITED",
                "errorMessage": f"Too many requests for {operation}; retry after {seconds}s",
            },
            {"Retry-After": str(seconds)},
        )

    def server_error(self, operation: str, status: int) -> Response:
        message = {502: "Bad gateway", 503: "Service temporarily unavailable"}.get(status, "Internal server error")
        return json_error(status, {"errorCode": "INTERNAL_ERROR", "errorMessage": message})

    def not_served(self, method: str, path: str, status: int) -> Response:
        """modelled: 404 ``NOT_FOUND`` for a path Flipkart does not publish, 405 ``METHOD_NOT_ALLOWED`` for a
        published path and another method, in the request-level error body."""
        if status == 405:
            return api_error(405, f"{method} is not allowed on {path}", "METHOD_NOT_ALLOWED")
        if status == 404:
            return api_error(404, f"No API at {method} {path}", "NOT_FOUND")
        return api_error(status, f"{method} {path} could not be served")

    def invalid_request(self, problems: Sequence[tuple[str, str]]) -> Response:
        return api_error(400, "Invalid request: " + "; ".join(issue for _field, issue in problems))
