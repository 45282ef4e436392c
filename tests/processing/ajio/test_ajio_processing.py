"""AJIO full processing over HTTP against the sandbox (issue 5): the 11 stages to a closed manifest with
real PDFs, a crash after every stage resuming with nothing sent twice, a bad line held without sinking
its batch, the free tier's 26th order held and processed the next IST day, closure policies and cut-off."""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from tests.processing.ajio.conftest import AjioProcessing
from tests.processing.crash import SimulatedCrash

from robnu.adapters.ajio.documents import DUPLICATE_ROUNDS
from robnu.adapters.ajio.processing import STAGES
from robnu.config import Settings
from robnu.db.dispatch_models import InvoiceNumber
from robnu.db.models import Order, Shipment
from robnu.db.processing_models import OrderProcessing, ProcessingBatch, ProcessingStep
from robnu.db.stock_models import Document
from robnu.domain.india import make_gstin
from robnu.services import invoices
from robnu.services.dispatch import set_seller_tax_identity, update_settings
from robnu.services.documents import read_document
from robnu.services.invoices import set_last_number

LAST = STAGES[-1].number
ORDER_DOCS = ("SLIP", "VENDOR_INVOICE", "LABEL", "CUSTOMER_INVOICE")


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def _per_order(pushed: dict[str, Any]) -> dict[str, Counter[str]]:
    """How often AJIO applied a confirmation, a B2B invoice and a manifest line for each order."""
    return {
        "confirmations": Counter(r["order_id"] for r in pushed.get("acknowledgements", [])),
        "invoices": Counter(r["order_id"] for r in pushed.get("b2b_invoices", [])),
        "manifests": Counter(sid for r in pushed.get("manifests", []) for sid in r["shipment_ids"]),
    }


def _end_state(ap: AjioProcessing) -> dict[str, Any]:
    with ap.rt.sessions() as s:
        rows = {
            o.external_id: (p.status, p.stage, p.held_reason)
            for p, o in s.execute(select(OrderProcessing, Order).join(Order, Order.id == OrderProcessing.order_id))
        }
        docs = Counter((d.doc_type, d.order_id is not None) for d in s.execute(select(Document)).scalars())
        batches = [(b.stage, b.status) for b in s.execute(select(ProcessingBatch)).scalars()]
        steps = Counter((st.stage, st.outcome) for st in s.execute(select(ProcessingStep)).scalars())
    return {"rows": rows, "docs": docs, "batches": batches, "steps": steps}


def test_happy_path_runs_all_eleven_stages_to_a_closed_manifest(ap: AjioProcessing, settings: Settings) -> None:
    ids = ap.new_orders(4)
    ap.sync()
    report = ap.process()
    assert (report.processed, report.held, report.failed) == (4, 0, 0), report.notes

    per = _per_order(ap.pushed())
    for kind in ("confirmations", "invoices", "manifests"):
        assert per[kind] == Counter({i: 1 for i in ids}), kind
    assert len(ap.pushed()["confirmation_batches"]) == 1  # one all-or-nothing upload for the batch

    db_ids = ap.order_ids()
    book = ap.book
    with ap.rt.sessions() as s:
        for oid in ids:
            row = s.get(OrderProcessing, db_ids[oid])
            assert row is not None and (row.status, row.stage) == ("DONE", LAST)
            shipment = s.execute(select(Shipment).where(Shipment.order_id == db_ids[oid])).scalar_one()
            sandbox_order = book.by_id[oid]
            for doc_type in ORDER_DOCS:
                doc = s.execute(
                    select(Document).where(Document.order_id == db_ids[oid], Document.doc_type == doc_type)
                ).scalar_one()
                assert doc.shipment_id == shipment.id
                content = read_document(s, ap.rt.storage, doc)
                assert hashlib.sha256(content).hexdigest() == doc.sha256 and len(content) == doc.size_bytes
                text = _pdf_text(content)
                assert oid in text, doc_type
                if doc_type in ("SLIP", "LABEL"):
                    assert str(sandbox_order.awb) in text
                if doc_type == "VENDOR_INVOICE":
                    assert sandbox_order.invoice.invoice_number == doc.external_ref
                    assert sandbox_order.invoice.invoice_number in text
                    assert book.account.store["seller_gstin"] in text
                if doc_type == "CUSTOMER_INVOICE":
                    assert sandbox_order.invoice.customer_invoice_number in text
            assert book.by_id[oid].state_at(ap.sandbox.world.now())[1] == "READY_TO_DISPATCH"
        manifests = s.execute(select(Document).where(Document.doc_type == "MANIFEST")).scalars().all()
        sent = {m["manifest_id"]: m for m in ap.pushed()["manifests"]}
        assert {m.external_ref for m in manifests} == set(sent)  # one manifest PDF per AJIO manifest
        for m in manifests:
            assert m.external_ref is not None
            text = _pdf_text(read_document(s, ap.rt.storage, m))
            assert m.external_ref in text and all(sid in text for sid in sent[m.external_ref]["shipment_ids"])
            assert not sent[m.external_ref]["late"]
        batch = s.execute(select(ProcessingBatch)).scalar_one()
        assert (batch.stage, batch.status) == (LAST, "CLOSED")
        assert batch.manifest_ref == ",".join(sorted(sent))
        close = s.execute(select(ProcessingStep).where(ProcessingStep.stage == LAST)).scalar_one()
        assert close.detail is not None and "sla_headroom_pct" in close.detail

    again = ap.process()  # nothing left to do: no new sends
    assert (again.processed, again.held) == (0, 0)
    assert _per_order(ap.pushed()) == per


