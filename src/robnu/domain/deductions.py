"""The deduction taxonomy: every difference reconciliation finds gets a reason code from this catalogue, and
each reason has a default posture (recover it, accept the loss, or hold it for a look), overridable per
adjustment with an audit entry. Aging buckets say how long a difference has been open."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from robnu.domain.errors import InvalidInput


class Posture(StrEnum):
    RECOVERABLE = "recoverable"  # goes to the claims queue
    ACCEPT_LOSS = "accept_loss"  # closes: not worth disputing
    HOLD = "hold"  # needs a person to decide


class AdjustmentType(StrEnum):
    DEDUCTION = "deduction"  # a penalty or charge that should not have been taken
    FEE = "fee"  # a fee above the rate card
    TAX = "tax"  # TCS / TDS / GST on fees on the wrong base
    CHARGEBACK = "chargeback"  # a won claim, written back to the payout it disputed
    DISPUTE = "dispute"
    RECOVERY = "recovery"  # money the marketplace owes: an unsettled sale, a credit that never came
    MANUAL = "manual"


class ReasonCode(StrEnum):
    SLA_MISS = "sla_miss"
    PENALTY_WITHOUT_EVENT = "penalty_without_event"
    DUPLICATE_CHARGE = "duplicate_charge"
    REVERSAL_MISSING = "reversal_missing"
    UNSETTLED_DELIVERY = "unsettled_delivery"
    FEE_ABOVE_RATE_CARD = "fee_above_rate_card"
    WEIGHT_DISCREPANCY = "weight_discrepancy"
    TAX_WRONG_BASE = "tax_wrong_base"
    RTO_CHARGED_AS_RETURN = "rto_charged_as_return"
    RTO_LEAK = "rto_leak"
    RETURN_NOT_RECEIVED = "return_not_received"
    SHORT_PAYMENT = "short_payment"
    BANK_CREDIT_MISMATCH = "bank_credit_mismatch"
    QUALITY = "quality"
    MIS_PICK = "mis_pick"
    LATE_ACKNOWLEDGMENT = "late_acknowledgment"
    SLIP_MISMATCH = "slip_mismatch"
    CUSTOMER_RETURN = "customer_return"
    CANCELLATION = "cancellation"
    OTHER = "other"


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    title: str
    posture: Posture
    adjustment_type: AdjustmentType
    evidence: tuple[str, ...]  # what a dispute packet for this reason carries


_E_SHIP = ("invoice", "label", "manifest", "awb_trail")
CATALOGUE: dict[ReasonCode, Reason] = {
    r.code: r
    for r in (
        Reason(
            ReasonCode.SLA_MISS,
            "SLA penalty while Robnu's records show the dispatch on time",
            Posture.RECOVERABLE,
            AdjustmentType.DEDUCTION,
            (*_E_SHIP, "sla_history"),
        ),
        Reason(
            ReasonCode.PENALTY_WITHOUT_EVENT,
            "Penalty with no matching event",
            Posture.RECOVERABLE,
            AdjustmentType.DEDUCTION,
            (*_E_SHIP, "order_history"),
        ),
        Reason(
            ReasonCode.DUPLICATE_CHARGE,
            "The same charge taken twice",
            Posture.RECOVERABLE,
            AdjustmentType.DEDUCTION,
            ("statement_lines", "awb_trail", "return_trail"),
        ),
        Reason(
            ReasonCode.REVERSAL_MISSING,
            "A reversal that never reversed",
            Posture.RECOVERABLE,
            AdjustmentType.RECOVERY,
            ("statement_lines", "return_trail"),
        ),
        Reason(
            ReasonCode.UNSETTLED_DELIVERY,
            "A delivered order never settled",
            Posture.RECOVERABLE,
            AdjustmentType.RECOVERY,
            (*_E_SHIP, "statement_lines"),
        ),
        Reason(
            ReasonCode.FEE_ABOVE_RATE_CARD,
            "A commission or fee above the rate card",
            Posture.RECOVERABLE,
            AdjustmentType.FEE,
            ("statement_lines", "rate_card"),
        ),
        Reason(
            ReasonCode.WEIGHT_DISCREPANCY,
            "Shipping charged on a heavier slab than declared",
            Posture.HOLD,
            AdjustmentType.FEE,
            ("statement_lines", "rate_card", "label"),
        ),
        Reason(
            ReasonCode.TAX_WRONG_BASE,
            "TCS / TDS withheld on the wrong base",
            Posture.RECOVERABLE,
            AdjustmentType.TAX,
            ("statement_lines", "invoice"),
        ),
        Reason(
            ReasonCode.RTO_CHARGED_AS_RETURN,
            "An RTO charged as a customer return",
            Posture.RECOVERABLE,
            AdjustmentType.DEDUCTION,
            ("statement_lines", "awb_trail", "return_trail"),
        ),
        Reason(
            ReasonCode.RTO_LEAK,
            "An RTO charged, the parcel never received",
            Posture.RECOVERABLE,
            AdjustmentType.DEDUCTION,
            ("awb_trail", "return_trail", "scan_events"),
        ),
        Reason(
            ReasonCode.RETURN_NOT_RECEIVED,
            "A customer return never received",
            Posture.RECOVERABLE,
            AdjustmentType.DEDUCTION,
            ("awb_trail", "return_trail", "scan_events"),
        ),
        Reason(
            ReasonCode.SHORT_PAYMENT,
            "A sale paid short of its price",
            Posture.RECOVERABLE,
            AdjustmentType.RECOVERY,
            ("statement_lines", "invoice"),
        ),
        Reason(
            ReasonCode.BANK_CREDIT_MISMATCH,
            "The bank credit differs from the payout",
            Posture.HOLD,
            AdjustmentType.RECOVERY,
            ("statement_lines",),
        ),
        Reason(ReasonCode.QUALITY, "Quality", Posture.ACCEPT_LOSS, AdjustmentType.DEDUCTION, ()),
        Reason(ReasonCode.MIS_PICK, "Mis-pick", Posture.RECOVERABLE, AdjustmentType.DEDUCTION, ("invoice", "label")),
        Reason(
            ReasonCode.LATE_ACKNOWLEDGMENT,
            "Late acknowledgment",
            Posture.RECOVERABLE,
            AdjustmentType.DEDUCTION,
            ("order_history",),
        ),
        Reason(
            ReasonCode.SLIP_MISMATCH,
            "Slip mismatch",
            Posture.RECOVERABLE,
            AdjustmentType.DEDUCTION,
            ("invoice", "label", "manifest"),
        ),
        Reason(ReasonCode.CUSTOMER_RETURN, "Customer return", Posture.ACCEPT_LOSS, AdjustmentType.DEDUCTION, ()),
        Reason(ReasonCode.CANCELLATION, "Cancellation", Posture.HOLD, AdjustmentType.DEDUCTION, ()),
        Reason(ReasonCode.OTHER, "Other / unexplained", Posture.HOLD, AdjustmentType.DEDUCTION, ("statement_lines",)),
    )
}


def reason(code: str) -> Reason:
    """The catalogue entry of ``code``; an unknown code is a clear error (the catalogue is closed)."""
    try:
        return CATALOGUE[ReasonCode(code)]
    except ValueError:
        raise InvalidInput("reason_code", f"{code!r} is not in the catalogue ({', '.join(CATALOGUE)})") from None


def parse_posture(value: str) -> Posture:
    try:
        return Posture(value.strip().lower().replace("-", "_"))
    except ValueError:
        raise InvalidInput("posture", f"{value!r} is not one of {', '.join(p.value for p in Posture)}") from None


AGING_BUCKETS = ((0, 7, "0-7"), (8, 14, "8-14"), (15, 30, "15-30"), (31, None, ">30"))


def aging_bucket(days: int) -> str:
    """The aging bucket of something open for ``days`` whole days (0-7, 8-14, 15-30, >30)."""
    for low, high, label in AGING_BUCKETS:
        if days >= low and (high is None or days <= high):
            return label
    return AGING_BUCKETS[0][2]  # negative ages (a future date) count as new
