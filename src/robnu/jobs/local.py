"""The local runner: ticks schedules and executes due runs in this process with bounded concurrency.

For the SQLite default (``robnu run``). One run per account at a time in this process (the sync
engine's lease keeps other processes out too); a transient failure pulls the schedule's next run
forward by an exponential backoff; on stop, no new run starts and runs in flight finish — a cursor
only ever moves after its window is committed, so stopping never loses or skips data.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from robnu.jobs.execute import RunResult, execute_run
from robnu.jobs.settings import JobSettings, backoff_seconds, concurrency_for
from robnu.services import lease, schedules
from robnu.services.reports import RunOutcome
from robnu.services.runtime import Runtime

log = logging.getLogger(__name__)


class LocalRunner:
    name = "LOCAL"

    def __init__(self, rt: Runtime, settings: JobSettings | None = None) -> None:
        self.rt = rt
        self.settings = settings or JobSettings()
        self.worker = "local:" + lease.new_owner()
        self.concurrency = concurrency_for(self.settings, rt.engine.dialect.name)
        self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="robnu-run")
        self._busy: dict[int, Future[None]] = {}  # account id -> its runs in flight
        self._attempts: dict[int, int] = defaultdict(int)  # schedule id -> failed attempts so far
        self._lock = threading.Lock()
        self.results: list[tuple[int, str, RunResult]] = []  # (account, target, result), newest last

    def _reap(self) -> None:
        with self._lock:
            for account_id, fut in list(self._busy.items()):
                if fut.done():
                    del self._busy[account_id]

    def tick(self) -> int:
        """Claim due schedules (skipping accounts with a run in flight here) and start them."""
        self._reap()
        with self._lock:
            free = self.concurrency - len(self._busy)
            busy = set(self._busy)
        if free <= 0:
            return 0
        with self.rt.session() as s:
            due = schedules.claim_due(s, self.rt.clock.now(), limit=self.settings.batch, exclude_accounts=busy)
        by_account: dict[int, list[schedules.DueRun]] = defaultdict(list)
        for d in due:
            by_account[d.account_id].append(d)
        started = queued = 0
        for account_id, runs in by_account.items():
            if started >= free:  # claimed but no slot: hand them back for the next tick
                self._release(runs)
                continue
            with self._lock:
                self._busy[account_id] = self._pool.submit(self._run_account, runs)
            started += 1
            queued += len(runs)
        return queued

    def _release(self, runs: list[schedules.DueRun]) -> None:
        with self.rt.session() as s:
            for d in runs:
                schedules.retry_later(s, d.schedule_id, d.due_at)

    def _run_account(self, runs: list[schedules.DueRun]) -> None:
        for d in runs:
            try:
                self._run_one(d)
            except Exception:  # never let one run kill the runner
                log.exception("run of account %s %s crashed", d.account_id, d.target)

    def _run_one(self, d: schedules.DueRun) -> None:
        attempt = self._attempts[d.schedule_id] + 1
        result = execute_run(
            self.rt,
            d.account_id,
            d.target,
            schedule_id=d.schedule_id,
            attempt=attempt,
            max_attempts=self.settings.max_attempts,
            backend=self.name,
            worker=self.worker,
        )
        with self._lock:
            self.results.append((d.account_id, d.target, result))
        if result.retry:
            self._attempts[d.schedule_id] = attempt
            at = self.rt.clock.now() + timedelta(seconds=backoff_seconds(attempt, self.settings))
            with self.rt.session() as s:
                schedules.retry_later(s, d.schedule_id, at)
            log.info("account %s %s: %s; retry %d at %s", d.account_id, d.target, result.error, attempt, at)
        else:
            self._attempts.pop(d.schedule_id, None)
            if result.outcome is RunOutcome.AUTH_FAILED:
                log.warning("account %s: credentials refused; its schedules are paused", d.account_id)

    def in_flight(self) -> int:
        self._reap()
        with self._lock:
            return len(self._busy)

    def serve(self, stop: threading.Event) -> None:
        """Tick until ``stop`` is set, then let runs in flight finish (cursors stay consistent)."""
        try:
            while not stop.is_set():
                try:
                    self.tick()
                except Exception:  # a locked database, a dropped connection: try again next tick
                    log.exception("tick failed")
                stop.wait(self.settings.tick_seconds)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
