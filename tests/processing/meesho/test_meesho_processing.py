"""Meesho full processing over HTTP against the sandbox (issue 5): happy path to the manifest with real
PDFs, a crash after every stage resuming with nothing sent twice, a bad line held without sinking its
batch, the free tier's 26th order held and processed the next IST day, and the closure policies."""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from tests.processing.crash import SimulatedCrash
from tests.processing.meesho.conftest import MeeshoProcessing

from robnu.adapters.meesho.processing import STAGES
from robnu.db.models import Order, Product, Shipment
from robnu.db.processing_models import OrderProcessing, ProcessingBatch, ProcessingStep
from robnu.db.stock_models import Document
from robnu.services.dispatch import update_settings
from robnu.services.documents import read_document

LAST = STAGES[-1].number


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def _per_order(pushed: dict[str, Any]) -> dict[str, Counter[str]]:
    """How often each sub-order was accepted, labelled (= a tax invoice issued) and manifested."""
    accepts = Counter(r["sub_order_no"] for r in pushed["accepts"])
    labels = Counter(no for r in pushed["labels"] for no in r["sub_order_nos"])
    manifests = Counter(no for r in pushed["manifests"] for no in r["sub_order_nos"])
    return {"accepts": accepts, "labels": labels, "manifests": manifests}


def _end_state(mp: MeeshoProcessing) -> dict[str, Any]:
    with mp.rt.sessions() as s:
        rows = {
            o.external_id: (p.status, p.stage, p.held_reason)
            for p, o in s.execute(select(OrderProcessing, Order).join(Order, Order.id == OrderProcessing.order_id))
        }
        docs = Counter((d.doc_type, d.order_id is not None) for d in s.execute(select(Document)).scalars())
        batches = [(b.stage, b.status) for b in s.execute(select(ProcessingBatch)).scalars()]
        steps = Counter((st.stage, st.outcome) for st in s.execute(select(ProcessingStep)).scalars())
    return {"rows": rows, "docs": docs, "batches": batches, "steps": steps}


def test_happy_path_accepts_labels_archives_and_manifests(mp: MeeshoProcessing, settings: Any) -> None:
    nos = mp.new_orders(4)
    mp.sync()
    report = mp.process()
    assert (report.processed, report.held, report.failed) == (4, 0, 0)

    per = _per_order(mp.pushed())
    for kind in ("accepts", "labels", "manifests"):
        assert per[kind] == Counter({no: 1 for no in nos}), kind

    ids = mp.order_ids()
    with mp.rt.sessions() as s:
        for no in nos:
            row = s.get(OrderProcessing, ids[no])
            assert row is not None and (row.status, row.stage) == ("DONE", LAST)
            sub = mp.supplier.sub_orders[no]
            shipment = s.execute(select(Shipment).where(Shipment.order_id == ids[no])).scalar_one()
            assert (shipment.awb, shipment.courier) == (sub.awb, sub.courier)
            label = s.execute(
                select(Document).where(Document.order_id == ids[no], Document.doc_type == "LABEL")
            ).scalar_one()
            assert label.shipment_id == shipment.id and label.external_ref == sub.label_ids[-1][1]
            content = read_document(s, mp.rt.storage, label)
            assert hashlib.sha256(content).hexdigest() == label.sha256 and len(content) == label.size_bytes
            text = _pdf_text(content)
            assert no in text and str(sub.awb) in text and "TAX INVOICE" in text and str(sub.invoice_no) in text
        manifests = s.execute(select(Document).where(Document.doc_type == "MANIFEST")).scalars().all()
        made = {m["manifest_id"]: m for m in mp.pushed()["manifests"]}
        assert {d.external_ref for d in manifests} == set(made)
        for doc in manifests:
            content = read_document(s, mp.rt.storage, doc)
            assert hashlib.sha256(content).hexdigest() == doc.sha256
            text = _pdf_text(content)
            assert str(doc.external_ref) in text
            assert all(no in text for no in made[str(doc.external_ref)]["sub_order_nos"])
        batch = s.execute(select(ProcessingBatch)).scalar_one()
        assert batch.status == "CLOSED" and batch.stage == LAST
        assert set(str(batch.manifest_ref).split(",")) == set(made)
        # One courier per manifest (MIXED_COURIERS).
        for m in made.values():
            assert len({mp.supplier.sub_orders[n].courier for n in m["sub_order_nos"]}) == 1
    # A second run finds nothing to do and sends nothing.
    again = mp.process()
    assert (again.processed, again.held) == (0, 0)
    assert _per_order(mp.pushed()) == per
    # Meesho sees the handover: after the courier's scan every sub-order is SHIPPED.
    mp.advance(timedelta(hours=4))
    mp.sync()
    with mp.rt.sessions() as s:
        assert {o.raw_status for o in s.execute(select(Order)).scalars()} == {"SHIPPED"}


