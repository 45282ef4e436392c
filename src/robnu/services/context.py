"""Build the AdapterContext for one account: decrypted credentials, session, clock, HTTP, tokens, and the
services an adapter may borrow during full processing (quota, document storage, invoice numbers) and
the account's dispatch settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from robnu.adapters.base import AdapterContext, MarketplaceAdapter
from robnu.db.models import MarketplaceAccount
from robnu.services import invoices, quota
from robnu.services.credentials import load_credentials
from robnu.services.dispatch import effective_settings
from robnu.services.documents import LocalStorage, store_document
from robnu.services.runtime import Runtime
from robnu.services.tokens import DbTokenStore


class RuntimeServices:
    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._storage = LocalStorage(rt.settings.data_dir / "documents")

    def claim_quota(self, session: Session, seller_id: int, order_id: int, now: datetime) -> bool:
        return quota.claim(session, seller_id, order_id, now)

    def release_quota(self, session: Session, order_id: int) -> None:
        quota.release(session, order_id)

    def store_document(
        self,
        session: Session,
        *,
        account: MarketplaceAccount,
        doc_type: str,
        content: bytes,
        order_id: int | None = None,
        shipment_id: int | None = None,
        external_ref: str | None = None,
        content_type: str = "application/pdf",
    ) -> int:
        row = store_document(
            session,
            self._storage,
            seller_id=account.seller_id,
            account_id=account.id,
            doc_type=doc_type,
            content=content,
            now=self._rt.clock.now(),
            order_id=order_id,
            shipment_id=shipment_id,
            external_ref=external_ref,
            content_type=content_type,
        )
        return row.id

    def invoice_number(
        self,
        session: Session,
        account: MarketplaceAccount,
        order_id: int,
        *,
        kind: str,
        prefix: str,
        issued_at: datetime,
    ) -> str:
        return invoices.assign(session, account, order_id, kind=kind, prefix=prefix, issued_at=issued_at)

    def void_invoice_number(self, session: Session, order_id: int, *, kind: str, reason: str) -> None:
        invoices.void(session, order_id, kind, reason)


def build_context(
    rt: Runtime, session: Session, adapter: MarketplaceAdapter, account: MarketplaceAccount
) -> AdapterContext:
    return AdapterContext(
        account=account,
        credentials=load_credentials(session, adapter.satellite, rt.vault, account),
        session=session,
        clock=rt.clock,
        http=rt.http,
        tokens=DbTokenStore(rt.sessions, rt.vault, account, rt.clock),
        services=RuntimeServices(rt),
        dispatch=effective_settings(session, account),
    )
