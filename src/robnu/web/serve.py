"""The process that serves people: the dashboard's pages (and, beside them, the API)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.requests import Request

from robnu.services.runtime import Runtime
from robnu.web.app import create_dashboard
from robnu.web.viewer import Viewer


def _no_session(request: Request) -> Viewer | None:
    return None


def build_app(rt: Runtime) -> FastAPI:
    return create_dashboard(rt, _no_session)
