"""From a recoverable adjustment to money back: an SLA penalty Robnu's own watchdog history contradicts is found,
disputed in one action with an evidence packet that assembles itself, and resolved into a recovery written back
to the payout. Claims move only as their state machine allows; postures are overridden with an audit entry."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from robnu.db.claims_models import ReturnClaimEvent, ReturnClaimEvidence
from robnu.db.money_models import Adjustment, AdjustmentEvent
from robnu.domain.claims import ClaimAction, ClaimStatus
from robnu.domain.deductions import Posture, ReasonCode
from robnu.domain.errors import InvalidInput
from robnu.services.claims.claims import Actor, claim_events, transition
from robnu.services.claims.disputes import file_dispute, resolve, storage_for
from robnu.services.claims.evidence import latest_packet
from robnu.services.documents import read_document
from robnu.services.reconciliation.adjustments import history, override_posture, taxonomy_stats
from robnu.services.reconciliation.batches import reconcile_period
from robnu.services.runtime import Runtime
from tests.money.ledger import build

PERIOD = "2026-11"
FINANCE = Actor("finance@seller.example", None)


def _packet(rt: Runtime, claim_id: int) -> zipfile.ZipFile:
    with rt.sessions() as s:
        doc = latest_packet(s, claim_id)
        assert doc is not None and doc.content_type == "application/zip" and doc.doc_type == "EVIDENCE_PACKET"
        return zipfile.ZipFile(io.BytesIO(read_document(s, storage_for(rt), doc)))


def _rows(z: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(z.read(name).decode())))


def test_an_sla_penalty_the_watchdog_contradicts_is_disputed_with_its_packet_and_recovered(rt: Runtime) -> None:
    ledger = build(rt, breached=False)
    summary = reconcile_period(rt, ledger.account_id, PERIOD)
    assert summary.matched == 6 and summary.deltas == 1 and summary.recoverable_total == Decimal("118.00")
    (adjustment,) = summary.adjustments
    assert adjustment.reason_code == ReasonCode.SLA_MISS and adjustment.amount == Decimal("118.00")
    assert "batch" in adjustment.detail and "closed without a breach" in adjustment.detail

    with rt.session() as s:
        claim = file_dispute(
            s, storage_for(rt), adjustment.id, actor=FINANCE, now=rt.clock.now(), marketplace_ref="AJ-77"
        )
        claim_id, reference = claim.id, claim.reference
        assert claim.status == ClaimStatus.FILED and claim.amount_claimed == Decimal("118.00")
        assert reference.startswith("CLM-") and claim.order_id == ledger.order_id
        assert [(e.action, e.from_status, e.to_status, e.actor) for e in claim_events(s, claim.id)] == [
            ("create", None, "pending", FINANCE.name),
            ("file", "pending", "filed", FINANCE.name),
        ]
        assert s.get(Adjustment, adjustment.id).status == "DISPUTED"  # type: ignore[union-attr]
        again = file_dispute(s, storage_for(rt), adjustment.id, actor=FINANCE, now=rt.clock.now())
        assert again.id == claim_id  # one claim per adjustment

    z = _packet(rt, claim_id)
    names = set(z.namelist())
    assert {
        "summary.pdf",
        "statement_lines.csv",
        "awb_trail.csv",
        "sla_history.csv",
        "scan_events.csv",
        "README.txt",
    } <= names
    assert {n.split("-")[0] for n in names if n.startswith("documents/")} == {
        "documents/label",
        "documents/customer_invoice",
        "documents/manifest",
    }
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(z.read("summary.pdf"))).pages)
    assert reference in text and "sla_miss" in text and "FN4829173650" in text
    assert {r["raw_type"] for r in _rows(z, "statement_lines.csv")} >= {"ORDER_SALE", "SLA_PENALTY"}
    sla = _rows(z, "sla_history.csv")
    assert [r["band_or_status"] for r in sla] == ["CLOSED", "WATCH", "WARNING"] and sla[0][
        "headroom_or_manifest"
    ] == "MF202610250001"
    assert _rows(z, "awb_trail.csv")[0]["awb"] == "1234567890123"

    with rt.session() as s:
        won = resolve(s, reference, "won", actor=FINANCE, now=rt.clock.now(), reason="AJIO reversed the penalty")
        assert won.status == ClaimStatus.RESOLVED_WON and won.amount_recovered == Decimal("118.00")
        disputed = s.get(Adjustment, adjustment.id)
        assert disputed is not None and disputed.status == "RECOVERED"
        chargeback = s.scalar(select(Adjustment).where(Adjustment.source_adjustment_id == adjustment.id))
        assert chargeback is not None and chargeback.type == "chargeback" and chargeback.amount == Decimal("118.00")
        assert chargeback.payout_id == disputed.payout_id and chargeback.status == "RECOVERED"
        with pytest.raises(InvalidInput, match="RECOVERED"):
            file_dispute(s, storage_for(rt), adjustment.id, actor=FINANCE, now=rt.clock.now())
        stats = {r.code: r for r in taxonomy_stats(s, ledger.seller_id)}
        assert stats[ReasonCode.SLA_MISS].claims_won == 1 and stats[ReasonCode.SLA_MISS].recovered == Decimal("118.00")

    rerun = reconcile_period(rt, ledger.account_id, PERIOD)  # the recovered difference stays recovered
    assert rerun.recoverable_total == 0 and rerun.deltas == 1


def test_a_penalty_the_watchdog_saw_breach_is_justified(rt: Runtime) -> None:
    ledger = build(rt, breached=True)
    summary = reconcile_period(rt, ledger.account_id, PERIOD)
    assert summary.deltas == 0 and summary.matched == 8 and summary.recoverable_total == 0


def test_claims_move_only_as_their_state_machine_allows_and_losses_feed_the_taxonomy(rt: Runtime) -> None:
    ledger = build(rt, breached=False)
    (adjustment,) = reconcile_period(rt, ledger.account_id, PERIOD).adjustments
    with rt.session() as s:
        now = rt.clock.now()
        claim = file_dispute(s, storage_for(rt), adjustment.id, actor=FINANCE, now=now)
        with pytest.raises(InvalidInput, match="cannot file a claim that is filed"):
            transition(s, claim, ClaimAction.FILE, actor=FINANCE, now=now)
        transition(s, claim, ClaimAction.ACKNOWLEDGE, actor=FINANCE, now=now, marketplace_ref="AJ-1")
        transition(s, claim, ClaimAction.CANCEL, actor=FINANCE, now=now, reason="filed against the wrong payout")
        assert s.get(Adjustment, adjustment.id).status == "OPEN"  # type: ignore[union-attr]
        with pytest.raises(InvalidInput, match="cannot lose a claim that is cancelled"):
            transition(s, claim, ClaimAction.LOSE, actor=FINANCE, now=now)
        transition(s, claim, ClaimAction.REOPEN, actor=FINANCE, now=now, reason="right payout now")
        transition(s, claim, ClaimAction.FILE, actor=FINANCE, now=now)
        lost = resolve(s, claim.reference, "lost", actor=FINANCE, now=now, reason="AJIO: manifest was late")
        assert lost.status == ClaimStatus.RESOLVED_LOST and lost.amount_recovered == 0
        assert s.get(Adjustment, adjustment.id).status == "LOST"  # type: ignore[union-attr]
        events = s.scalars(select(ReturnClaimEvent.action).where(ReturnClaimEvent.claim_id == claim.id)).all()
        assert events == ["create", "file", "acknowledge", "cancel", "reopen", "file", "lose"]
        with pytest.raises(InvalidInput, match="outcome"):
            resolve(s, claim.reference, "maybe", actor=FINANCE, now=now)
        stats = {r.code: r for r in taxonomy_stats(s, ledger.seller_id)}
        assert stats[ReasonCode.SLA_MISS].claims_lost == 1
        assert s.scalar(select(ReturnClaimEvidence.kind).where(ReturnClaimEvidence.claim_id == claim.id)) == "PACKET"


def test_a_posture_override_is_audited_and_a_non_recoverable_one_cannot_be_disputed(rt: Runtime) -> None:
    ledger = build(rt, breached=False)
    (adjustment,) = reconcile_period(rt, ledger.account_id, PERIOD).adjustments
    assert adjustment.posture == Posture.RECOVERABLE
    with rt.session() as s:
        now = rt.clock.now()
        with pytest.raises(InvalidInput) as err:
            override_posture(s, adjustment.id, "accept_loss", reason=" ", actor="owner", now=now)
        assert err.value.field == "reason"
        with pytest.raises(InvalidInput) as err:
            override_posture(s, adjustment.id, "ignore", reason="x", actor="owner", now=now)
        assert err.value.field == "posture"
        row = override_posture(
            s, adjustment.id, "accept-loss", reason="₹118 is not worth 20 minutes", actor="owner", now=now
        )
        assert (row.posture, row.is_recoverable, row.status) == ("accept_loss", False, "CLOSED")
        with pytest.raises(InvalidInput, match="not recoverable"):
            file_dispute(s, storage_for(rt), adjustment.id, actor=FINANCE, now=now)
        audit = [(e.action, e.from_value, e.to_value, e.actor) for e in history(s, adjustment.id)]
        assert audit[-1] == ("POSTURE", "recoverable", "accept_loss", "owner")
        assert (
            s.scalar(select(AdjustmentEvent.reason).where(AdjustmentEvent.action == "POSTURE"))
            == "₹118 is not worth 20 minutes"
        )
        stats = {r.code: r for r in taxonomy_stats(s, ledger.seller_id)}
        assert stats[ReasonCode.SLA_MISS].overridden == 1
