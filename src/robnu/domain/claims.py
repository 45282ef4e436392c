"""Claims and the return life cycle Robnu keeps on top of the marketplace's: states and allowed moves.

A claim (dispute) moves ``pending -> filed -> acknowledged -> resolved_won | resolved_lost``; it can be
cancelled while open and reopened once lost or cancelled. Every move is recorded with who made it and why.
A return's internal status adds what only the seller knows: it was received (scanned at the warehouse), or it
is past its claim date without a scan (``claim_pending``)."""

from __future__ import annotations

from enum import StrEnum

from robnu.domain.errors import InvalidInput


class ClaimStatus(StrEnum):
    PENDING = "pending"
    FILED = "filed"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED_WON = "resolved_won"
    RESOLVED_LOST = "resolved_lost"
    CANCELLED = "cancelled"


class ClaimAction(StrEnum):
    CREATE = "create"
    FILE = "file"
    ACKNOWLEDGE = "acknowledge"
    WIN = "win"
    LOSE = "lose"
    CANCEL = "cancel"
    REOPEN = "reopen"
    EVIDENCE = "evidence"  # evidence added: no change of state


OPEN_CLAIM = frozenset({ClaimStatus.PENDING, ClaimStatus.FILED, ClaimStatus.ACKNOWLEDGED})
_MOVES: dict[ClaimAction, tuple[frozenset[ClaimStatus], ClaimStatus | None]] = {
    ClaimAction.FILE: (frozenset({ClaimStatus.PENDING}), ClaimStatus.FILED),
    ClaimAction.ACKNOWLEDGE: (frozenset({ClaimStatus.FILED}), ClaimStatus.ACKNOWLEDGED),
    ClaimAction.WIN: (frozenset({ClaimStatus.FILED, ClaimStatus.ACKNOWLEDGED}), ClaimStatus.RESOLVED_WON),
    ClaimAction.LOSE: (frozenset({ClaimStatus.FILED, ClaimStatus.ACKNOWLEDGED}), ClaimStatus.RESOLVED_LOST),
    ClaimAction.CANCEL: (OPEN_CLAIM, ClaimStatus.CANCELLED),
    ClaimAction.REOPEN: (frozenset({ClaimStatus.RESOLVED_LOST, ClaimStatus.CANCELLED}), ClaimStatus.PENDING),
    ClaimAction.EVIDENCE: (frozenset(ClaimStatus), None),
}


def next_status(current: ClaimStatus, action: ClaimAction) -> ClaimStatus:
    """The state after ``action``; a move the state machine does not allow names both."""
    allowed, target = _MOVES[action]
    if current not in allowed:
        raise InvalidInput("action", f"cannot {action.value} a claim that is {current.value}")
    return target or current


def parse_outcome(value: str) -> ClaimAction:
    text = value.strip().lower()
    if text in ("won", "win"):
        return ClaimAction.WIN
    if text in ("lost", "lose"):
        return ClaimAction.LOSE
    raise InvalidInput("outcome", f"{value!r} is not won or lost")


class ReturnInternalStatus(StrEnum):
    AWAITING = "awaiting"  # on its way back (or not yet): nothing received
    RECEIVED = "received"  # scanned in at the warehouse (damaged or not)
    CLAIM_PENDING = "claim_pending"  # past its claim date without a scan: the sweeper raised a claim
    CANCELLED = "cancelled"  # the marketplace cancelled the return: nothing will come back


class ScanMode(StrEnum):
    """What the scanned text is taken for. AUTO tries them all in this order and needs one answer."""

    AUTO = "auto"
    SCAN = "scan"  # an AWB / tracking number on the parcel (either leg)
    ORDER = "order"  # the marketplace order id
    RETURN = "return"  # the marketplace return id
    SHIPMENT = "shipment"  # the forward shipment id
    PAYOUT = "payout"  # a settlement id or line id that charged the return


def parse_scan_mode(value: str) -> ScanMode:
    try:
        return ScanMode(value.strip().lower())
    except ValueError:
        raise InvalidInput("mode", f"{value!r} is not one of {', '.join(m.value for m in ScanMode)}") from None
