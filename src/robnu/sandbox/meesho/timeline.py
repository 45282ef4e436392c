"""Per sub-order timelines: (time, raw status) events recomputed from the plan and the seller's facts.

The current state is the last event at or before ``now``; nothing is stored per tick, so the world moves with
the clock for free. Every seller action or control-plane event changes a fact and calls ``rebuild``.
"""

from __future__ import annotations

import bisect
import random
import zlib
from datetime import date, datetime, time, timedelta

from robnu.sandbox.meesho.model import FOREVER, IST, Account, Return, SubOrder

__all__ = ["FOREVER", "IST", "auto_cancel_at", "rebuild", "sla_deadline", "status_at"]

SLA_CUTOFF = time(17, 30)  # 17:30 IST, configurable per marketplace
MANIFEST_HOUR = time(14, 0)  # modelled: simulated sellers hand over one manifest a day at 14:00 IST
ADDRESS_UNSERVICEABLE = "ADDRESS_UNSERVICEABLE"


def ist_date(t: datetime) -> date:
    return t.astimezone(IST).date()


def ist_at(d: date, clock_time: time) -> datetime:
    return datetime.combine(d, clock_time, tzinfo=IST)


def pending_at(sub: SubOrder) -> datetime:
    return sub.created_at + (sub.plan.verify_delay or timedelta(0))


def expected_dispatch_date(sub: SubOrder) -> date:
    """modelled: the IST day after the sub-order reaches PENDING (Meesho sellers dispatch within 1-2 days)."""
    return ist_date(pending_at(sub)) + timedelta(days=1)


def sla_deadline(sub: SubOrder) -> datetime:
    return ist_at(expected_dispatch_date(sub), SLA_CUTOFF)


def auto_cancel_at(sub: SubOrder) -> datetime:
    """End of the day after the expected dispatch date."""
    return ist_at(expected_dispatch_date(sub) + timedelta(days=1), time(23, 59, 59))


def next_manifest_slot(after: datetime) -> datetime:
    slot = ist_at(ist_date(after), MANIFEST_HOUR)
    return slot if slot >= after else slot + timedelta(days=1)


def stable_rng(*parts: str) -> random.Random:
    return random.Random(zlib.crc32("|".join(parts).encode()))


def make_awb(courier: str, rng: random.Random) -> str:
    """AWB shapes per courier (modelled)."""
    if courier == "VALMO":
        return f"VL{rng.randrange(10**9, 10**10)}"
    if courier == "DELHIVERY":
        return str(rng.randrange(10**12, 10**13))
    if courier == "XPRESSBEES":
        return str(rng.randrange(10**13, 10**14))
    if courier == "SHADOWFAX":
        return f"SF{rng.randrange(10**9, 10**10)}"
    return str(rng.randrange(10**9, 10**10))  # ECOM_EXPRESS: modelled 10 digits


def make_awb_hashed(courier: str, key: str) -> str:
    """An AWB derived from a stable hash of ``key`` (cheap enough for 100k generated orders)."""
    h = zlib.crc32(key.encode()) * 2654435761 + zlib.crc32(key[::-1].encode())
    digits = f"{h % 10**14:014d}"
    if courier == "VALMO":
        return "VL" + str(1 + h % 9) + digits[:9]
    if courier == "SHADOWFAX":
        return "SF" + str(1 + h % 9) + digits[:9]
    if courier == "DELHIVERY":
        return str(1 + h % 9) + digits[:12]
    if courier == "XPRESSBEES":
        return str(1 + h % 9) + digits[:13]
    return str(1 + h % 9) + digits[:9]


def ensure(sub: SubOrder) -> SubOrder:
    """Compute a sub-order's timeline on first read (generation leaves it dirty; 100k orders stay cheap)."""
    if sub.dirty and sub.owner is not None:
        rebuild(sub, sub.owner, bump=False)
    return sub


def ensure_all(acct: Account) -> None:
    """Returns and settlements need every timeline (a return exists only once its sub-order's is computed)."""
    for sub in acct.sub_orders.values():
        if sub.dirty:
            rebuild(sub, acct, bump=False)


