"""Build the AdapterContext for one account: its decrypted credentials (the adapter's own model), clock,
HTTP factory, access-token store and dispatch settings. The adapter gets no session: during full
processing its stages reach the database through the store port (``services.processing_store``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from robnu.adapters.base import AdapterContext, MarketplaceAdapter
from robnu.adapters.credentials_base import CredentialModel
from robnu.db.models import MarketplaceAccount
from robnu.services.audit import AuditAction, record
from robnu.services.credentials import load_credentials
from robnu.services.dispatch import effective_settings
from robnu.services.runtime import Runtime
from robnu.services.tokens import DbTokenStore


def build_context(
    rt: Runtime, session: Session, adapter: MarketplaceAdapter, account: MarketplaceAccount, *, purpose: str = "run"
) -> AdapterContext[Any]:
    credentials = load_credentials(session, adapter.satellite, rt.vault, account)
    # Every opening of an account's credentials is in the seller's audit log (its own short transaction:
    # the caller's session may only be reading).
    with rt.session() as audit:
        record(
            audit,
            account.seller_id,
            AuditAction.CREDENTIALS_DECRYPTED,
            rt.clock.now(),
            subject=f"account:{account.id}",
            purpose=purpose,
        )
    if not isinstance(credentials, CredentialModel):  # the one check: adapters then trust their model
        raise TypeError(f"{adapter.code}: satellite credentials must be a CredentialModel")
    return AdapterContext(
        account=account,
        credentials=credentials,
        clock=rt.clock,
        http=rt.http,
        tokens=DbTokenStore(rt.sessions, rt.vault, account, rt.clock),
        dispatch=effective_settings(session, account),
    )
