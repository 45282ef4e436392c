"""A run's outcome comes from the failure's kind (``classify``), not from the error text: a request the
marketplace refuses is FAILED and not retried; an outage is retried; refused credentials pause the account."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from robnu.adapters.base import AdapterContext
from robnu.adapters.errors import FailureKind, MarketplaceRequestError, TransientMarketplaceError
from robnu.adapters.registry import registry
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.records import OrderRecord, Quarantine, SyncWindow
from robnu.domain.statuses import SyncRunStatus
from robnu.jobs.execute import execute_run
from robnu.services.reports import RunOutcome
from robnu.services.sync import SyncEngine
from tests.fifth_marketplace.adapter import KiranaHubAdapter
from tests.jobs.conftest import KH


class _Refusing(KiranaHubAdapter):
    def sync_orders(self, ctx: AdapterContext, window: SyncWindow) -> Iterator[OrderRecord | Quarantine]:  # type: ignore[type-arg]
        raise MarketplaceRequestError("the window is too wide", http_status=400, code="INVALID_WINDOW")


class _Down(KiranaHubAdapter):
    def sync_orders(self, ctx: AdapterContext, window: SyncWindow) -> Iterator[OrderRecord | Quarantine]:  # type: ignore[type-arg]
        raise TransientMarketplaceError("HTTP 503 after 5 attempts", http_status=503)


@pytest.mark.parametrize(
    ("adapter", "kind", "outcome", "retry"),
    [
        (_Refusing, FailureKind.REJECTED, RunOutcome.FAILED, False),
        (_Down, FailureKind.TRANSIENT, RunOutcome.RETRYING, True),
    ],
)
def test_the_failure_kind_decides_the_outcome(
    kh: KH, adapter: type[KiranaHubAdapter], kind: FailureKind, outcome: RunOutcome, retry: bool
) -> None:
    registry.unregister("KIRANA_HUB")
    registry.register(adapter)
    sync = SyncEngine(kh.rt).run(kh.account, ScheduleTarget.ORDERS)
    assert (sync.status, sync.failure) == (SyncRunStatus.FAILED, kind)
    result = execute_run(kh.rt, kh.account, "ORDERS", max_attempts=5)
    assert (result.outcome, result.retry) == (outcome, retry)
