"""The task-queue port: what a backend does for the schedules. Two implementations: ``LocalRunner``
(in-process threads, any database) and ``ProcrastinateQueue`` (PostgreSQL, any number of workers)."""

from __future__ import annotations

import threading
from typing import Protocol


class TaskQueue(Protocol):
    name: str

    def tick(self) -> int:
        """Hand every due schedule to the queue once; return how many runs were queued or started."""
        ...

    def serve(self, stop: threading.Event) -> None:
        """Execute runs until ``stop`` is set; then finish what is in flight and return."""
        ...
