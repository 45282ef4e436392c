"""The sandbox clock: real time by default; the control API can freeze, set or advance it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SandboxClock:
    """Real time plus an offset, or a frozen instant. Thread-safe: the control API and pages race."""

    def __init__(self, frozen_at: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen: datetime | None = frozen_at.astimezone(UTC) if frozen_at else None

    def now(self) -> datetime:
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return datetime.now(UTC) + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def freeze(self, at: datetime | None = None) -> None:
        with self._lock:
            base = at.astimezone(UTC) if at else (self._frozen or datetime.now(UTC) + self._offset)
            self._frozen = base

    def unfreeze(self) -> None:
        """Run on from the current sandbox instant at real speed."""
        with self._lock:
            if self._frozen is not None:
                self._offset = self._frozen - datetime.now(UTC)
                self._frozen = None

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen += delta
            else:
                self._offset += delta

    def set(self, instant: datetime) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen = instant.astimezone(UTC)
            else:
                self._offset = instant.astimezone(UTC) - datetime.now(UTC)
