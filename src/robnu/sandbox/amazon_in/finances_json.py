"""Finances bodies: v0 FinancialEventGroup and 2024-06-19 Transaction."""

from __future__ import annotations

import zlib
from typing import Any

from robnu.sandbox.amazon_in.account import Account
from robnu.sandbox.amazon_in.constants import MARKETPLACE_ID, MARKETPLACE_NAME
from robnu.sandbox.amazon_in.money import finances_2024_currency, finances_v0_currency
from robnu.sandbox.amazon_in.orders import DAY
from robnu.sandbox.amazon_in.settlement import Node, Transaction, fulfilment_network, group_bounds, group_id
from robnu.sandbox.amazon_in.timefmt import iso_from_s


def group_total(account: Account, index: int, now_s: int) -> tuple[int, int]:
    """(net paise, transaction count) of one group's postings up to now."""
    start, end = group_bounds(index)
    total = count = 0
    for txn in account.iter_postings(start, end - 1, now_s, None):
        total += txn.total
        count += 1
    return total, count


def financial_event_group(account: Account, index: int, now_s: int) -> dict[str, Any]:
    start, end = group_bounds(index)
    total, _count = group_total(account, index, now_s)
    body: dict[str, Any] = {
        "FinancialEventGroupId": group_id(account.key, index),
        "ProcessingStatus": "Closed" if end <= now_s else "Open",
        "OriginalTotal": finances_v0_currency(total),
        "ConvertedTotal": finances_v0_currency(total),
        "BeginningBalance": finances_v0_currency(0),
        "FinancialEventGroupStart": iso_from_s(start),
    }
    if end <= now_s:
        transfer_s = end + DAY  # modelled: paid out one day after the cycle closes
        body["FundTransferStatus"] = "Succeeded" if transfer_s <= now_s else "Initiated"
        body["FundTransferDate"] = iso_from_s(transfer_s)
        body["TraceId"] = f"TRACE{abs(hash_index(account.key, index)):012d}"
        body["AccountTail"] = "4321"
        body["FinancialEventGroupEnd"] = iso_from_s(end)
    else:
        # open groups lack FundTransferDate, TraceId and FinancialEventGroupEnd.
        body["FundTransferStatus"] = "Unknown"
    return body


def hash_index(key: str, index: int) -> int:
    return zlib.crc32(f"{key}:{index}".encode()) * 7 % 10**12


def _breakdown(node: Node) -> dict[str, Any]:
    body: dict[str, Any] = {
        "breakdownType": node.label,
        "breakdownAmount": finances_2024_currency(node.amount),
    }
    if node.children:
        body["breakdowns"] = [_breakdown(child) for child in node.children]
    return body


def transaction(account: Account, txn: Transaction) -> dict[str, Any]:
    """One ``Transaction``; item breakdowns follow the modelled India tree of ``settlement``."""
    items: list[dict[str, Any]] = []
    for item in txn.items:
        line = item.line
        items.append(
            {
                "description": line.sku.title if item.quantity else "Late dispatch penalty",
                "relatedIdentifiers": [
                    {
                        "itemRelatedIdentifierName": "ORDER_ADJUSTMENT_ITEM_ID",
                        "itemRelatedIdentifierValue": line.order_item_id,
                    }
                ],
                "totalAmount": finances_2024_currency(item.total),
                "breakdowns": [_breakdown(node) for node in item.nodes],
                "contexts": [
                    {
                        "contextType": "ProductContext",
                        "asin": line.sku.asin,
                        "sku": line.sku.seller_sku,
                        "quantityShipped": item.quantity,
                        "fulfillmentNetwork": fulfilment_network(account.orders[txn.order_id]),
                    }
                ],
            }
        )
    return {
        "sellingPartnerMetadata": {
            "sellingPartnerId": account.key,
            "accountType": "Standard Orders",
            "marketplaceId": MARKETPLACE_ID,
        },
        "relatedIdentifiers": [
            {"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": txn.order_id},
            {
                "relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID",
                "relatedIdentifierValue": group_id(account.key, txn.group_index),
            },
        ],
        "transactionType": txn.transaction_type,
        "transactionId": txn.transaction_id,
        "transactionStatus": "RELEASED",  # modelled: no deferral (DD+7) in the sandbox
        "description": txn.description,
        "postedDate": iso_from_s(txn.posted_s),
        "totalAmount": finances_2024_currency(txn.total),
        "marketplaceDetails": {"marketplaceId": MARKETPLACE_ID, "marketplaceName": MARKETPLACE_NAME},
        "items": items,
    }
