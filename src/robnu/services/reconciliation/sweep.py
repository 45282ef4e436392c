"""The error sweep: one order's match turned into named differences, each with the amount the seller is owed.

* A delivered order's sale never paid (its whole group missing and overdue): ``unsettled_delivery``.
* Credits missing beside a paid reversal (TCS / TDS or commission never given back): ``reversal_missing``.
* A fee paid with another amount than the rate card gives: ``fee_above_rate_card`` (a weight-slab fee:
  ``weight_discrepancy``); TCS / TDS with another amount: ``tax_wrong_base``; a sale paid short: ``short_payment``.
  GST on fees follows the fee it is charged on.
* Unexpected lines, clustered by when they were posted and for which order line: a penalty nothing in Robnu's
  records explains (``sla_miss`` for SLA penalties, else ``penalty_without_event``); customer-return lines on an
  order that only came back as an RTO (``rto_charged_as_return``); an exact repeat of a paid charge
  (``duplicate_charge``); anything else that costs the seller (``other``, held for a look).

Only differences that cost the seller become adjustments: money in the seller's favour is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from robnu.domain.deductions import ReasonCode
from robnu.services.reconciliation.expected.common import Event, Role, StatementModel
from robnu.services.reconciliation.facts import OrderFacts
from robnu.services.reconciliation.matching import OrderMatch, Outcome, PaidLine, Pair


@dataclass
class Difference:
    reason: ReasonCode
    key: str  # stable within the order: the group or the first unexpected line
    pairs: list[Pair] = field(default_factory=list)
    detail: str = ""

    @property
    def expected(self) -> Decimal:
        return sum((p.expected_amount for p in self.pairs), Decimal(0))

    @property
    def paid(self) -> Decimal:
        return sum((p.paid_amount for p in self.pairs), Decimal(0))

    @property
    def owed(self) -> Decimal:
        """What the seller is owed: what should have been paid minus what was."""
        return self.expected - self.paid

    @property
    def paid_lines(self) -> list[PaidLine]:
        return [p.paid for p in self.pairs if p.paid is not None]

    @property
    def when(self) -> datetime | None:
        times = [p.occurred_at for p in self.paid_lines if p.occurred_at]
        if times:
            return min(times)
        dues = [p.group.due_at for p in self.pairs if p.group and p.group.due_at]
        return min(dues) if dues else None


def sweep(order: OrderFacts | None, match: OrderMatch, model: StatementModel) -> list[Difference]:
    """The differences of one order (``order`` None: the order is unknown to Robnu; nothing is judged)."""
    if order is None:
        return []
    found: list[Difference] = []
    found += _missing_events(match)
    by_group: dict[str, list[Pair]] = {}
    for p in match.pairs:
        if p.group is not None and p.outcome in (Outcome.DELTA, Outcome.MISSING) and _group_paid(match, p.group.key):
            by_group.setdefault(p.group.key, []).append(p)
    orphan_gst: list[Pair] = []
    for key, pairs in by_group.items():
        diffs, gst = _group_differences(key, pairs, model)
        found += diffs
        orphan_gst += gst
    found += _unexpected(order, match, model)
    _attach_gst(found, orphan_gst)
    return [d for d in found if d.owed > 0]


def _group_paid(match: OrderMatch, key: str) -> bool:
    return any(p.group is not None and p.group.key == key and p.paid is not None for p in match.pairs)


def _missing_events(match: OrderMatch) -> list[Difference]:
    """Required groups never paid though due: a sale (the order was never settled) or credits."""
    groups: dict[str, list[Pair]] = {}
    for p in match.of(Outcome.MISSING):
        if p.group is not None and not _group_paid(match, p.group.key):
            groups.setdefault(p.group.key, []).append(p)
    out = []
    for key, pairs in groups.items():
        group = pairs[0].group
        assert group is not None
        reason = ReasonCode.UNSETTLED_DELIVERY if group.event is Event.SALE else ReasonCode.REVERSAL_MISSING
        out.append(Difference(reason, key, pairs, f"{group.event.value} never paid"))
    return out


def _group_differences(key: str, pairs: list[Pair], model: StatementModel) -> tuple[list[Difference], list[Pair]]:
    """Deltas and missing companions of one paid group, split by what went wrong."""
    credits = [p for p in pairs if p.outcome is Outcome.MISSING and p.expected_amount > 0]
    withheld: list[Pair] = []
    fees: list[Pair] = []
    shipping: list[Pair] = []
    sale: list[Pair] = []
    gst: list[Pair] = []
    other: list[Pair] = []
    for p in pairs:
        if p in credits:
            continue
        assert p.expected is not None
        role = model.role(p.expected.kind)
        bucket = {
            Role.WITHHELD: withheld,
            Role.FEE: fees,
            Role.SHIPPING: shipping,
            Role.SALE: sale,
            Role.GST_ON_FEES: gst,
        }.get(role, other)
        bucket.append(p)
    out: list[Difference] = []
    if credits:
        out.append(Difference(ReasonCode.REVERSAL_MISSING, f"{key}:credits", credits + gst, "credits not given back"))
        gst = []
    if withheld:
        out.append(Difference(ReasonCode.TAX_WRONG_BASE, f"{key}:withheld", withheld, "TCS / TDS on another base"))
    if fees:
        out.append(Difference(ReasonCode.FEE_ABOVE_RATE_CARD, f"{key}:fees", fees + gst, "fee above the rate card"))
        gst = []
    if shipping:
        out.append(Difference(ReasonCode.WEIGHT_DISCREPANCY, f"{key}:shipping", shipping + gst, "shipping slab"))
        gst = []
    if sale:
        out.append(Difference(ReasonCode.SHORT_PAYMENT, f"{key}:sale", sale, "sale paid short"))
    if other:
        out.append(Difference(ReasonCode.OTHER, f"{key}:other", other, "unexplained difference"))
    return out, gst


def _cluster_key(line: PaidLine) -> tuple[int, datetime | None, str | None]:
    return (line.payout_id, line.occurred_at, line.item)


def _unexpected(order: OrderFacts, match: OrderMatch, model: StatementModel) -> list[Difference]:
    clusters: dict[tuple[int, datetime | None, str | None], list[Pair]] = {}
    for p in match.of(Outcome.UNEXPECTED):
        assert p.paid is not None
        clusters.setdefault(_cluster_key(p.paid), []).append(p)
    # An order-level line (no order item) posted with item lines of the same moment belongs to them.
    for key in [k for k in clusters if k[2] is None]:
        mates = [k for k in clusters if k[:2] == key[:2] and k[2] is not None]
        if len(mates) == 1:
            clusters[mates[0]] += clusters.pop(key)
    settled = [p.paid for p in match.pairs if p.paid is not None and p.outcome is not Outcome.UNEXPECTED]
    rto_only = bool(order.returns_of("RTO")) and not order.returns_of("CUSTOMER_RETURN")
    out = []
    for pairs in clusters.values():
        lines = [p.paid for p in pairs if p.paid is not None]
        name = f"unexpected:{min(line.external_id for line in lines)}"
        roles = {model.role(line.kind) for line in lines}
        penalties = [line for line in lines if model.role(line.kind) is Role.PENALTY]
        if penalties:
            reason = model.penalty_reason(penalties[0].kind)
            detail = f"{penalties[0].kind} with no matching event ({order.dispatch.source})"
        elif rto_only and any(model.customer_return_only(line.kind) for line in lines):
            reason, detail = ReasonCode.RTO_CHARGED_AS_RETURN, "customer-return lines on an RTO"
        elif all(_repeats(line, settled, model) for line in lines) and roles - {Role.GST_ON_FEES, Role.WITHHELD}:
            reason, detail = ReasonCode.DUPLICATE_CHARGE, f"{lines[0].kind} charged twice"
        else:
            reason, detail = ReasonCode.OTHER, "lines nothing explains"
        out.append(Difference(reason, name, pairs, detail))
    return out


def _repeats(line: PaidLine, settled: Iterable[PaidLine], model: StatementModel) -> bool:
    """``line`` repeats a charge already paid for the same order line (its GST / tax lines ride along)."""
    if model.role(line.kind) in (Role.GST_ON_FEES, Role.WITHHELD):
        return True
    return any(s.kind == line.kind and s.item == line.item and s.amount == line.amount for s in settled)


def _attach_gst(found: list[Difference], orphans: list[Pair]) -> None:
    """A GST-on-fees delta alone in its group belongs to the difference that changed the fees it is charged
    on: the one posted at the same moment, else the order's only one; failing both it stands alone."""
    for p in orphans:
        assert p.paid is not None or p.expected is not None
        at = p.paid.occurred_at if p.paid else None
        same_time = [d for d in found if at is not None and any(x.occurred_at == at for x in d.paid_lines)]
        target = same_time[0] if same_time else (found[0] if len(found) == 1 else None)
        if target is not None:
            target.pairs.append(p)
        else:
            key = p.group.key if p.group else "gst"
            found.append(Difference(ReasonCode.FEE_ABOVE_RATE_CARD, f"{key}:gst", [p], "GST on fees differs"))
