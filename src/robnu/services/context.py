"""Build the AdapterContext for one account: its decrypted credentials (the adapter's own model), clock,
HTTP factory, access-token store and dispatch settings. The adapter gets no session: during full
processing its stages reach the database through the store port (``services.processing_store``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from robnu.adapters.base import AdapterContext, MarketplaceAdapter
from robnu.adapters.credentials_base import CredentialModel
from robnu.db.models import MarketplaceAccount
from robnu.services.credentials import load_credentials
from robnu.services.dispatch import effective_settings
from robnu.services.runtime import Runtime
from robnu.services.tokens import DbTokenStore


def build_context(
    rt: Runtime, session: Session, adapter: MarketplaceAdapter, account: MarketplaceAccount
) -> AdapterContext[Any]:
    credentials = load_credentials(session, adapter.satellite, rt.vault, account)
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
