"""The third leg of the three-way match: credits from the seller's bank statement (a CSV export), each matched
to the payout it pays - by the payout's id in the reference or narration, else by the same amount within a few
days of the payout date, when exactly one payout fits."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.models import MarketplaceAccount, MarketplacePayout
from robnu.db.money_models import BankStatementLine
from robnu.domain.clock import IST
from robnu.domain.errors import InvalidInput

MATCH_DAYS = 3  # a credit lands on the payout day or a banking day or two after (RTGS / NEFT)
_ALIASES = {
    "date": ("value_date", "value date", "date", "txn date", "transaction date", "tran date"),
    "credit": ("credit", "credit amount", "deposit", "deposit amt.", "deposit amount", "amount"),
    "debit": ("debit", "debit amount", "withdrawal", "withdrawal amt."),
    "reference": ("reference", "ref no", "ref no.", "ref no./cheque no.", "chq./ref.no.", "utr", "cheque/ref no"),
    "narration": ("narration", "description", "particulars", "remarks", "transaction remarks"),
}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d-%b-%Y", "%d/%m/%y", "%d %b %Y")


@dataclass(frozen=True)
class ImportResult:
    read: int
    imported: int
    duplicates: int
    matched: int


def _columns(fieldnames: list[str], name: str) -> dict[str, str]:
    found: dict[str, str] = {}
    lowered = {f.strip().lower(): f for f in fieldnames}
    for key, names in _ALIASES.items():
        for alias in names:
            if alias in lowered:
                found[key] = lowered[alias]
                break
    for key in ("date", "credit"):
        if key not in found:
            raise InvalidInput(f"{name} header", f"no {key} column (one of: {', '.join(_ALIASES[key])})")
    return found


def _date(text: str, where: str) -> date:
    value = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise InvalidInput(f"{where} date", f"{text!r} is not a date (e.g. 2026-11-15 or 15/11/2026)")


def _amount(text: str, where: str) -> Decimal | None:
    value = text.strip().replace(",", "").replace("\u20b9", "").replace("INR", "").strip()
    if not value or value in ("-", "0", "0.00"):
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InvalidInput(f"{where} credit", f"{text!r} is not an amount") from None
    if not amount.is_finite():
        raise InvalidInput(f"{where} credit", f"{text!r} is not an amount")
    return amount


def import_statement(
    session: Session, seller_id: int, text: str, name: str, now: datetime, *, account_id: int | None = None
) -> ImportResult:
    """Read a bank CSV's credits (debits are skipped), store the new ones and match them to payouts. A file
    with a bad row stores nothing and names the row."""
    reader = csv.DictReader(io.StringIO(text))
    cols = _columns(list(reader.fieldnames or []), name)
    rows: list[BankStatementLine] = []
    seen: dict[str, int] = {}
    read = 0
    for n, row in enumerate(reader, start=1):
        where = f"{name} row {n}"
        read += 1
        amount = _amount(row.get(cols["credit"]) or "", where)
        if amount is None or amount <= 0:
            continue
        day = _date(row.get(cols["date"]) or "", where)
        ref = (row.get(cols["reference"]) or "").strip() if "reference" in cols else ""
        narration = (row.get(cols["narration"]) or "").strip() if "narration" in cols else ""
        base = f"{day.isoformat()}|{amount}|{ref}|{narration}"
        seen[base] = seen.get(base, 0) + 1  # the same credit twice in one file is two credits
        digest = hashlib.sha256(f"{base}|{seen[base]}".encode()).hexdigest()
        rows.append(
            BankStatementLine(
                seller_id=seller_id,
                marketplace_account_id=account_id,
                value_date=day,
                amount=amount,
                reference=ref[:100] or None,
                narration=narration[:300] or None,
                fingerprint=digest,
                source=name[:200],
                imported_at=now,
            )
        )
    known = set(
        session.scalars(
            select(BankStatementLine.fingerprint).where(
                BankStatementLine.seller_id == seller_id,
                BankStatementLine.fingerprint.in_([r.fingerprint for r in rows]),
            )
        ).all()
    )
    fresh = [r for r in rows if r.fingerprint not in known]
    session.add_all(fresh)
    session.flush()
    return ImportResult(read, len(fresh), len(rows) - len(fresh), match_credits(session, seller_id))


def match_credits(session: Session, seller_id: int) -> int:
    """Link each unmatched credit to the one payout it pays; returns how many were linked now."""
    credits = session.scalars(
        select(BankStatementLine).where(BankStatementLine.seller_id == seller_id, BankStatementLine.payout_id.is_(None))
    ).all()
    if not credits:
        return 0
    accounts = select(MarketplaceAccount.id).where(MarketplaceAccount.seller_id == seller_id)
    payouts = session.scalars(
        select(MarketplacePayout).where(
            MarketplacePayout.marketplace_account_id.in_(accounts), MarketplacePayout.paid_at.is_not(None)
        )
    ).all()
    taken = set(
        session.scalars(
            select(BankStatementLine.payout_id).where(
                BankStatementLine.seller_id == seller_id, BankStatementLine.payout_id.is_not(None)
            )
        ).all()
    )
    linked = 0
    for credit in sorted(credits, key=lambda c: (c.value_date, c.id)):
        text = f"{credit.reference or ''} {credit.narration or ''}"
        by_ref = [p for p in payouts if p.id not in taken and p.external_id and p.external_id in text]
        candidates = by_ref or [
            p
            for p in payouts
            if p.id not in taken
            and p.net_amount == credit.amount
            and p.paid_at is not None
            and abs(p.paid_at.astimezone(IST).date() - credit.value_date) <= timedelta(days=MATCH_DAYS)
        ]
        if len(candidates) == 1:
            payout = candidates[0]
            credit.payout_id = payout.id
            credit.marketplace_account_id = payout.marketplace_account_id
            taken.add(payout.id)
            linked += 1
    session.flush()
    return linked


def credits_for(session: Session, payout_ids: list[int]) -> dict[int, Decimal]:
    """The bank credit matched to each payout."""
    if not payout_ids:
        return {}
    rows = session.execute(
        select(BankStatementLine.payout_id, BankStatementLine.amount).where(BankStatementLine.payout_id.in_(payout_ids))
    ).all()
    out: dict[int, Decimal] = {}
    for payout_id, amount in rows:
        if payout_id is not None:
            out[payout_id] = out.get(payout_id, Decimal(0)) + amount
    return out
