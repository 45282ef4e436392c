"""Run an account's full processing (its marketplace's dispatch flow) and the inventory push, as use cases."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from robnu.adapters.base import ProcessingReport
from robnu.db.models import MarketplaceAccount
from robnu.domain.dispatch import SETTING_NAMES, apply_changes
from robnu.domain.errors import NotFound, UnsupportedTarget
from robnu.domain.marketplace import ScheduleTarget
from robnu.services.accounts import adapter_for
from robnu.services.context import build_context
from robnu.services.runtime import Runtime


def process_account(rt: Runtime, account_id: int, options: Mapping[str, Any] | None = None) -> ProcessingReport:
    """Run the account's flow once. ``options`` that name a dispatch setting (``closure_policy``,
    ``cutoff``, ...) override the stored one for this run only; the rest reach the flow through
    ``ctx.options`` (``close_manifest``: the user's manual close; test crash points)."""
    with rt.sessions() as s:
        account = s.get(MarketplaceAccount, account_id)
        if account is None:
            raise NotFound(f"account {account_id} does not exist")
        adapter = adapter_for(rt, account)
        if ScheduleTarget.FULL_PROCESSING not in adapter.supported_targets:
            raise UnsupportedTarget(f"{adapter.code} adapter does not support {ScheduleTarget.FULL_PROCESSING}")
        ctx = build_context(rt, s, adapter, account)
        given = dict(options or {})
        overrides = {k: given.pop(k) for k in list(given) if k in SETTING_NAMES}
        if overrides:
            ctx.dispatch = apply_changes(ctx.dispatch, overrides)
        ctx.options.update(given)
        return adapter.full_processing(ctx)
