"""The process that serves people: the API (/v1) and, beside it, the dashboard's pages, with one sign-in."""

from __future__ import annotations

from fastapi import FastAPI

from robnu.api.app import create_app
from robnu.services.runtime import Runtime
from robnu.web.app import create_dashboard, mount_dashboard
from robnu.web.jobs import JobBoard
from robnu.web.signin import session_viewer


def build_app(rt: Runtime, board: JobBoard | None = None) -> FastAPI:
    return mount_dashboard(create_app(rt), create_dashboard(rt, session_viewer(rt), board=board))
