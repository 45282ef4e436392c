"""How an account's dispatch runs: closure policy, batch cut-offs, SLA bands, invoice series
(docs/domain.md). Pure values and rules; the service layer stores them per account (``dispatch_settings``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any

from robnu.domain.clock import IST
from robnu.domain.errors import InvalidInput
from robnu.domain.india import gstin_problem


class ClosurePolicy(StrEnum):
    """When a dispatch batch closes. The three names are the product's; their timings are modelled."""

    IMMEDIATE = "IMMEDIATE"  # as soon as every shipment is on the manifest and reconciliation is green
    DELAYED = "DELAYED"  # from cut-off - ``delayed_close_minutes``, so late additions still make it
    MANUAL = "MANUAL"  # on a user action; with ``manual_autoclose``, from cut-off - 10 min


MANUAL_AUTOCLOSE_BEFORE = timedelta(minutes=10)  # modelled
INVOICE_NO_MAX = 16  # CGST Rule 46(b)
_PREFIX_RE = re.compile(r"^[A-Za-z0-9]{1,5}$")


@dataclass(frozen=True, slots=True)
class DispatchSettings:
    """One account's dispatch configuration; the defaults are two batches a day, the last cut-off 17:30 IST."""

    closure_policy: ClosurePolicy = ClosurePolicy.IMMEDIATE
    batch_cutoffs: tuple[time, ...] = (time(13, 0), time(17, 30))  # IST; the last one is the day's cut-off
    delayed_close_minutes: int = 30
    manual_autoclose: bool = False
    pickup_offset_minutes: int = 0  # the courier's pickup slot is earlier than the printed cut-off
    async_max_wait_minutes: int = 240  # an order stuck at an asynchronous stage longer than this is held
    seller_gstin: str | None = None  # overrides the seller's GSTIN for this account (another state's pickup)
    invoice_prefix: str | None = None  # the seller's invoice series for this account; None: the adapter's

    @property
    def cutoff(self) -> time:
        return self.batch_cutoffs[-1]

    def closes_at(self, cutoff_at: datetime) -> datetime | None:
        """When a manifest of a batch with this cut-off may be closed without a user action (None: never)."""
        if self.closure_policy is ClosurePolicy.IMMEDIATE:
            return datetime.min.replace(tzinfo=cutoff_at.tzinfo)
        if self.closure_policy is ClosurePolicy.DELAYED:
            return cutoff_at - timedelta(minutes=self.delayed_close_minutes)
        return cutoff_at - MANUAL_AUTOCLOSE_BEFORE if self.manual_autoclose else None

    def may_close(self, cutoff_at: datetime, now: datetime, *, user_asked: bool = False) -> bool:
        if user_asked:
            return True
        at = self.closes_at(cutoff_at)
        return at is not None and now >= at


SETTING_NAMES = frozenset({f.name for f in fields(DispatchSettings)} | {"cutoff"})


def parse_cutoffs(value: str | tuple[time, ...] | list[time], field: str = "batch_cutoffs") -> tuple[time, ...]:
    """``"13:00,17:30"`` -> (13:00, 17:30): at least one, strictly increasing IST times."""
    if isinstance(value, str):
        out: list[time] = []
        for part in (p.strip() for p in value.split(",")):
            try:
                out.append(time.fromisoformat(part))
            except ValueError:
                raise InvalidInput(field, f"{part!r} is not an HH:MM time") from None
    else:
        out = list(value)
    if not out:
        raise InvalidInput(field, "at least one cut-off is needed")
    if any(b <= a for a, b in pairwise(out)):
        raise InvalidInput(field, "cut-offs must be in increasing order within the day")
    return tuple(out)


def format_cutoffs(cutoffs: tuple[time, ...]) -> str:
    return ",".join(t.strftime("%H:%M") for t in cutoffs)


