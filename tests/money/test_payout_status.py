"""A paid payout's status after reconciliation: RECONCILED when nothing about it is open, DISPUTED while a
difference on it is disputed; a sync keeps that verdict for a re-sent unchanged payout and replaces it when the
statement changes or the marketplace says something other than paid."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from robnu.db.models import MarketplaceAccount, MarketplacePayout, PayoutLineItem
from robnu.domain.claims import ClaimAction
from robnu.domain.statuses import PayoutStatus
from robnu.services.claims.claims import Actor, transition
from robnu.services.claims.disputes import file_dispute, resolve, storage_for
from robnu.services.reconciliation.batches import reconcile_period
from robnu.services.reconciliation.payout_status import synced_status, verdict
from robnu.services.runtime import Runtime
from robnu.services.writers import write_payouts
from tests.money.ledger import PUBLISHED, build, payout_record

PERIOD = "2026-11"
FINANCE = Actor("finance@seller.example", None)
PAID_AT = PUBLISHED + timedelta(days=2)


@pytest.mark.parametrize(
    ("adjustments", "ledger", "expected"),
    [
        ([], "MATCHED", PayoutStatus.RECONCILED),
        ([], "BANK_MISSING", PayoutStatus.RECONCILED),  # no bank statement imported yet: the lines decide
        ([], "BANK_SHORT", PayoutStatus.PAID),
        ([], "DELTA", PayoutStatus.PAID),  # ledger and statement disagree with nothing to explain it
        (["OPEN"], "DELTA", PayoutStatus.PAID),
        (["RECOVERED", "OPEN"], "DELTA", PayoutStatus.PAID),
        (["RECOVERED"], "DELTA", PayoutStatus.RECONCILED),  # every difference resolved
        (["LOST", "CORRECTED", "CLOSED"], "DELTA", PayoutStatus.RECONCILED),
        (["DISPUTED", "OPEN"], "DELTA", PayoutStatus.DISPUTED),
        (["DISPUTED"], None, PayoutStatus.DISPUTED),
        (["RECOVERED"], None, PayoutStatus.RECONCILED),
    ],
)
def test_the_verdict_of_a_paid_payout(adjustments: list[str], ledger: str | None, expected: PayoutStatus) -> None:
    assert verdict(adjustments, ledger) is expected


@pytest.mark.parametrize(
    ("stored", "incoming", "changed", "written"),
    [
        ("RECONCILED", "PAID", False, "RECONCILED"),  # re-sent, unchanged, still paid: the verdict stays
        ("DISPUTED", "PAID", False, "DISPUTED"),
        ("RECONCILED", "PAID", True, "PAID"),  # a re-issued statement: judged again by the next run
        ("DISPUTED", "FAILED", False, "FAILED"),  # the transfer bounced: the marketplace's word wins
        ("PAID", "PAID", False, "PAID"),
        ("SCHEDULED", "PAID", False, "PAID"),
        (None, "SCHEDULED", False, "SCHEDULED"),
    ],
)
def test_what_a_sync_writes_over_a_verdict(stored: str | None, incoming: str, changed: bool, written: str) -> None:
    assert synced_status(stored, incoming, changed) == written


def _sync(rt: Runtime, account_id: int, **kw: object) -> None:
    with rt.session() as s:
        account = s.get(MarketplaceAccount, account_id)
        assert account is not None
        write_payouts(s, account, [payout_record(**kw)], rt.clock.now())  # type: ignore[arg-type]


def _status(rt: Runtime, account_id: int) -> tuple[str, str, set[str]]:
    with rt.sessions() as s:
        payout = s.scalar(select(MarketplacePayout).where(MarketplacePayout.marketplace_account_id == account_id))
        assert payout is not None
        lines = set(s.scalars(select(PayoutLineItem.status).where(PayoutLineItem.payout_id == payout.id)))
        return payout.status, payout.raw_status, lines


def test_a_payout_moves_from_paid_to_disputed_to_reconciled_and_a_sync_respects_it(rt: Runtime) -> None:
    ledger = build(rt, breached=False)  # an SLA penalty the watchdog contradicts
    first = reconcile_period(rt, ledger.account_id, PERIOD)
    assert first.deltas == 1 and first.payout_statuses == {}
    assert _status(rt, ledger.account_id)[0] == "SCHEDULED"  # not paid yet: no verdict

    _sync(rt, ledger.account_id, status=PayoutStatus.PAID, updated=PAID_AT, paid_at=PAID_AT)
    assert _status(rt, ledger.account_id) == ("PAID", "PAID", {"PAID"})
    second = reconcile_period(rt, ledger.account_id, PERIOD)
    assert second.payout_statuses == {"PAID": 1}  # the penalty is an open difference

    (adjustment,) = second.adjustments
    with rt.session() as s:
        claim = file_dispute(s, storage_for(rt), adjustment.id, actor=FINANCE, now=rt.clock.now())
        reference = claim.reference
    assert _status(rt, ledger.account_id) == ("DISPUTED", "PAID", {"DISPUTED"})
    assert reconcile_period(rt, ledger.account_id, PERIOD).payout_statuses == {"DISPUTED": 1}

    # AJIO sends the same paid statement again (a newer version, nothing changed): the verdict stays.
    _sync(rt, ledger.account_id, status=PayoutStatus.PAID, updated=PAID_AT + timedelta(hours=1), paid_at=PAID_AT)
    assert _status(rt, ledger.account_id) == ("DISPUTED", "PAID", {"DISPUTED"})

    with rt.session() as s:
        resolve(s, reference, "won", actor=FINANCE, now=rt.clock.now())
    assert _status(rt, ledger.account_id)[0] == "RECONCILED"  # its one difference recovered
    assert reconcile_period(rt, ledger.account_id, PERIOD).payout_statuses == {"RECONCILED": 1}

    # A re-issued statement (the penalty changed): the verdict was about other lines, so the sync writes
    # the marketplace's status until the next run judges the new lines.
    _sync(
        rt,
        ledger.account_id,
        status=PayoutStatus.PAID,
        updated=PAID_AT + timedelta(hours=2),
        paid_at=PAID_AT,
        penalty_amount=Decimal("-150.00"),
    )
    assert _status(rt, ledger.account_id) == ("PAID", "PAID", {"PAID"})


def test_a_payout_whose_lines_all_match_is_reconciled(rt: Runtime) -> None:
    ledger = build(rt, breached=True)  # the watchdog saw the breach: the penalty is justified
    _sync(rt, ledger.account_id, status=PayoutStatus.PAID, updated=PAID_AT, paid_at=PAID_AT)
    summary = reconcile_period(rt, ledger.account_id, PERIOD)
    assert summary.deltas == 0 and summary.payout_statuses == {"RECONCILED": 1}
    assert _status(rt, ledger.account_id) == ("RECONCILED", "PAID", {"RECONCILED"})


def test_a_cancelled_dispute_gives_the_payout_back_to_paid(rt: Runtime) -> None:
    ledger = build(rt, breached=False)
    _sync(rt, ledger.account_id, status=PayoutStatus.PAID, updated=PAID_AT, paid_at=PAID_AT)
    (adjustment,) = reconcile_period(rt, ledger.account_id, PERIOD).adjustments
    with rt.session() as s:
        claim = file_dispute(s, storage_for(rt), adjustment.id, actor=FINANCE, now=rt.clock.now())
        assert s.get(MarketplacePayout, adjustment.payout_id).status == "DISPUTED"  # type: ignore[union-attr]
        transition(s, claim, ClaimAction.CANCEL, actor=FINANCE, now=rt.clock.now(), reason="wrong payout")
    assert _status(rt, ledger.account_id)[0] == "PAID"  # the difference is open again


def test_another_sellers_payouts_are_not_judged(rt: Runtime) -> None:
    mine = build(rt, breached=True)
    _sync(rt, mine.account_id, status=PayoutStatus.PAID, updated=PAID_AT, paid_at=PAID_AT)
    theirs = build(rt, breached=True)
    _sync(rt, theirs.account_id, status=PayoutStatus.PAID, updated=PAID_AT, paid_at=PAID_AT)
    reconcile_period(rt, mine.account_id, PERIOD)
    assert _status(rt, mine.account_id)[0] == "RECONCILED"
    assert _status(rt, theirs.account_id)[0] == "PAID"
