"""Order and return timelines [modelled triggers and rates].

``play`` continues an order's timeline from a status at a time. Seller actions (ack, B2B invoice,
manifest, return QC) whose natural time falls before ``G`` (the moment the history was generated)
are pre-played, as if the seller had used the portal; from ``G`` on the order waits in that status
until the seller calls the API, which continues the timeline from the call time with ``G = now``.
Marketplace and courier steps (customer cancel, ack expiry, pickup, delivery, RTO, returns,
dispute decisions) are scheduled on the timeline and happen as the clock runs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from robnu.sandbox.ajio.book import Book
from robnu.sandbox.ajio.catalog import stable_rng
from robnu.sandbox.ajio.model import (
    CANCELLED,
    CONFIRMED,
    DELIVERED,
    DISPATCHED,
    PACKED,
    PENDENCY,
    R_CLOSED,
    R_DELIVERED,
    R_EXPECTED,
    R_IN_TRANSIT,
    R_QC_DONE,
    READY_TO_DISPATCH,
    RTO,
    B2bInvoice,
    Event,
    Manifest,
    Order,
    QcResult,
    Return,
)
from robnu.sandbox.ajio.money import fy_short, ist_at, ist_date
from robnu.sandbox.ajio.settlement import RateCard, money_times

HOUR = 3600
DAY = 86400
ACK_WINDOW = 24 * HOUR  # modelled: ack_by = order time + 24 h
CUTOFF = (17, 30)  # manifest cut-off, IST [weak]
PICKUP = (18, 0)  # modelled: courier pickup at 18:00 IST on the dispatch date
CUSTOMER_CANCEL_RATE = 0.06
SELLER_CANCEL_RATE = 0.02
RTO_RATE = {"COD": 0.15, "PREPAID": 0.05}
CR_RATE = 0.12
QC_PASS_RATE = 0.85
DISPUTE_ACCEPT_RATE = 0.6
DISPUTE_DECISION_AFTER = 5 * DAY
CLOSE_AFTER = 2 * DAY
CUSTOMER_CANCEL_REASONS = ("CHANGED_MIND", "ORDERED_BY_MISTAKE", "DELIVERY_TOO_LATE", "PRICE_DROPPED")
CR_REASONS = (
    "SIZE_TOO_SMALL",
    "SIZE_TOO_LARGE",
    "DEFECTIVE",
    "WRONG_ITEM",
    "QUALITY_NOT_AS_EXPECTED",
    "COLOUR_MISMATCH",
    "CHANGED_MIND",
    "OTHER",
)
RTO_REASONS = ("CUSTOMER_REFUSED", "CUSTOMER_UNREACHABLE", "ADDRESS_ISSUE", "COD_NOT_READY", "OTHER")
QC_FAIL_CODES = (
    "F01_DAMAGED_IN_TRANSIT",
    "F02_USED_OR_WORN",
    "F03_WRONG_ITEM_RETURNED",
    "F04_MISSING_ITEM",
    "F05_TAGS_MISSING",
    "F06_STAINED",
    "F07_EMPTY_PACKAGE",
)
QC_CODES = ("P01_GOOD_RESALEABLE", *QC_FAIL_CODES)


def dispatch_by(po_date: int) -> int:
    """17:30 IST on the PO date if issued before 13:30 IST, else 17:30 IST the next day."""
    day = ist_date(po_date)
    if po_date >= ist_at(day, 13, 30):
        day += timedelta(days=1)
    return ist_at(day, *CUTOFF)


@dataclass
class Lifecycle:
    seed: int
    card: RateCard
    label_delay: int = 0  # seconds between B2B invoice acceptance and label READY (0 in tests)
    manifest_seq: int = 0

    # ------------------------------------------------------------------ orders
    def rng(self, order: Order, stage: str, ts: int) -> random.Random:
        return stable_rng(self.seed, order.pob_id, order.order_id, stage, ts)

    def confirm(self, book: Book, order: Order, ts: int) -> None:
        order.po_number = "PO" + order.order_id[2:]  # modelled: PO + 10 digits, one PO per order
        order.po_date = ts
        order.dispatch_by = dispatch_by(ts)

    def next_invoice_number(self, book: Book, ts: int) -> str:
        acc = book.account
        acc.invoice_seq += 1
        return f"{acc.store['invoice_series_prefix']}{fy_short(ist_date(ts))}/{acc.invoice_seq:06d}"

    def accept_invoice(self, book: Book, order: Order, number: str, inv_date: int, irn: str | None, ts: int) -> None:
        day = ist_date(ts)
        book.invoice_numbers.add((book.account.store["seller_gstin"], fy_short(ist_date(inv_date)), number))
        cust_no = f"AJ/{order.person.place.state_code}/{fy_short(day)}/{order.key:07d}"
        order.invoice = B2bInvoice(number, inv_date, irn, ts, ts + self.label_delay, cust_no)

    def manifest_for_day(self, book: Book, order: Order, tm: int) -> Manifest:
        """The pre-played daily manifest for (IST day, courier), split at 250 shipments."""
        day = ist_date(tm)
        key = (day, order.carrier)
        mid = book.premanifests.get(key)
        man = book.manifests.get(mid) if mid else None
        if man is None or len(man.shipment_ids) >= 250:
            man = self.new_manifest(book, order.carrier, tm, ist_at(day, *PICKUP), seller=False)
            book.premanifests[key] = man.manifest_id
        man.shipment_ids.append(order.order_id)
        man.picked_up.append(order.order_id)
        return man

    def new_manifest(self, book: Book, courier: str, ts: int, pickup: int, *, seller: bool) -> Manifest:
        self.manifest_seq += 1
        day = ist_date(ts)
        late = ts >= ist_at(day, *CUTOFF)
        dispatch_day = day + timedelta(days=1) if late else day
        if late:
            pickup = max(pickup, ist_at(dispatch_day, *PICKUP))
        mid = f"MF{day:%Y%m%d}{self.manifest_seq:04d}"
        receipt = "PR" + str(stable_rng(self.seed, mid).randrange(10**9, 10**10))
        man = Manifest(
            mid,
            book.account.pob_id,
            courier,
            ts,
            dispatch_day.isoformat(),
            late,
            [],
            pickup,
            pickup_receipt_no=receipt,
            seller_created=seller,
        )
        book.manifests[mid] = man
        return man

    def play(self, book: Book, order: Order, status: str, ts: int, gen: int, *, index: bool = True) -> None:
        """Replace the order's future after ``ts`` (where it is in ``status``) with a fresh plan."""
        keep = [e for e in order.events if e[0] < ts or (e[0] == ts and e[1] == status)]
        if not keep or keep[-1][1] != status:
            keep.append((ts, status, ""))
        evs: list[Event] = keep
        # future returns of this order are replanned with it
        for rid in list(order.return_ids):
            ret = book.returns_by_id[rid]
            if ret.created > ts and not ret.seller_generated:
                order.return_ids.remove(rid)
                ret.events = []
                ret.times = []
                if index:
                    book.return_index.replace(ret.key, [])
        rng = self.rng(order, status, ts)
        st, t = status, ts
        if st == PENDENCY:
            ack_by = order.created + ACK_WINDOW
            ta = t + rng.randint(HOUR, 6 * HOUR)
            tc = t + rng.randint(600, 4 * HOUR) if rng.random() < CUSTOMER_CANCEL_RATE else None
            if tc is not None and (tc < ta or ta >= gen) and tc < ack_by:
                evs.append((tc, CANCELLED, "CUSTOMER:" + rng.choice(CUSTOMER_CANCEL_REASONS)))
                return self._set(book, order, evs, index)
            if ta >= gen:
                evs.append((ack_by, CANCELLED, "AJIO:ACK_EXPIRED"))  # counts as a seller cancellation
                return self._set(book, order, evs, index)
            if rng.random() < SELLER_CANCEL_RATE:
                evs.append((ta, CANCELLED, "SELLER:OUT_OF_STOCK"))
                order.seller_cancel_at = ta
                for ln in order.lines:
                    ln.seller_cancelled = ln.qty
                return self._set(book, order, evs, index)
            self.confirm(book, order, ta)
            evs.append((ta, CONFIRMED, ""))
            st, t = CONFIRMED, ta
        if st == CONFIRMED:
            ti = t + rng.randint(HOUR // 2, 5 * HOUR)
            if ti >= gen:
                return self._set(book, order, evs, index)
            self.accept_invoice(book, order, self.next_invoice_number(book, ti), ti, None, ti)
            evs.append((ti, PACKED, ""))
            st, t = PACKED, ti
        if st == PACKED:
            day = ist_date(t)
            tm = ist_at(day, 16)
            if t >= tm:
                tm = ist_at(day + timedelta(days=1), 16)
            if tm >= gen:
                return self._set(book, order, evs, index)
            man = self.manifest_for_day(book, order, tm)
            order.manifest_id = man.manifest_id
            if order.dispatch_by is not None and tm > order.dispatch_by:
                order.late_manifest_at = tm
            evs.append((tm, READY_TO_DISPATCH, man.manifest_id))
            evs.append((man.pickup_at, DISPATCHED, ""))
            st, t = DISPATCHED, man.pickup_at
        if st == DISPATCHED:
            if rng.random() < RTO_RATE.get(order.payment_method, 0.1):
                tr = t + rng.randint(2 * DAY, 5 * DAY)
                reason = rng.choice(RTO_REASONS)
                evs.append((tr, RTO, "RTO:" + reason))
                self.new_return(book, order, "RTO", tr, reason, rng, gen)
            else:
                td = t + rng.randint(2 * DAY, 6 * DAY)
                evs.append((td, DELIVERED, ""))
                if rng.random() < CR_RATE:
                    self.new_return(book, order, "CR", td + rng.randint(DAY, 7 * DAY), rng.choice(CR_REASONS), rng, gen)
        return self._set(book, order, evs, index)

    def _set(self, book: Book, order: Order, evs: list[Event], index: bool) -> None:
        order.set_events(evs)
        if index:
            self.reindex(book, order)

    def reindex(self, book: Book, order: Order) -> None:
        """Refresh the indexes after the order's (or its returns') timeline changed."""
        book.status_index.replace(order.key, order.times)
        for rid in order.return_ids:
            ret = book.returns_by_id[rid]
            book.return_index.replace(ret.key, ret.times)
        self.reindex_money(book, order)
        book.touch()

    def reindex_money(self, book: Book, order: Order) -> None:
        rets = [book.returns_by_id[r] for r in order.return_ids]
        book.money_index.replace(order.key, money_times(order, rets, self.card))

    # ----------------------------------------------------------------- returns
    def new_return(
        self,
        book: Book,
        order: Order,
        kind: str,
        ts: int,
        reason: str,
        rng: random.Random,
        gen: int,
        *,
        seller: bool = False,
    ) -> Return:
        book.return_seq += 1
        rid = f"RT{ist_date(ts):%Y%m%d}{book.account.number:02d}{book.return_seq:05d}"
        lines: list[tuple[str, int, str]] = []
        for ln in order.lines:
            if ln.invoiceable <= 0:
                continue
            qty = ln.invoiceable if kind == "RTO" else rng.randint(1, ln.invoiceable)
            lines.append((ln.order_item_id, qty, reason))
            if kind == "CR":
                break  # modelled: a customer returns one line at a time
        rev_awb = order.awb if kind == "RTO" else "RV" + str(rng.randrange(10**8, 10**9))
        ret = Return(
            len(book.returns),
            rid,
            kind,
            order.key,
            order.order_id,
            lines,
            rev_awb,
            order.carrier,
            ts,
            seller_generated=seller,
        )
        book.returns.append(ret)
        book.returns_by_id[rid] = ret
        order.return_ids.append(rid)
        if not seller:
            t1 = ts + DAY
            dts = t1 + rng.randint(2 * DAY, 5 * DAY)
            evs: list[Event] = [(ts, R_EXPECTED, ""), (t1, R_IN_TRANSIT, ""), (dts, R_DELIVERED, "")]
            tq = dts + rng.randint(4 * HOUR, 2 * DAY)
            if tq < gen:
                results = []
                for item, qty, _ in lines:
                    for unit in range(1, qty + 1):
                        ok = kind == "RTO" or rng.random() < QC_PASS_RATE
                        code = QC_CODES[0] if ok else rng.choice(QC_FAIL_CODES)
                        results.append(QcResult(item, unit, "PASS" if ok else "FAIL", code))
                evs += self.qc_events(ret, results, tq, rng)
            ret.set_events(evs)
        return ret

    def qc_events(self, ret: Return, results: list[QcResult], ts: int, rng: random.Random) -> list[Event]:
        ret.qc = results
        ret.qc_at = ts
        evs: list[Event] = [(ts, R_QC_DONE, "")]
        if ret.has_fail and ret.return_type == "CR":
            ret.dispute_decided_at = ts + DISPUTE_DECISION_AFTER
            ret.dispute_decision = "ACCEPTED" if rng.random() < DISPUTE_ACCEPT_RATE else "REJECTED"
            evs.append((ret.dispute_decided_at, R_CLOSED, "DISPUTE"))
        else:
            evs.append((ts + CLOSE_AFTER, R_CLOSED, ""))
        return evs
