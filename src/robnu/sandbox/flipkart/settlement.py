"""Settlements (all [modelled]: Flipkart publishes no per-order settlement API).

Each order item yields signed lines (credits +, debits -) that become due at a settlement event; lines
are paid in the weekly settlement (Wednesday, IST) after they become due. Per line:
GST on fee lines is 18 % of the fee; TCS (0.5 % from 10 Jul 2024, 1 % before) and TDS
(0.1 % from 1 Oct 2024, 1 % before) are computed on the taxable value (excl. GST) of SALE lines and
reversed as positive amounts on REFUND lines; net = amount + gst_on_line + tcs + tds, in paise.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from robnu.sandbox.flipkart import ids, seeded
from robnu.sandbox.flipkart.model import DELIVERED, SHIPPED, OrderItem, Shipment
from robnu.sandbox.flipkart.world import World

_ZERO = Decimal(0)
_NIL = Decimal("0.00")
GST_ON_FEES = Decimal("0.18")
COMMISSION = {
    "apparel": Decimal("0.15"),
    "footwear": Decimal("0.14"),
    "bags": Decimal("0.12"),
    "home": Decimal("0.10"),
    "stationery": Decimal("0.06"),
}  # modelled category rates
PAYMENT_CYCLE = timedelta(days=7)  # modelled: T+7 after shipping (prepaid) or delivery (COD)
SETTLEMENT_WEEKDAY = 2  # Wednesday
FEE_LINES = frozenset(
    {
        "COMMISSION",
        "FIXED_FEE",
        "COLLECTION_FEE",
        "SHIPPING_FEE",
        "REVERSE_SHIPPING_FEE",
        "SELLER_CANCELLATION_PENALTY",
        "SLA_PENALTY",
    }
)


def tcs_rate(on: date) -> Decimal:
    return Decimal("0.005") if on >= date(2024, 7, 10) else Decimal("0.01")


def tds_rate(on: date) -> Decimal:
    return Decimal("0.001") if on >= date(2024, 10, 1) else Decimal("0.01")


@dataclass(slots=True)  # not frozen: 100k orders build ~550k lines, and frozen __init__ is slow
class Line:
    due: datetime
    order_id: str
    order_item_id: str
    sku: str
    line_type: str
    amount: Decimal
    gst_on_line: Decimal
    tcs: Decimal
    tds: Decimal
    taxable: Decimal  # the taxable value TCS/TDS were computed on (0 for fee lines)
    settles_on: date  # the settlement (payout) day this line is paid in

    @property
    def net_amount(self) -> Decimal:
        return self.amount + self.gst_on_line + self.tcs + self.tds


@dataclass
class Payout:
    settlement_ref: str
    neft_id: str
    settlement_date: date
    lines: list[Line] = field(default_factory=list)

    @property
    def net(self) -> Decimal:
        return ids.money(sum((ln.net_amount for ln in self.lines), Decimal(0)))


def fee_line(due: datetime, sh: Shipment, item: OrderItem, line_type: str, amount: Decimal) -> Line:
    amount = ids.money(amount)
    return Line(
        due,
        sh.order_id,
        item.order_item_id,
        item.listing.sku,
        line_type,
        amount,
        ids.money(amount * GST_ON_FEES),
        _NIL,
        _NIL,
        _NIL,
        settlement_date_for(due),
    )


def sale_line(due: datetime, sh: Shipment, item: OrderItem, line_type: str, amount: Decimal) -> Line:
    amount = ids.money(amount)
    taxable = ids.money(amount / (1 + item.listing.gst_rate / 100))
    day = due.astimezone(_IST).date()
    sign = Decimal(-1)
    return Line(
        due,
        sh.order_id,
        item.order_item_id,
        item.listing.sku,
        line_type,
        amount,
        _NIL,
        sign * ids.money(taxable * tcs_rate(day)),
        sign * ids.money(taxable * tds_rate(day)),
        taxable,
        settlement_date_for(due),
    )


def zone(sh: Shipment, world: World) -> str:
    seller = world.accounts[sh.account_key].place
    if seller.city == sh.place.city:
        return "local"
    return "zonal" if seller.pincode[0] == sh.place.pincode[0] else "national"


def shipping_fee(sh: Shipment, zone_name: str) -> Decimal:
    """Weight-slab shipping: chargeable = max(dead, LxBxH/5000), 0.5 kg slabs."""
    length, breadth, height, weight = sh.dims
    chargeable = max(Decimal(str(weight)), Decimal(str(length * breadth * height)) / 5000)
    slabs = int((chargeable / Decimal("0.5")).to_integral_value(rounding="ROUND_CEILING"))
    first, extra = {"local": (40, 20), "zonal": (55, 30), "national": (75, 40)}[zone_name]
    return Decimal(first + extra * max(0, slabs - 1))


def fixed_fee(unit_price: Decimal) -> Decimal:
    if unit_price <= 300:
        return Decimal(5)
    if unit_price <= 500:
        return Decimal(10)
    return Decimal(25) if unit_price <= 1000 else Decimal(50)


def collection_fee(sh: Shipment, value: Decimal) -> Decimal:
    if sh.payment_type == "COD":
        return Decimal(15) if value <= 750 else value * Decimal("0.02")
    return value * Decimal("0.015")


def lines_for(world: World, sh: Shipment) -> list[Line]:
    """The settlement lines of one shipment that have become due by the sandbox clock."""
    now = world.clock.now()
    return [ln for ln in all_lines(world, sh) if ln.due <= now]


def all_lines(world: World, sh: Shipment) -> list[Line]:
    """Every line the shipment's timeline (past and scheduled) produces; cached per timeline version."""
    cached = world.line_cache.get(sh.shipment_id)
    if cached is not None and cached[0] == sh.version:
        return cached[1]
    out: list[Line] = []
    first: dict[str, datetime] = {}
    for at, tag in sh.events:
        first.setdefault(tag, at)
    shipped, delivered, returned = first.get(SHIPPED), first.get(DELIVERED), first.get("ret:completed")
    rto = returned is not None and (delivered is None or delivered > returned)
    live = [i for i in sh.items if i.cancelled_at is None]
    ship_total = shipping_fee(sh, zone(sh, world))
    for n, item in enumerate(live):
        share = ship_total if n == 0 else _ZERO  # the shipment's shipping fee is charged on its first item
        commission = item.selling_price * item.quantity * COMMISSION[item.listing.category]
        if delivered is not None and not rto:
            due = (delivered if sh.payment_type == "COD" else shipped or delivered) + PAYMENT_CYCLE
            out.append(sale_line(due, sh, item, "SALE", item.total))
            out.append(fee_line(due, sh, item, "COMMISSION", -commission))
            out.append(fee_line(due, sh, item, "FIXED_FEE", -fixed_fee(item.selling_price) * item.quantity))
            out.append(fee_line(due, sh, item, "COLLECTION_FEE", -collection_fee(sh, item.total)))
            if share:
                out.append(fee_line(due, sh, item, "SHIPPING_FEE", -share))
        if returned is not None:
            if rto:
                if share:
                    out.append(fee_line(returned, sh, item, "SHIPPING_FEE", -share))
                    out.append(fee_line(returned, sh, item, "REVERSE_SHIPPING_FEE", -share))
            else:
                out.append(sale_line(returned, sh, item, "REFUND", -item.total))
                out.append(fee_line(returned, sh, item, "COMMISSION", commission))
                if share:
                    out.append(fee_line(returned, sh, item, "REVERSE_SHIPPING_FEE", -share))
        if n == 0 and sh.rtd_at is not None and sh.rtd_at > sh.dispatch_by and not sh.plan.auto_seller:
            out.append(fee_line(sh.rtd_at, sh, item, "SLA_PENALTY", Decimal(-50)))
    for item in sh.items:
        if item.cancelled_at is not None:  # modelled: a flat penalty per seller-cancelled order item
            out.append(fee_line(item.cancelled_at, sh, item, "SELLER_CANCELLATION_PENALTY", Decimal(-100)))
    out = seeded.apply(world, sh, out)  # seeded settlement errors, when armed for the account
    world.line_cache[sh.shipment_id] = (sh.version, out)
    return out


