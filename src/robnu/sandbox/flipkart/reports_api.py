"""Reports: trigger a report, poll its detail, download its CSV (settlements come this way; see ``reports.py``).

The bare ``/reports/...`` paths are the published ones; ``/sellers/reports/...`` is a modelled alias, since
Flipkart's docs leave the base of the Reports paths unconfirmed.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from robnu.sandbox.flipkart.errors import fail
from robnu.sandbox.flipkart.plumbing import FlipkartApi, parse_json, raw_body

BODY = Depends(raw_body)
PREFIXES = ("", "/sellers")


def register(app: FastAPI, api: FlipkartApi) -> None:
    for prefix in PREFIXES:
        alias = prefix.replace("/", "_")

        @api.route(app, "POST", f"{prefix}/reports/{{reportTypeIdentifier}}", f"reportTrigger{alias}")
        def trigger(request: Request, reportTypeIdentifier: str, body: bytes = BODY) -> dict[str, Any]:
            key = api.enter(request, "reportTrigger")
            payload = parse_json(body)
            if not isinstance(payload, dict) or not isinstance(payload.get("parameters"), dict):
                raise fail(400, "parameters is required")
            return {"report_id": api.reports.trigger(key, reportTypeIdentifier, payload)}

        @api.route(app, "GET", f"{prefix}/reports/{{reportId}}/detail", f"reportDetail{alias}")
        def detail(request: Request, reportId: str) -> dict[str, Any]:
            key = api.enter(request, "reportDetail")
            return api.reports.detail(key, reportId)

        @api.route(app, "GET", f"{prefix}/reports/{{reportId}}/download", f"reportDownload{alias}")
        def download(request: Request, reportId: str) -> Response:
            key = api.enter(request, "reportDownload")
            return Response(api.reports.download(key, reportId), media_type="text/csv; charset=utf-8")
