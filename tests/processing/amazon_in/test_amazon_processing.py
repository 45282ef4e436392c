"""Amazon India full processing against the Amazon sandbox over HTTP: the happy path with real PDFs, a
crash at every stage resuming without sending anything twice, a bad line held alone, the free tier's
26th order processed the next IST day, and the closure policies / cut-off."""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from tests.factories import product as make_product
from tests.processing.amazon_in.conftest import Proc
from tests.processing.crash import SimulatedCrash

from robnu.adapters.amazon_in.processing import STAGES
from robnu.db.models import Order, OrderItem, Product, Shipment
from robnu.db.processing_models import OrderProcessing, ProcessingBatch, ProcessingStep
from robnu.db.stock_models import Document
from robnu.domain.india import make_gstin
from robnu.services import quota
from robnu.services.dispatch import update_settings
from robnu.services.documents import read_document


def _text(proc: Proc, doc: Document) -> str:
    with proc.rt.sessions() as s:
        content = read_document(s, proc.rt.storage, doc)
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == doc.sha256 and len(content) == doc.size_bytes
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _docs(proc: Proc) -> list[Document]:
    with proc.rt.sessions() as s:
        return list(s.execute(select(Document).where(Document.marketplace_account_id == proc.account_id)).scalars())


def _statuses(proc: Proc) -> Counter[str]:
    with proc.rt.sessions() as s:
        return Counter(
            s.execute(
                select(OrderProcessing.status).where(OrderProcessing.marketplace_account_id == proc.account_id)
            ).scalars()
        )


def _assert_end_state(proc: Proc, done: set[str]) -> None:
    """Exactly one confirmation, slip, invoice and label per done order; one manifest naming them all."""
    sent = Counter(c["order_id"] for c in proc.confirmations())
    assert sent == Counter({o: 1 for o in done}), sent
    ids = proc.order_ids()
    docs = _docs(proc)
    by_type = Counter(d.doc_type for d in docs)
    assert by_type == {"SLIP": len(done), "CUSTOMER_INVOICE": len(done), "LABEL": len(done), "MANIFEST": 1}
    per_order = Counter((d.order_id, d.doc_type) for d in docs if d.order_id is not None)
    assert all(n == 1 for n in per_order.values())
    with proc.rt.sessions() as s:
        shipments = {
            sh.order_id: sh
            for sh in s.execute(select(Shipment).where(Shipment.marketplace_account_id == proc.account_id)).scalars()
        }
    by_awb = {c["order_id"]: c["tracking_number"] for c in proc.confirmations()}
    for external_id in done:
        shipment = shipments[ids[external_id]]
        assert by_awb[external_id] == shipment.awb
        for d in docs:
            if d.order_id == ids[external_id]:
                assert d.shipment_id == shipment.id  # indexed by shipment
    manifest = next(d for d in docs if d.doc_type == "MANIFEST")
    text = _text(proc, manifest)
    assert all(o in text for o in done) and f"Shipments: {len(done)}" in text


def test_happy_path_to_the_manifest(proc: Proc) -> None:
    orders = proc.orders(4)
    proc.sync()
    report = proc.process()
    assert (report.processed, report.held, report.failed) == (4, 0, 0)
    assert _statuses(proc) == {"DONE": 4}
    _assert_end_state(proc, set(orders))
    ids = proc.order_ids()
    gstin = proc.creds["gstin"]
    with proc.rt.sessions() as s:
        batch = s.execute(select(ProcessingBatch)).scalar_one()
        assert (batch.stage, batch.status) == (len(STAGES), "CLOSED")
        assert batch.manifest_ref and batch.manifest_ref.startswith("AMZ-MAN-")
        items = {i.order_id: i for i in s.execute(select(OrderItem)).scalars()}
    for doc in _docs(proc):
        text = _text(proc, doc)
        if doc.doc_type == "CUSTOMER_INVOICE":
            assert doc.external_ref and doc.external_ref.replace("-", "/", 1).startswith("AZ/")
            assert gstin in text and "Tax invoice" in text and "Place of supply" in text
            assert any(o in text for o in orders)
            assert items[doc.order_id].sku in text  # type: ignore[index]
        elif doc.doc_type == "LABEL":
            assert doc.external_ref and doc.external_ref.removeprefix("LABEL-") in text
        elif doc.doc_type == "SLIP":
            assert next(o for o, i in ids.items() if i == doc.order_id) in text
        else:
            assert doc.external_ref == batch.manifest_ref and batch.manifest_ref in text
    # Amazon now has the packages: a re-sync sees the orders SHIPPED; running again sends nothing.
    proc.advance(timedelta(minutes=5))
    proc.sync()
    with proc.rt.sessions() as s:
        assert set(s.execute(select(Order.raw_status)).scalars()) == {"SHIPPED"}
    again = proc.process()
    assert (again.processed, again.held) == (0, 0)
    _assert_end_state(proc, set(orders))