@pytest.mark.parametrize("crash_stage", [spec.number for spec in STAGES])
def test_a_crash_after_any_stage_resumes_to_the_same_end_state(ap: AjioProcessing, crash_stage: int) -> None:
    ids = ap.new_orders(2)
    ap.sync()
    with pytest.raises(SimulatedCrash):
        ap.process(crash_after_stage=crash_stage)
    report = ap.process()
    # The end state: every order DONE at the last stage, its documents stored once.
    state = _end_state(ap)
    assert {oid: row[:2] for oid, row in state["rows"].items()} == {oid: ("DONE", LAST) for oid in ids}
    assert state["batches"] == [(LAST, "CLOSED")]
    for doc_type in ORDER_DOCS:
        assert state["docs"][(doc_type, True)] == 2, doc_type
    assert state["docs"][("MANIFEST", False)] == len(ap.pushed()["manifests"])
    assert report.processed == 2
    # Nothing sent twice: one confirmation, one B2B invoice and one manifest line per order.
    per = _per_order(ap.pushed())
    for kind in ("confirmations", "invoices", "manifests"):
        assert per[kind] == Counter({i: 1 for i in ids}), kind
    # Each stage recorded once per order (order stages) or once per batch (batch stages).
    for spec in STAGES:
        done = state["steps"][(spec.number, "DONE")]
        assert done == (1 if spec.scope == "BATCH" else 2), spec


def test_one_bad_line_is_held_without_failing_the_confirmation_batch(ap: AjioProcessing) -> None:
    ids = ap.new_orders(4)
    ap.sync()
    bad = ids[1]
    for line in ap.book.by_id[bad].lines:  # AJIO's declared inventory no longer covers this order
        ap.book.account.inventory[line.sku] = 0
    report = ap.process()
    assert (report.processed, report.held) == (3, 1)
    state = _end_state(ap)
    status, stage, reason = state["rows"][bad]
    assert (status, stage) == ("HELD", 1) and "AJIO inventory" in (reason or "")
    per = _per_order(ap.pushed())
    assert bad not in per["confirmations"] and bad not in per["manifests"]
    assert per["confirmations"] == Counter({i: 1 for i in ids if i != bad})
    assert ap.book.by_id[bad].state_at(ap.sandbox.world.now())[1] == "PENDENCY"  # held, not cancelled


def test_a_line_ajio_rejects_in_the_upload_is_pulled_out_and_the_rest_confirmed(ap: AjioProcessing) -> None:
    """Stock drops between validation and upload: AJIO's 422 names the line; it is held, the rest go."""
    ids = ap.new_orders(3)
    ap.sync()
    bad = ids[2]
    with pytest.raises(SimulatedCrash):
        ap.process(crash_after_stage=4)  # validated, not yet uploaded
    for line in ap.book.by_id[bad].lines:
        ap.book.account.inventory[line.sku] = 0
    report = ap.process()
    assert (report.processed, report.held) == (2, 1)
    state = _end_state(ap)
    assert state["rows"][bad][0] == "HELD" and "QTY_EXCEEDS_INVENTORY" in (state["rows"][bad][2] or "")
    assert _per_order(ap.pushed())["confirmations"] == Counter({i: 1 for i in ids if i != bad})
    assert state["batches"] == [(LAST, "CLOSED")]