@pytest.mark.parametrize("crash_stage", [s.number for s in STAGES], ids=[s.name.replace(" ", "-") for s in STAGES])
def test_a_crash_after_any_stage_resumes_to_the_same_end_state(mp: MeeshoProcessing, crash_stage: int) -> None:
    nos = mp.new_orders(4)
    mp.sync()
    with pytest.raises(SimulatedCrash):
        mp.process(crash_after_stage=crash_stage)
    report = mp.process()
    # Orders done before the crash were counted by no run (the crashing run never returned); the resumed
    # run finishes them all.
    assert (report.processed, report.held) == (4, 0)
    assert mp.process().processed == 0  # and then there is nothing left

    per = _per_order(mp.pushed())
    for kind in ("accepts", "labels", "manifests"):
        assert per[kind] == Counter({no: 1 for no in nos}), f"{kind} sent twice after a crash at {crash_stage}"
    state = _end_state(mp)
    assert {v[:2] for v in state["rows"].values()} == {("DONE", LAST)}
    manifests = len(mp.pushed()["manifests"])
    assert state["docs"] == Counter({("LABEL", True): 4, ("MANIFEST", False): manifests})
    assert state["batches"] == [(LAST, "CLOSED")]
    order_stages = [s.number for s in STAGES if s.scope == "ORDER"]
    batch_stages = [s.number for s in STAGES if s.scope == "BATCH"]
    assert state["steps"] == Counter(
        {**{(n, "DONE"): 4 for n in order_stages}, **{(n, "DONE"): 1 for n in batch_stages}}
    )


def test_one_bad_line_is_held_and_never_fails_its_batch(mp: MeeshoProcessing) -> None:
    live = sorted(sku for sku, p in mp.supplier.products.items() if p.status == "LIVE")
    good_sku, short_sku, meesho_short_sku = live[:3]
    good = mp.new_orders(2, sku=good_sku, quantity=1)
    # Robnu's stock of short_sku: 1 on hand, two orders: the older one takes it, the newer is held.
    covered = mp.new_orders(1, sku=short_sku, quantity=1)[0]
    mp.advance(timedelta(seconds=1))
    no_stock = mp.new_orders(1, sku=short_sku, quantity=1)[0]
    wrong_pin = mp.new_orders(1, sku=good_sku, quantity=1)[0]  # pincode of another state
    cancelled = mp.new_orders(1, sku=good_sku, quantity=1)[0]  # the customer cancels before acceptance
    refused = mp.new_orders(1, sku=meesho_short_sku, quantity=1)[0]  # Meesho refuses: INSUFFICIENT_INVENTORY
    mp.sync()
    # Meesho: accept by inventory, with no stock for one SKU -> a per-item failure in the accept call.
    mp.supplier.acceptance_mode = "ACCEPT_BY_INVENTORY"
    mp.supplier.products[meesho_short_sku].stock = 0
    mp.supplier.products[good_sku].stock = 100
    mp.sandbox.world.customer_cancel(mp.supplier, cancelled)
    ids = mp.order_ids()
    with mp.rt.session() as s:
        now = mp.world.clock.now()
        s.add(Product(seller_id=mp.seller_id, sku=short_sku, on_hand=1, reserved=0, created_at=now, updated_at=now))
        order = s.get(Order, ids[wrong_pin])
        assert order is not None
        order.ship_pincode = "110001" if order.ship_state_code != "07" else "400001"

    good.append(covered)
    report = mp.process()
    assert (report.processed, report.held) == (3, 4)
    state = _end_state(mp)
    assert {no for no, v in state["rows"].items() if v[0] == "DONE"} == set(good)
    held = {no: v for no, v in state["rows"].items() if v[0] == "HELD"}
    assert held[no_stock][1:] == (0, f"stock: {short_sku} has 0 free after older orders, 1 to confirm")
    assert held[wrong_pin][1] == 1 and str(held[wrong_pin][2]).startswith("buyer pincode")
    assert held[cancelled][1:] == (2, "Meesho status CANCELLED: cannot be accepted")
    assert held[refused][1:] == (2, "accept refused: INSUFFICIENT_INVENTORY")
    per = _per_order(mp.pushed())
    assert per["accepts"] == Counter({no: 1 for no in good})  # the refused line was tried, not accepted
    assert per["labels"] == per["manifests"] == Counter({no: 1 for no in good})
    assert state["batches"] == [(LAST, "CLOSED")]


