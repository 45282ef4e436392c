"""Flipkart's settlements: the ``settled_transaction_ledger`` report, triggered, polled
and downloaded as CSV, one report per week of the window so memory stays bounded, and its rows of one
payout (one ``neft_id``) mapped to a payout record (pure)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from robnu.adapters.errors import TransientMarketplaceError
from robnu.adapters.flipkart.client import FlipkartClient
from robnu.adapters.flipkart.mapping import line_type, money
from robnu.domain.clock import ist_midnight
from robnu.domain.records import PayoutLineRecord, PayoutRecord
from robnu.domain.statuses import PayoutLineType, PayoutStatus

REPORT_TYPE = "settled_transaction_ledger"
# The columns the mapping reads (the report's layout is modelled)
REPORT_COLUMNS = frozenset(
    {
        "settlement_date",
        "order_id",
        "order_item_id",
        "line_type",
        "amount",
        "gst_on_line",
        "tcs",
        "tds",
        "net_amount",
        "neft_id",
    }
)

REPORT_CHUNK = timedelta(days=7)  # one settlement report per week of the window: bounded memory
REPORT_MAX_POLLS = 40


def settlement_rows(client: FlipkartClient, first: date, last: date) -> Iterator[dict[str, str]]:
    """Rows of the settled_transaction_ledger report for settlement days [first, last], one
    report per ``REPORT_CHUNK`` (trigger -> poll -> download CSV)."""
    day = first
    while day <= last:
        until = min(last, day + REPORT_CHUNK - timedelta(days=1))
        text = _report(client, day, until)
        yield from csv.DictReader(io.StringIO(text))
        day = until + timedelta(days=1)


def _report(client: FlipkartClient, first: date, last: date) -> str:
    trigger = client.request_json(
        "reportTrigger",
        "POST",
        f"/reports/{REPORT_TYPE}",
        json_body={
            "correlation_id": str(uuid.uuid4()),
            "parameters": {"from_date": first.isoformat(), "to_date": last.isoformat()},
        },
    )
    report_id = str(trigger["report_id"])
    policy = client.http.policy
    for attempt in range(REPORT_MAX_POLLS):
        detail = client.request_json("reportDetail", "GET", f"/reports/{report_id}/detail")
        status = str(detail.get("status") or "").upper()
        if status == "COMPLETED" and detail.get("location"):
            return _download(client, report_id, str(detail["location"]))
        if status in ("FAILED", "EXPIRED"):
            raise TransientMarketplaceError(f"Flipkart settlement report {report_id} is {status}")
        policy.sleep(min(policy.backoff_cap, policy.backoff_base * 2 ** min(attempt, 6)))
    raise TransientMarketplaceError(f"Flipkart settlement report {report_id} not ready after {REPORT_MAX_POLLS} polls")


def _download(client: FlipkartClient, report_id: str, location: str) -> str:
    """The report's CSV; a body that is not a whole CSV (cut short, an HTML error page) is fetched
    again, since its Content-Length may well match what was sent."""
    policy = client.http.policy
    for attempt in range(policy.max_retries + 1):
        response = client.http.request("reportDownload", "GET", location, auth=client.auth)
        text = response.content.decode("utf-8-sig", errors="replace")
        if complete_csv(text):
            return text
        if attempt < policy.max_retries:
            client.http.retries += 1
            policy.sleep(min(policy.backoff_cap, policy.backoff_base * 2**attempt))
    raise TransientMarketplaceError(f"Flipkart settlement report {report_id}: the download is not a whole CSV")


def complete_csv(text: str) -> bool:
    """A whole settlement CSV: the header names the columns we read, every row has the header's width,
    and the body ends with a line break (a body cut mid-row fails one of these)."""
    if not text.endswith("\n"):
        return False
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not set(rows[0]) >= REPORT_COLUMNS:
        return False
    width = len(rows[0])
    return all(len(row) == width for row in rows[1:])


def _row_lines(neft_id: str, row: Mapping[str, str], occurrence: int, paid: datetime) -> list[PayoutLineRecord]:
    raw_type = row["line_type"].strip()
    amount = money(row["amount"])
    gst = money(row.get("gst_on_line") or 0)
    tcs = money(row.get("tcs") or 0)
    tds = money(row.get("tds") or 0)
    net = money(row["net_amount"])
    if amount + gst + tcs + tds != net:
        raise ArithmeticError(f"settlement row {neft_id}/{row.get('order_item_id')}/{raw_type} does not add up")
    order_id = row.get("order_id") or None
    item_id = row.get("order_item_id") or None
    base = f"{neft_id}:{item_id or '-'}:{raw_type}:{occurrence}"
    kind = line_type(raw_type, amount)
    lines = [
        PayoutLineRecord(
            base, kind, amount, order_id, raw_type, paid, raw_type=raw_type, order_item_external_id=item_id
        ),
    ]
    for suffix, value, typ in (
        ("GST", gst, PayoutLineType.GST_ON_FEES),
        ("TCS", tcs, PayoutLineType.TCS),
        ("TDS", tds, PayoutLineType.TDS),
    ):
        if value:
            lines.append(
                PayoutLineRecord(
                    f"{base}:{suffix}",
                    typ,
                    value,
                    order_id,
                    f"{typ} on {raw_type}",
                    paid,
                    raw_type=f"{typ}:{raw_type}",  # the tax of that row: GST_ON_FEES:COMMISSION, TCS:SALE …
                    order_item_external_id=item_id,
                )
            )
    return lines


def map_payout(neft_id: str, rows: Sequence[Mapping[str, str]]) -> PayoutRecord:
    """One settlement (one ``neft_id``) from its rows of the settled_transaction_ledger report.

    Each row becomes its line plus typed GST / TCS / TDS lines, so the lines add up to the payout's net.
    The report gives the settlement day only: paid_at is that day's start in IST.
    """
    if not rows:
        raise ValueError(f"settlement {neft_id} has no rows")
    days = {row["settlement_date"].strip() for row in rows}
    if len(days) != 1:
        raise ValueError(f"settlement {neft_id} spans several dates: {sorted(days)}")
    paid = ist_midnight(date.fromisoformat(days.pop()))
    lines: list[PayoutLineRecord] = []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row.get("order_item_id") or "-", row["line_type"].strip())
        seen[key] = seen.get(key, 0) + 1
        lines.extend(_row_lines(neft_id, row, seen[key], paid))
    return PayoutRecord(
        external_id=neft_id,
        source_updated_at=paid,
        status=PayoutStatus.PAID,
        raw_status="SETTLED",
        net_amount=sum((ln.amount for ln in lines), Decimal(0)),
        lines=lines,
        period_end=paid,
        paid_at=paid,
    )