def test_pincode_state_mismatch_is_held_at_the_address_stage(ap: AjioProcessing) -> None:
    ids = ap.new_orders(2)
    ap.sync()
    db_ids = ap.order_ids()
    with ap.rt.sessions() as s:
        order = s.get(Order, db_ids[ids[0]])
        assert order is not None
        order.ship_pincode = "110001" if order.ship_state_code != "07" else "400001"  # another state's pincode
        s.commit()
    report = ap.process()
    assert (report.processed, report.held) == (1, 1)
    status, stage, reason = _end_state(ap)["rows"][ids[0]]
    assert (status, stage) == ("HELD", 3) and "pincode" in (reason or "")
    assert ids[0] not in _per_order(ap.pushed())["confirmations"]


def test_the_26th_order_of_a_free_sellers_day_is_held_and_processed_the_next_ist_day(ap: AjioProcessing) -> None:
    ids = ap.new_orders(26)
    ap.sync()
    report = ap.process()
    assert (report.processed, report.held) == (25, 1)
    with ap.rt.sessions() as s:
        held = s.execute(select(OrderProcessing).where(OrderProcessing.status == "HELD_QUOTA")).scalar_one()
        held_order = s.get(Order, held.order_id)
        assert held_order is not None
        late = held_order.external_id
    assert late in ids and late not in _per_order(ap.pushed())["confirmations"]
    assert ap.book.by_id[late].state_at(ap.sandbox.world.now())[1] == "PENDENCY"  # not lost at AJIO either
    ap.advance(timedelta(hours=13))  # 01:10 IST the next day, inside AJIO's 24 h ack window
    ap.sync()
    again = ap.process()
    assert (again.processed, again.held) == (1, 0)
    per = _per_order(ap.pushed())
    for kind in ("confirmations", "invoices", "manifests"):
        assert per[kind] == Counter({i: 1 for i in ids}), kind
    with ap.rt.sessions() as s:
        row = s.get(OrderProcessing, held.order_id)
        assert row is not None and row.status == "DONE"
        days = sorted(b.ist_day for b in s.execute(select(ProcessingBatch)).scalars())
        assert days == ["2026-11-20", "2026-11-21"]


def test_delayed_closure_waits_for_cut_off_minus_30_minutes(ap: AjioProcessing) -> None:
    ids = ap.new_orders(2)
    ap.sync()  # 12:06 IST: batch 1 of the day, cut-off 13:00 IST
    report = ap.process(closure_policy="DELAYED")
    assert report.processed == 0 and any("deferred" in n for n in report.notes)
    assert _per_order(ap.pushed())["manifests"] == Counter()
    state = _end_state(ap)
    assert {r[:2] for r in state["rows"].values()} == {("IN_PROGRESS", 10)}
    ap.advance(timedelta(minutes=25))  # 12:31 IST >= 13:00 - 30 min
    report = ap.process(closure_policy="DELAYED")
    assert report.processed == 2
    assert _per_order(ap.pushed())["manifests"] == Counter({i: 1 for i in ids})


def test_manual_closure_waits_for_the_user(ap: AjioProcessing) -> None:
    ids = ap.new_orders(2)
    ap.sync()
    assert ap.process(closure_policy="MANUAL").processed == 0
    assert ap.process(closure_policy="MANUAL").processed == 0
    assert _per_order(ap.pushed())["manifests"] == Counter()
    report = ap.process(closure_policy="MANUAL", close_manifest=True)
    assert report.processed == 2
    assert _per_order(ap.pushed())["manifests"] == Counter({i: 1 for i in ids})


def test_manual_closure_with_autoclose_closes_ten_minutes_before_cut_off(ap: AjioProcessing) -> None:
    ap.new_orders(1)
    ap.sync()
    assert ap.process(closure_policy="MANUAL", manual_autoclose=True).processed == 0
    ap.advance(timedelta(minutes=45))  # 12:51 IST >= 13:00 - 10 min
    assert ap.process(closure_policy="MANUAL", manual_autoclose=True).processed == 1


