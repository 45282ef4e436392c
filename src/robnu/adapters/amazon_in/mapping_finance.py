"""Amazon finances -> Robnu payouts (pure): a Finances v0 event group is one payout; its lines are the
leaf breakdowns of the group's Finances 2024-06-19 transactions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from robnu.adapters.amazon_in.mapping import finance_money, opt_time
from robnu.domain.records import PayoutLineRecord, PayoutRecord
from robnu.domain.statuses import PayoutLineType, PayoutStatus

# Finances v0 group: (ProcessingStatus, FundTransferStatus) -> payout status (both free text).
FUND_TRANSFER_STATUS: dict[str, PayoutStatus] = {
    "SUCCEEDED": PayoutStatus.PAID,
    "PROCESSING": PayoutStatus.SCHEDULED,
    "INITIATED": PayoutStatus.SCHEDULED,
    "PENDING": PayoutStatus.SCHEDULED,
    "FAILED": PayoutStatus.FAILED,
}
# Finances 2024-06-19 leaf breakdownType -> line type (no enum; unknown -> OTHER).
# ``None`` means "by sign": credits are one type, debits another (see ``line_type``).
BREAKDOWN_TYPE: dict[str, PayoutLineType | None] = {
    "ProductCharges": None,  # + sale / - refund or reversal
    "Principal": None,
    "Tax": None,
    "Commission": None,  # - commission / + commission given back on a return
    "RefundCommission": PayoutLineType.COMMISSION,
    "FixedClosingFee": PayoutLineType.FIXED_FEE,
    "ClosingFee": PayoutLineType.FIXED_FEE,
    "ShippingFee": PayoutLineType.SHIPPING_FEE,
    "ReverseShippingFee": PayoutLineType.SHIPPING_FEE,
    "ShippingChargeback": PayoutLineType.SHIPPING_FEE,
    "ShippingCharge": PayoutLineType.SHIPPING_FEE,
    "CODFee": PayoutLineType.COLLECTION_FEE,
    "CollectionFee": PayoutLineType.COLLECTION_FEE,
    "GSTOnFees": PayoutLineType.GST_ON_FEES,
    "LateDispatchPenalty": PayoutLineType.PENALTY,
    "Penalties": PayoutLineType.PENALTY,
    "Adjustment": PayoutLineType.ADJUSTMENT,
}


def line_type(label: str, amount: Decimal) -> PayoutLineType:
    if label.startswith("TCS"):
        return PayoutLineType.TCS
    if label.startswith("TDS"):
        return PayoutLineType.TDS
    if label not in BREAKDOWN_TYPE:
        return PayoutLineType.OTHER
    found = BREAKDOWN_TYPE[label]
    if found is not None:
        return found
    if label == "Commission":
        return PayoutLineType.COMMISSION if amount <= 0 else PayoutLineType.REVERSAL
    return PayoutLineType.SALE if amount >= 0 else PayoutLineType.REFUND


def _identifier(identifiers: Iterable[Mapping[str, Any]], name: str) -> str | None:
    for ident in identifiers or ():
        if ident.get("relatedIdentifierName") == name:
            value = ident.get("relatedIdentifierValue")
            return str(value) if value not in (None, "") else None
    return None


def _item_identifier(identifiers: Iterable[Mapping[str, Any]]) -> str | None:
    """The order item a transaction item is for (``ORDER_ADJUSTMENT_ITEM_ID``), when Amazon names it."""
    for ident in identifiers:
        if ident.get("itemRelatedIdentifierName") == "ORDER_ADJUSTMENT_ITEM_ID":
            value = ident.get("itemRelatedIdentifierValue")
            return str(value) if value not in (None, "") else None
    return None


def _leaves(breakdowns: Sequence[Mapping[str, Any]], path: str) -> Iterable[tuple[str, str, Decimal]]:
    """(path, label, amount) of every leaf of a breakdown tree (parents are the sums of children)."""
    for node in breakdowns:
        label = str(node.get("breakdownType") or "Unlabelled")
        here = f"{path}/{label}" if path else label
        children = node.get("breakdowns") or []
        if children:
            yield from _leaves(children, here)
        else:
            yield here, label, finance_money(node.get("breakdownAmount"))


def transaction_lines(txn: Mapping[str, Any]) -> list[PayoutLineRecord]:
    """One 2024-06-19 ``Transaction`` -> its signed lines; they always add up to ``totalAmount``.

    Each item's breakdown leaves become lines; a difference between the leaves and the item total (or
    an item without breakdowns, or a transaction without items) becomes an ADJUSTMENT / OTHER line.
    """
    txn_id = str(txn["transactionId"])
    order_id = _identifier(txn.get("relatedIdentifiers") or [], "ORDER_ID")
    posted = opt_time(txn.get("postedDate"))
    description = str(txn.get("description") or txn.get("transactionType") or "")
    total = finance_money(txn.get("totalAmount"))
    lines: list[PayoutLineRecord] = []

    def add(
        key: str, kind: PayoutLineType, amount: Decimal, text: str, raw: str | None = None, item: str | None = None
    ) -> None:
        lines.append(
            PayoutLineRecord(
                external_id=f"{txn_id}:{key}",
                line_type=kind,
                amount=amount,
                order_external_id=order_id,
                description=f"{description}: {text}"[:500] if description else text,
                occurred_at=posted,
                raw_type=raw,
                order_item_external_id=item,
            )
        )

    items = txn.get("items") or []
    for index, item in enumerate(items):
        item_total = finance_money(item.get("totalAmount")) if item.get("totalAmount") else None
        item_id = _item_identifier(item.get("relatedIdentifiers") or [])
        leaf_sum = Decimal("0.00")
        for path, label, amount in _leaves(item.get("breakdowns") or [], ""):
            add(f"{index}:{path}", line_type(label, amount), amount, label, path, item_id)
            leaf_sum += amount
        if item_total is not None and item_total != leaf_sum:
            add(f"{index}:unexplained", PayoutLineType.ADJUSTMENT, item_total - leaf_sum, "not itemised", None, item_id)
    covered = sum((line.amount for line in lines), Decimal("0.00"))
    if txn.get("totalAmount") and covered != total:
        add("unexplained", PayoutLineType.ADJUSTMENT if items else PayoutLineType.OTHER, total - covered, "total")
    return lines


def payout_status(group: Mapping[str, Any]) -> tuple[PayoutStatus, str]:
    processing = str(group.get("ProcessingStatus") or "")
    transfer = str(group.get("FundTransferStatus") or "")
    raw = f"{processing}/{transfer}" if transfer else processing or "UNKNOWN"
    if processing.upper() == "OPEN":
        return PayoutStatus.OPEN, raw
    if processing.upper() != "CLOSED":
        return PayoutStatus.UNKNOWN, raw
    return FUND_TRANSFER_STATUS.get(transfer.upper(), PayoutStatus.UNKNOWN), raw


def map_payout(group: Mapping[str, Any], lines: list[PayoutLineRecord]) -> PayoutRecord:
    """One Finances v0 ``FinancialEventGroup`` with the lines of its transactions; net = sum of lines.

    ``source_updated_at`` moves with every new posting, the closing and the transfer, so each of them
    updates the stored payout.
    """
    group_id = str(group["FinancialEventGroupId"])
    status, raw = payout_status(group)
    start = opt_time(group.get("FinancialEventGroupStart"))
    end = opt_time(group.get("FinancialEventGroupEnd"))
    transfer = opt_time(group.get("FundTransferDate"))
    paid_at = transfer if status is PayoutStatus.PAID else None
    moments = [m for m in (start, end, paid_at, *(line.occurred_at for line in lines)) if m is not None]
    if not moments:
        raise ValueError(f"group {group_id} has no date at all")
    return PayoutRecord(
        external_id=group_id,
        source_updated_at=max(moments),
        status=status,
        raw_status=raw,
        net_amount=sum((line.amount for line in lines), Decimal("0.00")),
        lines=lines,
        period_start=start,
        period_end=end,
        paid_at=paid_at,
    )