@pytest.mark.parametrize("stage", [s.number for s in STAGES], ids=[s.name for s in STAGES])
def test_crash_at_every_stage_resumes_to_the_same_end_state(proc: Proc, stage: int) -> None:
    orders = proc.orders(3)
    proc.sync()
    with pytest.raises(SimulatedCrash):
        proc.process(crash_after_stage=stage)
    report = proc.process()
    assert _statuses(proc) == {"DONE": 3}
    assert report.processed == 3
    _assert_end_state(proc, set(orders))
    with proc.rt.sessions() as s:
        steps = Counter(
            (r.stage, r.order_id is None)
            for r in s.execute(select(ProcessingStep).where(ProcessingStep.outcome == "DONE")).scalars()
        )
    # every order stage recorded once per order, every batch stage once: nothing recorded twice
    assert steps == {(spec.number, spec.scope == "BATCH"): 3 if spec.scope == "ORDER" else 1 for spec in STAGES}


def test_a_bad_line_is_held_without_failing_its_batch(proc: Proc) -> None:
    orders = proc.orders(5)
    proc.sync()
    ids = proc.order_ids()
    bad_address, bad_quantity = orders[0], orders[1]
    with proc.rt.session() as s:
        order = s.get(Order, ids[bad_address])
        assert order is not None
        order.ship_pincode, order.ship_state_code = "110001", "27"  # a Delhi pincode on a Maharashtra address
        # a line Amazon refuses at confirmation: more units than were ordered
        item = s.execute(select(OrderItem).where(OrderItem.order_id == ids[bad_quantity])).scalars().first()
        assert item is not None
        item.quantity += 5
    report = proc.process()
    assert (report.processed, report.held) == (3, 2)
    with proc.rt.sessions() as s:
        held = {
            r.order_id: r.held_reason
            for r in s.execute(select(OrderProcessing).where(OrderProcessing.status == "HELD")).scalars()
        }
        batch = s.execute(select(ProcessingBatch)).scalar_one()
        assert batch.status == "CLOSED" and batch.manifest_ref
    assert "pincode 110001" in (held[ids[bad_address]] or "")
    assert "refused the shipment confirmation" in (held[ids[bad_quantity]] or "")
    good = set(orders[2:])
    assert {c["order_id"] for c in proc.confirmations()} == good
    manifest = next(d for d in _docs(proc) if d.doc_type == "MANIFEST")
    text = _text(proc, manifest)
    assert all(o in text for o in good) and bad_address not in text and bad_quantity not in text


def test_an_easy_ship_order_is_skipped_and_gives_its_free_slot_back(free_proc: Proc) -> None:
    proc = free_proc
    easy = proc.sandbox.generate_orders(proc.key, 1, days=10 / 1440, track="EASY_SHIP")
    proc.advance(timedelta(minutes=11))
    orders = proc.sandbox.generate_orders(proc.key, 25, days=10 / 1440, track="SELF_SHIP")  # all newer
    proc.advance(timedelta(minutes=100))  # all UNSHIPPED; the Easy Ship pickup not scheduled yet (seeded)
    proc.sync()
    ids = proc.order_ids()
    with proc.rt.sessions() as s:
        assert s.get(Order, ids[easy[0]]).status == "NEW"  # type: ignore[union-attr]
    first = proc.process()  # the Easy Ship order (oldest) took a slot, then gave it back at stage 1
    assert (first.skipped, first.processed, first.held) == (1, 24, 1)
    with proc.rt.sessions() as s:
        row = s.get(OrderProcessing, ids[easy[0]])
        assert row is not None and row.status == "SKIPPED" and "Easy Ship" in (row.held_reason or "")
        seller_id = s.get(Order, ids[easy[0]]).seller_id  # type: ignore[union-attr]
        assert quota.used_today(s, seller_id, proc.world.clock.now()) == 24
    second = proc.process()  # the same IST day: the freed slot goes to the order the quota held
    assert (second.processed, second.held) == (1, 0)
    assert _statuses(proc) == {"DONE": 25, "SKIPPED": 1}
    assert {c["order_id"] for c in proc.confirmations()} == set(orders)


def test_free_seller_26th_order_is_held_then_processed_the_next_ist_day(free_proc: Proc) -> None:
    proc = free_proc
    orders = proc.orders(26)
    proc.sync()
    report = proc.process()
    assert (report.processed, report.held) == (25, 1)
    assert _statuses(proc) == {"DONE": 25, "HELD_QUOTA": 1}
    assert len(proc.confirmations()) == 25
    assert len(proc.order_ids()) == 26  # stored, not lost
    proc.advance(timedelta(days=1))
    again = proc.process()
    assert (again.processed, again.held) == (1, 0)
    assert _statuses(proc) == {"DONE": 26}
    assert Counter(c["order_id"] for c in proc.confirmations()) == Counter({o: 1 for o in orders})
    with proc.rt.sessions() as s:
        days = sorted(b.ist_day for b in s.execute(select(ProcessingBatch)).scalars() if b.manifest_ref)
    assert days == ["2026-11-20", "2026-11-21"]  # one manifest per day's batch


