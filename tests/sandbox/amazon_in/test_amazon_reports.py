"""Reports 2021-06-30 and the returns flat file."""

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


def list_reports(
    api: httpx.Client, headers: dict[str, str], params: dict[str, Any]
) -> tuple[list[dict[str, Any]], int]:
    """Every page of getReports, following nextToken (sent alone, as the model requires)."""
    found: list[dict[str, Any]] = []
    pages = 0
    query = dict(params)
    while True:
        response = api.get(REPORTS, headers=headers, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        found.extend(body["reports"])
        pages += 1
        if "nextToken" not in body:
            return found, pages
        query = {"nextToken": body["nextToken"]}


def test_get_reports_lists_newest_first_with_filters_and_paging(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, headers: dict[str, str]
) -> None:
    empty = {**BODY, "dataStartTime": "2026-02-01T00:00:00Z", "dataEndTime": "2026-03-01T00:00:00Z"}
    made = []
    for body in (BODY, empty, BODY, BODY, empty):
        made.append(api.post(REPORTS, headers=headers, json=body).json()["reportId"])
        sandbox.kit.clock.advance(timedelta(seconds=1))
    listed, pages = list_reports(api, headers, {"reportTypes": BODY["reportType"], "pageSize": 2})
    assert pages == 3 and [r["reportId"] for r in listed] == made[::-1]
    # moved on by the clock, as getReport does: 5 s old is picked up, younger ones still wait
    assert [r["processingStatus"] for r in listed] == ["IN_QUEUE"] * 4 + ["IN_PROGRESS"]
    sandbox.kit.clock.advance(timedelta(seconds=30))
    done, _ = list_reports(api, headers, {"reportTypes": BODY["reportType"], "processingStatuses": "DONE"})
    cancelled, _ = list_reports(api, headers, {"reportTypes": BODY["reportType"], "processingStatuses": "CANCELLED"})
    assert {r["reportId"] for r in done} == {made[0], made[2], made[3]} and all(r["reportDocumentId"] for r in done)
    assert {r["reportId"] for r in cancelled} == {made[1], made[4]}
    window = {
        "reportTypes": BODY["reportType"],
        "createdSince": "2026-11-27T12:00:02Z",
        "createdUntil": "2026-11-27T12:00:03Z",
    }
    assert [r["reportId"] for r in list_reports(api, headers, window)[0]] == [made[3], made[2]]
    other = list_reports(api, headers, {"reportTypes": "GET_MERCHANT_LISTINGS_ALL_DATA"})[0]
    assert other == []
    elsewhere = {"reportTypes": BODY["reportType"], "marketplaceIds": "A1F83G8C2ARO7P"}
    assert list_reports(api, headers, elsewhere)[0] == []


def test_get_reports_errors(
    sandbox: AmazonSandbox, account: dict[str, Any], api: httpx.Client, headers: dict[str, str]
) -> None:
    for body in (BODY, BODY):
        api.post(REPORTS, headers=headers, json=body)
    first = api.get(REPORTS, headers=headers, params={"reportTypes": BODY["reportType"], "pageSize": 1}).json()
    token = first["nextToken"]
    bad = [
        {},  # reportTypes or nextToken is required
        {"reportTypes": BODY["reportType"], "processingStatuses": "FINISHED"},
        {"reportTypes": BODY["reportType"], "pageSize": 101},
        {"reportTypes": ",".join(f"T{n}" for n in range(11))},
        {
            "reportTypes": BODY["reportType"],
            "createdSince": "2026-11-27T12:00:00Z",
            "createdUntil": "2026-11-01T00:00:00Z",
        },
        {"nextToken": token, "reportTypes": BODY["reportType"]},  # nextToken must come alone
        {"nextToken": "garbage"},
    ]
    for params in bad:
        response = api.get(REPORTS, headers=headers, params=params)
        assert response.status_code == 400, params
        assert response.json()["errors"][0]["code"] == "InvalidInput"
    # the marketplace keys python-amazon-sp-api adds to every GET do not spoil a continuation
    follow = api.get(REPORTS, headers=headers, params={"nextToken": token, "MarketplaceIds": "A21TJRUUN4KGV"})
    assert follow.status_code == 200 and len(follow.json()["reports"]) == 1
