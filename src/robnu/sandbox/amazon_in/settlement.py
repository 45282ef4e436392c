"""Settlement arithmetic: one transaction per posting, items with a breakdown tree.

modelled India tree per item: ``ProductCharges``, ``AmazonFees`` -> {``Commission``, ``FixedClosingFee``,
``ShippingFee``, ``RefundCommission``, ``ReverseShippingFee``}, ``Penalties`` -> {``LateDispatchPenalty``},
``GSTOnFees`` (18 % GST on the fees and penalties), ``TaxWithheld`` -> {``TCS-CGST`` + ``TCS-SGST``
or ``TCS-IGST``, ``TDS-194O``} on the line's taxable value (GST excluded). Signs as Amazon uses them:
charges +, fees -, reversals +. Amounts are integer paise, each rounded half-up per item line; a parent
node is exactly the sum of its children, an item total the sum of its top-level nodes, a transaction
total the sum of its items and a group total the sum of its transactions.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from robnu.sandbox.amazon_in.orders import Line, Order, Track

WEEK = 7 * 24 * 3600
# modelled: 7-day settlement cycles starting Friday 00:00 IST.
GROUP_ANCHOR = int(datetime(2024, 1, 4, 18, 30, tzinfo=UTC).timestamp())
_TCS_CUT = int(datetime(2024, 7, 9, 18, 30, tzinfo=UTC).timestamp())  # 0.5 % from 10 Jul 2024 IST
_TDS_CUT = int(datetime(2024, 9, 30, 18, 30, tzinfo=UTC).timestamp())  # 0.1 % from 1 Oct 2024 IST
GST_ON_FEES_PERCENT = 18
PENALTY_LATE_DISPATCH = 5000  # paise; modelled flat penalty per late self-ship order
TRANSACTION_TYPES = {"SHIP": "Shipment", "REFUND": "Refund", "RTO": "Refund", "PENALTY": "ServiceFee"}
DESCRIPTIONS = {
    "SHIP": "Order Payment",
    "REFUND": "Refund Order",
    "RTO": "RTO Refund",
    "PENALTY": "Late Dispatch",
}


def rhu(amount: int, numerator: int, denominator: int) -> int:
    """``amount * numerator / denominator`` rounded half-up to a whole paisa (sign kept)."""
    sign = -1 if amount < 0 else 1
    value = abs(amount) * numerator
    return sign * ((2 * value + denominator) // (2 * denominator))


def rupees(paise: int) -> Decimal:
    return Decimal(paise).scaleb(-2)


def tcs_bp(posted_s: int) -> int:
    """TCS under CGST Act s.52 in basis points."""
    return 50 if posted_s >= _TCS_CUT else 100


def tds_bp(posted_s: int) -> int:
    """TDS under Income-tax Act s.194-O in basis points."""
    return 10 if posted_s >= _TDS_CUT else 100


def closing_fee(unit_paise: int) -> int:
    """modelled fixed closing fee per unit by price band (paise)."""
    if unit_paise <= 50000:
        return 1400
    if unit_paise <= 100000:
        return 2700
    return 5000


_SLABS = {"local": (4300, 1700), "regional": (5400, 2000), "national": (7600, 2600)}


def shipping_fee(weight_grams: int, zone: str) -> int:
    """modelled weight-handling fee (paise): first 500 g, then each further 500 g slab."""
    first, extra = _SLABS[zone]
    slabs = max(1, -(-weight_grams // 500))
    return first + extra * (slabs - 1)


@dataclass(frozen=True, slots=True)
class Node:
    label: str
    amount: int  # paise
    children: tuple[Node, ...] = ()


@dataclass(frozen=True, slots=True)
class TxnItem:
    line: Line
    quantity: int
    nodes: tuple[Node, ...]

    @property
    def total(self) -> int:
        return sum(n.amount for n in self.nodes)


@dataclass(frozen=True, slots=True)
class Transaction:
    transaction_id: str
    order_id: str
    kind: str
    posted_s: int
    group_index: int
    items: tuple[TxnItem, ...]
    total: int  # paise

    @property
    def transaction_type(self) -> str:
        return TRANSACTION_TYPES[self.kind]

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self.kind]


def parent(label: str, children: list[Node]) -> Node:
    return Node(label, sum(c.amount for c in children), tuple(children))


def taxable_value(line: Line) -> int:
    return rhu(line.total_paise, 100, 100 + line.gst_rate)


def _withheld(taxable: int, posted_s: int, intra: bool, sign: int) -> Node:
    rate = tcs_bp(posted_s)
    if intra:
        half = rhu(taxable, rate, 20000)
        tcs = [Node("TCS-CGST", sign * half), Node("TCS-SGST", sign * half)]
    else:
        tcs = [Node("TCS-IGST", sign * rhu(taxable, rate, 10000))]
    return parent("TaxWithheld", [*tcs, Node("TDS-194O", sign * rhu(taxable, tds_bp(posted_s), 10000))])


def _gst_on(fees: Node) -> Node:
    return Node("GSTOnFees", rhu(fees.amount, GST_ON_FEES_PERCENT, 100))


def commission(line: Line) -> int:
    return rhu(line.total_paise, line.sku.commission_bp, 10000)


def _ship_item(order: Order, line: Line, zone: str, posted_s: int) -> TxnItem:
    fees = parent(
        "AmazonFees",
        [
            Node("Commission", -commission(line)),
            Node("FixedClosingFee", -closing_fee(line.sku.price_paise) * line.quantity),
            Node("ShippingFee", -shipping_fee(line.sku.weight_grams * line.quantity, zone)),
        ],
    )
    nodes = (
        Node("ProductCharges", line.total_paise),
        fees,
        _gst_on(fees),
        _withheld(taxable_value(line), posted_s, order.intra_state, -1),
    )
    return TxnItem(line, line.quantity, nodes)


def _refund_item(order: Order, line: Line, posted_s: int) -> TxnItem:
    paid = commission(line)
    fees = parent(
        "AmazonFees",
        [
            Node("Commission", paid),
            Node("RefundCommission", -min(rhu(paid, 20, 100), 30000)),  # modelled: 20 %, at most 300
        ],
    )
    nodes = (
        Node("ProductCharges", -line.total_paise),
        fees,
        _gst_on(fees),
        _withheld(taxable_value(line), posted_s, order.intra_state, +1),
    )
    return TxnItem(line, line.quantity, nodes)


def _rto_item(order: Order, line: Line, zone: str, posted_s: int) -> TxnItem:
    reverse = shipping_fee(line.sku.weight_grams * line.quantity, zone)
    if order.cod:  # no sale was settled: forward and reverse freight are charged
        fees = parent("AmazonFees", [Node("ShippingFee", -reverse), Node("ReverseShippingFee", -reverse)])
        return TxnItem(line, line.quantity, (fees, _gst_on(fees)))
    fees = parent("AmazonFees", [Node("Commission", commission(line)), Node("ReverseShippingFee", -reverse)])
    nodes = (
        Node("ProductCharges", -line.total_paise),
        fees,
        _gst_on(fees),
        _withheld(taxable_value(line), posted_s, order.intra_state, +1),
    )
    return TxnItem(line, line.quantity, nodes)


def _penalty_item(order: Order) -> TxnItem:
    penalties = parent("Penalties", [Node("LateDispatchPenalty", -PENALTY_LATE_DISPATCH)])
    return TxnItem(order.lines[0], 0, (penalties, _gst_on(penalties)))


def transaction_id(order_id: str, kind: str) -> str:
    # modelled: opaque id, stable per (order, kind)
    return hashlib.sha1(f"{order_id}:{kind}".encode(), usedforsecurity=False).hexdigest()[:32].upper()


def group_index(posted_s: int) -> int:
    return (posted_s - GROUP_ANCHOR) // WEEK


def group_bounds(index: int) -> tuple[int, int]:
    start = GROUP_ANCHOR + index * WEEK
    return start, start + WEEK


def group_id(seller_id: str, index: int) -> str:
    digest = hashlib.sha256(f"{seller_id}:group:{index}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def build_transaction(order: Order, kind: str, posted_s: int, zone: str) -> Transaction:
    if kind == "SHIP":
        items = tuple(_ship_item(order, line, zone, posted_s) for line in order.lines)
    elif kind == "REFUND":
        items = (_refund_item(order, order.return_line, posted_s),)
    elif kind == "RTO":
        items = tuple(_rto_item(order, line, zone, posted_s) for line in order.lines)
    else:
        items = (_penalty_item(order),)
    return Transaction(
        transaction_id(order.order_id, kind),
        order.order_id,
        kind,
        posted_s,
        group_index(posted_s),
        items,
        sum(i.total for i in items),
    )


def fulfilment_network(order: Order) -> str:
    return "AFN" if order.track is Track.AFN else "MFN"
