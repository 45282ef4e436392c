"""The third leg: a bank statement's credits are imported (once), matched to the payouts they pay, and the
batch shows each payout's ledger vs settlement vs bank credit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from robnu.config import Settings
from robnu.db.models import MarketplacePayout
from robnu.domain.clock import IST
from robnu.domain.errors import InvalidInput
from robnu.services.reconciliation.bank import import_statement
from robnu.services.reconciliation.batches import reconcile_period
from tests.money_wiring import money_account, sync
from tests.sandbox_wiring import wired_runtime

PERIOD = "2026-11"


def test_bank_credits_are_imported_once_matched_and_shown_as_the_third_leg(settings: Settings) -> None:
    with wired_runtime(settings, ("MEESHO",), backfill_days=60) as (world, rt):
        account = money_account(rt, world, "MEESHO", 300)
        sync(rt, account.account_id)
        with rt.sessions() as s:
            paid = s.scalars(
                select(MarketplacePayout)
                .where(MarketplacePayout.paid_at.is_not(None), MarketplacePayout.net_amount > 0)
                .order_by(MarketplacePayout.paid_at)
            ).all()
            assert len(paid) >= 3
            exact, by_amount, short = paid[-3:]
            rows = [
                "Txn Date,Narration,Ref No./Cheque No.,Withdrawal Amt.,Deposit Amt.,Balance",
                f'{_day(exact)},NEFT CR MEESHO {exact.external_id},UTR1,,"{exact.net_amount:,.2f}",1',
                f"{_day(by_amount)},RTGS CR FASHNEAR TECHNOLOGIES,UTR2,,{by_amount.net_amount:.2f},2",
                f"{_day(short)},NEFT CR {short.external_id},UTR3,,{short.net_amount - Decimal('100'):.2f},3",
                f"{_day(short)},ATM WDL,,500.00,,4",
            ]
        text = "\n".join(rows) + "\n"
        with rt.session() as s:
            first = import_statement(s, account.seller_id, text, "hdfc-nov.csv", rt.clock.now())
            assert (first.read, first.imported, first.duplicates, first.matched) == (4, 3, 0, 3)
            again = import_statement(s, account.seller_id, text, "hdfc-nov.csv", rt.clock.now())
            assert (again.imported, again.duplicates, again.matched) == (0, 3, 0)
            with pytest.raises(InvalidInput) as err:
                import_statement(s, account.seller_id, "Date,Credit\n31/02/2026,10.00\n", "bad.csv", rt.clock.now())
            assert err.value.field == "bad.csv row 1 date"
            with pytest.raises(InvalidInput) as err:
                import_statement(s, account.seller_id, "When,What\n1,2\n", "odd.csv", rt.clock.now())
            assert err.value.field == "odd.csv header"

        summary = reconcile_period(rt, account.account_id, PERIOD)
        legs = {m.external_id: m for m in summary.three_way}
        assert legs[exact.external_id].status == "MATCHED" and legs[exact.external_id].bank == exact.net_amount
        assert legs[by_amount.external_id].status == "MATCHED"
        assert legs[short.external_id].status == "BANK_SHORT" and legs[short.external_id].bank == short.net_amount - 100
        others = [
            m
            for m in summary.three_way
            if m.external_id not in (exact.external_id, by_amount.external_id, short.external_id)
        ]
        assert all(m.status in ("BANK_MISSING", "NOT_PAID") for m in others)
        assert all(m.ledger == m.settlement for m in summary.three_way)  # no seeded error: the ledger agrees
        assert summary.bank_total == exact.net_amount + by_amount.net_amount + short.net_amount - 100


def _day(payout: MarketplacePayout) -> str:
    assert payout.paid_at is not None
    return payout.paid_at.astimezone(IST).strftime("%d/%m/%Y")
