"""The ASGI entry point ``robnu.web.asgi:create`` (a factory) that ``robnu serve`` hands to uvicorn: every
worker process builds its own runtime from the settings and serves the API and the dashboard; on its start it
closes the dashboard jobs that this host's earlier, dead processes left running."""

from __future__ import annotations

from fastapi import FastAPI

from robnu.config import get_settings
from robnu.security.redaction import configure_logging
from robnu.services.heap import settle_heap
from robnu.services.runtime import Runtime
from robnu.web.jobs import JobBoard, close_jobs_of_dead_processes
from robnu.web.serve import build_app


def create() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level)
    rt = Runtime.create(settings)
    board = JobBoard(rt)
    # Cheap (one query on the few active jobs of this host): jobs of this host's earlier, dead processes end
    # now rather than when a poll finds their heartbeat stale.
    close_jobs_of_dead_processes(rt, board.owner)
    app = build_app(rt, board)
    settle_heap()
    return app
