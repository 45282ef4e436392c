"""Crash injection for processing tests, through the engine's port: a ledger that dies the first time it is
asked to record a given stage — after the stage's effects at the marketplace and in the documents, before
its completion is recorded — exactly the window a resumed run must cover without sending anything twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from robnu.adapters.processing import FlowBatch, StageSpec
from robnu.db.models import MarketplaceAccount
from robnu.services.processing import LedgerFactory
from robnu.services.processing_ledger import Decision, Progress, SqlLedger


class SimulatedCrash(RuntimeError):
    """The process died after a stage's effects, before they were recorded."""


def crash_after(stage: int | None) -> LedgerFactory:
    """A ledger factory whose ledgers crash once, at the first record of ``stage`` (None: never)."""
    fired: list[bool] = []

    class CrashingLedger(SqlLedger):
        def _crash(self, spec: StageSpec) -> None:
            if spec.number == stage and not fired:
                fired.append(True)
                raise SimulatedCrash(f"crash injected after stage {spec.number} ({spec.name})")

        def record_order(self, spec: StageSpec, progress: Progress, decision: Decision, now: datetime) -> None:
            self._crash(spec)
            super().record_order(spec, progress, decision, now)

        def record_batch(self, spec: StageSpec, batch: FlowBatch, decisions: dict[int, Decision], **kw: Any) -> None:
            self._crash(spec)
            super().record_batch(spec, batch, decisions, **kw)

    def make(session: Session, account: MarketplaceAccount) -> SqlLedger:
        return CrashingLedger(session, account)

    return make
