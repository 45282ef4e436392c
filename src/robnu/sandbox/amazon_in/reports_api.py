"""Reports 2021-06-30: createReport, getReports, getReport, getReportDocument for the returns flat file,
plus the public presigned document URL (served under /_sandbox: the real one is an S3 host).

getReports lists the account's reports, newest first (modelled: Amazon does not document the order), each
moved on by the clock as getReport would; ``nextToken`` must come alone (the marketplace keys
python-amazon-sp-api adds to every GET are tolerated).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from robnu.sandbox.amazon_in.account import Report
from robnu.sandbox.amazon_in.constants import RETURNS_REPORT
from robnu.sandbox.amazon_in.errors import invalid_input, not_found
from robnu.sandbox.amazon_in.orders import DAY
from robnu.sandbox.amazon_in.pagination import encode
from robnu.sandbox.amazon_in.plumbing import Api, csv_param, int_param, json_body, raw_body, time_param
from robnu.sandbox.amazon_in.returns_report import advance
from robnu.sandbox.amazon_in.timefmt import from_s, iso_offset, parse_instant

DOCUMENT_PATH = "/_sandbox/report-documents"
URL_LIFETIME_S = 300  # presigned URL expires after 5 minutes
MAX_REPORT_SPAN_S = 60 * DAY  # at most 60 days per returns report
DEFAULT_REPORT_SPAN_S = 30 * DAY  # modelled default when dataStartTime is omitted
PROCESSING_STATUSES = frozenset({"CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE"})
LIST_LOOKBACK_S = 90 * DAY  # getReports' default createdSince: reports are kept 90 days
LIST_FILTERS = ("reportTypes", "processingStatuses", "createdSince", "createdUntil", "pageSize")


def report_body(report: Report) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reportId": report.report_id,
        "reportType": report.report_type,
        "marketplaceIds": report.marketplace_ids,
        "dataStartTime": iso_offset(from_s(report.start_s)),
        "dataEndTime": iso_offset(from_s(report.end_s)),
        "createdTime": iso_offset(from_s(report.created_s)),
        "processingStatus": report.status,
    }
    if report.processing_start_s is not None:
        body["processingStartTime"] = iso_offset(from_s(report.processing_start_s))
    if report.processing_end_s is not None:
        body["processingEndTime"] = iso_offset(from_s(report.processing_end_s))
    if report.document_id is not None:
        body["reportDocumentId"] = report.document_id
    return body


def _list_query(request: Request, op: str, now_s: int) -> dict[str, Any]:
    """The filters of a first getReports call, checked as the model states them."""
    types = csv_param(request, "reportTypes")
    if not types:
        raise invalid_input(op, "Either reportTypes or nextToken is required")
    statuses = csv_param(request, "processingStatuses")
    marketplaces = csv_param(request, "marketplaceIds")
    if len(types) > 10 or len(marketplaces) > 10:
        raise invalid_input(op, "reportTypes and marketplaceIds take at most 10 values")
    unknown = sorted(set(statuses) - PROCESSING_STATUSES)
    if unknown:
        raise invalid_input(op, f"Invalid processingStatuses: {', '.join(unknown)}")
    since = time_param(request, op, "createdSince")
    until = time_param(request, op, "createdUntil")
    since_s = int(since.timestamp()) if since else now_s - LIST_LOOKBACK_S
    until_s = int(until.timestamp()) if until else now_s
    if since_s > until_s:
        raise invalid_input(op, "createdSince must be before createdUntil")
    size = int_param(request, op, "pageSize", 10, 1, 100)
    return {"t": types, "s": statuses, "m": marketplaces, "a": since_s, "b": until_s, "n": size}


def _listed(report: Report, query: dict[str, Any]) -> bool:
    return (
        report.report_type in query["t"]
        and (not query["s"] or report.status in query["s"])
        and (not query["m"] or bool(set(report.marketplace_ids) & set(query["m"])))
        and query["a"] <= report.created_s <= query["b"]
    )


def _newest_first(report: Report) -> tuple[int, str]:
    return -report.created_s, report.report_id


def _base_url(request: Request) -> str:
    # Never trust Host (python-amazon-sp-api sends a wrong one over http); use the socket address.
    server = request.scope.get("server")
    scheme = request.scope.get("scheme", "http")
    if server and server[0]:
        host, port = server[0], server[1]
        default = (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
        return f"{scheme}://{host}" if port is None or default else f"{scheme}://{host}:{port}"
    return str(request.base_url).rstrip("/")


def register(app: FastAPI, api: Api) -> None:
    world = api.world

    @app.post("/reports/2021-06-30/reports")
    def create_report(request: Request, raw: bytes = Depends(raw_body)) -> Response:
        op = "createReport"
        account = api.begin(request, op)
        body = json_body(op, raw)
        report_type = body.get("reportType")
        marketplaces = body.get("marketplaceIds")
        if not isinstance(report_type, str) or not report_type:
            raise invalid_input(op, "reportType is required")
        if not isinstance(marketplaces, list) or not 1 <= len(marketplaces) <= 25:
            raise invalid_input(op, "marketplaceIds must list 1 to 25 marketplace ids")
        if report_type != RETURNS_REPORT:
            # modelled: the sandbox serves only the returns flat file.
            raise invalid_input(op, f"Report type {report_type} is not supported by the sandbox")
        now_s = world.now_s()
        start = parse_instant(str(body["dataStartTime"])) if body.get("dataStartTime") else None
        end = parse_instant(str(body["dataEndTime"])) if body.get("dataEndTime") else None
        if (body.get("dataStartTime") and start is None) or (body.get("dataEndTime") and end is None):
            raise invalid_input(op, "dataStartTime and dataEndTime must be ISO 8601 date-times")
        end_s = min(int(end.timestamp()), now_s) if end else now_s
        start_s = int(start.timestamp()) if start else end_s - DEFAULT_REPORT_SPAN_S
        if start_s > end_s:
            raise invalid_input(op, "dataStartTime must be before dataEndTime")
        if end_s - start_s > MAX_REPORT_SPAN_S:
            raise invalid_input(op, "The returns report covers at most 60 days")
        with world.lock:
            account.report_seq += 1
            report_id = f"{50000 + account.rng.randrange(10000)}{account.report_seq:07d}"
            account.reports[report_id] = Report(
                report_id, report_type, [str(m) for m in marketplaces], now_s, start_s, end_s
            )
        return api.ok(op, {"reportId": report_id}, status=202)

    @app.get("/reports/2021-06-30/reports")
    def get_reports(request: Request) -> Response:
        op = "getReports"
        account = api.begin(request, op)
        now_s = world.now_s()
        token = request.query_params.get("nextToken")
        with world.lock:
            if token:
                if any(request.query_params.get(name) for name in LIST_FILTERS):
                    raise invalid_input(op, "nextToken must be the only parameter")
                state = api.token_state(op, "rp", account, token)
                query, after = state["q"], (int(state["r"][0]), str(state["r"][1]))
            else:
                query, after = _list_query(request, op, now_s), None
            for report in account.reports.values():
                advance(account, report, now_s, world.documents)
            found = sorted((r for r in account.reports.values() if _listed(r, query)), key=_newest_first)
            if after is not None:
                found = [r for r in found if _newest_first(r) > after]
            page = found[: query["n"]]
            body: dict[str, Any] = {"reports": [report_body(r) for r in page]}
            if len(found) > len(page):
                last = _newest_first(page[-1])
                body["nextToken"] = encode({"k": "rp", "a": account.key, "i": now_s, "q": query, "r": list(last)})
        return api.ok(op, body)

    @app.get("/reports/2021-06-30/reports/{report_id}")
    def get_report(request: Request, report_id: str) -> Response:
        op = "getReport"
        account = api.begin(request, op)
        with world.lock:
            report = account.reports.get(report_id)
            if report is None:
                raise not_found(op, f"Report {report_id}")
            report.polls += 1
            advance(account, report, world.now_s(), world.documents)
            return api.ok(op, report_body(report))

    @app.get("/reports/2021-06-30/documents/{document_id}")
    def get_report_document(request: Request, document_id: str) -> Response:
        op = "getReportDocument"
        account = api.begin(request, op)
        with world.lock:
            stored = world.documents.get(document_id)
            if stored is None or stored[0] != account.key:
                raise not_found(op, f"Report document {document_id}")
            issued = world.now_s()
            url = (
                f"{_base_url(request)}{DOCUMENT_PATH}/{quote(document_id, safe='')}"
                f"?X-Amz-Date={issued}&X-Amz-Expires={URL_LIFETIME_S}"
                f"&X-Amz-Signature={world.sign(document_id, issued)}"
            )
        return api.ok(op, {"reportDocumentId": document_id, "url": url, "compressionAlgorithm": "GZIP"})

    @app.get(DOCUMENT_PATH + "/{document_id}")
    def download_document(request: Request, document_id: str) -> Response:
        """The presigned URL: no auth headers; gzip bytes with no Content-Encoding."""
        q = request.query_params
        with world.lock:
            stored = world.documents.get(document_id)
            try:
                issued = int(q.get("X-Amz-Date", ""))
            except ValueError:
                issued = -1
            good = stored is not None and q.get("X-Amz-Signature") == world.sign(document_id, issued)
            if not good or stored is None:
                return _s3_error(403, "AccessDenied", "Access Denied")
            if world.now_s() > issued + URL_LIFETIME_S:
                return _s3_error(403, "AccessDenied", "Request has expired")
            return Response(stored[1], media_type="text/tab-separated-values; charset=UTF-8")


def _s3_error(status: int, code: str, message: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
    body += "</Error>"
    return Response(body, status_code=status, media_type="application/xml")
