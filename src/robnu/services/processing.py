"""Run an account's full processing (its marketplace's dispatch flow) as a use case."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from robnu.adapters.base import ProcessingReport
from robnu.adapters.processing import FlowRun
from robnu.db.models import MarketplaceAccount
from robnu.domain.dispatch import SETTING_NAMES, apply_changes
from robnu.domain.errors import NotFound, UnsupportedTarget
from robnu.domain.marketplace import ScheduleTarget
from robnu.services import journal as page_journal
from robnu.services.accounts import adapter_for
from robnu.services.context import build_context
from robnu.services.processing_engine import run_flow
from robnu.services.processing_ledger import Ledger, SqlLedger
from robnu.services.processing_store import SqlProcessingStore
from robnu.services.runtime import Runtime

LedgerFactory = Callable[[Session, MarketplaceAccount], Ledger]


def process_account(
    rt: Runtime,
    account_id: int,
    options: Mapping[str, Any] | None = None,
    *,
    ledger: LedgerFactory = SqlLedger,
) -> ProcessingReport:
    """Run the account's flow once. ``options`` that name a dispatch setting (``closure_policy``,
    ``cutoff``, ...) override the stored one for this run only; the rest reach the flow's stages as
    ``ctx.options`` (``close_manifest``: the user's manual close; a flow's own options). ``ledger`` is where
    the engine records progress (the database; a test may hand in one that fails on purpose)."""
    journal: page_journal.PageJournal | None = None
    try:
        with rt.sessions() as s:
            account = s.get(MarketplaceAccount, account_id)
            if account is None:
                raise NotFound(f"account {account_id} does not exist")
            adapter = adapter_for(rt, account)
            if ScheduleTarget.FULL_PROCESSING not in adapter.supported_targets:
                raise UnsupportedTarget(f"{adapter.code} adapter does not support {ScheduleTarget.FULL_PROCESSING}")
            ctx = build_context(rt, s, adapter, account, purpose="processing")
            given = dict(options or {})
            overrides = {k: given.pop(k) for k in list(given) if k in SETTING_NAMES}
            if overrides:
                ctx.dispatch = apply_changes(ctx.dispatch, overrides)
            ctx.options.update(given)
            if adapter.flow is None:  # the contract refuses FULL_PROCESSING without a flow; a hand-made class may not
                raise UnsupportedTarget(f"{adapter.code} adapter declares no processing flow")
            # Every answer of the pass goes to the journal; the engine tags each with its batch, stage and order.
            journal = page_journal.attach(rt, ctx, adapter.code, page_journal.PROCESSING)
            store = SqlProcessingStore(s, account, rt.clock, rt.storage)
            with adapter.open_client(ctx) as client:
                return run_flow(FlowRun(ctx, client, store), adapter.flow, ledger(s, account))
    finally:
        if journal is not None:  # outside the session: a journal write is a transaction of its own
            journal.close()