def planned_rts(sub: SubOrder) -> tuple[datetime | None, datetime | None]:
    """(READY_TO_SHIP time, earliest pre-pickup cancellation) without building the timeline."""
    p = sub.plan
    start = pending_at(sub)
    rts = ready_to_ship_at(sub, None)
    cancels = [
        t
        for t in (
            sub.customer_cancel_at or (sub.created_at + p.customer_cancel_after if p.customer_cancel_after else None),
            sub.supplier_cancel[0] if sub.supplier_cancel else None,
        )
        if t is not None
    ]
    if p.hold is not None:
        h0 = start + p.hold[0]
        if rts is None or h0 < rts:
            hold_end = h0 + p.hold[1]
            if p.hold[2]:
                rts = ready_to_ship_at(sub, hold_end)
            else:
                cancels.append(hold_end)
                rts = None
    cancel_at = min(cancels) if cancels else None
    if rts is not None and cancel_at is not None and cancel_at <= rts:
        rts = None
    return rts, cancel_at


def status_at(sub: SubOrder, now: datetime) -> tuple[str, datetime] | None:
    """(raw status, last_updated) at ``now``; None before the sub-order exists."""
    ensure(sub)
    i = bisect.bisect_right(sub.events, now, key=lambda e: e[0])
    if i == 0:
        return None
    at, status = sub.events[i - 1]
    if sub.touched_at is not None and at < sub.touched_at <= now:
        at = sub.touched_at
    return status, at


def return_status_at(ret: Return, now: datetime) -> tuple[str, datetime] | None:
    line = ret.timeline()
    i = bisect.bisect_right(line, now, key=lambda e: e[0])
    if i == 0:
        return None
    at, status = line[i - 1]
    for extra in (
        ret.touched_at,
        ret.received["at"] if ret.received else None,
        ret.claim.decided_at if ret.claim else None,
        ret.claim.created_at if ret.claim else None,
    ):
        if isinstance(extra, datetime) and at < extra <= now:
            at = extra
    return status, at


def ready_to_ship_at(sub: SubOrder, hold_end: datetime | None) -> datetime | None:
    if sub.accepted_at is not None:
        return sub.accepted_at
    start = pending_at(sub)
    if sub.auto_accept:
        return start
    if sub.simulated_seller:
        return max(start + sub.plan.accept_delay, hold_end or start)
    return None  # ACCEPT_MANUALLY: waits in PENDING for POST /v1/sub-orders/accept


def rebuild(sub: SubOrder, acct: Account, *, bump: bool = True) -> None:
    p = sub.plan
    ev: list[tuple[datetime, str]] = []
    if p.verify_delay:
        ev.append((sub.created_at, "UNVERIFIED"))
    start = pending_at(sub)
    ev.append((start, "PENDING"))
    cancels: list[tuple[datetime, str, str]] = []
    hold_end: datetime | None = None
    rts = ready_to_ship_at(sub, None)
    if p.hold is not None:
        h0 = start + p.hold[0]
        if rts is None or h0 < rts:
            hold_end = h0 + p.hold[1]
            ev.append((h0, "HOLD"))
            if p.hold[2]:
                ev.append((hold_end, "PENDING"))
                rts = ready_to_ship_at(sub, hold_end)
            else:
                cancels.append((hold_end, "MEESHO", ADDRESS_UNSERVICEABLE))
    pickup: datetime | None = None
    manifest = acct.manifests.get(sub.manifest_id) if sub.manifest_id else None
    if manifest is not None and manifest.scan_at is not None and sub.sub_order_no not in manifest.missing:
        pickup = manifest.scan_at
    customer_cancel = sub.customer_cancel_at or (
        sub.created_at + p.customer_cancel_after if p.customer_cancel_after else None
    )
    if customer_cancel is not None:
        cancels.append((customer_cancel, "CUSTOMER", "CUSTOMER_CANCELLED"))
    if sub.supplier_cancel is not None:
        cancels.append((sub.supplier_cancel[0], "SUPPLIER", sub.supplier_cancel[1]))
    deadline = auto_cancel_at(sub)
    cancels.append((deadline, "MEESHO", "AUTO_CANCELLED_NOT_DISPATCHED"))
    if pickup is not None and pickup > deadline:
        pickup = None
    end = pickup or FOREVER
    early = sorted(c for c in cancels if c[0] < end)
    sub.cancellation = None
    sub.picked_up_at = None
    sub.delivered_at = None
    if rts is not None and rts < (early[0][0] if early else end):
        ev.append((rts, "READY_TO_SHIP"))
    if early:
        at, by, reason = early[0]
        ev = [e for e in ev if e[0] < at]  # nothing planned happens after a cancellation (not even a hold's end)
        ev.append((at, "CANCELLED"))
        sub.cancellation = {"cancelled_by": by, "reason": reason, "at": at}
        _set_return(sub, acct, None)
    elif pickup is not None:
        ev.append((pickup, "SHIPPED"))
        sub.picked_up_at = pickup
        _after_pickup(sub, acct, pickup, ev)
    else:
        _set_return(sub, acct, None)
    ev.sort(key=lambda e: e[0])
    sub.events = ev
    sub.dirty = False
    if bump:
        acct.version += 1


