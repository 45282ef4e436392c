"""Amazon's returns report (Reports 2021-06-30): created per <= 60 days, polled until
done, its document downloaded (gzip or plain) and read as tab-separated rows."""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from robnu.adapters.amazon_in.client import AmazonClient
from robnu.adapters.amazon_in.mapping import api_time
from robnu.adapters.errors import TransientMarketplaceError

REPORTS_PATH = "/reports/2021-06-30/reports"
DOCUMENTS_PATH = "/reports/2021-06-30/documents"
RETURNS_REPORT = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
MAX_REPORT_SPAN = timedelta(days=59)  # <= 60 days per returns report
REPORT_POLL_FIRST_S = 2.0  # real seconds before the first getReport poll (scaled by rate_scale)
REPORT_POLL_CAP_S = 60.0
REPORT_MAX_WAIT_S = 30 * 60.0
DOCUMENT_OPERATION = "downloadReportDocument"  # the presigned URL: no SP-API quota, no auth


def returns_report(client: AmazonClient, start: datetime, end: datetime) -> Iterator[dict[str, str | None]]:
    """Rows of the returns flat file for [start, end], one report per <= 60 days."""
    chunk_start = start
    while chunk_start < end:
        chunk_end = min(chunk_start + MAX_REPORT_SPAN, end)
        yield from _report_rows(client, chunk_start, chunk_end)
        chunk_start = chunk_end


def _report_rows(client: AmazonClient, start: datetime, end: datetime) -> Iterator[dict[str, str | None]]:
    created = client.call(
        "createReport",
        "POST",
        REPORTS_PATH,
        json_body={
            "reportType": RETURNS_REPORT,
            "marketplaceIds": [client.creds.marketplace_id],
            "dataStartTime": api_time(start),
            "dataEndTime": api_time(end),
        },
    )
    report_id = str(created["reportId"])
    report = _await_report(client, report_id)
    status = report.get("processingStatus")
    if status == "CANCELLED":  # also "no data in range"
        return
    if status != "DONE" or not report.get("reportDocumentId"):
        raise TransientMarketplaceError(f"Amazon returns report {report_id} ended {status}")
    document = client.call("getReportDocument", "GET", f"{DOCUMENTS_PATH}/{quote(str(report['reportDocumentId']))}")
    text = _download(client, str(document["url"]), document.get("compressionAlgorithm"))
    yield from csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)


def _await_report(client: AmazonClient, report_id: str) -> dict[str, Any]:
    waited = 0.0
    delay = REPORT_POLL_FIRST_S
    while True:
        pause = delay / client.rate_scale if client.rate_scale > 0 else delay
        client.sleep(pause)
        waited += delay
        report = client.call("getReport", "GET", f"{REPORTS_PATH}/{quote(report_id)}")
        if report.get("processingStatus") in ("DONE", "CANCELLED", "FATAL"):
            return dict(report)
        if waited >= REPORT_MAX_WAIT_S:
            raise TransientMarketplaceError(f"Amazon returns report {report_id} still not done after {waited:.0f} s")
        delay = min(delay * 2, REPORT_POLL_CAP_S)


def _download(client: AmazonClient, url: str, compression: Any) -> str:
    """The presigned document URL: no auth headers; gzip bytes without Content-Encoding."""
    attempt = 0
    while True:
        response = client.api.request(DOCUMENT_OPERATION, "GET", url)
        data = response.content
        try:
            if compression == "GZIP" or data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            break
        except (OSError, EOFError, zlib.error):
            attempt += 1
            if attempt > 3:
                raise TransientMarketplaceError("Amazon report document is not valid gzip") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("iso-8859-1")  # what the document's charset defaults to
