"""Dispatch settings per account, the seller's tax identity and the gapless invoice series (issue 5)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from robnu.cli.main import app
from robnu.db.dispatch_models import DispatchSettingsRow, InvoiceNumber
from robnu.db.models import MarketplaceAccount, Order, Seller
from robnu.db.processing_models import ProcessingBatch
from robnu.domain.clock import ManualClock
from robnu.domain.dispatch import ClosurePolicy, DispatchSettings, financial_year, invoice_number
from robnu.domain.errors import InvalidInput
from robnu.domain.statuses import OrderStatus
from robnu.services import invoices
from robnu.services.accounts import connect_account, create_seller
from robnu.services.dispatch import effective_settings, set_seller_tax_identity, stored_settings, update_settings
from robnu.services.runtime import Runtime
from robnu.services.writers import write_orders
from tests.conftest import FIXED_NOW
from tests.factories import credentials
from tests.integration.test_cli import cli as cli
from tests.integration.test_processing_engine import LedgerFlow, _run
from tests.integration.test_stock import _order

GOOD_GSTIN = "27AAPFU0939F1ZV"  # a valid checksum (a widely published example GSTIN)


@pytest.fixture
def account(rt: Runtime) -> int:
    rt.clock = ManualClock(FIXED_NOW)
    seller = create_seller(rt, "Dispatch", plan="GROWTH")
    return connect_account(rt, seller, "MEESHO", credentials("MEESHO"))


def _orders(rt: Runtime, account_id: int, n: int, prefix: str = "D") -> list[int]:
    with rt.session() as s:
        acct = s.get(MarketplaceAccount, account_id)
        assert acct is not None
        write_orders(s, acct, [_order(f"{prefix}{i}", OrderStatus.NEW) for i in range(n)], FIXED_NOW)
    with rt.sessions() as s:
        return list(
            s.execute(select(Order.id).where(Order.external_id.startswith(prefix)).order_by(Order.id)).scalars()
        )


def test_an_account_without_settings_runs_on_the_product_defaults(rt: Runtime, account: int) -> None:
    with rt.sessions() as s:
        settings = stored_settings(s, account)
    assert settings == DispatchSettings()
    assert settings.batch_cutoffs == (time(13, 0), time(17, 30)) and settings.cutoff == time(17, 30)
    assert settings.closure_policy is ClosurePolicy.IMMEDIATE


def test_settings_are_stored_and_validated_all_or_nothing(rt: Runtime, account: int) -> None:
    saved = update_settings(
        rt, account, {"closure_policy": "manual", "batch_cutoffs": "11:00, 15:00, 18:00", "manual_autoclose": "yes"}
    )
    assert saved.closure_policy is ClosurePolicy.MANUAL and saved.manual_autoclose
    assert saved.batch_cutoffs == (time(11), time(15), time(18))
    bad_changes = [
        ({"closure_policy": "SOMETIMES"}, "closure_policy"),
        ({"batch_cutoffs": "17:30,13:00"}, "batch_cutoffs"),
        ({"batch_cutoffs": "25:00"}, "batch_cutoffs"),
        ({"delayed_close_minutes": 0}, "delayed_close_minutes"),
        ({"async_max_wait_minutes": "soon"}, "async_max_wait_minutes"),
        ({"seller_gstin": "27AAPFU0939F1ZX"}, "seller_gstin"),  # bad checksum
        ({"invoice_prefix": "TOOLONG"}, "invoice_prefix"),
        ({"colour": "blue"}, "colour"),
    ]
    for changes, field in bad_changes:
        # A good change next to the bad one must not be written either.
        with pytest.raises(InvalidInput) as err:
            update_settings(rt, account, {"pickup_offset_minutes": 45, **changes})
        assert err.value.field == field
    with rt.sessions() as s:
        assert stored_settings(s, account) == saved  # nothing half-written
        row = s.get(DispatchSettingsRow, account)
        assert row is not None and row.batch_cutoffs == "11:00,15:00,18:00" and row.pickup_offset_minutes == 0


def test_the_engine_batches_by_the_accounts_cutoffs_and_policy(rt: Runtime, account: int) -> None:
    update_settings(rt, account, {"batch_cutoffs": "10:00,12:00,16:00", "closure_policy": "DELAYED"})
    _orders(rt, account, 2)
    assert isinstance(rt.clock, ManualClock)
    rt.clock.set(datetime(2026, 11, 20, 5, 0, tzinfo=UTC))  # 10:30 IST: the second of three batches
    report = _run(rt, account, LedgerFlow())
    with rt.sessions() as s:
        batch = s.execute(select(ProcessingBatch)).scalar_one()
    assert (batch.ist_day, batch.batch_no, batch.closure_policy) == ("2026-11-20", 2, "DELAYED")
    assert batch.cutoff_at.replace(tzinfo=UTC) == datetime(2026, 11, 20, 6, 30, tzinfo=UTC)  # 12:00 IST
    assert report.processed == 2  # type: ignore[attr-defined]


def test_the_sellers_gstin_is_checked_and_reaches_every_account(rt: Runtime, account: int) -> None:
    with rt.sessions() as s:
        seller_id = s.get(MarketplaceAccount, account).seller_id  # type: ignore[union-attr]
    with pytest.raises(InvalidInput) as err:
        set_seller_tax_identity(rt, seller_id, gstin="27AAPFU0939F1Z", legal_name="Kavya Textiles")
    assert err.value.field == "gstin"
    with rt.sessions() as s:
        assert s.get(Seller, seller_id).legal_name is None  # type: ignore[union-attr]
    set_seller_tax_identity(rt, seller_id, gstin=GOOD_GSTIN.lower(), legal_name="Kavya Textiles LLP")
    with rt.sessions() as s:
        acct = s.get(MarketplaceAccount, account)
        assert acct is not None
        assert effective_settings(s, acct).seller_gstin == GOOD_GSTIN
    other = "29AAPFU0939F1ZR"  # the account ships from Karnataka under another registration
    update_settings(rt, account, {"seller_gstin": other})
    with rt.sessions() as s:
        acct = s.get(MarketplaceAccount, account)
        assert acct is not None and effective_settings(s, acct).seller_gstin == other


def test_invoice_numbers_are_consecutive_per_series_and_fit_16_characters(rt: Runtime, account: int) -> None:
    orders = _orders(rt, account, 4)
    at = FIXED_NOW
    with rt.sessions() as s:
        acct = s.get(MarketplaceAccount, account)
        assert acct is not None
        numbers = [invoices.assign(s, acct, o, kind="TAX_INVOICE", prefix="MS", issued_at=at) for o in orders[:3]]
        again = invoices.assign(s, acct, orders[0], kind="TAX_INVOICE", prefix="MS", issued_at=at)
        vendor = invoices.assign(s, acct, orders[0], kind="VENDOR_INVOICE", prefix="VN", issued_at=at)
        next_year = invoices.assign(
            s, acct, orders[3], kind="TAX_INVOICE", prefix="MS", issued_at=at.replace(year=2027, month=4)
        )
    fy = financial_year(at)
    assert fy == "26-27"
    assert numbers == [f"MS/26-27/{n:07d}" for n in (1, 2, 3)]
    assert again == numbers[0]  # a re-run gets the same number
    assert vendor == "VN/26-27/0000001"  # another series counts on its own
    assert next_year == "MS/27-28/0000001"  # a new financial year starts again at 1
    assert all(len(n) <= 16 for n in [*numbers, vendor, next_year])
    assert len(invoice_number("ABCDE", "26-27", 9999)) == 16
    with pytest.raises(InvalidInput), rt.sessions() as s:
        acct = s.get(MarketplaceAccount, account)
        assert acct is not None
        invoices.assign(s, acct, orders[3], kind="TAX_INVOICE", prefix="M/S", issued_at=at)


def test_concurrent_numbering_has_no_gaps_and_no_duplicates(rt: Runtime, account: int) -> None:
    orders = _orders(rt, account, 40)
    given: dict[int, str] = {}
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(chunk: list[int]) -> None:
        try:
            for order_id in chunk:
                with rt.sessions() as s:
                    acct = s.get(MarketplaceAccount, account)
                    assert acct is not None
                    number = invoices.assign(s, acct, order_id, kind="TAX_INVOICE", prefix="MS", issued_at=FIXED_NOW)
                with lock:
                    assert given.setdefault(order_id, number) == number
        except BaseException as exc:  # surfaced below: a thread's assert would be lost otherwise
            errors.append(exc)

    # Each order is numbered by two threads at once, as two overlapping runs would.
    chunks = [orders[i::2] for i in range(2)]
    threads = [threading.Thread(target=worker, args=(c,)) for c in (*chunks, *chunks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    serials = sorted(int(n.rsplit("/", 1)[1]) for n in given.values())
    assert serials == list(range(1, 41))
    with rt.sessions() as s:
        assert s.execute(select(func.count(InvoiceNumber.id))).scalar_one() == 40
        assert (
            Counter(r.number for r in invoices.register(s, s.get(MarketplaceAccount, account).seller_id)).most_common(
                1
            )[0][1]
            == 1
        )  # type: ignore[union-attr]


def test_cli_shows_and_changes_settings_and_lists_the_register(rt: Runtime, account: int, cli: CliRunner) -> None:
    runner = cli
    missing = runner.invoke(app, ["accounts", "dispatch", "999"])
    assert missing.exit_code == 3 and "account 999 does not exist" in missing.output  # not found
    shown = runner.invoke(app, ["accounts", "dispatch", str(account)])
    assert shown.exit_code == 0, shown.output
    assert "IMMEDIATE" in shown.output and "13:00,17:30 IST" in shown.output
    changed = runner.invoke(
        app, ["accounts", "dispatch", str(account), "--closure-policy", "delayed", "--cutoffs", "12:00,17:00"]
    )
    assert changed.exit_code == 0, changed.output
    assert "DELAYED" in changed.output and "12:00,17:00 IST" in changed.output
    bad = runner.invoke(app, ["accounts", "dispatch", str(account), "--gstin", "27AAPFU0939F1ZX"])
    assert bad.exit_code != 0 and "seller_gstin" in bad.output and "checksum" in bad.output
    with rt.sessions() as s:
        seller_id = s.get(MarketplaceAccount, account).seller_id  # type: ignore[union-attr]
    assert runner.invoke(app, ["sellers", "tax", str(seller_id), "--gstin", GOOD_GSTIN]).exit_code == 0
    orders = _orders(rt, account, 1, prefix="C")
    with rt.sessions() as s:
        acct = s.get(MarketplaceAccount, account)
        assert acct is not None
        number = invoices.assign(s, acct, orders[0], kind="TAX_INVOICE", prefix="MS", issued_at=FIXED_NOW)
    listed = runner.invoke(app, ["invoices", "list", str(seller_id)])
    assert listed.exit_code == 0 and number in listed.output
    back = runner.invoke(app, ["invoices", "start", str(seller_id), "--prefix", "MS", "--fy", "26-27", "--last", "0"])
    assert back.exit_code == 2 and "already gave" in back.output
    on = runner.invoke(app, ["invoices", "start", str(seller_id), "--prefix", "MS", "--fy", "26-27", "--last", "500"])
    assert on.exit_code == 0 and "next number is 501" in on.output


def test_closure_policy_rules() -> None:
    cutoff = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # 17:30 IST
    immediate, delayed = DispatchSettings(), DispatchSettings(closure_policy=ClosurePolicy.DELAYED)
    manual = DispatchSettings(closure_policy=ClosurePolicy.MANUAL)
    auto = DispatchSettings(closure_policy=ClosurePolicy.MANUAL, manual_autoclose=True)
    early = cutoff - timedelta(hours=3)
    assert immediate.may_close(cutoff, early)
    assert not delayed.may_close(cutoff, cutoff - timedelta(minutes=31))
    assert delayed.may_close(cutoff, cutoff - timedelta(minutes=30))
    assert not manual.may_close(cutoff, cutoff + timedelta(hours=1))  # never without the user
    assert manual.may_close(cutoff, early, user_asked=True)
    assert not auto.may_close(cutoff, cutoff - timedelta(minutes=11))
    assert auto.may_close(cutoff, cutoff - timedelta(minutes=10))


def test_cli_changes_a_sellers_plan(rt: Runtime, account: int, cli: CliRunner) -> None:
    with rt.sessions() as s:
        seller_id = s.get(MarketplaceAccount, account).seller_id  # type: ignore[union-attr]
    assert cli.invoke(app, ["sellers", "plan", str(seller_id), "free"]).exit_code == 0
    with rt.sessions() as s:
        assert s.get(Seller, seller_id).plan == "FREE"  # type: ignore[union-attr]
    bad = cli.invoke(app, ["sellers", "plan", str(seller_id), "platinum"])
    assert bad.exit_code == 2 and "plan" in bad.output