def test_work_after_the_cut_off_goes_to_the_next_days_first_batch(ap: AjioProcessing) -> None:
    ap.advance(timedelta(hours=6))  # 18:00 IST: past the 17:30 cut-off
    ids = ap.new_orders(1)
    ap.sync()
    assert ap.process().processed == 1
    with ap.rt.sessions() as s:
        batch = s.execute(select(ProcessingBatch)).scalar_one()
        assert (batch.ist_day, batch.batch_no) == ("2026-11-21", 1)
    sent = ap.pushed()["manifests"]
    assert [m["shipment_ids"] for m in sent] == [[ids[0]]] and sent[0]["late"]  # AJIO: next-day dispatch


def test_a_configured_cut_off_moves_the_days_last_batch(ap: AjioProcessing) -> None:
    from datetime import UTC, datetime, time

    ap.advance(timedelta(hours=5, minutes=40))  # 17:40 IST: past the default 17:30, before a configured 18:00
    ap.new_orders(1)
    ap.sync()
    assert ap.process(cutoff=time(18, 0)).processed == 1
    with ap.rt.sessions() as s:
        batch = s.execute(select(ProcessingBatch)).scalar_one()
        assert (batch.ist_day, batch.batch_no) == ("2026-11-20", 2)
        assert batch.cutoff_at.replace(tzinfo=UTC) == datetime(2026, 11, 20, 12, 30, tzinfo=UTC)  # 18:00 IST


def test_an_order_ajio_cancelled_after_the_sync_is_held_at_the_pull_stage(ap: AjioProcessing) -> None:
    ids = ap.new_orders(3)
    ap.sync()
    assert ap.sandbox.world.customer_cancel(ap.book, ap.book.by_id[ids[0]])
    report = ap.process()
    assert (report.processed, report.held) == (2, 1)
    state = _end_state(ap)
    status, stage, reason = state["rows"][ids[0]]
    assert (status, stage) == ("HELD", 0) and "CANCELLED" in (reason or "")
    with ap.rt.sessions() as s:
        pull = s.execute(
            select(ProcessingStep).where(ProcessingStep.stage == 1, ProcessingStep.outcome == "DONE")
        ).scalar_one()
        assert pull.detail is not None and '"queue": 3' in pull.detail and '"marketplace_pendency": 2' in pull.detail
        held = s.execute(select(ProcessingStep).where(ProcessingStep.stage == 1, ProcessingStep.outcome == "HELD"))
        assert [step.order_id for step in held.scalars()] == [ap.order_ids()[ids[0]]]  # the hold is on record
    assert ids[0] not in _per_order(ap.pushed())["confirmations"]


def test_vendor_invoices_take_consecutive_numbers_from_the_stores_series(ap: AjioProcessing) -> None:
    ids = ap.new_orders(3)
    ap.sync()
    assert ap.process().processed == 3
    prefix = ap.book.account.store["invoice_series_prefix"]  # e.g. "JPR/": AJIO checks the prefix
    numbers = sorted(ap.book.by_id[oid].invoice.invoice_number for oid in ids)
    assert numbers == [f"{prefix}26-27/{n:0{16 - len(prefix) - 6}d}" for n in (1, 2, 3)]
    assert all(len(n) <= 16 for n in numbers)


def test_a_gstin_of_another_business_holds_the_order_before_confirmation(ap: AjioProcessing) -> None:
    store_gstin = ap.book.account.store["seller_gstin"]
    other_state = "29" if store_gstin[:2] != "29" else "27"
    same_business = make_gstin(other_state, store_gstin[2:12])  # the same PAN, another state's registration
    set_seller_tax_identity(ap.rt, ap.seller_id, gstin=same_business, legal_name=None)
    ap.new_orders(1)
    ap.sync()
    assert ap.process().processed == 1
    update_settings(ap.rt, ap.account_id, {"seller_gstin": make_gstin(store_gstin[:2], "ZZZZZ9999Z")})
    other = ap.new_orders(1)
    ap.sync()
    report = ap.process()
    assert (report.processed, report.held) == (0, 1)
    with ap.rt.sessions() as s:
        row = s.get(OrderProcessing, ap.order_ids()[other[0]])
        assert row is not None and row.stage == 2 and "another business" in (row.held_reason or "")
    assert other[0] not in _per_order(ap.pushed())["confirmations"]


