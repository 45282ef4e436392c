"""Reports 2021-06-30 and the returns flat file (§10)."""

from __future__ import annotations

import gzip
from datetime import timedelta
from typing import Any

import httpx

from robnu.sandbox.amazon_in import AmazonSandbox
from robnu.sandbox.amazon_in.returns_report import HEADER

REPORTS = "/reports/2021-06-30/reports"
BODY = {
    "reportType": "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE",
    "marketplaceIds": ["A21TJRUUN4KGV"],
    "dataStartTime": "2026-10-01T00:00:00Z",
    "dataEndTime": "2026-11-27T12:00:00Z",
}


def run_report(api: httpx.Client, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    created = api.post(REPORTS, headers=headers, json=body)
    assert created.status_code == 202
    report_id = created.json()["reportId"]
    assert isinstance(report_id, str) and report_id.isdigit()
    statuses = []
    for _ in range(5):
        report = api.get(f"{REPORTS}/{report_id}", headers=headers).json()
        statuses.append(report["processingStatus"])
        if report["processingStatus"] in ("DONE", "CANCELLED"):
            break
    assert statuses[:2] == ["IN_QUEUE", "IN_PROGRESS"]
    return report


def test_returns_report_round_trip(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, headers: dict[str, str]
) -> None:
    report = run_report(api, headers, BODY)
    assert report["processingStatus"] == "DONE"
    assert report["dataStartTime"] == "2026-10-01T00:00:00+00:00"
    document = api.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}", headers=headers).json()
    assert document["compressionAlgorithm"] == "GZIP"
    download = httpx.Client(transport=api._transport).get(document["url"])  # no auth headers
    assert download.status_code == 200
    assert "content-encoding" not in download.headers
    assert download.headers["content-type"].startswith("text/tab-separated-values")
    lines = gzip.decompress(download.content).decode("utf-8").splitlines()
    assert lines[0] == HEADER and len(lines[0].split("\t")) == 32
    truth = sandbox.truth(account["selling_partner_id"])["returns"]
    rows = [dict(zip(lines[0].split("\t"), line.split("\t"), strict=True)) for line in lines[1:]]
    customer = {k for k, v in truth.items() if v["kind"] == "customer_return"}
    assert {r["Amazon RMA ID"] for r in rows} == customer
    for row in rows:
        assert row["Currency code"] == "INR"
        assert row["Return request status"] == truth[row["Amazon RMA ID"]]["status"]
        assert truth[row["Amazon RMA ID"]]["order_id"] == row["Order ID"]
        assert len(row["Return request date"].split("-")) == 3 and row["Return request date"][3:6].isalpha()


def test_report_moves_on_with_the_clock_and_cancels_when_empty(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, headers: dict[str, str]
) -> None:
    empty = {**BODY, "dataStartTime": "2026-02-01T00:00:00Z", "dataEndTime": "2026-03-01T00:00:00Z"}
    report_id = api.post(REPORTS, headers=headers, json=empty).json()["reportId"]
    sandbox.kit.clock.advance(timedelta(seconds=30))
    report = api.get(f"{REPORTS}/{report_id}", headers=headers).json()
    assert report["processingStatus"] == "CANCELLED" and "reportDocumentId" not in report


def test_report_errors(account: dict[str, Any], api: httpx.Client, headers: dict[str, str]) -> None:
    assert (
        api.post(
            REPORTS,
            headers=headers,
            json={"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": ["A21TJRUUN4KGV"]},
        ).status_code
        == 400
    )
    assert api.post(REPORTS, headers=headers, json={**BODY, "marketplaceIds": []}).status_code == 400
    assert api.post(REPORTS, headers=headers, json={**BODY, "dataStartTime": "2026-01-01T00:00:00Z"}).status_code == 400
    assert api.post(REPORTS, headers=headers, content=b"not json").status_code == 400
    assert api.get(f"{REPORTS}/999", headers=headers).status_code == 404
    assert api.get("/reports/2021-06-30/documents/nope", headers=headers).status_code == 404


def test_document_url_expires_after_five_minutes(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, headers: dict[str, str]
) -> None:
    report = run_report(api, headers, BODY)
    url = api.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}", headers=headers).json()["url"]
    plain = httpx.Client(transport=api._transport)
    assert plain.get(url.replace("X-Amz-Signature=", "X-Amz-Signature=0")).status_code == 403
    sandbox.kit.clock.advance(timedelta(seconds=301))
    expired = plain.get(url)
    assert expired.status_code == 403 and b"AccessDenied" in expired.content
