"""The ASGI entry point ``robnu.web.asgi:create`` (a factory) that ``robnu serve`` hands to uvicorn: every
worker process builds its own runtime from the settings and serves the API and the dashboard."""

from __future__ import annotations

from fastapi import FastAPI

from robnu.config import get_settings
from robnu.security.redaction import configure_logging
from robnu.services.heap import settle_heap
from robnu.services.runtime import Runtime
from robnu.web.serve import build_app


def create() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level)
    app = build_app(Runtime.create(settings))
    settle_heap()
    return app
