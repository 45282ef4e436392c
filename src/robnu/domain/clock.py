"""The clock every layer takes instead of calling ``datetime.now`` (so tests and sandboxes control time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")  # the one IST in Robnu: India keeps one offset (+05:30) all year


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until moved; for tests and for the sandboxes' frozen mode."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start: must be timezone-aware")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, instant: datetime) -> None:
        self._now = instant.astimezone(UTC)


def ist_date(instant: datetime) -> str:
    """The IST calendar day of ``instant`` as YYYY-MM-DD (quotas and cut-offs count IST days)."""
    return instant.astimezone(IST).date().isoformat()


def ist_day(instant: datetime) -> date:
    """The IST calendar day of ``instant`` (marketplaces date settlements and cut-offs by IST days)."""
    return instant.astimezone(IST).date()


def ist_midnight(day: date) -> datetime:
    """The instant an IST day starts, as UTC."""
    return datetime.combine(day, time(0, 0), tzinfo=IST).astimezone(UTC)


def as_utc(at: datetime) -> datetime:
    """A stored instant as timezone-aware UTC (SQLite hands naive UTC values back)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
