"""The rate card reconciliation applies to an account: the marketplace's published card (``INDIA.csv`` for the
statutory rows plus ``<CODE>.csv``, shipped with Robnu) and the seller's own rows for the account."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.models import MarketplaceAccount
from robnu.db.money_models import AccountFeeRule
from robnu.domain.errors import InvalidInput, NotFound
from robnu.domain.fee_rules import COLUMNS, FeeRule, RateCard, check_overlaps, parse_rate_card, rule_from_row

STATUTORY = "INDIA"


def _card_text(code: str) -> str | None:
    path = resources.files("robnu.domain").joinpath("rate_cards", f"{code}.csv")
    return path.read_text(encoding="utf-8") if path.is_file() else None


@lru_cache(maxsize=16)
def published_card(code: str) -> RateCard:
    """The shipped card of ``code`` with the statutory rows; a marketplace without a card has only those."""
    statutory = parse_rate_card(code, _card_text(STATUTORY) or "", name=f"{STATUTORY}.csv")
    own = _card_text(code)
    rules = statutory.rules + (parse_rate_card(code, own).rules if own else ())
    check_overlaps(rules)
    return RateCard(code, rules)


def _row(rule: AccountFeeRule) -> FeeRule:
    return FeeRule(
        fee=rule.fee,
        valid_from=rule.valid_from,
        valid_to=rule.valid_to,
        category=rule.category,
        payment=rule.payment,
        zone=rule.zone,
        band_min=rule.band_min,
        band_max=rule.band_max,
        rate_percent=rule.rate_percent,
        amount=rule.amount,
        minimum=rule.minimum,
        maximum=rule.maximum,
        slab_grams=rule.slab_grams,
        extra_amount=rule.extra_amount,
        note=rule.note or "",
        source=f"account rule {rule.id}",
        priority=1,
    )


def account_card(session: Session, account: MarketplaceAccount, code: str) -> RateCard:
    """The card for ``account``: the published rows, and the seller's own rows winning over them."""
    rows = session.scalars(
        select(AccountFeeRule).where(AccountFeeRule.marketplace_account_id == account.id).order_by(AccountFeeRule.id)
    ).all()
    card = published_card(code)
    return card.with_rules(_row(r) for r in rows) if rows else card


def add_account_rule(
    session: Session, account: MarketplaceAccount, code: str, values: dict[str, Any], now: datetime
) -> AccountFeeRule:
    """Add one of the seller's own rows (validated like a card row, and refused if it overlaps another)."""
    unknown = sorted(set(values) - set(COLUMNS))
    if unknown:
        raise InvalidInput(unknown[0], f"is not a rate-card column ({', '.join(COLUMNS)})")
    text = {k: "" if v is None else str(v) for k, v in values.items()}
    rule = rule_from_row(text, "rule", priority=1)
    account_card(session, account, code).with_rules([rule])  # refuses an overlap with the seller's other rows
    row = AccountFeeRule(
        seller_id=account.seller_id,
        marketplace_account_id=account.id,
        fee=rule.fee,
        valid_from=rule.valid_from,
        valid_to=rule.valid_to,
        category=rule.category,
        payment=rule.payment,
        zone=rule.zone,
        band_min=rule.band_min,
        band_max=rule.band_max,
        rate_percent=rule.rate_percent,
        amount=rule.amount,
        minimum=rule.minimum,
        maximum=rule.maximum,
        slab_grams=rule.slab_grams,
        extra_amount=rule.extra_amount,
        note=rule.note or None,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def close_account_rule(session: Session, account: MarketplaceAccount, rule_id: int, last_day: date) -> None:
    """End one of the seller's rows on ``last_day`` (a rate that changes gets a new row from the next day)."""
    row = session.get(AccountFeeRule, rule_id)
    if row is None or row.marketplace_account_id != account.id:
        raise NotFound(f"account {account.id} has no fee rule {rule_id}")
    if last_day < row.valid_from:
        raise InvalidInput("valid_to", "is before the rule's valid_from")
    row.valid_to = last_day
