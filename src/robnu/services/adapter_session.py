"""One piece of adapter work on one account, opened and closed the same way by every service that hands an
adapter its context (the sync engine, the catalog read, the stock push, full processing, the credential check).

The rule it keeps: the raw-page journal is closed only after the work's session is closed, so never inside a
write transaction. ``PageJournal.close`` waits for the journal's writer thread, and that thread stores its
pages in a transaction of its own; on SQLite it waits for any open write transaction to end, so closing the
journal inside one would have the work wait for its writer while the writer waits for the work (until the busy
timeout, and the pages lost). The work commits what it writes itself; whatever it leaves uncommitted is rolled
back when the session closes, before the journal is closed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from robnu.adapters.base import AdapterContext, MarketplaceAdapter
from robnu.db.models import MarketplaceAccount
from robnu.domain.errors import NotFound, UnsupportedTarget
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.records import SyncWindow
from robnu.services import journal as page_journal
from robnu.services.accounts import adapter_for
from robnu.services.context import build_context
from robnu.services.runtime import Runtime


@dataclass(frozen=True)
class AdapterSession:
    """What the work is handed: its session (it commits its own writes), the account, its adapter, the
    adapter's context (recording into ``journal``) and the journal (None when the journal is off)."""

    session: Session
    account: MarketplaceAccount
    adapter: MarketplaceAdapter
    ctx: AdapterContext[Any]
    journal: page_journal.PageJournal | None


@contextmanager
def adapter_session(
    rt: Runtime,
    account_id: int,
    kind: str,
    *,
    purpose: str,
    requires: ScheduleTarget | None = None,
    run_id: int | None = None,
    target: str | None = None,
    window: SyncWindow | None = None,
    **about: Any,
) -> Iterator[AdapterSession]:
    """Open the account's work of ``kind`` (one of ``journal.KINDS``): a session, the account (``NotFound``
    when there is none), its adapter (``UnknownMarketplace`` from the registry), the adapter's support of
    ``requires`` (``UnsupportedTarget``), its context with the credentials opened for ``purpose`` (their
    errors as ``build_context`` raises them), and the journal attached with what the pages belong to
    (``run_id``, ``target``, ``window``, ``about``: see ``journal.attach``). Nothing is journaled before all
    of that has passed.

    On the way out, whether the work returned or raised: the session is closed first (what the work left
    uncommitted is rolled back), then the journal is closed, outside any write transaction (see the module's
    docstring). So commit before leaving the block whatever must stay."""
    journal: page_journal.PageJournal | None = None
    try:
        with rt.sessions() as s:
            account = s.get(MarketplaceAccount, account_id)
            if account is None:
                raise NotFound(f"account {account_id} does not exist")
            adapter = adapter_for(rt, account)
            if requires is not None and requires not in adapter.supported_targets:
                raise UnsupportedTarget(f"{adapter.code} adapter does not support {requires}")
            ctx = build_context(rt, s, adapter, account, purpose=purpose)
            journal = page_journal.attach(
                rt, ctx, adapter.code, kind, run_id=run_id, target=target, window=window, **about
            )
            yield AdapterSession(s, account, adapter, ctx, journal)
    finally:
        if journal is not None:  # the pages of failed work are kept too: they show what the marketplace sent
            journal.close()
