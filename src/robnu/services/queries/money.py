"""The money truth as the seller reads it: reconciliation runs per account and period, the adjustments they
found (with their audit trail), and the claims filed on them or on returns (with their events and evidence)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.claims_models import ReturnClaim, ReturnClaimEvent, ReturnClaimEvidence
from robnu.db.money_models import Adjustment, AdjustmentEvent, ReconciliationBatch, ReconciliationItem
from robnu.domain.claims import ClaimStatus
from robnu.domain.deductions import Posture
from robnu.domain.errors import InvalidInput, NotFound
from robnu.services.queries.common import (
    DEFAULT_LIMIT,
    AccountRef,
    Dto,
    Keyset,
    ListScope,
    Page,
    enum_value,
    equal,
    paginate,
    seller_accounts,
    text_value,
    where_given,
)

RECONCILIATIONS = Keyset("reconciliations", (ReconciliationBatch.started_at, ReconciliationBatch.id))
ADJUSTMENTS = Keyset("adjustments", (Adjustment.first_seen_at, Adjustment.id))
CLAIMS = Keyset("claims", (ReturnClaim.created_at, ReturnClaim.id))


class AdjustmentStatus(StrEnum):
    """What ``adjustments.status`` holds."""

    OPEN = "OPEN"
    DISPUTED = "DISPUTED"
    RECOVERED = "RECOVERED"
    LOST = "LOST"
    CLOSED = "CLOSED"
    CORRECTED = "CORRECTED"


def _period(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit() or not 1 <= int(text[5:]) <= 12:
        raise InvalidInput("period", "must be a month as YYYY-MM (e.g. 2026-11)")
    return text


@dataclass(frozen=True)
class MoneyFilters:
    marketplace: str | None = None
    account_id: int | None = None
    period: str | None = None
    status: str | None = None


class ReconciliationView(Dto):
    id: int
    account: AccountRef
    period: str
    run_no: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    payouts: int
    lines: int
    matched: int
    deltas: int
    unverified: int
    expected_total: Decimal
    settled_total: Decimal
    bank_total: Decimal | None
    recoverable_total: Decimal
    previous_id: int | None


class ReconciliationItemView(Dto):
    id: int
    payout_id: int | None
    payout_line_id: int | None
    order_id: int | None
    order_external_id: str | None
    dedup_key: str
    line_type: str
    awb: str | None
    expected_amount: Decimal | None
    actual_amount: Decimal | None
    status: str
    adjustment_id: int | None
    claim_id: int | None  # the claim filed on that adjustment, if any
    occurred_at: datetime | None


class ReconciliationDetail(ReconciliationView):
    summary: dict[str, Any]  # the three-way match per payout and the aging buckets
    diff: dict[str, Any]  # what changed since the previous run of the period
    items: list[ReconciliationItemView]


def _recon(b: ReconciliationBatch, account: AccountRef) -> ReconciliationView:
    return ReconciliationView(
        id=b.id,
        account=account,
        period=b.period,
        run_no=b.run_no,
        status=b.status,
        started_at=b.started_at,
        finished_at=b.finished_at,
        payouts=b.payouts,
        lines=b.lines,
        matched=b.matched,
        deltas=b.deltas,
        unverified=b.unverified,
        expected_total=b.expected_total,
        settled_total=b.settled_total,
        bank_total=b.bank_total,
        recoverable_total=b.recoverable_total,
        previous_id=b.previous_id,
    )


def list_reconciliations(
    s: Session,
    seller_id: int,
    filters: MoneyFilters = MoneyFilters(),
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[ReconciliationView]:
    """Reconciliation runs, newest first."""
    period = _period(filters.period)
    scope = ListScope(s, seller_id, filters)
    if scope.empty:
        return Page[ReconciliationView](items=[])
    q = where_given(
        select(ReconciliationBatch).where(scope.rows_of(ReconciliationBatch)),
        equal(ReconciliationBatch.period, period),
    )
    status = text_value("status", filters.status)
    if status:
        q = q.where(ReconciliationBatch.status == status.upper())
    rows, next_cursor = paginate(
        s, q, RECONCILIATIONS, cursor=cursor, limit=limit, sort_values=lambda r: (r[0].started_at, r[0].id)
    )
    return Page[ReconciliationView](
        items=[_recon(b, scope.accounts[b.marketplace_account_id]) for (b,) in rows], next_cursor=next_cursor
    )


def get_reconciliation(s: Session, seller_id: int, batch_id: int) -> ReconciliationDetail:
    b = s.execute(
        select(ReconciliationBatch).where(
            ReconciliationBatch.id == batch_id, ReconciliationBatch.seller_id == seller_id
        )
    ).scalar_one_or_none()
    if b is None:
        raise NotFound(f"reconciliation {batch_id} does not exist")
    items = list(
        s.execute(
            select(ReconciliationItem)
            .where(ReconciliationItem.batch_id == b.id, ReconciliationItem.seller_id == seller_id)
            .order_by(ReconciliationItem.id)
        ).scalars()
    )
    claims = claims_of_adjustments(s, seller_id, [i.adjustment_id for i in items if i.adjustment_id])
    return ReconciliationDetail(
        **_recon(b, seller_accounts(s, seller_id)[b.marketplace_account_id]).model_dump(),
        summary=json.loads(b.summary or "{}"),
        diff=json.loads(b.diff or "{}"),
        items=[
            ReconciliationItemView(
                id=i.id,
                payout_id=i.payout_id,
                payout_line_id=i.payout_line_id,
                order_id=i.order_id,
                order_external_id=i.order_external_id,
                dedup_key=i.dedup_key,
                line_type=i.line_type,
                awb=i.awb,
                expected_amount=i.expected_amount,
                actual_amount=i.actual_amount,
                status=i.status,
                adjustment_id=i.adjustment_id,
                claim_id=claims.get(i.adjustment_id) if i.adjustment_id else None,
                occurred_at=i.occurred_at,
            )
            for i in items
        ],
    )


@dataclass(frozen=True)
class AdjustmentFilters:
    marketplace: str | None = None
    account_id: int | None = None
    period: str | None = None
    status: str | None = None
    posture: str | None = None
    recoverable_only: bool = False


class AdjustmentView(Dto):
    id: int
    account: AccountRef
    period: str | None
    batch_id: int | None
    payout_id: int | None
    order_id: int | None
    order_external_id: str | None
    return_id: int | None
    type: str
    reason_code: str
    posture: str
    is_recoverable: bool
    amount: Decimal  # what the seller is owed
    expected_amount: Decimal | None
    actual_amount: Decimal | None
    currency: str
    status: str
    detail: str
    occurred_at: datetime | None
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    claim_id: int | None  # the claim filed on this adjustment (a dispute), if any
    claim_reference: str | None


class AuditEventView(Dto):
    at: datetime
    action: str
    from_value: str | None
    to_value: str | None
    actor: str
    reason: str | None


class AdjustmentDetail(AdjustmentView):
    events: list[AuditEventView]


def _adjustment(a: Adjustment, account: AccountRef, claim: tuple[int, str] | None) -> AdjustmentView:
    return AdjustmentView(
        id=a.id,
        account=account,
        period=a.period,
        batch_id=a.batch_id,
        payout_id=a.payout_id,
        order_id=a.order_id,
        order_external_id=a.order_external_id,
        return_id=a.return_id,
        type=a.type,
        reason_code=a.reason_code,
        posture=a.posture,
        is_recoverable=a.is_recoverable,
        amount=a.amount,
        expected_amount=a.expected_amount,
        actual_amount=a.actual_amount,
        currency=a.currency,
        status=a.status,
        detail=a.detail,
        occurred_at=a.occurred_at,
        first_seen_at=a.first_seen_at,
        last_seen_at=a.last_seen_at,
        resolved_at=a.resolved_at,
        claim_id=claim[0] if claim else None,
        claim_reference=claim[1] if claim else None,
    )


def list_adjustments(
    s: Session,
    seller_id: int,
    filters: AdjustmentFilters = AdjustmentFilters(),
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[AdjustmentView]:
    """Adjustments (differences found by reconciliation, claim write-backs), newest first."""
    period = _period(filters.period)
    status = enum_value("status", filters.status, AdjustmentStatus)
    posture = enum_value("posture", filters.posture, Posture)
    scope = ListScope(s, seller_id, filters)
    if scope.empty:
        return Page[AdjustmentView](items=[])
    q = where_given(
        select(Adjustment).where(scope.rows_of(Adjustment)),
        equal(Adjustment.period, period),
        equal(Adjustment.status, status),
        equal(Adjustment.posture, posture),
    )
    if filters.recoverable_only:
        q = q.where(Adjustment.is_recoverable.is_(True))
    rows, next_cursor = paginate(
        s, q, ADJUSTMENTS, cursor=cursor, limit=limit, sort_values=lambda r: (r[0].first_seen_at, r[0].id)
    )
    claims = _claims_of(s, seller_id, [a.id for (a,) in rows])
    return Page[AdjustmentView](
        items=[_adjustment(a, scope.accounts[a.marketplace_account_id], claims.get(a.id)) for (a,) in rows],
        next_cursor=next_cursor,
    )


def get_adjustment(s: Session, seller_id: int, adjustment_id: int) -> AdjustmentDetail:
    a = s.execute(
        select(Adjustment).where(Adjustment.id == adjustment_id, Adjustment.seller_id == seller_id)
    ).scalar_one_or_none()
    if a is None:
        raise NotFound(f"adjustment {adjustment_id} does not exist")
    events = s.execute(
        select(AdjustmentEvent)
        .where(AdjustmentEvent.adjustment_id == a.id, AdjustmentEvent.seller_id == seller_id)
        .order_by(AdjustmentEvent.at, AdjustmentEvent.id)
    ).scalars()
    claim = _claims_of(s, seller_id, [a.id]).get(a.id)
    return AdjustmentDetail(
        **_adjustment(a, seller_accounts(s, seller_id)[a.marketplace_account_id], claim).model_dump(),
        events=[
            AuditEventView(
                at=e.at, action=e.action, from_value=e.from_value, to_value=e.to_value, actor=e.actor, reason=e.reason
            )
            for e in events
        ],
    )


def _claims_of(s: Session, seller_id: int, adjustment_ids: list[int]) -> dict[int, tuple[int, str]]:
    """The claim (id, reference) filed on each of these adjustments, for those that have one."""
    if not adjustment_ids:
        return {}
    return {
        int(a): (int(c), str(ref))
        for a, c, ref in s.execute(
            select(ReturnClaim.adjustment_id, ReturnClaim.id, ReturnClaim.reference).where(
                ReturnClaim.seller_id == seller_id, ReturnClaim.adjustment_id.in_(set(adjustment_ids))
            )
        )
    }


def claims_of_adjustments(s: Session, seller_id: int, adjustment_ids: list[int]) -> dict[int, int]:
    """The claim id filed on each of these adjustments (adjustment id -> claim id), for those that have one."""
    return {a: c for a, (c, _) in _claims_of(s, seller_id, adjustment_ids).items()}


class ClaimView(Dto):
    id: int
    reference: str
    account: AccountRef
    return_id: int | None
    adjustment_id: int | None
    order_id: int | None
    status: str
    reason_code: str
    amount_claimed: Decimal
    amount_recovered: Decimal | None
    marketplace_ref: str | None
    needs_evidence: bool
    created_at: datetime
    updated_at: datetime
    filed_at: datetime | None
    resolved_at: datetime | None


class ClaimEvidenceView(Dto):
    document_id: int
    kind: str
    created_at: datetime


class ClaimDetail(ClaimView):
    events: list[AuditEventView]
    evidence: list[ClaimEvidenceView]


def claim_view(c: ReturnClaim, account: AccountRef) -> ClaimView:
    return ClaimView(
        id=c.id,
        reference=c.reference,
        account=account,
        return_id=c.return_id,
        adjustment_id=c.adjustment_id,
        order_id=c.order_id,
        status=c.status,
        reason_code=c.reason_code,
        amount_claimed=c.amount_claimed,
        amount_recovered=c.amount_recovered,
        marketplace_ref=c.marketplace_ref,
        needs_evidence=c.needs_evidence,
        created_at=c.created_at,
        updated_at=c.updated_at,
        filed_at=c.filed_at,
        resolved_at=c.resolved_at,
    )


def list_claims(
    s: Session,
    seller_id: int,
    filters: MoneyFilters = MoneyFilters(),
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[ClaimView]:
    """Claims, newest first (``period`` does not apply to claims and is ignored)."""
    status = enum_value("status", None if filters.status is None else filters.status.replace("-", "_"), ClaimStatus)
    scope = ListScope(s, seller_id, filters)
    if scope.empty:
        return Page[ClaimView](items=[])
    q = where_given(
        select(ReturnClaim).where(scope.rows_of(ReturnClaim)),
        equal(ReturnClaim.status, status),
    )
    rows, next_cursor = paginate(
        s, q, CLAIMS, cursor=cursor, limit=limit, sort_values=lambda r: (r[0].created_at, r[0].id)
    )
    return Page[ClaimView](
        items=[claim_view(c, scope.accounts[c.marketplace_account_id]) for (c,) in rows], next_cursor=next_cursor
    )


def get_claim(s: Session, seller_id: int, claim_id: int) -> ClaimDetail:
    c = s.execute(
        select(ReturnClaim).where(ReturnClaim.id == claim_id, ReturnClaim.seller_id == seller_id)
    ).scalar_one_or_none()
    if c is None:
        raise NotFound(f"claim {claim_id} does not exist")
    events = s.execute(
        select(ReturnClaimEvent)
        .where(ReturnClaimEvent.claim_id == c.id, ReturnClaimEvent.seller_id == seller_id)
        .order_by(ReturnClaimEvent.at, ReturnClaimEvent.id)
    ).scalars()
    evidence = s.execute(
        select(ReturnClaimEvidence)
        .where(ReturnClaimEvidence.claim_id == c.id, ReturnClaimEvidence.seller_id == seller_id)
        .order_by(ReturnClaimEvidence.id)
    ).scalars()
    return ClaimDetail(
        **claim_view(c, seller_accounts(s, seller_id)[c.marketplace_account_id]).model_dump(),
        events=[
            AuditEventView(
                at=e.at, action=e.action, from_value=e.from_status, to_value=e.to_status, actor=e.actor, reason=e.reason
            )
            for e in events
        ],
        evidence=[ClaimEvidenceView(document_id=e.document_id, kind=e.kind, created_at=e.created_at) for e in evidence],
    )