def test_the_accounts_stored_closure_policy_applies_without_options(ap: AjioProcessing) -> None:
    update_settings(ap.rt, ap.account_id, {"closure_policy": "MANUAL"})
    ap.new_orders(1)
    ap.sync()
    assert ap.process().processed == 0  # waits for the user's close
    assert ap.process(close_manifest=True).processed == 1


def _numbers_of(ap: AjioProcessing, external_id: str) -> list[InvoiceNumber]:
    with ap.rt.sessions() as s:
        return list(
            s.execute(
                select(InvoiceNumber)
                .where(InvoiceNumber.order_id == ap.order_ids()[external_id])
                .order_by(InvoiceNumber.serial)
            ).scalars()
        )


def test_numbers_used_in_the_ajio_portal_are_voided_or_skipped_by_setting_the_series(ap: AjioProcessing) -> None:
    ap.sandbox.generate_orders(ap.key, 40, days=20)  # history: AJIO's portal invoiced most of these itself
    used = ap.book.account.invoice_seq
    assert used > 2 * DUPLICATE_ROUNDS  # more than a run or two can skip
    ap.advance(timedelta(minutes=1))
    today = ap.new_orders(1)
    ap.sync()
    ap.process()
    with ap.rt.sessions() as s:
        row = s.get(OrderProcessing, ap.order_ids()[today[0]])
        assert row is not None and row.status == "HELD" and "set where the series stands" in (row.held_reason or "")
    tried = _numbers_of(ap, today[0])
    assert len(tried) == DUPLICATE_ROUNDS and all("DUPLICATE" in (n.void_reason or "") for n in tried[:-1])
    prefix = ap.book.account.store["invoice_series_prefix"].rstrip("/")
    set_last_number(ap.rt, ap.seller_id, prefix, "26-27", used)  # the seller says where the series stands
    later = ap.new_orders(1)
    ap.sync()
    ap.process()
    assert ap.book.by_id[later[0]].invoice.invoice_number == f"{prefix}/26-27/{used + 1:06d}"


def test_a_few_numbers_used_elsewhere_are_voided_and_the_next_one_taken(ap: AjioProcessing) -> None:
    ap.sandbox.generate_orders(ap.key, 40, days=20)
    used = ap.book.account.invoice_seq
    prefix = ap.book.account.store["invoice_series_prefix"].rstrip("/")
    set_last_number(ap.rt, ap.seller_id, prefix, "26-27", used - 2)  # the seller's note is two behind
    ap.advance(timedelta(minutes=1))
    today = ap.new_orders(1)
    ap.sync()
    ap.process()
    number = ap.book.by_id[today[0]].invoice.invoice_number
    tried = [(n.serial, n.void_reason is not None) for n in _numbers_of(ap, today[0])]
    assert tried[-1] == (int(number.rsplit("/", 1)[1]), False)  # the live number is the one AJIO took
    assert all(void for _, void in tried[:-1])
    with ap.rt.sessions() as s:
        voided = {r.serial for r in invoices.register(s, ap.seller_id, "26-27") if r.void_reason}
    assert voided == {used - 1, used}  # exactly the two numbers the portal had used, whichever order met them


def test_held_orders_are_the_run_reports_exceptions(ap: AjioProcessing) -> None:
    from robnu.jobs.execute import execute_run
    from robnu.services.reports import RunOutcome, get_report, render_text

    ids = ap.new_orders(2)
    ap.sync()
    with ap.rt.sessions() as s:
        order = s.get(Order, ap.order_ids()[ids[0]])
        assert order is not None
        order.ship_pincode = "110001" if order.ship_state_code != "07" else "400001"
        s.commit()
    result = execute_run(ap.rt, ap.account_id, "FULL_PROCESSING")
    assert result.outcome is RunOutcome.PARTIAL and result.report_id is not None
    report = get_report(ap.rt, result.report_id)
    assert report.details["exceptions"] == [
        f"{ids[0]} at validate address: buyer pincode {order.ship_pincode} does not belong to state "
        f"{order.ship_state_code}"
    ]
    text = render_text(report)
    assert "Held orders (exceptions):" in text and f"* {ids[0]} at validate address" in text