def test_delayed_closure_waits_for_cut_off_minus_30_minutes(proc: Proc) -> None:
    orders = proc.orders(3)  # 14:00 IST
    proc.sync()
    first = proc.process(closure_policy="DELAYED")
    assert first.processed == 0 and any("manifest deferred" in n for n in first.notes)
    assert len(proc.confirmations()) == 3  # shipments confirmed; only the manifest waits
    assert not [d for d in _docs(proc) if d.doc_type == "MANIFEST"]
    proc.advance(timedelta(hours=3, minutes=5))  # 17:05 IST: past cut-off - 30 min
    second = proc.process(closure_policy="DELAYED")
    assert second.processed == 3
    _assert_end_state(proc, set(orders))


def test_manual_closure_waits_for_the_user(proc: Proc) -> None:
    orders = proc.orders(2)
    proc.sync()
    assert proc.process(closure_policy="MANUAL").processed == 0
    assert proc.process(closure_policy="MANUAL").processed == 0  # still waiting, nothing re-sent
    assert len(proc.confirmations()) == 2
    assert proc.process(closure_policy="MANUAL", close_manifest=True).processed == 2
    _assert_end_state(proc, set(orders))


def test_after_the_cut_off_orders_go_to_the_next_days_first_batch(proc: Proc) -> None:
    proc.orders(2)
    proc.advance(timedelta(hours=4))  # 18:00 IST, past the 17:30 cut-off
    proc.sync()
    assert proc.process().processed == 2
    with proc.rt.sessions() as s:
        batch = s.execute(select(ProcessingBatch)).scalar_one()
    assert (batch.ist_day, batch.batch_no) == ("2026-11-21", 1)


def test_a_manifest_closed_after_the_cut_off_is_marked_late(proc: Proc) -> None:
    proc.orders(2)  # 14:00 IST, batch 2 (cut-off 17:30)
    proc.sync()
    assert proc.process(closure_policy="MANUAL", manual_autoclose=True).processed == 0
    proc.advance(timedelta(hours=4))  # 18:00 IST: MANUAL with auto-close closes (late) on the next run
    assert proc.process(closure_policy="MANUAL", manual_autoclose=True).processed == 2
    with proc.rt.sessions() as s:
        step = s.execute(
            select(ProcessingStep).where(ProcessingStep.stage == len(STAGES), ProcessingStep.outcome == "DONE")
        ).scalar_one()
    assert step.detail and '"late": true' in step.detail
    manifest = next(d for d in _docs(proc) if d.doc_type == "MANIFEST")
    assert "LATE" in _text(proc, manifest)


def test_orders_arriving_after_an_immediate_closure_in_the_same_slot_are_processed(proc: Proc) -> None:
    proc.orders(2)  # 14:00 IST, batch 2
    proc.sync()
    assert proc.process().processed == 2  # IMMEDIATE: the batch closes with its manifest
    proc.sandbox.generate_orders(proc.key, 2, days=10 / 1440, track="SELF_SHIP")
    proc.advance(timedelta(minutes=100))  # 15:40 IST: still batch 2's slot
    proc.sync()
    assert proc.process().processed == 2


def test_the_invoice_carries_the_configured_gstin_series_and_product_gst_rate(proc: Proc) -> None:
    proc.orders(2)
    proc.sync()
    ids = proc.order_ids()
    with proc.rt.session() as s:
        first = s.get(Order, min(ids.values()))
        assert first is not None
        configured = make_gstin("27", "AAPFU0939F")
        sku = s.execute(select(OrderItem.sku).where(OrderItem.order_id == first.id)).scalars().first()
        assert sku is not None
        product = s.execute(select(Product).where(Product.sku == sku)).scalar_one_or_none()
        if product is None:  # the SKU is not in the stock master yet: the seller adds it with its rate
            product = make_product(first.seller_id, sku, 50, first.created_at)
            s.add(product)
        product.gst_rate = Decimal("12")
    update_settings(proc.rt, proc.account_id, {"seller_gstin": configured, "invoice_prefix": "KT"})
    assert proc.process().processed == 2
    invoices = [d for d in _docs(proc) if d.doc_type == "CUSTOMER_INVOICE"]
    assert sorted(d.external_ref for d in invoices) == [
        "KT-26-27-0000001",
        "KT-26-27-0000002",
    ]  # KT/26-27/0000001, as a file-safe ref
    texts = {d.order_id: _text(proc, d) for d in invoices}
    assert all(f"Supplier GSTIN: {configured}" in t for t in texts.values())
    assert "12%" in texts[first.id]  # the product master's rate, not the apparel slab
