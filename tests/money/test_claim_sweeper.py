"""The daily claim sweeper: returns past their claim date and never received become claim_pending with a claim
(an RTO's charge an rto_leak adjustment), once; a late receive scan reopens the claim with the scan as evidence.
It is a schedule target (02:00 IST) with a kill switch."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

from sqlalchemy import select

from robnu.config import Settings
from robnu.db.claims_models import OrderReturnEvent, ReturnClaim, ReturnClaimEvidence
from robnu.db.models import MarketplaceAccount, OrderReturn, RunReport, Schedule
from robnu.db.money_models import Adjustment
from robnu.domain.claims import ClaimAction
from robnu.domain.marketplace import ScheduleTarget
from robnu.jobs.execute import execute_run
from robnu.services.claims.claims import Actor, get_claim, transition
from robnu.services.claims.disputes import storage_for
from robnu.services.claims.evidence import latest_packet
from robnu.services.claims.sweeper import sweep_claims
from robnu.services.documents import read_document
from robnu.services.reconciliation.profiles import set_settings
from robnu.services.reports import RunOutcome
from robnu.services.returns.scan import scan
from tests.money_wiring import money_account, sync
from tests.sandbox_wiring import wired_runtime

STAFF = Actor("warehouse@seller.example")


def test_returns_past_their_claim_date_become_claims_once_and_a_late_scan_reopens_them(settings: Settings) -> None:
    with wired_runtime(settings, ("MEESHO",), backfill_days=60) as (world, rt):
        account = money_account(rt, world, "MEESHO", 300)
        with rt.session() as s:
            row = s.get(MarketplaceAccount, account.account_id)
            assert row is not None
            set_settings(s, row, rt.clock.now(), claim_window_days=3)  # tighter than the card's 60 days
        sync(rt, account.account_id)
        storage = storage_for(rt)
        now = rt.clock.now()
        with rt.sessions() as s:
            due = s.scalars(
                select(OrderReturn).where(
                    OrderReturn.marketplace_account_id == account.account_id,
                    OrderReturn.claim_due_at < now,
                    OrderReturn.internal_status == "awaiting",
                )
            ).all()
            rtos = [r for r in due if r.kind == "RTO"]
            assert len(rtos) >= 2 and any(r.kind == "CUSTOMER_RETURN" for r in due)
            received_early, late = rtos[0], rtos[1]
        with rt.session() as s:  # received in time: not swept
            scan(s, storage, account.seller_id, received_early.external_id, actor=STAFF, now=now)

        result = sweep_claims(rt, account_id=account.account_id)
        assert result.promoted == len(due) - 1 and len(result.claims) == result.promoted
        assert sweep_claims(rt, account_id=account.account_id).promoted == 0  # idempotent

        with rt.sessions() as s:
            swept = {
                r.id: r for r in s.scalars(select(OrderReturn).where(OrderReturn.internal_status == "claim_pending"))
            }
            assert set(swept) == {r.id for r in due} - {received_early.id}
            claims = {c.return_id: c for c in s.scalars(select(ReturnClaim))}
            assert set(claims) == set(swept)
            for rid, ret in swept.items():
                claim = claims[rid]
                assert claim.status == "pending" and claim.amount_claimed > 0
                assert claim.reason_code == ("rto_leak" if ret.kind == "RTO" else "return_not_received")
                events = s.scalars(select(OrderReturnEvent.kind).where(OrderReturnEvent.return_id == rid)).all()
                assert "CLAIM_PENDING" in events
                if ret.kind == "RTO":
                    leak = s.get(Adjustment, claim.adjustment_id)
                    assert leak is not None and (leak.reason_code, leak.type, leak.return_id) == (
                        "rto_leak",
                        "deduction",
                        rid,
                    )
            packet = latest_packet(s, claims[late.id].id)
            assert packet is not None
            z = zipfile.ZipFile(io.BytesIO(read_document(s, storage, packet)))
            assert "no receive scan recorded" in z.read("scan_events.csv").decode()
            assert late.return_awb and late.return_awb in z.read("awb_trail.csv").decode()
            assert s.get(OrderReturn, received_early.id).internal_status == "received"  # type: ignore[union-attr]

        with rt.session() as s:  # the parcel turns up after all: the claim needs its evidence updated
            out = scan(s, storage, account.seller_id, late.return_awb or "", actor=STAFF, now=now + timedelta(hours=1))
            assert out.first and out.claim is not None and "reopened" in out.claim
            claim = get_claim(s, claims[late.id].id)
            assert claim.needs_evidence and claim.status == "pending"
            kinds = s.scalars(select(ReturnClaimEvidence.kind).where(ReturnClaimEvidence.claim_id == claim.id)).all()
            assert sorted(kinds) == ["LATE_SCAN", "PACKET"]
            other = get_claim(s, next(c.id for rid, c in claims.items() if rid not in (late.id, received_early.id)))
            transition(s, other, ClaimAction.FILE, actor=STAFF, now=now)
            transition(s, other, ClaimAction.LOSE, actor=STAFF, now=now, reason="no proof of non-receipt")
            ret = s.get(OrderReturn, other.return_id)
            assert ret is not None
            scan(s, storage, account.seller_id, ret.external_id, actor=STAFF, now=now + timedelta(hours=2))
            assert other.status == "pending" and other.needs_evidence  # lost, reopened with the late scan


def test_the_claim_sweeper_is_a_schedule_target_with_a_kill_switch(settings: Settings) -> None:
    with wired_runtime(settings, ("MEESHO",), backfill_days=60) as (world, rt):
        account = money_account(rt, world, "MEESHO", 150)
        with rt.sessions() as s:
            schedule = s.scalar(
                select(Schedule).where(
                    Schedule.marketplace_account_id == account.account_id, Schedule.target == "CLAIM_SWEEPER"
                )
            )
            assert schedule is not None and schedule.cron == "0 2 * * *" and schedule.enabled
        with rt.session() as s:
            row = s.get(MarketplaceAccount, account.account_id)
            assert row is not None
            set_settings(s, row, rt.clock.now(), claim_window_days=3)
        sync(rt, account.account_id)
        first = execute_run(rt, account.account_id, ScheduleTarget.CLAIM_SWEEPER)
        assert first.outcome is RunOutcome.PARTIAL and first.counts["processed"] > 0
        again = execute_run(rt, account.account_id, ScheduleTarget.CLAIM_SWEEPER)
        assert again.outcome is RunOutcome.SUCCEEDED and again.counts["processed"] == 0
        off = rt.settings.model_copy(update={"enable_claim_sweeper": False})
        rt.settings = off
        stopped = execute_run(rt, account.account_id, ScheduleTarget.CLAIM_SWEEPER)
        assert stopped.outcome is RunOutcome.SKIPPED
        with rt.sessions() as s:
            reports = s.scalars(
                select(RunReport.status).where(RunReport.target == "CLAIM_SWEEPER").order_by(RunReport.id)
            ).all()
            assert reports[:2] == ["PARTIAL", "SUCCEEDED"]
