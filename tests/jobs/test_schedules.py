"""Schedules: defaults on connect, cadences in IST, set/pause/resume, and claiming due runs once."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from robnu.db.models import MarketplaceAccount, Schedule
from robnu.domain.errors import InvalidInput, NotFound
from robnu.domain.marketplace import ScheduleTarget
from robnu.services import schedules
from robnu.services.schedules import Cadence, claim_due, next_due, parse_duration
from tests.conftest import FIXED_NOW
from tests.jobs.conftest import KH


def test_defaults_are_created_on_connect_for_supported_targets_only(kh: KH) -> None:
    views = schedules.list_schedules(kh.rt, kh.account)
    # no FULL_PROCESSING here, so no SLA_WATCHDOG either (it watches the batches full processing makes)
    assert {v.target for v in views} == {ScheduleTarget.ORDERS, ScheduleTarget.CREDENTIAL_CHECK}
    by_target = {v.target: v for v in views}
    assert by_target["ORDERS"].cadence == "every 15m ±1m" and by_target["ORDERS"].enabled
    assert by_target["CREDENTIAL_CHECK"].cadence == "every 4h ±10m"
    for v in views:  # first runs soon, spread by jitter
        assert v.next_run_at is not None and FIXED_NOW <= v.next_run_at <= FIXED_NOW + timedelta(minutes=10)


def test_cron_is_read_in_ist_and_intervals_add_jitter() -> None:
    at_noon_ist = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
    nine_ist = next_due(Cadence(cron="0 9,14 * * *"), at_noon_ist)
    assert nine_ist == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)  # 14:00 IST the same day
    assert next_due(Cadence(cron="0 9 * * *"), at_noon_ist) == datetime(2026, 11, 21, 3, 30, tzinfo=UTC)
    rng = random.Random(1)
    for _ in range(20):
        t = next_due(Cadence(interval_seconds=900, jitter_seconds=60), at_noon_ist, rng)
        assert at_noon_ist + timedelta(seconds=900) <= t <= at_noon_ist + timedelta(seconds=960)


def test_durations_and_bad_input(kh: KH) -> None:
    assert [parse_duration(x) for x in ("90s", "15m", "2h", "1d", "45")] == [90, 900, 7200, 86400, 45]
    with pytest.raises(InvalidInput, match="every"):
        parse_duration("soon")
    with pytest.raises(InvalidInput, match="cron"):
        schedules.set_schedule(kh.rt, kh.account, "ORDERS", cron="every morning")
    with pytest.raises(InvalidInput, match="target"):
        schedules.set_schedule(kh.rt, kh.account, "SHIPMENTS", interval_seconds=60)
    with pytest.raises(InvalidInput, match="at least"):
        schedules.set_schedule(kh.rt, kh.account, "ORDERS", interval_seconds=1)
    with pytest.raises(NotFound):
        schedules.set_enabled(kh.rt, 9999, None, False)


def test_set_pause_resume(kh: KH) -> None:
    v = schedules.set_schedule(kh.rt, kh.account, "orders", cron="30 8 * * *", jitter_seconds=0)
    assert v.cadence == "cron 30 8 * * * IST"
    assert v.next_run_at == datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    v = schedules.set_schedule(kh.rt, kh.account, "FULL_PROCESSING", cron="0 9 * * *")
    assert v.target == "FULL_PROCESSING" and v.enabled
    assert schedules.set_enabled(kh.rt, kh.account, None, False) == 3
    assert not any(v.enabled for v in schedules.list_schedules(kh.rt, kh.account))
    assert schedules.set_enabled(kh.rt, kh.account, "ORDERS", True) == 1
    enabled = {v.target for v in schedules.list_schedules(kh.rt, kh.account) if v.enabled}
    assert enabled == {"ORDERS"}


def test_a_due_schedule_is_claimed_once(kh: KH) -> None:
    rt = kh.rt
    other = kh.connect("KH0002")
    with rt.session() as s:
        s.execute(update(Schedule).values(next_run_at=FIXED_NOW - timedelta(minutes=1)))
    with rt.session() as s:
        first = claim_due(s, FIXED_NOW)
    assert {(d.account_id, d.target) for d in first} == {
        (a, t) for a in (kh.account, other) for t in ("ORDERS", "CREDENTIAL_CHECK")
    }
    with rt.session() as s:
        assert claim_due(s, FIXED_NOW) == []  # moved to the next slot in the claiming transaction
        nxt = s.execute(select(Schedule.next_run_at).where(Schedule.target == "ORDERS")).scalars().all()
        assert all(t is not None and t >= FIXED_NOW + timedelta(minutes=15) for t in nxt)
    # a paused schedule and an account that needs reconnecting are never claimed
    later = FIXED_NOW + timedelta(days=1)
    schedules.set_enabled(rt, kh.account, "ORDERS", False)
    with rt.session() as s:
        s.execute(update(MarketplaceAccount).where(MarketplaceAccount.id == other).values(needs_reconnect=True))
    with rt.session() as s:
        assert {(d.account_id, d.target) for d in claim_due(s, later)} == {(kh.account, "CREDENTIAL_CHECK")}


def test_a_rolled_back_claim_leaves_the_schedule_due(kh: KH) -> None:
    with kh.rt.session() as s:
        s.execute(update(Schedule).values(next_run_at=FIXED_NOW))
    with pytest.raises(RuntimeError), kh.rt.session() as s:
        assert claim_due(s, FIXED_NOW)
        raise RuntimeError("enqueue failed")
    with kh.rt.session() as s:
        assert len(claim_due(s, FIXED_NOW)) == 2
