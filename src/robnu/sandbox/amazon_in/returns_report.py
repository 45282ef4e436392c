"""The returns flat file GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE and its lifecycle."""

from __future__ import annotations

import gzip
import hashlib

from robnu.sandbox.amazon_in.account import Account, Report
from robnu.sandbox.amazon_in.orders import Order
from robnu.sandbox.amazon_in.timefmt import flat_file_date, from_s

HEADER = (
    "Order ID\tOrder date\tReturn request date\tReturn request status\tAmazon RMA ID\tMerchant RMA ID\t"
    "Label type\tLabel cost\tCurrency code\tReturn carrier\tTracking ID\tLabel to be paid by\tA-to-Z Claim\t"
    "Is prime\tASIN\tMerchant SKU\tItem Name\tReturn quantity\tReturn Reason\tIn policy\tReturn type\t"
    "Resolution\tInvoice number\tReturn delivery date\tOrder Amount\tOrder quantity\tSafeT Action reason\t"
    "SafeT claim id\tSafeT claim state\tSafeT claim creation time\tSafeT claim reimbursement amount\t"
    "Refunded Amount"
)
# modelled: seconds of sandbox time (or polls) before a report moves on: IN_QUEUE -> IN_PROGRESS -> DONE.
IN_PROGRESS_AFTER_S = 5
DONE_AFTER_S = 20


def return_rows(account: Account, start_s: int, end_s: int, as_of_s: int) -> list[str]:
    rows: list[str] = []
    for order in account.iter_returns(start_s, min(end_s, as_of_s)):
        rows.append(_row(order, as_of_s))
    return rows


def _row(order: Order, as_of_s: int) -> str:
    times = order.return_times()
    assert times is not None
    requested, closed = times
    details = order.details
    line = order.return_line
    done = closed <= as_of_s
    cells = [
        order.order_id,
        flat_file_date(from_s(order.created_s)),
        flat_file_date(from_s(requested)),
        "Closed" if done else "Approved",  # modelled status words
        details.rma_id,
        " ",
        "AmazonPrePaidLabel",
        "0.00",
        "INR",
        "Delhivery",
        details.return_awb,
        "Amazon",
        "N",
        "Y" if details.prime else "N",
        line.sku.asin,
        line.sku.seller_sku,
        line.sku.title,
        str(line.quantity),
        order.fate.return_reason,
        "Y",
        "C-Returns",
        "StandardRefund",
        " ",
        flat_file_date(from_s(closed)) if done else " ",
        f"{order.total:.2f}",
        str(line.quantity),
        "",
        "",
        "",
        "",
        "",
        f"{line.total:.2f}" if done else "",
    ]
    return "\t".join(cells)


def advance(account: Account, report: Report, now_s: int, documents: dict[str, tuple[str, bytes]]) -> None:
    """Move a report on by clock and polls; on DONE build the gzip TSV (CANCELLED when there is no data)."""
    elapsed = now_s - report.created_s
    step = max(min(report.polls - 1, 2), 2 if elapsed >= DONE_AFTER_S else 1 if elapsed >= IN_PROGRESS_AFTER_S else 0)
    if report.status in ("DONE", "CANCELLED", "FATAL"):
        return
    if step >= 1 and report.processing_start_s is None:
        report.processing_start_s = now_s
        report.status = "IN_PROGRESS"
    if step >= 2:
        report.processing_end_s = now_s
        rows = return_rows(account, report.start_s, report.end_s, report.created_s)
        if not rows:
            report.status = "CANCELLED"  # CANCELLED also means "no data in range"
            return
        text = HEADER + "\n" + "\n".join(rows) + "\n"
        digest = hashlib.sha256(f"{account.key}:{report.report_id}".encode()).hexdigest()
        doc_id = f"amzn1.spdoc.1.4.eu.{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        documents[doc_id] = (account.key, gzip.compress(text.encode("utf-8"), mtime=0))
        report.document_id = doc_id
        report.status = "DONE"