def _int(field: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(field, "must be a whole number of minutes")
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(field, f"{value!r} is not a whole number") from None
    if not low <= number <= high:
        raise InvalidInput(field, f"must be between {low} and {high}")
    return number


def _bool(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise InvalidInput(field, f"{value!r} is not yes/no")


def apply_changes(base: DispatchSettings, changes: Mapping[str, Any]) -> DispatchSettings:
    """``base`` with ``changes`` validated; an unknown key or a bad value raises InvalidInput naming it."""
    values: dict[str, Any] = {}
    for key, raw in changes.items():
        if key not in SETTING_NAMES:
            raise InvalidInput(key, "is not a dispatch setting")
        if key == "closure_policy":
            try:
                values[key] = ClosurePolicy(str(raw).upper())
            except ValueError:
                raise InvalidInput(key, f"must be one of {', '.join(ClosurePolicy)}") from None
        elif key == "batch_cutoffs":
            values[key] = parse_cutoffs(raw)
        elif key == "cutoff":  # the day's last cut-off alone; earlier batches stay
            last = parse_cutoffs(raw if isinstance(raw, str) else (raw,), "cutoff")[-1]
            earlier = tuple(t for t in values.get("batch_cutoffs", base.batch_cutoffs)[:-1] if t < last)
            values["batch_cutoffs"] = (*earlier, last)
        elif key == "delayed_close_minutes":
            values[key] = _int(key, raw, 1, 600)
        elif key == "pickup_offset_minutes":
            values[key] = _int(key, raw, 0, 600)
        elif key == "async_max_wait_minutes":
            values[key] = _int(key, raw, 5, 7 * 24 * 60)
        elif key == "manual_autoclose":
            values[key] = _bool(key, raw)
        elif key == "seller_gstin":
            values[key] = check_gstin(raw, key) if raw else None
        elif key == "invoice_prefix":
            values[key] = check_invoice_prefix(raw, key) if raw else None
    return replace(base, **values)


def check_gstin(value: Any, field: str = "gstin") -> str:
    gstin = str(value).strip().upper()
    problem = gstin_problem(gstin)
    if problem:
        raise InvalidInput(field, problem)
    return gstin


def check_invoice_prefix(value: Any, field: str = "invoice_prefix") -> str:
    prefix = str(value).strip()
    if not _PREFIX_RE.match(prefix):
        raise InvalidInput(field, "must be 1-5 letters or digits (the number must fit in 16 characters)")
    return prefix


def invoice_prefix_ok(prefix: str) -> bool:
    return bool(_PREFIX_RE.match(prefix))


def financial_year(at: datetime) -> str:
    """``26-27`` for an IST date in April 2026 - March 2027 (numbers are unique per FY)."""
    local = at.astimezone(IST)
    start = local.year if local.month >= 4 else local.year - 1
    return f"{start % 100:02d}-{(start + 1) % 100:02d}"


def invoice_number(prefix: str, fy: str, serial: int) -> str:
    """``INV/26-27/000123``-style: at most 16 characters of letters, digits, '-' and '/' (Rule 46(b))."""
    width = INVOICE_NO_MAX - len(prefix) - len(fy) - 2
    number = f"{prefix}/{fy}/{serial:0{width}d}"
    if len(number) > INVOICE_NO_MAX:
        raise ValueError(f"invoice series {prefix}/{fy} is exhausted at {serial}")
    return number


class SlaBand(StrEnum):
    """The watchdog's bands: Healthy / Above 50 % / Below 30 % / Below 10 % (and past the deadline)."""

    HEALTHY = "HEALTHY"  # above 50 %
    WATCH = "BELOW_50"
    WARNING = "BELOW_30"
    CRITICAL = "BELOW_10"
    BREACHED = "BREACHED"


def headroom_pct(start: datetime, deadline: datetime, now: datetime) -> float:
    """(deadline - now) / (deadline - batch start) x 100, negative once past (modelled: no formula is published)."""
    span = (deadline - start).total_seconds()
    if span <= 0:
        return 0.0 if now < deadline else -100.0
    return round((deadline - now).total_seconds() / span * 100, 1)


def band_of(pct: float) -> SlaBand:
    if pct < 0:
        return SlaBand.BREACHED
    if pct < 10:
        return SlaBand.CRITICAL
    if pct < 30:
        return SlaBand.WARNING
    if pct < 50:
        return SlaBand.WATCH
    return SlaBand.HEALTHY
