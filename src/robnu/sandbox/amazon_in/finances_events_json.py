"""Finances v0 ``FinancialEvents`` bodies, built from the same transactions as Finances 2024-06-19.

One money truth: every posting of ``settlement`` becomes one event, and its amounts are the leaves of the
transaction's breakdown tree, so an order's v0 events add up to its 2024-06-19 transactions to the paisa.

modelled (the models' examples carry no India shipment events, and Amazon documents no India fee names):
* a sale (``SHIP``) is a ``ShipmentEvent`` in ``ShipmentEventList`` with ``ShipmentItemList``; a refund or an
  RTO is a ``ShipmentEvent`` in ``RefundEventList`` with ``ShipmentItemAdjustmentList``;
* ``ProductCharges`` is the ``Principal`` charge; each fee and ``GSTOnFees`` is a ``FeeComponent`` named like
  the 2024-06-19 breakdown; ``TaxWithheld``'s children (TCS, TDS 194-O) are the ``TaxesWithheld`` of one
  ``MarketplaceFacilitator`` entry;
* a late-dispatch penalty is a ``ServiceFeeEvent`` (which has no posted date in the model).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from robnu.sandbox.amazon_in.constants import MARKETPLACE_NAME
from robnu.sandbox.amazon_in.money import finances_v0_currency
from robnu.sandbox.amazon_in.settlement import Node, Transaction, TxnItem
from robnu.sandbox.amazon_in.timefmt import iso_from_s

# the lists every answer carries (empty when the page has none): the three the sandbox produces
EVENT_LISTS = ("ShipmentEventList", "RefundEventList", "ServiceFeeEventList")
_FEE_PARENTS = frozenset({"AmazonFees", "Penalties"})


def _charge(node: Node) -> dict[str, Any]:
    return {"ChargeType": node.label, "ChargeAmount": finances_v0_currency(node.amount)}


def _fee(node: Node) -> dict[str, Any]:
    return {"FeeType": node.label, "FeeAmount": finances_v0_currency(node.amount)}


def _split(item: TxnItem) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(charges, fees, taxes withheld) of one item: the leaves of its breakdown tree."""
    charges: list[dict[str, Any]] = []
    fees: list[dict[str, Any]] = []
    withheld: list[dict[str, Any]] = []
    for node in item.nodes:
        if node.label == "ProductCharges":
            charges.append({"ChargeType": "Principal", "ChargeAmount": finances_v0_currency(node.amount)})
        elif node.label in _FEE_PARENTS:
            fees.extend(_fee(child) for child in node.children)
        elif node.label == "TaxWithheld":
            withheld.extend(_charge(child) for child in node.children)
        else:  # GSTOnFees
            fees.append(_fee(node))
    return charges, fees, withheld


def _shipment_item(item: TxnItem, *, refund: bool, txn: Transaction) -> dict[str, Any]:
    charges, fees, withheld = _split(item)
    body: dict[str, Any] = {"SellerSKU": item.line.sku.seller_sku, "OrderItemId": item.line.order_item_id}
    if refund:
        body["OrderAdjustmentItemId"] = f"{txn.transaction_id[:12]}{item.line.order_item_id[-6:]}"
    body["QuantityShipped"] = item.quantity
    body["ItemChargeAdjustmentList" if refund else "ItemChargeList"] = charges
    body["ItemFeeAdjustmentList" if refund else "ItemFeeList"] = fees
    if withheld:
        body["ItemTaxWithheldList"] = [{"TaxCollectionModel": "MarketplaceFacilitator", "TaxesWithheld": withheld}]
    return body


def _shipment_event(txn: Transaction, *, refund: bool) -> dict[str, Any]:
    items = [_shipment_item(item, refund=refund, txn=txn) for item in txn.items]
    return {
        "AmazonOrderId": txn.order_id,
        "MarketplaceName": MARKETPLACE_NAME,
        "PostedDate": iso_from_s(txn.posted_s),
        "ShipmentItemAdjustmentList" if refund else "ShipmentItemList": items,
    }


def _service_fee_event(txn: Transaction) -> dict[str, Any]:
    item = txn.items[0]
    _charges, fees, _withheld = _split(item)
    return {
        "AmazonOrderId": txn.order_id,
        "FeeReason": "LateDispatch",
        "FeeList": fees,
        "SellerSKU": item.line.sku.seller_sku,
        "ASIN": item.line.sku.asin,
        "FeeDescription": txn.description,
    }


def financial_events(txns: Iterable[Transaction]) -> dict[str, Any]:
    """The ``FinancialEvents`` object of one page: one event per transaction, in posting order."""
    events: dict[str, list[dict[str, Any]]] = {name: [] for name in EVENT_LISTS}
    for txn in txns:
        if txn.kind == "SHIP":
            events["ShipmentEventList"].append(_shipment_event(txn, refund=False))
        elif txn.kind in ("REFUND", "RTO"):
            events["RefundEventList"].append(_shipment_event(txn, refund=True))
        else:
            events["ServiceFeeEventList"].append(_service_fee_event(txn))
    return events