def test_the_26th_order_of_a_free_sellers_day_is_held_then_processed_the_next_ist_day(
    mp: MeeshoProcessing,
) -> None:
    nos = mp.new_orders(26)
    mp.sync()
    report = mp.process()
    assert (report.processed, report.held) == (25, 1)
    state = _end_state(mp)
    waiting = [no for no, v in state["rows"].items() if v[0] == "HELD_QUOTA"]
    assert len(waiting) == 1 and len(mp.order_ids()) == 26  # held, not lost
    per = _per_order(mp.pushed())
    assert waiting[0] not in per["accepts"] and len(per["manifests"]) == 25
    assert mp.process().processed == 0  # still the same IST day: still held

    mp.advance(timedelta(days=1))
    mp.sync()
    again = mp.process()
    assert (again.processed, again.held) == (1, 0)
    per = _per_order(mp.pushed())
    for kind in ("accepts", "labels", "manifests"):
        assert per[kind] == Counter({no: 1 for no in nos}), kind
    with mp.rt.sessions() as s:
        batches = s.execute(select(ProcessingBatch).order_by(ProcessingBatch.id)).scalars().all()
        assert [(b.ist_day, b.status) for b in batches] == [("2026-11-20", "CLOSED"), ("2026-11-21", "CLOSED")]
        row = s.get(OrderProcessing, mp.order_ids()[waiting[0]])
        assert row is not None and row.status == "DONE" and row.batch_id == batches[1].id


def test_delayed_closure_waits_for_cutoff_minus_30_minutes(mp: MeeshoProcessing) -> None:
    nos = mp.new_orders(3)
    mp.sync()  # 12:05 IST; batch 1 cuts off at 13:00, DELAYED closes at 12:30
    first = mp.process(closure_policy="DELAYED")
    assert first.processed == 0 and any("manifest deferred" in n for n in first.notes)
    per = _per_order(mp.pushed())
    assert len(per["labels"]) == 3 and not per["manifests"]  # labelled, waiting for late additions
    state = _end_state(mp)
    assert {v[:2] for v in state["rows"].values()} == {("IN_PROGRESS", LAST - 1)}
    assert state["batches"] == [(3, "OPEN")]

    mp.advance(timedelta(minutes=30))  # 12:35 IST
    second = mp.process(closure_policy="DELAYED")
    assert second.processed == 3
    per = _per_order(mp.pushed())
    assert per["manifests"] == Counter({no: 1 for no in nos})
    assert _end_state(mp)["batches"] == [(LAST, "CLOSED")]


def test_manual_closure_waits_for_the_user_even_past_the_cutoff(mp: MeeshoProcessing) -> None:
    nos = mp.new_orders(2)
    mp.sync()
    assert mp.process(closure_policy="MANUAL").processed == 0
    mp.advance(timedelta(hours=2))  # 14:05 IST: batch 1's 13:00 cut-off has passed
    assert mp.process(closure_policy="MANUAL").processed == 0
    assert not mp.pushed()["manifests"]
    with mp.rt.sessions() as s:
        first = s.execute(select(ProcessingBatch).order_by(ProcessingBatch.id)).scalars().first()
        assert first is not None and first.status == "OPEN"  # work in flight keeps it open
    done = mp.process(closure_policy="MANUAL", close_manifest=True)
    assert done.processed == 2
    assert _per_order(mp.pushed())["manifests"] == Counter({no: 1 for no in nos})


def test_after_the_days_cutoff_work_goes_to_the_next_days_first_batch(mp: MeeshoProcessing) -> None:
    mp.advance(timedelta(hours=6))  # 18:00 IST: past the 17:30 cut-off
    nos = mp.new_orders(2)
    mp.sync()
    assert mp.process().processed == 2
    with mp.rt.sessions() as s:
        batch = s.execute(select(ProcessingBatch)).scalar_one()
        assert (batch.ist_day, batch.batch_no, batch.status) == ("2026-11-21", 1, "CLOSED")
    assert _per_order(mp.pushed())["manifests"] == Counter({no: 1 for no in nos})


