"""Kept payout versions: when a sync brings a payout whose lines differ from the stored ones (a corrected or
re-issued statement), the stored lines are kept as a version, the new ones become the next version with the
difference (lines added, removed, changed; the net before and after), and lines the marketplace dropped are
removed from the live payout. A payout that only changes status (scheduled -> paid) makes no version."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from robnu.db.models import MarketplaceAccount, MarketplacePayout, PayoutLineItem
from robnu.db.money_models import PayoutVersion
from robnu.domain.records import PayoutRecord

Line = dict[str, Any]


def _content(lines: Sequence[Line], net: Decimal) -> tuple[list[Line], str]:
    ordered = sorted(lines, key=lambda ln: ln["id"])
    body = json.dumps({"net": str(net), "lines": ordered}, sort_keys=True)
    return ordered, hashlib.sha256(body.encode()).hexdigest()


def _stored_lines(session: Session, payout_id: int) -> list[Line]:
    rows = session.scalars(select(PayoutLineItem).where(PayoutLineItem.payout_id == payout_id)).all()
    return [
        {
            "id": r.external_id,
            "type": r.raw_type or r.line_type,
            "order": r.order_external_id,
            "item": r.order_item_external_id,
            "amount": str(r.amount.quantize(Decimal("0.01"))),
        }
        for r in rows
    ]


def _record_lines(record: PayoutRecord) -> list[Line]:
    return [
        {
            "id": ln.external_id,
            "type": ln.raw_type or str(ln.line_type),
            "order": ln.order_external_id,
            "item": ln.order_item_external_id,
            "amount": str(ln.amount.quantize(Decimal("0.01"))),
        }
        for ln in record.lines
    ]


def diff_lines(old: Sequence[Line], new: Sequence[Line]) -> dict[str, Any]:
    before = {ln["id"]: ln for ln in old}
    after = {ln["id"]: ln for ln in new}
    changed = [
        {
            "id": k,
            "type": after[k]["type"],
            "order": after[k]["order"],
            "from": before[k]["amount"],
            "to": after[k]["amount"],
        }
        for k in sorted(before.keys() & after.keys())
        if before[k]["amount"] != after[k]["amount"] or before[k]["type"] != after[k]["type"]
    ]
    return {
        "added": [after[k] for k in sorted(after.keys() - before.keys())],
        "removed": [before[k] for k in sorted(before.keys() - after.keys())],
        "changed": changed,
    }


def keep_changed(
    session: Session, account: MarketplaceAccount, records: Sequence[PayoutRecord], now: datetime
) -> set[str]:
    """Before ``records`` overwrite stored payouts: keep a version of each one whose lines change. Returns the
    external ids of the payouts that got a new version. Called by the payout writer inside its transaction."""
    if not records:
        return set()
    stored = {
        p.external_id: p
        for p in session.scalars(
            select(MarketplacePayout).where(
                MarketplacePayout.marketplace_account_id == account.id,
                MarketplacePayout.external_id.in_([r.external_id for r in records]),
            )
        ).all()
    }
    versioned: set[str] = set()
    for record in records:
        payout = stored.get(record.external_id)
        if payout is None:
            continue
        old, old_hash = _content(_stored_lines(session, payout.id), payout.net_amount.quantize(Decimal("0.01")))
        new, new_hash = _content(_record_lines(record), record.net_amount.quantize(Decimal("0.01")))
        if old_hash == new_hash:
            continue
        last = session.scalar(select(func.max(PayoutVersion.version)).where(PayoutVersion.payout_id == payout.id))
        if last is None:
            session.add(
                _version(account, payout.id, 1, payout.source_updated_at, payout.net_amount, old, old_hash, {}, now)
            )
            last = 1
        diff = diff_lines(old, new) | {"net": {"from": str(payout.net_amount), "to": str(record.net_amount)}}
        session.add(
            _version(
                account, payout.id, last + 1, record.source_updated_at, record.net_amount, new, new_hash, diff, now
            )
        )
        gone = [ln["id"] for ln in diff["removed"]]
        if gone:
            session.execute(
                delete(PayoutLineItem).where(
                    PayoutLineItem.payout_id == payout.id, PayoutLineItem.external_id.in_(gone)
                )
            )
        versioned.add(record.external_id)
    session.flush()
    return versioned


def _version(
    account: MarketplaceAccount,
    payout_id: int,
    version: int,
    updated: datetime,
    net: Decimal,
    lines: list[Line],
    digest: str,
    diff: dict[str, Any],
    now: datetime,
) -> PayoutVersion:
    return PayoutVersion(
        seller_id=account.seller_id,
        marketplace_account_id=account.id,
        payout_id=payout_id,
        version=version,
        captured_at=now,
        source_updated_at=updated,
        net_amount=net,
        line_count=len(lines),
        sha256=digest,
        lines=json.dumps(lines, sort_keys=True),
        diff=json.dumps(diff, sort_keys=True),
    )
