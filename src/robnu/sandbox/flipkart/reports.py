"""The Reports API's trigger → poll → download pattern for settlements.

Only ``settled_transaction_ledger`` has content in the sandbox [modelled]; the CSV layout is the
modelled one. A report completes 30 s (sandbox clock) after it is triggered, or at the latest on
its second status poll, so that a client polling under a frozen test clock still gets it [modelled].
"""

from __future__ import annotations

import csv
import io
import threading
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from robnu.sandbox.flipkart.errors import fail
from robnu.sandbox.flipkart.settlement import payouts
from robnu.sandbox.flipkart.world import World

REPORT_TYPES = frozenset({"settled_transaction_ledger", "sales_ledger", "gst_returns_report", "financial_year_ledger"})
READY_AFTER = timedelta(seconds=30)
EXPIRES_AFTER = timedelta(days=7)
COLUMNS = (
    "settlement_ref",
    "settlement_date",
    "order_id",
    "order_item_id",
    "sku",
    "line_type",
    "amount",
    "gst_on_line",
    "tcs",
    "tds",
    "net_amount",
    "neft_id",
)


@dataclass
class Report:
    report_id: str
    account_key: str
    report_type: str
    from_date: date
    to_date: date
    triggered_at: datetime
    polls: int = 0


class Reports:
    def __init__(self, world: World) -> None:
        self.world = world
        self._lock = threading.Lock()
        self._reports: dict[str, Report] = {}

    def reset(self) -> None:
        with self._lock:
            self._reports.clear()

    def trigger(self, key: str, report_type: str, payload: dict[str, Any]) -> str:
        if report_type not in REPORT_TYPES:
            raise fail(400, f"Unknown report type {report_type}")
        params = payload["parameters"]
        try:
            start = date.fromisoformat(str(params.get("from_date")))
            end = date.fromisoformat(str(params.get("to_date") or params.get("from_date")))
        except ValueError:
            raise fail(400, "parameters.from_date and to_date must be YYYY-MM-DD") from None
        if end < start:
            raise fail(400, "to_date is before from_date")
        now = self.world.clock.now()
        with self._lock:
            n = len(self._reports) + 1
            crc = zlib.crc32(f"{key}:{payload.get('correlation_id')}:{n}".encode())
            report_id = f"{crc:08x}-{n:04x}-4000-8000-{zlib.crc32(report_type.encode()):012x}"
            self._reports[report_id] = Report(report_id, key, report_type, start, end, now)
        return report_id

    def _get(self, key: str, report_id: str) -> Report:
        report = self._reports.get(report_id)
        if report is None or report.account_key != key:
            raise fail(404, f"Report {report_id} not found", "NOT_FOUND")
        return report

    def status(self, report: Report) -> str:
        age = self.world.clock.now() - report.triggered_at
        if age >= READY_AFTER + EXPIRES_AFTER:
            return "EXPIRED"
        return "COMPLETED" if age >= READY_AFTER or report.polls >= 2 else "PROCESSING"

    def detail(self, key: str, report_id: str) -> dict[str, Any]:
        report = self._get(key, report_id)
        with self._lock:
            report.polls += 1
        status = self.status(report)
        body: dict[str, Any] = {
            "report_id": report_id,
            "status": status,
            "metadata": {"expiry": (report.triggered_at + READY_AFTER + EXPIRES_AFTER).date().isoformat()},
        }
        if status == "COMPLETED":
            body["location"] = f"/reports/{report_id}/download"  # modelled download path
        return body

    def download(self, key: str, report_id: str) -> bytes:
        report = self._get(key, report_id)
        if self.status(report) != "COMPLETED":
            raise fail(404, f"Report {report_id} is not available", "NOT_FOUND")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        if report.report_type == "settled_transaction_ledger":
            with self.world.lock:
                for payout in payouts(self.world, key):
                    if not report.from_date <= payout.settlement_date <= report.to_date:
                        continue
                    for ln in payout.lines:
                        writer.writerow(
                            [
                                payout.settlement_ref,
                                payout.settlement_date.isoformat(),
                                ln.order_id,
                                ln.order_item_id,
                                ln.sku,
                                ln.line_type,
                                ln.amount,
                                ln.gst_on_line,
                                ln.tcs,
                                ln.tds,
                                ln.net_amount,
                                payout.neft_id,
                            ]
                        )
        return out.getvalue().encode()