_SETTLES: dict[date, date] = {}
_IST = timezone(timedelta(hours=5, minutes=30))  # India keeps no DST: a fixed offset converts ~5x faster


_LAST: tuple[datetime | None, date] = (None, date.min)


def settlement_date_for(due: datetime) -> date:
    """The first Wednesday (IST) strictly after the line became due (memoised per IST day; the lines of
    one order item share their due instant, so the last answer is kept too)."""
    global _LAST
    last = _LAST
    if last[0] is due:
        return last[1]
    ist_day = due.astimezone(_IST).date()
    settles = _SETTLES.get(ist_day)
    if settles is None:
        day = ist_day + timedelta(days=1)
        while day.weekday() != SETTLEMENT_WEEKDAY:
            day += timedelta(days=1)
        settles = _SETTLES[ist_day] = day
    _LAST = (due, settles)
    return settles


def payouts(world: World, key: str) -> list[Payout]:
    """Settlements already paid (their Wednesday 10:00 IST has passed), oldest first."""
    now_ist = world.clock.now().astimezone(ids.IST)
    paid_until = now_ist.date() if now_ist.hour >= 10 else now_ist.date() - timedelta(days=1)
    # A paid line settles on a day <= paid_until, strictly after the day it became due: so the result
    # depends only on paid_until and the account's timelines (their change count), and is memoised.
    changes = world.index[key].changes
    cached = world.payout_cache.get(key)
    if cached is not None and cached[0] == (changes, paid_until):
        return list(cached[1])
    # Every line is due at or after the shipment's RTD (sale, fees, returns, SLA) or an item's seller
    # cancellation; a line is paid only if due before paid_until's IST midnight: skip the rest unread.
    cutoff = datetime.combine(paid_until, time(0), tzinfo=_IST)
    batches: dict[date, Payout] = {}
    for sh in world.shipments_of(key):
        if not sh.events:
            continue
        if (sh.rtd_at is None or sh.rtd_at >= cutoff) and all(
            i.cancelled_at is None or i.cancelled_at >= cutoff for i in sh.items
        ):
            continue
        for line in all_lines(world, sh):
            day = line.settles_on
            if day > paid_until:
                continue
            payout = batches.get(day)
            if payout is None:
                crc = zlib.crc32(f"{key}:{day.isoformat()}".encode())
                payout = Payout(f"SR{day:%Y%m%d}{crc % 10**6:06d}", f"UTIBN{day:%y%m%d}{crc % 10**8:08d}", day)
                batches[day] = payout
            payout.lines.append(line)
    result = [batches[d] for d in sorted(batches)]
    world.payout_cache[key] = ((changes, paid_until), result)
    return list(result)
