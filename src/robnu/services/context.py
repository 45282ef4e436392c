"""Build the AdapterContext for one account: decrypted credentials, session, clock, HTTP, tokens."""

from __future__ import annotations

from sqlalchemy.orm import Session

from robnu.adapters.base import AdapterContext, MarketplaceAdapter
from robnu.db.models import MarketplaceAccount
from robnu.services.credentials import load_credentials
from robnu.services.runtime import Runtime
from robnu.services.tokens import DbTokenStore


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
    )
