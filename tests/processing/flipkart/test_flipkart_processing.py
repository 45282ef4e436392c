"""Flipkart full processing (issue 5) over HTTP against the Flipkart sandbox: sync ORDERS, then
validate -> pack -> packed -> documents -> RTD -> manifest through ``FlipkartAdapter.full_processing``."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from tests.factories import product as make_product
from tests.processing.crash import SimulatedCrash
from tests.processing.flipkart.conftest import FK

from robnu.adapters.flipkart.processing import FLOW, MANIFEST, PACK, PACKED, RTD
from robnu.db.models import Order, OrderItem, Shipment
from robnu.db.processing_models import OrderProcessing, ProcessingBatch, ProcessingStep
from robnu.db.stock_models import Document
from robnu.domain.marketplace import ScheduleTarget
from robnu.services.documents import read_document


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def _statuses(fk: FK) -> dict[str, str]:
    return {ext: state[0] for ext, state in fk.end_state().items()}


def _assert_sent_once(fk: FK) -> None:
    for kind, counts in fk.sent_per_shipment().items():
        assert all(n == 1 for n in counts.values()), (kind, counts)


def test_flow_declares_full_processing() -> None:
    from robnu.adapters.flipkart.adapter import FlipkartAdapter

    assert ScheduleTarget.FULL_PROCESSING in FlipkartAdapter.supported_targets
    assert [s.number for s in FLOW.stages] == [1, 2, 3, 4, 5, 6]


def test_happy_path_to_the_manifest(fk: FK) -> None:
    fk.sync()
    report = fk.process()
    state = fk.end_state()
    assert state and report.processed == len(state) and report.held == 0
    assert {v[0] for v in state.values()} == {"DONE"}
    assert all(v[3] == ["CUSTOMER_INVOICE", "LABEL", "MANIFEST"] for v in state.values())
    truth = fk.sandbox.truth(fk.key)["orders"]
    shipment_ids = {truth[ext]["shipment_id"] for ext in state}
    sent = fk.sent_per_shipment()
    for kind in ("labels", "dispatches", "manifests"):
        assert set(sent[kind]) >= shipment_ids and all(sent[kind][s] == 1 for s in shipment_ids), kind
    assert all(truth[ext]["status"] == "READY_TO_DISPATCH" for ext in state)
    with fk.rt.sessions() as s:
        docs = s.execute(
            select(Document, Order.external_id, Shipment.external_id)
            .join(Order, Order.id == Document.order_id)
            .join(Shipment, Shipment.id == Document.shipment_id)
        ).all()
        assert len(docs) == 3 * len(state)
        manifest_refs = set()
        invoice_serials: list[int] = []
        for doc, order_ext, shipment_ext in docs:
            content = read_document(s, fk.rt.storage, doc)
            assert content.startswith(b"%PDF")
            assert hashlib.sha256(content).hexdigest() == doc.sha256 and len(content) == doc.size_bytes
            assert shipment_ext == truth[order_ext]["shipment_id"]  # indexed by the right shipment
            text = _pdf_text(content)
            if doc.doc_type == "LABEL":
                assert shipment_ext in text and order_ext in text and "Ekart" in text
            elif doc.doc_type == "CUSTOMER_INVOICE":
                assert doc.external_ref and doc.external_ref.startswith("FK/") and doc.external_ref in text
                invoice_serials.append(int(doc.external_ref.rsplit("/", 1)[1]))
            else:
                assert doc.external_ref and doc.external_ref in text and shipment_ext in text
                manifest_refs.add(doc.external_ref)
        assert len(manifest_refs) == 1
        assert sorted(invoice_serials) == list(range(1, len(state) + 1))  # one consecutive series, no gaps
        batch = s.execute(select(ProcessingBatch)).scalar_one()
        assert (batch.stage, batch.status, batch.manifest_ref) == (MANIFEST, "CLOSED", manifest_refs.pop())
    pushed_invoices = {x["shipmentId"]: x["invoiceNumber"] for x in fk.pushed()["labels"]}
    assert all(n.startswith("FK/") and len(n) <= 16 for n in pushed_invoices.values())
    # a second run finds nothing to do and sends nothing
    before = fk.pushed()
    again = fk.process()
    assert (again.processed, again.held) == (0, 0)
    after = fk.pushed()
    assert [len(after[k]) for k in ("labels", "dispatches", "manifests")] == [
        len(before[k]) for k in ("labels", "dispatches", "manifests")
    ]


CRASH_ORDERS = 5
_clean_run: dict[str, Any] = {}  # the uncrashed run's end state, computed once (same seed, same clock)


def _clean(make_fk: Callable[..., FK]) -> dict[str, Any]:
    if not _clean_run:
        clean = make_fk(orders=CRASH_ORDERS)
        clean.sync()
        clean.process()
        _clean_run["state"] = clean.end_state()
        _clean_run["sent"] = {k: sorted(v) for k, v in clean.sent_per_shipment().items()}
    return _clean_run


@pytest.mark.parametrize("crash_stage", [1, 2, 3, 4, 5, 6])
def test_crash_at_every_stage_resumes_to_the_same_end_state(make_fk: Callable[..., FK], crash_stage: int) -> None:
    clean = _clean(make_fk)
    expected = clean["state"]
    assert {v[0] for v in expected.values()} == {"DONE"}
    crashed = make_fk(orders=CRASH_ORDERS)  # same seed: the same orders
    crashed.sync()
    with pytest.raises(SimulatedCrash):
        crashed.process(crash_after_stage=crash_stage)
    crashed.process()
    assert crashed.end_state() == expected
    _assert_sent_once(crashed)
    assert {k: sorted(v) for k, v in crashed.sent_per_shipment().items()} == clean["sent"]
    with crashed.rt.sessions() as s:
        per_type = dict(s.execute(select(Document.doc_type, func.count(Document.id)).group_by(Document.doc_type)).all())
    assert per_type == {"LABEL": len(expected), "CUSTOMER_INVOICE": len(expected), "MANIFEST": len(expected)}


def test_one_bad_line_is_held_without_failing_the_batch(fk: FK) -> None:
    fk.sync()
    with fk.rt.sessions() as s:
        orders = s.execute(select(Order).order_by(Order.external_id)).scalars().all()
        bad_address, refused = orders[0], orders[1]
        bad_address.ship_pincode, bad_address.ship_state_code = "110001", "29"  # Delhi pincode, Karnataka
        bad_ext, refused_ext = bad_address.external_id, refused.external_id
        s.commit()
    # Flipkart refuses one line at pack time (not actionable before dispatchAfterDate): that order only is held
    sid = fk.shipment_of(refused_ext)
    sh = fk.sandbox.world.shipments[sid]
    sh.dispatch_after = fk.rt.clock.now() + timedelta(days=1)
    report = fk.process()
    state = fk.end_state()
    assert state[bad_ext][0] == "HELD" and "pincode 110001" in str(state[bad_ext][2])
    assert state[refused_ext][0] == "HELD" and "OPERATION_NOT_ALLOWED" in str(state[refused_ext][2])
    done = [ext for ext, v in state.items() if v[0] == "DONE"]
    assert report.held == 2 and report.processed == len(done) == len(state) - 2
    sent = fk.sent_per_shipment()
    assert fk.shipment_of(bad_ext) not in sent["labels"] and fk.shipment_of(bad_ext) not in sent["manifests"]
    assert sid not in sent["dispatches"] and sid not in sent["manifests"]
    assert all(sent["manifests"][fk.shipment_of(ext)] == 1 for ext in done)
    with fk.rt.sessions() as s:
        batch = s.execute(select(ProcessingBatch)).scalar_one()
        assert batch.status == "CLOSED" and batch.manifest_ref


def test_free_seller_26th_order_held_then_processed_next_ist_day(make_fk: Callable[..., FK]) -> None:
    fk = make_fk(plan="FREE", orders=32)
    fk.sync()
    report = fk.process()
    statuses = _statuses(fk)
    eligible = len(statuses)
    assert eligible >= 26
    quota_held = {ext for ext, st in statuses.items() if st == "HELD_QUOTA"}
    assert len(quota_held) == eligible - 25 and report.processed == 25
    with fk.rt.sessions() as s:
        # the held orders are the latest ones (intake is by order date): the first 25 got the slots
        ordered = s.execute(
            select(Order.external_id)
            .join(OrderProcessing, OrderProcessing.order_id == Order.id)
            .order_by(Order.ordered_at, Order.id)
        ).scalars()
        assert set(list(ordered)[25:]) == quota_held
    sent = fk.sent_per_shipment()
    assert not {fk.shipment_of(ext) for ext in quota_held} & set(sent["labels"])
    fk.advance(timedelta(days=1))  # the next IST day
    fk.sync()
    fk.process()
    after = fk.end_state()
    for ext in quota_held:
        status, _, reason, _docs = after[ext]
        # processed; or, if the buyer cancelled meanwhile, held for that reason (never lost, never quota-held)
        assert status == "DONE" or (status == "HELD" and "cancelled" in str(reason)), (ext, after[ext])
    assert any(after[ext][0] == "DONE" for ext in quota_held)
    _assert_sent_once(fk)


def test_delayed_closure_waits_for_cutoff_minus_30_min(fk: FK) -> None:
    fk.sync()
    report = fk.process(closure_policy="DELAYED")  # 12:00 IST; batch 1 cut-off 13:00 -> closes 12:30
    assert report.processed == 0 and any("manifest deferred" in n for n in report.notes)
    assert fk.pushed()["manifests"] == [] and len(fk.pushed()["dispatches"]) > 0
    with fk.rt.sessions() as s:
        assert set(s.execute(select(OrderProcessing.stage)).scalars()) == {RTD}
        assert s.execute(select(ProcessingBatch.status)).scalar_one() == "OPEN"
    fk.advance(timedelta(minutes=31))
    report = fk.process(closure_policy="DELAYED")
    assert report.processed == len(fk.end_state())
    assert len(fk.pushed()["manifests"]) == 1
    _assert_sent_once(fk)


@pytest.mark.parametrize(
    ("minutes", "options", "closes", "late"),
    [
        (0, {}, False, False),  # MANUAL: waits for the user
        (0, {"close_manifest": True}, True, False),  # the user's close action
        (51, {}, False, False),  # MANUAL without auto-close: still waiting at 12:51 IST
        (51, {"manual_autoclose": True}, True, False),  # configured auto-close at cut-off - 10 min (12:51 IST)
        (65, {"manual_autoclose": True}, True, True),  # past the 13:00 cut-off: still manifested, flagged late
    ],
)
def test_manual_closure_and_cutoff(fk: FK, minutes: int, options: dict[str, object], closes: bool, late: bool) -> None:
    fk.sync()
    fk.process(closure_policy="MANUAL")
    assert fk.pushed()["manifests"] == []
    fk.advance(timedelta(minutes=minutes))
    fk.process(closure_policy="MANUAL", **options)
    assert len(fk.pushed()["manifests"]) == (1 if closes else 0)
    with fk.rt.sessions() as s:
        batch = s.execute(select(ProcessingBatch).where(ProcessingBatch.batch_no == 1)).scalar_one()
        assert batch.status == ("CLOSED" if closes else "OPEN")
        step = s.execute(select(ProcessingStep).where(ProcessingStep.stage == MANIFEST)).scalar_one_or_none()
        if closes:
            assert step is not None and json.loads(step.detail or "{}")["late"] is late
        else:
            assert step is None


def test_asynchronous_packing_defers_then_resumes(make_fk: Callable[..., FK]) -> None:
    fk = make_fk(pack_delay=5.0)  # PACKING_IN_PROGRESS -> PACKED after 5 s of sandbox time
    fk.sync()
    report = fk.process()
    assert report.processed == 0 and report.waiting == len(fk.end_state())
    assert any("await packed waiting" in n for n in report.notes)
    with fk.rt.sessions() as s:
        assert set(s.execute(select(OrderProcessing.stage)).scalars()) == {PACK}
        assert all(r.waiting_since is not None for r in s.execute(select(OrderProcessing)).scalars())
    fk.advance(timedelta(seconds=10))
    report = fk.process()
    assert report.processed == len(fk.end_state())
    _assert_sent_once(fk)
    with fk.rt.sessions() as s:
        steps = s.execute(select(func.count(ProcessingStep.id)).where(ProcessingStep.stage == PACKED)).scalar_one()
        assert steps == 1


def test_form_failed_shipment_is_held_for_the_seller(fk: FK) -> None:
    fk.sync()
    with fk.rt.sessions() as s:
        ext = s.execute(select(Order.external_id).order_by(Order.ordered_at, Order.id)).scalars().first()
    assert ext is not None
    fk.sandbox.api.form_fail_switch.add(fk.shipment_of(ext))  # its pack ends FORM_FAILED
    report = fk.process()
    state = fk.end_state()
    assert state[ext][0] == "HELD" and "FORM_FAILED" in str(state[ext][2])
    assert report.held == 1 and report.processed == len(state) - 1
    sent = fk.sent_per_shipment()
    assert sent["labels"][fk.shipment_of(ext)] == 1 and fk.shipment_of(ext) not in sent["dispatches"]


def test_order_without_stock_is_held_before_packing(fk: FK) -> None:
    fk.sync()
    with fk.rt.sessions() as s:
        item = (
            s.execute(
                select(OrderItem).join(Order, Order.id == OrderItem.order_id).order_by(Order.ordered_at, Order.id)
            )
            .scalars()
            .first()
        )
        assert item is not None
        now = fk.rt.clock.now()
        s.add(make_product(fk.seller_id, item.sku, 0, now, version=0))
        s.commit()
        short = set(
            s.execute(
                select(Order.external_id)
                .join(OrderItem, OrderItem.order_id == Order.id)
                .where(OrderItem.sku == item.sku)
            ).scalars()
        )
    fk.process()
    state = fk.end_state()
    held = {ext for ext, v in state.items() if v[0] == "HELD"}
    assert held == short & set(state) and held
    assert all("has 0 free" in str(state[ext][2]) for ext in held)
    assert not {fk.shipment_of(ext) for ext in held} & set(fk.sent_per_shipment()["labels"])
