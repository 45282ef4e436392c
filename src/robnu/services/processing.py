"""Run an account's full processing (its marketplace's dispatch flow) as a use case."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from robnu.adapters.base import ProcessingReport
from robnu.adapters.processing import FlowRun
from robnu.db.models import MarketplaceAccount
from robnu.domain.dispatch import SETTING_NAMES, apply_changes
from robnu.domain.errors import UnsupportedTarget
from robnu.domain.marketplace import ScheduleTarget
from robnu.services import journal as page_journal
from robnu.services.adapter_session import adapter_session
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
    # Every answer of the pass goes to the journal; the engine tags each with its batch, stage and order.
    with adapter_session(
        rt, account_id, page_journal.PROCESSING, purpose="processing", requires=ScheduleTarget.FULL_PROCESSING
    ) as work:
        s, account, adapter, ctx = work.session, work.account, work.adapter, work.ctx
        given = dict(options or {})
        overrides = {k: given.pop(k) for k in list(given) if k in SETTING_NAMES}
        if overrides:
            ctx.dispatch = apply_changes(ctx.dispatch, overrides)
        ctx.options.update(given)
        if adapter.flow is None:  # the contract refuses FULL_PROCESSING without a flow; a hand-made class may not
            raise UnsupportedTarget(f"{adapter.code} adapter declares no processing flow")
        store = SqlProcessingStore(s, account, rt.clock, rt.storage)
        # The client is closed (HTTP only, no write) before the session; the journal after it.
        with adapter.open_client(ctx) as client:
            return run_flow(FlowRun(ctx, client, store), adapter.flow, ledger(s, account))
