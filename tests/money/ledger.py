"""One AJIO order's money written through Robnu's own writers (no sandbox): the reference's worked example -
₹1,299 at 5 % GST, delivered, settled at ₹888.23 - with an SLA penalty on top, and Robnu's processing records
of the batch it went out in (closed, with the watchdog's events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from robnu.db.dispatch_models import SlaEvent
from robnu.db.models import MarketplaceAccount, Order, Shipment
from robnu.db.processing_models import OrderProcessing, ProcessingBatch
from robnu.domain.records import OrderItemRecord, OrderRecord, PayoutLineRecord, PayoutRecord, ShipmentRecord
from robnu.domain.statuses import OrderStatus, PayoutLineType, PayoutStatus, ShipmentStatus
from robnu.services.accounts import connect_account, create_seller
from robnu.services.claims.disputes import storage_for
from robnu.services.documents import store_document
from robnu.services.reconciliation.profiles import Profile, set_profiles
from robnu.services.runtime import Runtime
from robnu.services.writers import write_orders, write_payouts
from tests.factories import credentials


@dataclass
class Ledger:
    seller_id: int
    account_id: int
    order_id: int
    batch_id: int


T0 = datetime.fromisoformat("2026-10-25T05:00:00+00:00")  # ordered
SALE = [  # (line type, raw type, amount): AJIO's worked example, net 888.23
    (PayoutLineType.SALE, "ORDER_SALE", Decimal("1299.00")),
    (PayoutLineType.COMMISSION, "MARGIN", Decimal("-246.81")),
    (PayoutLineType.SHIPPING_FEE, "FORWARD_LOGISTICS", Decimal("-95.00")),
    (PayoutLineType.GST_ON_FEES, "GST_ON_FEES", Decimal("-61.53")),
    (PayoutLineType.TCS, "TCS", Decimal("-6.19")),
    (PayoutLineType.TDS, "TDS", Decimal("-1.24")),
]
PENALTY = [
    (PayoutLineType.PENALTY, "SLA_PENALTY", Decimal("-100.00")),
    (PayoutLineType.GST_ON_FEES, "GST_ON_FEES", Decimal("-18.00")),
]


PUBLISHED = datetime.fromisoformat("2026-11-15T18:30:00+00:00")


def payout_record(
    *,
    penalty: bool = True,
    status: PayoutStatus = PayoutStatus.SCHEDULED,
    updated: datetime = PUBLISHED,
    paid_at: datetime | None = None,
    penalty_amount: Decimal = PENALTY[0][2],
) -> PayoutRecord:
    """The order's settlement as AJIO sends it: scheduled when first published, later paid or re-issued."""
    settled = T0 + timedelta(days=9)
    lines = [
        PayoutLineRecord(
            f"ST2026113001-{n:06d}",
            kind,
            amount,
            "FN4829173650",
            raw,
            settled,
            raw_type=raw,
            order_item_external_id="612093847561",
        )
        for n, (kind, raw, amount) in enumerate(SALE, start=1)
    ]
    if penalty:
        fees = [(PENALTY[0][0], PENALTY[0][1], penalty_amount), PENALTY[1]]
        lines += [
            PayoutLineRecord(
                f"ST2026113001-{n:06d}", kind, amount, "FN4829173650", raw, T0 + timedelta(hours=12), raw_type=raw
            )
            for n, (kind, raw, amount) in enumerate(fees, start=len(lines) + 1)
        ]
    return PayoutRecord(
        external_id="ST2026113001",
        source_updated_at=updated,
        status=status,
        raw_status=status.value,
        net_amount=sum((ln.amount for ln in lines), Decimal(0)),
        lines=lines,
        period_start=datetime.fromisoformat("2026-10-31T18:30:00+00:00"),
        period_end=PUBLISHED,
        paid_at=paid_at,
    )


def build(rt: Runtime, *, breached: bool, penalty: bool = True) -> Ledger:
    """The order (shipped on time by its marketplace data too), its payout and its dispatch batch."""
    seller = create_seller(rt, "Ledger seller")
    account_id = connect_account(rt, seller, "AJIO", credentials("AJIO"))
    delivered = T0 + timedelta(days=2)
    order = OrderRecord(
        external_id="FN4829173650",
        source_updated_at=delivered,
        status=OrderStatus.DELIVERED,
        raw_status="DELIVERED",
        ordered_at=T0,
        order_total=Decimal("1299.00"),
        items=[OrderItemRecord("612093847561", "KURTA-RED-M", 1, Decimal("1299.00"), Decimal("1299.00"))],
        shipments=[
            ShipmentRecord(
                "FN4829173650", ShipmentStatus.DELIVERED, "DELIVERED", awb="1234567890123", courier="DELHIVERY"
            )
        ],
        ship_city="JAIPUR",
        ship_state_code="08",
        ship_pincode="302001",
        dispatch_by=T0 + timedelta(hours=10),
    )
    payout = payout_record(penalty=penalty)
    now = rt.clock.now()
    with rt.session() as s:
        account = s.get(MarketplaceAccount, account_id)
        assert account is not None
        write_orders(s, account, [order], now)
        write_payouts(s, account, [payout], now)
        set_profiles(s, account, [Profile("KURTA-RED-M", tax_class="APPAREL")], now)
        order_id = s.scalar(
            select(Order.id).where(Order.marketplace_account_id == account_id, Order.external_id == "FN4829173650")
        )
        shipment_id = s.scalar(select(Shipment.id).where(Shipment.order_id == order_id))
        assert order_id is not None and shipment_id is not None
        batch = ProcessingBatch(
            seller_id=seller,
            marketplace_account_id=account_id,
            ist_day="2026-10-25",
            batch_no=1,
            cutoff_at=T0 + timedelta(hours=7),
            stage=11,
            status="CLOSED",
            manifest_ref="MF202610250001",
            created_at=T0,
            updated_at=T0 + timedelta(hours=6),
        )
        s.add(batch)
        s.flush()
        s.add(
            OrderProcessing(
                seller_id=seller,
                marketplace_account_id=account_id,
                order_id=order_id,
                batch_id=batch.id,
                stage=11,
                status="DONE",
                created_at=T0,
                updated_at=T0 + timedelta(hours=6),
            )
        )
        bands = ["WATCH", "WARNING"] + (["BREACHED"] if breached else [])
        for n, band in enumerate(bands):
            s.add(
                SlaEvent(
                    seller_id=seller,
                    marketplace_account_id=account_id,
                    batch_id=batch.id,
                    band=band,
                    headroom_pct=40.0 - 20 * n,
                    deadline=T0 + timedelta(hours=7),
                    open_orders=1,
                    message=f"batch 1 {band}",
                    occurred_at=T0 + timedelta(hours=2 + n),
                )
            )
        storage = storage_for(rt)
        for doc_type in ("LABEL", "CUSTOMER_INVOICE"):
            store_document(
                s,
                storage,
                seller_id=seller,
                account_id=account_id,
                doc_type=doc_type,
                content=b"%PDF-1.4 " + doc_type.encode(),
                now=now,
                order_id=order_id,
                shipment_id=shipment_id,
                external_ref=f"{doc_type}-FN4829173650",
            )
        store_document(
            s,
            storage,
            seller_id=seller,
            account_id=account_id,
            doc_type="MANIFEST",
            content=b"%PDF-1.4 manifest",
            now=now,
            external_ref="MF202610250001",
        )
        return Ledger(seller, account_id, order_id, batch.id)
