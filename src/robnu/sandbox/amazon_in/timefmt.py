"""Date-time text the way each SP-API surface writes and reads it (ISO 8601 UTC ``Z``)."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta

_EPOCH_DAY = date(1970, 1, 1)


def iso_z(moment: datetime) -> str:
    """``2026-01-10T05:12:00Z``: whole seconds, UTC, ``Z`` suffix (Orders, Finances)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_offset(moment: datetime) -> str:
    """``2026-01-10T05:12:00+00:00``: the Reports API style ('Reports use +00:00')."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def parse_instant(text: str) -> datetime | None:
    """Parse an ISO 8601 date-time; a naive value is read as UTC. ``None`` when unparseable."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def flat_file_date(moment: datetime) -> str:
    """``10-Jul-2025``: the returns flat file's date cells, on the IST calendar day."""
    ist = moment.astimezone(UTC) + timedelta(hours=5, minutes=30)
    return ist.strftime("%d-%b-%Y")


def iso_from_s(epoch_s: int) -> str:
    """``2026-11-20T06:30:00Z``. Built from a cached calendar day and the time of day: a page of 100 orders
    writes ~750 of these, and strftime took a fifth of the page's build."""
    day, second = divmod(epoch_s, 86_400)
    hour, rest = divmod(second, 3600)
    minute, sec = divmod(rest, 60)
    return f"{_iso_day(day)}T{hour:02d}:{minute:02d}:{sec:02d}Z"


@functools.lru_cache(maxsize=4096)
def _iso_day(days_since_epoch: int) -> str:
    return (_EPOCH_DAY + timedelta(days=days_since_epoch)).isoformat()


def from_s(epoch_s: int) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)
