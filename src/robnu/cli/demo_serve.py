"""After the demo's run: serve the dashboard and the API on localhost until Ctrl-C (the demo's sandboxes stay
up meanwhile, so "sync now" in the dashboard reaches them)."""

from __future__ import annotations

import uvicorn

from robnu.cli.common import console
from robnu.services.runtime import Runtime
from robnu.web.serve import build_app


def serve_demo(rt: Runtime, *, host: str, port: int) -> None:
    app = build_app(rt)
    console.print(
        f"\nDashboard: http://{host}:{port}/  (sign in with the demo login above; Ctrl-C to stop)", highlight=False
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