def _after_pickup(sub: SubOrder, acct: Account, pickup: datetime, ev: list[tuple[datetime, str]]) -> None:
    p = sub.plan
    forced = sub.forced_outcome
    if forced is not None and forced[0] == "RTO":
        outcome, when = "RTO", forced[1]
    elif forced is not None:
        outcome, when = ("RETURN" if p.outcome == "RETURN" else "DELIVERED"), forced[1]
    else:
        outcome = p.outcome
        when = pickup + p.transit + (timedelta(days=2) if outcome == "RTO" else timedelta(0))
    if outcome == "RTO":
        ev.append((when, "RTO"))
        _set_return(sub, acct, ("RTO", when))
        return
    ev.append((when, "DELIVERED"))
    sub.delivered_at = when
    returned: datetime | None = None
    if sub.forced_return_at is not None:
        returned = sub.forced_return_at
    elif outcome == "RETURN":
        returned = when + p.return_after
    if returned is not None:
        ev.append((returned, "CUSTOMER_RETURN"))
        _set_return(sub, acct, ("CUSTOMER_RETURN", returned))
    else:
        _set_return(sub, acct, None)


def _set_return(sub: SubOrder, acct: Account, spec: tuple[str, datetime] | None) -> None:
    if spec is None:
        if sub.return_id is not None:
            acct.returns.pop(sub.return_id, None)
        return
    kind, at = spec
    if sub.return_id is None:
        sub.return_id = f"RET{ist_date(at):%Y%m%d}{acct.next_seq('return'):05d}"
    ret = acct.returns.get(sub.return_id)
    rng = stable_rng(sub.return_id, sub.sub_order_no)
    if ret is None or ret.type != kind:
        courier = sub.courier or "VALMO"
        reason = sub.plan.rto_reason if kind == "RTO" else sub.plan.return_reason
        ret = Return(
            sub.return_id,
            kind,
            sub.sub_order_no,
            reason,
            REASON_TEXT.get(reason, reason),
            courier,
            make_awb(courier, rng),
        )
        acct.returns[sub.return_id] = ret
    ret.events = return_events(kind, at, sub.plan.return_leg, sub.plan.return_fail)


def return_events(kind: str, at: datetime, leg: timedelta, fail: str | None) -> list[tuple[datetime, str]]:
    """The return status paths; durations modelled."""
    day = timedelta(days=1)
    if kind == "RTO":
        ev = [(at, "RTO_INITIATED"), (at + day, "RTO_IN_TRANSIT")]
        ev.append((at + 15 * day, "LOST") if fail == "LOST" else (at + day + leg, "RTO_DELIVERED"))
        return ev
    ev = [(at, "RETURN_REQUESTED"), (at + timedelta(hours=6), "PICKUP_SCHEDULED")]
    if fail == "PICKUP_FAILED":
        return [*ev, (at + 2 * day, "PICKUP_FAILED"), (at + 3 * day, "CANCELLED")]
    ev += [(at + day, "PICKED_UP"), (at + day + timedelta(hours=4), "IN_TRANSIT")]
    ev.append((at + 15 * day, "LOST") if fail == "LOST" else (at + day + leg, "DELIVERED_TO_SUPPLIER"))
    return ev


REASON_TEXT = {
    "CUSTOMER_REFUSED": "Customer refused the delivery",
    "CUSTOMER_UNAVAILABLE": "Customer not reachable after 3 attempts",
    "ADDRESS_ISSUE": "Incomplete or wrong address",
    "COD_NOT_READY": "Customer did not have cash ready",
    "SIZE_ISSUE": "Size too small",
    "DEFECTIVE": "Product is defective",
    "WRONG_ITEM": "Received a different product",
    "QUALITY_ISSUE": "Quality not as expected",
    "NOT_AS_DESCRIBED": "Product not as described",
    "CHANGED_MIND": "No longer needed",
    "OTHER": "Other",
}
