"""The seller's invoice numbers: consecutive per (seller, series prefix, financial year), at most 16
characters, unique per FY (CGST Rule 46(b)).

A number is given to an (order, kind) once and committed at once, so a flow that crashes after sending
the invoice re-sends the same number on resume. The counter is bumped with one conditional UPDATE in a
savepoint together with the number's row: two processes never take the same serial, and a failed
insert rolls the bump back, so the series has no gaps from Robnu's side. (A number whose invoice the
marketplace then refuses stays given to that order; the invoice register shows it against the order.)

A seller who invoiced before Robnu (or also invoices in a marketplace's portal) sets where the series
stands (``set_last_number``); a number a marketplace reports as already used is voided with the reason
and the order takes the next one.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from robnu.db.dialect import insert_for
from robnu.db.dispatch_models import InvoiceNumber, InvoiceSeries
from robnu.db.models import MarketplaceAccount
from robnu.domain.dispatch import check_invoice_prefix, financial_year, invoice_number
from robnu.domain.errors import InvalidInput
from robnu.services.runtime import Runtime


def _given(session: Session, order_id: int, kind: str) -> str | None:
    return session.execute(
        select(InvoiceNumber.number).where(
            InvoiceNumber.order_id == order_id, InvoiceNumber.kind == kind, InvoiceNumber.void_reason.is_(None)
        )
    ).scalar_one_or_none()


def void(session: Session, order_id: int, kind: str, reason: str) -> str | None:
    """Void the order's live number of this kind (the marketplace says it is used elsewhere). Commits."""
    row = session.execute(
        select(InvoiceNumber).where(
            InvoiceNumber.order_id == order_id, InvoiceNumber.kind == kind, InvoiceNumber.void_reason.is_(None)
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    row.void_reason = reason[:200]
    session.commit()
    return row.number


def set_last_number(rt: Runtime, seller_id: int, prefix: str, fy: str, last_number: int) -> None:
    """Where the seller's series stands: the next number Robnu gives is ``last_number + 1``. It never moves
    back below a number Robnu already gave (that would give a number twice)."""
    prefix = check_invoice_prefix(prefix)
    if not re.fullmatch(r"\d{2}-\d{2}", fy) or (int(fy[:2]) + 1) % 100 != int(fy[3:]):
        raise InvalidInput("fy", "must be a financial year like 26-27")
    if last_number < 0:
        raise InvalidInput("last_number", "must be 0 or more")
    try:
        invoice_number(prefix, fy, last_number + 1)
    except ValueError:
        raise InvalidInput("last_number", "the next number would not fit in 16 characters") from None
    with rt.session() as s:
        series = s.execute(
            select(InvoiceSeries).where(
                InvoiceSeries.seller_id == seller_id, InvoiceSeries.prefix == prefix, InvoiceSeries.fy == fy
            )
        ).scalar_one_or_none()
        if series is None:
            s.add(InvoiceSeries(seller_id=seller_id, prefix=prefix, fy=fy, last_number=last_number))
        elif last_number < series.last_number:
            raise InvalidInput("last_number", f"Robnu already gave {prefix}/{fy} numbers up to {series.last_number}")
        else:
            series.last_number = last_number


def assign(
    session: Session,
    account: MarketplaceAccount,
    order_id: int,
    *,
    kind: str,
    prefix: str,
    issued_at: datetime,
) -> str:
    """The order's invoice number of this kind: the one it already has, or the series' next. Commits."""
    prefix = check_invoice_prefix(prefix)
    existing = _given(session, order_id, kind)
    if existing is not None:
        return existing
    fy = financial_year(issued_at)
    insert_fn = insert_for(session)
    with session.begin_nested():
        session.execute(
            insert_fn(InvoiceSeries)
            .values(seller_id=account.seller_id, prefix=prefix, fy=fy, last_number=0)
            .on_conflict_do_nothing(index_elements=["seller_id", "prefix", "fy"])
        )
    nested = session.begin_nested()
    try:
        serial = session.execute(
            update(InvoiceSeries)
            .where(InvoiceSeries.seller_id == account.seller_id, InvoiceSeries.prefix == prefix, InvoiceSeries.fy == fy)
            .values(last_number=InvoiceSeries.last_number + 1)
            .returning(InvoiceSeries.last_number)
        ).scalar_one()
        number = invoice_number(prefix, fy, serial)
        session.add(
            InvoiceNumber(
                seller_id=account.seller_id,
                marketplace_account_id=account.id,
                order_id=order_id,
                kind=kind,
                prefix=prefix,
                fy=fy,
                serial=serial,
                number=number,
                issued_at=issued_at,
            )
        )
        session.flush()
    except IntegrityError:  # another run numbered this order a moment ago: take back the serial, use theirs
        nested.rollback()
        session.commit()
        again = _given(session, order_id, kind)
        if again is None:
            raise
        return again
    nested.commit()
    session.commit()
    return number


def register(session: Session, seller_id: int, fy: str | None = None) -> list[InvoiceNumber]:
    """The seller's invoice register in serial order (per prefix), optionally for one FY."""
    query = select(InvoiceNumber).where(InvoiceNumber.seller_id == seller_id)
    if fy is not None:
        query = query.where(InvoiceNumber.fy == fy)
    return list(session.execute(query.order_by(InvoiceNumber.prefix, InvoiceNumber.fy, InvoiceNumber.serial)).scalars())
