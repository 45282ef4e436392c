"""The ASGI entry point ``robnu.api.asgi:create`` (a factory): what ``robnu serve`` hands to uvicorn, so that
every worker process builds its own runtime from the settings."""

from __future__ import annotations

from fastapi import FastAPI

from robnu.api.app import create_app
from robnu.config import get_settings
from robnu.security.redaction import configure_logging
from robnu.services.heap import settle_heap
from robnu.services.runtime import Runtime


def create() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level)
    app = create_app(Runtime.create(settings))
    settle_heap()
    return app
