"""The SLA watchdog: headroom per open batch as the clock moves, one sla_events row per band
edge (re-runs and concurrent watchers), closed batches and finished orders ignored, the pickup offset, the
SLA_WATCHDOG schedule through execute_run (report, email, accounts that need reconnecting), and `robnu sla`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from robnu.cli import common
from robnu.cli import sla as sla_cli
from robnu.cli.main import app
from robnu.config import Settings, get_settings
from robnu.db.dispatch_models import SlaEvent
from robnu.db.models import MarketplaceAccount, Order, Schedule
from robnu.db.processing_models import OrderProcessing, ProcessingBatch
from robnu.domain.clock import IST, ManualClock
from robnu.domain.dispatch import SlaBand
from robnu.domain.records import OrderItemRecord, OrderRecord
from robnu.domain.statuses import OrderStatus
from robnu.jobs.execute import execute_run
from robnu.services import reports, schedules, sla
from robnu.services.accounts import connect_account, create_seller
from robnu.services.dispatch import update_settings
from robnu.services.reports import RunOutcome
from robnu.services.runtime import Runtime
from robnu.services.writers import write_orders
from tests.factories import credentials

DAY = "2026-11-20"


def ist(hhmm: str, day: str = DAY) -> datetime:
    """An IST wall-clock time on the test day, as aware UTC."""
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=IST).astimezone(UTC)


@dataclass
class World:
    rt: Runtime
    clock: ManualClock
    seller: int
    account: int
    serial: int = 0

    def batch(
        self,
        *,
        created: str = "15:30",
        cutoff: str = "17:30",
        policy: str = "IMMEDIATE",
        status: str = "OPEN",
        batch_no: int = 2,
        account: int | None = None,
        day: str = DAY,
    ) -> int:
        account_id = account or self.account
        with self.rt.session() as s:
            seller = s.get(MarketplaceAccount, account_id)
            assert seller is not None
            row = ProcessingBatch(
                seller_id=seller.seller_id,
                marketplace_account_id=account_id,
                ist_day=day,
                batch_no=batch_no,
                closure_policy=policy,
                cutoff_at=ist(cutoff, day),
                stage=0,
                status=status,
                created_at=ist(created, day),
                updated_at=ist(created, day),
            )
            s.add(row)
            s.flush()
            return row.id

    def orders(self, batch_id: int, *specs: tuple[str, str | None]) -> list[int]:
        """(processing status, dispatch_by HH:MM IST or None) per order, all in ``batch_id``."""
        ids = []
        with self.rt.session() as s:
            batch = s.get(ProcessingBatch, batch_id)
            assert batch is not None
            account = s.get(MarketplaceAccount, batch.marketplace_account_id)
            assert account is not None
            for status, dispatch_by in specs:
                self.serial += 1
                ext = f"SLA{self.serial:04d}"
                record = OrderRecord(
                    external_id=ext,
                    source_updated_at=ist("09:00"),
                    status=OrderStatus.ACCEPTED,
                    raw_status="CONFIRMED",
                    ordered_at=ist("09:00"),
                    order_total=Decimal("499.00"),
                    items=[OrderItemRecord(f"{ext}-1", "KURTA-M", 1, Decimal("499.00"), Decimal("499.00"))],
                    dispatch_by=ist(dispatch_by, batch.ist_day) if dispatch_by else None,
                )
                write_orders(s, account, [record], ist("09:00"))
                order_id = s.execute(
                    select(Order.id).where(Order.marketplace_account_id == account.id, Order.external_id == ext)
                ).scalar_one()
                s.add(
                    OrderProcessing(
                        order_id=order_id,
                        seller_id=account.seller_id,
                        marketplace_account_id=account.id,
                        batch_id=batch_id,
                        stage=1,
                        status=status,
                        attempts=0,
                        created_at=batch.created_at,
                        updated_at=batch.created_at,
                    )
                )
                ids.append(order_id)
        return ids

    def at(self, hhmm: str) -> None:
        self.clock.set(ist(hhmm))

    def events(self, batch_id: int | None = None) -> list[SlaEvent]:
        q = select(SlaEvent).order_by(SlaEvent.id)
        if batch_id is not None:
            q = q.where(SlaEvent.batch_id == batch_id)
        with self.rt.sessions() as s:
            return list(s.execute(q).scalars())

    def set_order_status(self, order_id: int, status: str) -> None:
        with self.rt.session() as s:
            s.execute(update(OrderProcessing).where(OrderProcessing.order_id == order_id).values(status=status))

    def board(self, batch_id: int) -> sla.BatchHeadroom:
        (row,) = [b for b in sla.headroom_board(self.rt, self.seller) if b.batch_id == batch_id]
        return row


@pytest.fixture
def w(rt: Runtime) -> Iterator[World]:
    clock = ManualClock(ist("15:30"))
    rt.clock = clock
    seller = create_seller(rt, "Watchdog Test", owner_email="owner@example.in")
    account = connect_account(rt, seller, "AJIO", credentials("AJIO"))
    yield World(rt, clock, seller, account)


def test_bands_cross_at_the_right_times_and_each_is_recorded_once(w: World) -> None:
    # Batch from 15:30 to the 17:30 cut-off: 120 minutes. 50 % is at 16:30, 30 % at 16:54, 10 % at 17:18.
    batch = w.batch(created="15:30", cutoff="17:30")
    w.orders(batch, ("IN_PROGRESS", None), ("PENDING", "19:00"))
    expected = [
        ("16:29", 50.8, SlaBand.HEALTHY),
        ("16:30", 50.0, SlaBand.HEALTHY),  # exactly 50 % is still healthy
        ("16:31", 49.2, SlaBand.WATCH),
        ("16:54", 30.0, SlaBand.WATCH),
        ("16:55", 29.2, SlaBand.WARNING),
        ("17:18", 10.0, SlaBand.WARNING),
        ("17:19", 9.2, SlaBand.CRITICAL),
        ("17:30", 0.0, SlaBand.CRITICAL),
        ("17:31", -0.8, SlaBand.BREACHED),
    ]
    seen: list[SlaBand] = []
    for hhmm, pct, band in expected:
        w.at(hhmm)
        b = w.board(batch)
        assert (b.headroom_pct, b.band, b.open_orders, b.deadline) == (pct, band, 2, ist("17:30")), hhmm
        first, again = sla.watch(w.rt), sla.watch(w.rt)  # a re-run at the same instant writes nothing
        assert again == []
        if band is not SlaBand.HEALTHY and band not in seen:
            seen.append(band)
            (alert,) = first
            assert (alert.batch_id, alert.band, alert.headroom_pct, alert.open_orders) == (batch, band, pct, 2)
        else:
            assert first == [], hhmm
    events = w.events(batch)
    assert [(e.band, e.headroom_pct, e.occurred_at) for e in events] == [
        ("BELOW_50", 49.2, ist("16:31")),
        ("BELOW_30", 29.2, ist("16:55")),
        ("BELOW_10", 9.2, ist("17:19")),
        ("BREACHED", -0.8, ist("17:31")),
    ]
    assert all(e.deadline == ist("17:30") and e.open_orders == 2 for e in events)
    assert all(e.seller_id == w.seller and e.marketplace_account_id == w.account for e in events)
    assert "deadline 17:30 IST, 2 orders open" in events[0].message
    w.clock.advance(timedelta(hours=20))  # long overdue: still one BREACHED row, and the value fits its column
    assert sla.watch(w.rt) == [] and w.board(batch).headroom_pct == -1000.8
    assert len(w.events(batch)) == 4


def test_a_late_first_look_records_only_the_band_it_sees(w: World) -> None:
    batch = w.batch()
    w.orders(batch, ("IN_PROGRESS", None))
    w.at("17:20")
    (alert,) = sla.watch(w.rt)
    assert alert.band is SlaBand.CRITICAL
    w.at("17:25")
    assert sla.watch(w.rt) == []
    assert [e.band for e in w.events(batch)] == ["BELOW_10"]


def test_earliest_open_order_sets_the_deadline_and_climbing_back_is_not_an_alert(w: World) -> None:
    batch = w.batch(created="15:30", cutoff="17:30")
    early, _ = w.orders(batch, ("IN_PROGRESS", "16:30"), ("IN_PROGRESS", "18:00"))
    w.at("16:10")  # 20 of the 60 minutes to 16:30 left
    b = w.board(batch)
    assert (b.deadline, b.headroom_pct, b.band) == (ist("16:30"), 33.3, SlaBand.WATCH)
    assert [a.band for a in sla.watch(w.rt)] == [SlaBand.WATCH]
    w.set_order_status(early, "DONE")  # the early order shipped: the cut-off is the deadline again
    b = w.board(batch)
    assert (b.deadline, b.headroom_pct, b.band, b.open_orders) == (ist("17:30"), 66.7, SlaBand.HEALTHY, 1)
    assert b.recorded_band is SlaBand.WATCH
    assert sla.watch(w.rt) == []
    w.at("16:40")  # sinks back into BELOW_50: already recorded, not a new alert
    assert w.board(batch).band is SlaBand.WATCH and sla.watch(w.rt) == []
    w.at("17:00")
    assert [a.band for a in sla.watch(w.rt)] == [SlaBand.WARNING]
    w.set_order_status(early, "IN_PROGRESS")  # back in the flow (a later order joining would do the same)
    w.at("16:50")  # impossible in real time, but shows that only open orders count
    assert w.board(batch).deadline == ist("16:30")


def test_pickup_offset_moves_the_deadline(w: World) -> None:
    batch = w.batch(created="15:30", cutoff="17:30")
    w.orders(batch, ("IN_PROGRESS", None))
    w.at("16:20")
    b = w.board(batch)
    assert (b.deadline, b.headroom_pct, b.band) == (ist("17:30"), 58.3, SlaBand.HEALTHY)
    assert sla.watch(w.rt) == []
    update_settings(w.rt, w.account, {"pickup_offset_minutes": 30})  # the courier comes at 17:00
    b = w.board(batch)
    assert (b.deadline, b.headroom_pct, b.band) == (ist("17:00"), 44.4, SlaBand.WATCH)
    (alert,) = sla.watch(w.rt)
    assert alert.deadline == ist("17:00") and "deadline 17:00 IST" in alert.message
    w.at("17:01")
    assert [a.band for a in sla.watch(w.rt)] == [SlaBand.BREACHED]  # before the printed cut-off


def test_closed_batches_and_finished_orders_are_ignored(w: World) -> None:
    closed = w.batch(status="CLOSED", batch_no=1, created="09:00", cutoff="13:00")
    w.orders(closed, ("IN_PROGRESS", None))
    finished = w.batch(batch_no=2)
    w.orders(finished, ("DONE", None), ("HELD", None), ("HELD_QUOTA", None), ("FAILED", None))
    watched = w.batch(batch_no=1, day="2026-11-21", created="09:00", cutoff="13:00")
    w.orders(watched, ("PENDING", None), ("DONE", "10:00"))  # a done order's earlier deadline does not count
    w.clock.set(ist("12:00", "2026-11-21"))  # everything is late by now, the closed and finished batches too
    board = sla.headroom_board(w.rt, w.seller)
    assert [(b.batch_id, b.open_orders, b.deadline) for b in board] == [(watched, 1, ist("13:00", "2026-11-21"))]
    assert [a.batch_id for a in sla.watch(w.rt)] == [watched]
    assert {e.batch_id for e in w.events()} == {watched}


def test_seller_and_account_filters(w: World) -> None:
    other_seller = create_seller(w.rt, "Someone Else")
    other_account = connect_account(w.rt, other_seller, "MEESHO", credentials("MEESHO"))
    mine, theirs = w.batch(), w.batch(account=other_account)
    w.orders(mine, ("IN_PROGRESS", None))
    w.orders(theirs, ("IN_PROGRESS", None))
    w.at("17:00")
    assert [b.batch_id for b in sla.headroom_board(w.rt, w.seller)] == [mine]
    assert {b.marketplace for b in sla.headroom_board(w.rt)} == {"AJIO", "MEESHO"}
    assert [a.batch_id for a in sla.watch(w.rt, account_id=other_account)] == [theirs]
    assert [a.batch_id for a in sla.watch(w.rt, seller_id=w.seller)] == [mine]
    assert sla.watch(w.rt) == []


def test_two_watchers_at_once_write_each_band_once(w: World) -> None:
    batches = [w.batch(batch_no=n, created="15:30") for n in range(1, 7)]
    for batch in batches:
        w.orders(batch, ("IN_PROGRESS", None), ("PENDING", None))
    for hhmm in ("16:40", "17:00", "17:25", "17:40"):
        w.at(hhmm)
        barrier = threading.Barrier(2)
        results: list[list[sla.SlaAlert]] = []
        errors: list[BaseException] = []

        def watcher() -> None:
            try:
                barrier.wait()
                found = sla.watch(w.rt)
                results.append(found)
            except BaseException as exc:  # surfaced below, not lost in the thread
                errors.append(exc)

        threads = [threading.Thread(target=watcher) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        alerts = [a for found in results for a in found]
        assert sorted(a.batch_id for a in alerts) == batches, hhmm  # each batch's alert reported once
    for batch in batches:
        assert [e.band for e in w.events(batch)] == ["BELOW_50", "BELOW_30", "BELOW_10", "BREACHED"]


def test_a_band_above_a_recorded_one_is_refused_by_the_insert(w: World) -> None:
    """The race two watchers can run on either side of a band edge: the one that assessed earlier must not
    write a band above the one the later watcher already recorded."""
    batch = w.batch()
    w.orders(batch, ("IN_PROGRESS", None))
    w.at("17:00")
    stale = w.board(batch)  # BELOW_30, assessed by the slower watcher
    w.at("17:20")
    assert [a.band for a in sla.watch(w.rt)] == [SlaBand.CRITICAL]
    assert sla._record(w.rt, stale, ist("17:00")) is None
    assert [e.band for e in w.events(batch)] == ["BELOW_10"]


def test_messages_say_what_to_do_under_each_closure_policy(w: World) -> None:
    manual = w.batch(policy="MANUAL", batch_no=1)
    delayed = w.batch(policy="DELAYED", batch_no=2)
    w.orders(manual, ("IN_PROGRESS", None))
    w.orders(delayed, ("IN_PROGRESS", None))
    w.at("16:40")
    msgs = {a.batch_id: a.message for a in sla.watch(w.rt)}
    assert "a user must close the manifest before the deadline" in msgs[manual]
    assert "DELAYED close at 17:00 IST." in msgs[delayed]
    w.at("17:20")
    msgs = {a.batch_id: a.message for a in sla.watch(w.rt)}
    assert "MANUAL without auto-close: a user must close the manifest now" in msgs[manual]
    assert "The DELAYED close was due at 17:00 IST and the manifest is still open." in msgs[delayed]
    assert "close the manifest now" not in msgs[delayed]
    assert w.board(manual).closes_at is None

    update_settings(w.rt, w.account, {"manual_autoclose": True})
    auto = w.batch(policy="MANUAL", batch_no=3)
    w.orders(auto, ("IN_PROGRESS", None))
    (alert,) = sla.watch(w.rt)
    assert alert.batch_id == auto and "MANUAL close at 17:20 IST." in alert.message
    assert "must close" not in alert.message

    update_settings(w.rt, w.account, {"pickup_offset_minutes": 20})  # the courier comes before the auto-close
    late = w.batch(policy="MANUAL", batch_no=4)
    w.orders(late, ("IN_PROGRESS", None))
    w.at("17:05")
    (alert,) = [a for a in sla.watch(w.rt) if a.batch_id == late]
    assert alert.band is SlaBand.CRITICAL
    assert "MANUAL close at 17:20 IST is after the deadline: close the manifest now" in alert.message


class FakeSMTP:
    sent: list[EmailMessage] = []

    def __init__(self, host: str, port: int, timeout: float) -> None:
        pass

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def starttls(self) -> None:
        pass

    def send_message(self, msg: EmailMessage) -> None:
        FakeSMTP.sent.append(msg)


def test_the_schedule_runs_the_watchdog_through_execute_run(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    (view,) = [v for v in schedules.list_schedules(w.rt, w.account) if v.target == "SLA_WATCHDOG"]
    assert view.cadence == "every 5m" and view.enabled
    monkeypatch.setattr(reports.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setenv("ROBNU_SMTP_HOST", "smtp.example")  # the default notify list: no override
    FakeSMTP.sent = []
    batch = w.batch(policy="MANUAL")
    w.orders(batch, ("IN_PROGRESS", None), ("IN_PROGRESS", None))

    w.at("16:00")
    quiet = execute_run(w.rt, w.account, "SLA_WATCHDOG", schedule_id=view.id)
    assert quiet.outcome is RunOutcome.SUCCEEDED and quiet.counts["processed"] == 1  # AJIO lists no such target
    assert FakeSMTP.sent == []  # a run without a new alert is not mailed

    w.at("17:20")
    alerting = execute_run(w.rt, w.account, "SLA_WATCHDOG", schedule_id=view.id)
    assert alerting.outcome is RunOutcome.PARTIAL and alerting.error == "1 new SLA alert (BELOW_10)"
    assert alerting.report_id is not None
    report = reports.get_report(w.rt, alerting.report_id)
    assert report.target == "SLA_WATCHDOG" and report.processed == 1
    (message,) = report.details["sla_alerts"]
    assert f"AJIO account {w.account} batch {DAY} #2: headroom 8.3 % (below 10 %)" in message
    assert "a user must close the manifest now" in message
    assert report.emailed_at is not None
    (mail,) = FakeSMTP.sent
    assert mail["Subject"] == f"Robnu: 1 new SLA alert (BELOW_10) on AJIO account {w.account}"
    body = mail.get_content()
    assert "SLA alerts:\n  * AJIO account" in body and "a user must close the manifest now" in body
    assert "What failed" not in body
    with w.rt.sessions() as s:
        sc = s.get(Schedule, view.id)
        assert sc is not None and sc.last_run_status == "PARTIAL"

    again = execute_run(w.rt, w.account, "SLA_WATCHDOG")
    assert again.outcome is RunOutcome.SUCCEEDED and len(FakeSMTP.sent) == 1


def test_an_account_that_needs_reconnecting_is_still_watched(w: World) -> None:
    batch = w.batch()
    w.orders(batch, ("IN_PROGRESS", None))
    with w.rt.session() as s:
        assert schedules.pause_account(s, w.account) > 0  # what bad credentials do
        s.execute(update(MarketplaceAccount).values(needs_reconnect=True))
        s.execute(update(Schedule).values(next_run_at=ist("16:00")))
    enabled = {v.target for v in schedules.list_schedules(w.rt, w.account) if v.enabled}
    assert enabled == {"SLA_WATCHDOG", "CLAIM_SWEEPER", "RECONCILIATION"}  # none calls the marketplace
    w.at("16:40")
    with w.rt.session() as s:
        s.execute(update(Schedule).values(enabled=True))  # even if the others were resumed early
        due = schedules.claim_due(s, w.clock.now())
    assert [d.target for d in due if d.target not in ("CLAIM_SWEEPER", "RECONCILIATION")] == ["SLA_WATCHDOG"]
    assert execute_run(w.rt, w.account, "ORDERS").outcome is RunOutcome.SKIPPED
    assert execute_run(w.rt, w.account, "SLA_WATCHDOG").outcome is RunOutcome.PARTIAL


@pytest.fixture
def cli(settings: Settings, w: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("ROBNU_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ROBNU_DATABASE_URL", str(settings.database_url))
    monkeypatch.setattr(common.console, "width", 200)
    real = sla_cli.runtime

    def at_the_test_clock(*, upgrade: bool = False) -> Runtime:
        rt = real(upgrade=upgrade)
        rt.clock = w.clock
        return rt

    monkeypatch.setattr(sla_cli, "runtime", at_the_test_clock)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_cli_prints_the_board(cli: CliRunner, w: World) -> None:
    empty = cli.invoke(app, ["sla"])
    assert empty.exit_code == 0, empty.output
    assert "no open batch has orders in progress" in empty.output
    manual = w.batch(policy="MANUAL", batch_no=2)
    w.orders(manual, ("IN_PROGRESS", None), ("PENDING", "18:00"))
    early = w.batch(batch_no=1, created="09:00", cutoff="13:00", day="2026-11-21")
    w.orders(early, ("IN_PROGRESS", None))
    other_seller = create_seller(w.rt, "Someone Else")
    other = w.batch(account=connect_account(w.rt, other_seller, "MEESHO", credentials("MEESHO")))
    w.orders(other, ("IN_PROGRESS", None))
    w.at("17:00")
    sla.watch(w.rt, seller_id=w.seller)

    result = cli.invoke(app, ["sla", "--seller", str(w.seller)])
    assert result.exit_code == 0, result.output
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in result.output.splitlines() if line.startswith("│")]
    assert "MEESHO" not in result.output
    assert rows == [  # most at risk first
        [
            str(w.account),
            "AJIO",
            DAY,
            "#2",
            "MANUAL",
            f"{DAY} 17:30 IST",
            "25.0 %",
            "BELOW_30",
            "2",
            "BELOW_30",
            "by a user",
        ],
        # tomorrow's first batch, made early: more time left than its span (more than 100 %)
        [
            str(w.account),
            "AJIO",
            "2026-11-21",
            "#1",
            "IMMEDIATE",
            "2026-11-21 13:00 IST",
            "500.0 %",
            "HEALTHY",
            "1",
            "-",
            "when manifested",
        ],
    ]
    assert "as of 2026-11-20 17:00 IST" in result.output
    everyone = cli.invoke(app, ["sla"])
    assert everyone.exit_code == 0 and "MEESHO" in everyone.output and "AJIO" in everyone.output
