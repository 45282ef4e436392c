"""One period of one account, computed in memory: every line of the period's payouts matched against what
Robnu expects for its order, the differences found, and expected lines that should have been in those payouts.

Orders are matched over all their lines in every synced payout (a sale paid in one month and its return in the
next are one history); a difference belongs to the period of the payout it was found in (for a line that never
came: the payout that should have carried it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.models import MarketplaceAccount, MarketplacePayout, Order, PayoutLineItem
from robnu.domain.fee_rules import NoFeeRule
from robnu.services.reconciliation.expected import model_for
from robnu.services.reconciliation.expected.common import Event, ExpectedGroup, Need, Observed
from robnu.services.reconciliation.facts import OrderFacts, account_facts, load_orders
from robnu.services.reconciliation.matching import OrderMatch, Outcome, PaidLine, Pair, match_order
from robnu.services.reconciliation.period import bounds, carrier_of, period_of, published_until, settled_on
from robnu.services.reconciliation.rates import account_card
from robnu.services.reconciliation.sweep import Difference, sweep

LOOKBACK = timedelta(days=120)  # orders placed this long before a period can still be due in it


@dataclass
class Item:
    payout_id: int | None
    line: PaidLine | None
    order: OrderFacts | None
    order_external_id: str | None
    kind: str
    item: str | None
    expected: Decimal | None
    actual: Decimal | None
    status: str
    difference: Difference | None = None


@dataclass
class Found:
    difference: Difference
    order: OrderFacts
    payout_id: int | None
    marketplace: str

    @property
    def fingerprint(self) -> str:
        return f"{self.difference.reason.value}:{self.order.external_id}:{self.difference.key}"[:200]


@dataclass
class PeriodResult:
    marketplace: str
    period: str
    payouts: list[MarketplacePayout]
    items: list[Item] = field(default_factory=list)
    found: list[Found] = field(default_factory=list)
    published_until: datetime | None = None
    problems: list[str] = field(default_factory=list)  # orders Robnu could not compute (no rate card row …)


def _paid(row: PayoutLineItem) -> PaidLine:
    return PaidLine(
        row.id,
        row.external_id,
        row.payout_id,
        row.raw_type or row.line_type,
        row.order_item_external_id,
        row.amount,
        row.occurred_at,
    )


def compute_period(session: Session, account: MarketplaceAccount, code: str, period: str) -> PeriodResult:
    model = model_for(code)
    card = account_card(session, account, code)
    start, end = bounds(period)
    payouts = list(
        session.scalars(select(MarketplacePayout).where(MarketplacePayout.marketplace_account_id == account.id)).all()
    )
    here = [p for p in payouts if period_of(settled_on(p)) == period]
    result = PeriodResult(code, period, sorted(here, key=lambda p: (settled_on(p), p.id)))
    result.published_until = published_until(payouts)
    here_ids = {p.id for p in here}
    period_lines = (
        list(session.scalars(select(PayoutLineItem).where(PayoutLineItem.payout_id.in_(here_ids))).all())
        if here_ids
        else []
    )
    order_ids = {ln.order_id for ln in period_lines if ln.order_id is not None}
    order_ids |= set(
        session.scalars(
            select(Order.id).where(
                Order.marketplace_account_id == account.id, Order.ordered_at >= start - LOOKBACK, Order.ordered_at < end
            )
        ).all()
    )
    facts = load_orders(session, account_facts(session, account.id, code), sorted(order_ids))
    paid_by_order: dict[int, list[PaidLine]] = {}
    ids = sorted(order_ids)
    for at in range(0, len(ids), 500):
        rows = session.scalars(select(PayoutLineItem).where(PayoutLineItem.order_id.in_(ids[at : at + 500]))).all()
        for row in rows:
            assert row.order_id is not None
            paid_by_order.setdefault(row.order_id, []).append(_paid(row))
    for order_id in ids:
        order = facts.get(order_id)
        paid = paid_by_order.get(order_id, [])
        if order is None:
            continue
        try:
            groups = model.expected(order, card, [Observed(p.kind, p.item, p.amount) for p in paid])
        except NoFeeRule as exc:
            result.problems.append(f"order {order.external_id}: {exc}")
            groups = [_accept_all(paid)]
        match = match_order(groups, paid, result.published_until)
        _collect(result, order, match, sweep(order, match, model), here_ids, payouts)
    known = {ln.id for it in result.items if it.line for ln in [it.line]}
    for row in period_lines:  # lines for no order Robnu knows: nothing to judge them by
        if row.id not in known:
            line = _paid(row)
            result.items.append(
                Item(
                    row.payout_id,
                    line,
                    None,
                    row.order_external_id,
                    line.kind,
                    line.item,
                    None,
                    line.amount,
                    "UNVERIFIED",
                )
            )
    return result


def _accept_all(paid: Sequence[PaidLine]) -> ExpectedGroup:
    """Every paid line accepted unchecked (the order cannot be computed: say so in ``problems``)."""
    group = ExpectedGroup("unverified", Event.SALE, Need.UNVERIFIED)
    for line in paid:
        group.add(line.kind, line.item, None)
    return group


def _collect(
    result: PeriodResult,
    order: OrderFacts,
    match: OrderMatch,
    differences: list[Difference],
    here: set[int],
    payouts: list[MarketplacePayout],
) -> None:
    owner: dict[int, Difference] = {id(p): d for d in differences for p in d.pairs}
    carriers: dict[str, int | None] = {}
    for p in match.pairs:  # a line missing beside paid ones belongs with them
        if p.paid is not None and p.group is not None:
            carriers.setdefault(p.group.key, p.paid.payout_id)

    def carrier(pair: Pair) -> int | None:
        if pair.paid is not None:
            return pair.paid.payout_id
        group = pair.group
        if group is None:
            return None
        if group.key not in carriers:
            found = carrier_of(group.due_at, payouts) if group.due_at is not None else None
            carriers[group.key] = found.id if found else None
        return carriers[group.key]

    for d in differences:
        payout_id = next((ln.payout_id for ln in d.paid_lines), None) or next(
            (c for p in d.pairs if (c := carrier(p)) is not None), None
        )
        if payout_id in here:
            result.found.append(Found(d, order, payout_id, result.marketplace))
    for pair in match.pairs:
        if pair.outcome is Outcome.PENDING:
            continue
        payout_id = carrier(pair)
        if payout_id not in here:
            continue
        diff = owner.get(id(pair))
        status = pair.outcome.value
        if diff is None and pair.outcome in (Outcome.DELTA, Outcome.MISSING, Outcome.UNEXPECTED):
            # a difference that does not cost the seller (dropped by the sweep), or a line nothing judges
            status = "IN_FAVOUR"
        kind = pair.paid.kind if pair.paid else (pair.expected.kind if pair.expected else "")
        item = pair.paid.item if pair.paid else (pair.expected.item if pair.expected else None)
        result.items.append(
            Item(
                payout_id,
                pair.paid,
                order,
                order.external_id,
                kind,
                item,
                pair.expected.amount if pair.expected else None,
                pair.paid.amount if pair.paid else None,
                status,
                diff,
            )
        )
