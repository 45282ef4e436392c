"""Batches are replayable: a re-run after the marketplace re-issued its statement keeps the old payout as a
version with the difference, and shows what changed since the last run - errors new, errors corrected."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from robnu.config import Settings
from robnu.db.models import MarketplacePayout
from robnu.db.money_models import Adjustment, AdjustmentEvent, PayoutVersion, ReconciliationBatch
from robnu.services.reconciliation.batches import reconcile_period
from tests.money_wiring import arm, disarm, money_account, sync
from tests.sandbox_wiring import wired_runtime

PERIOD = "2026-11"


def test_a_re_issued_statement_is_kept_as_a_version_and_the_re_run_shows_the_diff(settings: Settings) -> None:
    with wired_runtime(settings, ("AJIO",), backfill_days=60) as (world, rt):
        account = money_account(rt, world, "AJIO", 400)
        sync(rt, account.account_id)
        first = reconcile_period(rt, account.account_id, PERIOD)
        assert (first.run_no, first.deltas, first.diff) == (1, 0, {})
        assert set(first.payout_statuses) == {"RECONCILED"}  # every paid payout: every line matched

        plan = arm(world, "AJIO", account.key, PERIOD)  # AJIO re-issues the period's statements, now wrong
        second = reconcile_period(rt, account.account_id, PERIOD, resync=True)
        seeded = {(e["class"], e["order_id"]) for e in plan["errors"]}
        assert second.run_no == 2 and {(a.reason_code, a.order_external_id) for a in second.adjustments} == seeded
        new = set(second.diff["new"])
        assert len(new) == len(seeded) and not second.diff["gone"]
        changed_payouts = {e["settlement_id"] for e in plan["errors"]}
        assert {v["payout"] for v in second.diff["payout_versions"]} == changed_payouts
        with rt.sessions() as s:
            for sid in changed_payouts:
                payout = s.scalar(select(MarketplacePayout).where(MarketplacePayout.external_id == sid))
                assert payout is not None and payout.status != "RECONCILED"  # re-issued, differences open
                kept = s.scalars(
                    select(PayoutVersion).where(PayoutVersion.payout_id == payout.id).order_by(PayoutVersion.version)
                ).all()
                assert [v.version for v in kept] == [1, 2]
                diff = json.loads(kept[1].diff)
                assert diff["added"] or diff["removed"] or diff["changed"]
                assert diff["net"]["from"] != diff["net"]["to"] and kept[1].net_amount == payout.net_amount
                assert {ln["id"] for ln in json.loads(kept[0].lines)} != {
                    ln["id"] for ln in json.loads(kept[1].lines)
                } or diff["changed"]

        world.clock.advance(timedelta(minutes=1))
        disarm(world, "AJIO", account.key)  # corrected: the statements are re-issued right
        third = reconcile_period(rt, account.account_id, PERIOD, resync=True)
        assert third.run_no == 3 and third.deltas == 0 and third.recoverable_total == 0
        assert third.payout_statuses == first.payout_statuses  # corrected: reconciled again
        assert set(third.diff["gone"]) == new and not third.diff["new"]
        with rt.sessions() as s:
            statuses = set(
                s.scalars(select(Adjustment.status).where(Adjustment.marketplace_account_id == account.account_id))
            )
            assert statuses == {"CORRECTED"}
            actions = [e.action for e in s.scalars(select(AdjustmentEvent).order_by(AdjustmentEvent.id))]
            assert actions.count("FOUND") == len(seeded) and actions.count("CORRECTED") == len(seeded)
            runs = s.scalars(select(ReconciliationBatch.run_no).where(ReconciliationBatch.period == PERIOD)).all()
            assert sorted(runs) == [1, 2, 3]

        world.clock.advance(timedelta(minutes=1))
        plan_again = arm(world, "AJIO", account.key, PERIOD)  # wrong again: the same differences reappear
        fourth = reconcile_period(rt, account.account_id, PERIOD, resync=True)
        assert plan_again["errors"] == plan["errors"] and fourth.deltas == len(seeded)
        assert set(fourth.diff["new"]) == new
