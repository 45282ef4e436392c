"""Returns after the sync: each keeps its status history, the AWB of both legs and a claim date; the receive
scan resolves whatever was scanned (AWB, return, order or shipment id, a settlement) and receives the return
once - repeats are only recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from robnu.cli.main import app
from robnu.config import Settings, get_settings
from robnu.db.claims_models import OrderReturnEvent, ReturnAwb, ReturnScanEvent
from robnu.db.models import MarketplacePayout, OrderReturn, Shipment
from robnu.domain.errors import InvalidInput, NotFound
from robnu.services.claims.claims import Actor
from robnu.services.claims.disputes import storage_for
from robnu.services.returns.scan import resolve, scan
from tests.jobs.conftest import remove_kirana_hub
from tests.money_wiring import money_account, sync
from tests.sandbox_wiring import wired_runtime

STAFF = Actor("warehouse@seller.example")


def test_returns_keep_their_history_both_legs_and_a_claim_date(settings: Settings) -> None:
    with wired_runtime(settings, ("MEESHO",), backfill_days=60) as (world, rt):
        account = money_account(rt, world, "MEESHO", 300)
        sync(rt, account.account_id)
        with rt.sessions() as s:
            returns = s.scalars(
                select(OrderReturn).where(OrderReturn.marketplace_account_id == account.account_id)
            ).all()
            assert len(returns) > 10
            for r in returns:
                assert r.claim_due_at == (r.requested_at or r.created_at) + timedelta(days=60)
                assert r.internal_status in ("awaiting", "cancelled")
                statuses = s.scalars(
                    select(OrderReturnEvent.status).where(
                        OrderReturnEvent.return_id == r.id, OrderReturnEvent.kind == "STATUS"
                    )
                ).all()
                assert statuses and statuses[-1] == r.raw_status
                legs = {(a.leg, a.awb) for a in s.scalars(select(ReturnAwb).where(ReturnAwb.return_id == r.id))}
                assert ("RETURN", r.return_awb) in legs
                forward = s.scalar(select(Shipment.awb).where(Shipment.order_id == r.order_id))
                assert forward is None or ("FORWARD", forward) in legs
        sync(rt, account.account_id)  # a re-sync adds no duplicate history
        with rt.sessions() as s:
            events = s.scalar(select(func.count()).select_from(OrderReturnEvent))
            legs_n = s.scalar(select(func.count()).select_from(ReturnAwb))
        world.clock.advance(timedelta(days=3))
        sync(rt, account.account_id)
        with rt.sessions() as s:
            assert s.scalar(select(func.count()).select_from(ReturnAwb)) >= legs_n
            assert s.scalar(select(func.count()).select_from(OrderReturnEvent)) > events  # statuses moved on


def test_the_receive_scan_resolves_every_kind_of_code_and_receives_once(settings: Settings) -> None:
    with wired_runtime(settings, ("MEESHO",), backfill_days=60) as (world, rt):
        account = money_account(rt, world, "MEESHO", 300)
        other = money_account(rt, world, "MEESHO", 20)
        sync(rt, account.account_id)
        sync(rt, other.account_id)
        storage = storage_for(rt)
        with rt.sessions() as s:
            returns = s.scalars(
                select(OrderReturn)
                .where(OrderReturn.marketplace_account_id == account.account_id, OrderReturn.return_awb.is_not(None))
                .order_by(OrderReturn.id)
            ).all()
            r1, r2, r3, r4, r5 = returns[:5]
            forward = s.scalar(select(ReturnAwb.awb).where(ReturnAwb.return_id == r4.id, ReturnAwb.leg == "FORWARD"))
            assert forward is not None
        with rt.session() as s:
            now = rt.clock.now()
            first = scan(
                s,
                storage,
                account.seller_id,
                f"  {r1.return_awb} ",
                actor=STAFF,
                now=now,
                mode="scan",
                warehouse="WH-1",
            )
            assert (first.first, first.matched_on, first.return_id, first.internal_status) == (
                True,
                "awb",
                r1.id,
                "received",
            )
            repeat = scan(
                s, storage, account.seller_id, r1.return_awb or "", actor=STAFF, now=now + timedelta(minutes=1)
            )
            assert not repeat.first and "already received" in repeat.message and repeat.received_at == first.received_at
            assert scan(s, storage, account.seller_id, r2.external_id, actor=STAFF, now=now).matched_on == "return_id"
            by_order = scan(s, storage, account.seller_id, r3.order_external_id, actor=STAFF, now=now, mode="order")
            assert (by_order.matched_on, by_order.return_id) == ("order_id", r3.id)
            by_forward = scan(s, storage, account.seller_id, forward, actor=STAFF, now=now, mode="scan")
            assert by_forward.return_id == r4.id
            damaged = scan(
                s, storage, account.seller_id, r5.external_id, actor=STAFF, now=now, damage_note="torn packet, stained"
            )
            assert damaged.first and damaged.damage_note == "torn packet, stained" and "(damaged)" in damaged.message
            received = s.get(OrderReturn, r5.id)
            assert (
                received is not None and received.internal_status == "received" and received.received_by == STAFF.name
            )
            scans = s.scalars(
                select(ReturnScanEvent).where(ReturnScanEvent.return_id == r1.id).order_by(ReturnScanEvent.id)
            ).all()
            assert [x.first for x in scans] == [True, False] and scans[0].warehouse == "WH-1"

            with pytest.raises(NotFound):
                scan(s, storage, account.seller_id, "NO-SUCH-AWB", actor=STAFF, now=now)
            with pytest.raises(NotFound):  # another seller's parcel is not this seller's to receive
                scan(s, storage, other.seller_id, r2.external_id, actor=STAFF, now=now)
            with pytest.raises(InvalidInput) as err:
                scan(s, storage, account.seller_id, "   ", actor=STAFF, now=now)
            assert err.value.field == "code"
            with pytest.raises(InvalidInput) as err:
                scan(s, storage, account.seller_id, r2.external_id, actor=STAFF, now=now, mode="barcode")
            assert err.value.field == "mode"
            payout = s.scalar(
                select(MarketplacePayout.external_id)
                .where(MarketplacePayout.marketplace_account_id == account.account_id)
                .order_by(MarketplacePayout.id.desc())
            )
            assert payout is not None
            matched_on, candidates = resolve(s, account.seller_id, payout, "payout")
            assert matched_on == "payout" and len(candidates) > 1
            waiting = [c for c in candidates if c.internal_status in ("awaiting", "claim_pending")]
            if len(waiting) == 1:  # among several, the one still awaited is the one scanned
                assert (
                    scan(s, storage, account.seller_id, payout, actor=STAFF, now=now, mode="payout").return_id
                    == waiting[0].id
                )
            else:
                with pytest.raises(InvalidInput, match="matches"):
                    scan(s, storage, account.seller_id, payout, actor=STAFF, now=now, mode="payout")


def test_robnu_returns_scan_from_the_cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    with wired_runtime(settings, ("MEESHO",), backfill_days=60) as (world, rt):
        remove_kirana_hub(rt)  # the CLI migrates on start; another test's marketplace branch would stop it
        account = money_account(rt, world, "MEESHO", 120)
        sync(rt, account.account_id)
        with rt.sessions() as s:
            ret = s.scalars(
                select(OrderReturn).where(OrderReturn.return_awb.is_not(None)).order_by(OrderReturn.id)
            ).first()
            assert ret is not None
        monkeypatch.setenv("ROBNU_DATABASE_URL", settings.database_url or "")
        monkeypatch.setenv("ROBNU_DATA_DIR", str(settings.data_dir))
        get_settings.cache_clear()
        try:
            runner = CliRunner()
            out = runner.invoke(
                app, ["returns", "scan", ret.return_awb or "", "--seller", str(account.seller_id), "--actor", "gate-2"]
            )
            assert out.exit_code == 0, out.output
            assert f"{ret.external_id} of order {ret.order_external_id} received" in out.output
            again = runner.invoke(app, ["returns", "scan", ret.return_awb or "", "--seller", str(account.seller_id)])
            assert again.exit_code == 0 and "already received" in again.output
            missing = runner.invoke(app, ["returns", "scan", "NOPE", "--seller", str(account.seller_id)])
            assert missing.exit_code == 3 and "no return" in missing.output  # 3: not found (docs/operations.md)
            preview = runner.invoke(app, ["returns", "resolve", ret.external_id, "--seller", str(account.seller_id)])
            assert preview.exit_code == 0 and "received" in preview.output
        finally:
            get_settings.cache_clear()
