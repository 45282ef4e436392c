"""A sync started on request (the API's "sync now"): it runs in a background thread of this process and the
caller gets the sync run's id at once, to poll (``sync_runs``: RUNNING, then SUCCEEDED / PARTIAL / FAILED; SKIPPED
at once when another run of the same account and target holds the lease)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from robnu.domain.errors import InvalidInput, RobnuError
from robnu.domain.marketplace import SYNC_TARGETS, ScheduleTarget
from robnu.security.redaction import redact
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine

log = logging.getLogger(__name__)
START_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class StartedSync:
    run_id: int
    thread: threading.Thread  # finished when the run is; callers normally poll the run instead


def sync_target(value: str) -> ScheduleTarget:
    try:
        target = ScheduleTarget(value.strip().upper())
    except ValueError:
        target = None
    if target is None or target not in SYNC_TARGETS:
        raise InvalidInput("target", f"must be one of {', '.join(sorted(SYNC_TARGETS))}")
    return target


def start_sync(rt: Runtime, account_id: int, target: ScheduleTarget, *, since: datetime | None = None) -> StartedSync:
    """Start syncing ``target`` of the account in a background thread; return once its run row exists. An error
    before the run starts (unknown account, unsupported target, a bad ``since``) is raised here."""
    started = threading.Event()
    box: dict[str, object] = {}

    def on_start(run_id: int) -> None:
        box["run_id"] = run_id
        started.set()

    def work() -> None:
        try:
            SyncEngine(rt).run(account_id, target, since=since, on_start=on_start)
        except BaseException as exc:  # the run row records what failed; before the row exists, the caller hears it
            box["error"] = exc
            if not started.is_set():
                started.set()
            else:
                log.warning("background sync of account %s %s: %s", account_id, target, redact(str(exc)))

    thread = threading.Thread(target=work, name=f"sync-now-{account_id}-{target.lower()}", daemon=True)
    thread.start()
    if not started.wait(START_TIMEOUT_SECONDS):
        raise RobnuError(f"the sync of account {account_id} did not start within {START_TIMEOUT_SECONDS:.0f} s")
    if "run_id" not in box:
        error = box.get("error")
        thread.join()
        if isinstance(error, Exception):
            raise error
        raise RobnuError("the sync did not start")
    run_id = box["run_id"]
    assert isinstance(run_id, int)
    return StartedSync(run_id, thread)