def test_documents_land_under_the_storage_directory(mp: MeeshoProcessing, settings: Any) -> None:
    mp.new_orders(1)
    mp.sync()
    mp.process()
    with mp.rt.sessions() as s:
        for doc in s.execute(select(Document)).scalars():
            assert read_document(s, mp.rt.storage, doc).startswith(b"%PDF")


def test_a_label_not_ready_waits_and_the_next_run_resumes_without_relabelling(
    mp: MeeshoProcessing,
) -> None:
    nos = mp.new_orders(2)
    mp.sync()
    mp.sandbox.world.config.label_delay_seconds = 600.0  # labels turn READY after a delay
    first = mp.process(label_polls=1)
    assert (first.processed, first.waiting, first.held) == (0, 2, 0)
    # Every label was asked for before the first wait; both orders wait at the archive stage.
    assert _per_order(mp.pushed())["labels"] == Counter({no: 1 for no in nos})
    assert not mp.pushed()["manifests"]
    with mp.rt.sessions() as s:
        rows = s.execute(select(OrderProcessing)).scalars().all()
        assert {(r.stage, r.status) for r in rows} == {(4, "IN_PROGRESS")}
        assert all(r.waiting_since is not None and "not ready" in (r.last_error or "") for r in rows)
    mp.advance(timedelta(minutes=11))
    assert mp.process(label_polls=1).processed == 2
    per = _per_order(mp.pushed())
    for kind in ("accepts", "labels", "manifests"):
        assert per[kind] == Counter({no: 1 for no in nos}), kind


def test_a_label_that_never_turns_ready_is_held_after_the_maximum_wait(mp: MeeshoProcessing) -> None:
    mp.new_orders(1)
    mp.sync()
    mp.sandbox.world.config.label_delay_seconds = 10 * 3600.0
    update_settings(mp.rt, mp.account_id, {"async_max_wait_minutes": 60})
    assert mp.process(label_polls=1).waiting == 1
    mp.advance(timedelta(minutes=59))
    assert mp.process(label_polls=1).waiting == 1  # still inside the hour
    mp.advance(timedelta(minutes=2))
    report = mp.process(label_polls=1)
    assert (report.waiting, report.held, report.processed) == (0, 1, 0)
    with mp.rt.sessions() as s:
        row = s.execute(select(OrderProcessing)).scalar_one()
        assert row.status == "HELD" and "waited 61 min at archive label" in (row.held_reason or "")


def test_a_manifest_after_the_sla_deadline_is_still_made_and_reported_late(mp: MeeshoProcessing) -> None:
    nos = mp.new_orders(2)
    mp.sync()  # 2026-11-20 12:05 IST: dispatch due 2026-11-21 17:30 IST, auto-cancel at the end of 11-22
    mp.advance(timedelta(days=1, hours=22))  # 2026-11-22 10:05 IST: late, not yet auto-cancelled
    mp.sync()
    assert mp.process().processed == 2
    assert _per_order(mp.pushed())["manifests"] == Counter({no: 1 for no in nos})
    with mp.rt.sessions() as s:
        step = s.execute(select(ProcessingStep).where(ProcessingStep.stage == LAST)).scalar_one()
        detail = json.loads(str(step.detail))
        assert sorted(detail["late_dispatch"]) == sorted(nos) and detail["policy"] == "IMMEDIATE"
        batch = s.execute(select(ProcessingBatch)).scalar_one()
        assert batch.ist_day == "2026-11-22"


def test_lines_lost_before_the_manifest_are_held_and_the_rest_is_manifested(mp: MeeshoProcessing) -> None:
    nos = mp.new_orders(4)
    mp.sync()
    assert mp.process(closure_policy="MANUAL").processed == 0  # labelled and archived, waiting for the user
    cancelled, vanished, *good = nos
    mp.sandbox.world.customer_cancel(mp.supplier, cancelled)  # the customer cancels before pickup
    del mp.supplier.sub_orders[vanished]  # Meesho answers 404 NOT_FOUND for it
    report = mp.process(closure_policy="MANUAL", close_manifest=True)
    assert (report.processed, report.held) == (2, 2)
    rows = _end_state(mp)["rows"]
    assert rows[cancelled] == ("HELD", LAST - 1, "Meesho status CANCELLED: cannot be manifested")
    assert rows[vanished] == ("HELD", LAST - 1, "Meesho refused: NOT_FOUND")
    assert _per_order(mp.pushed())["manifests"] == Counter({no: 1 for no in good})
