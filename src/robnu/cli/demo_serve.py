"""After the demo's run: serve the dashboard (and the API) on localhost until Ctrl-C, with the demo login."""

from __future__ import annotations

import uvicorn

from robnu.cli.common import console
from robnu.services.runtime import Runtime
from robnu.web.serve import build_app


def serve_demo(rt: Runtime, seller_id: int, *, host: str, port: int) -> None:
    app = build_app(rt)
    console.print(f"\nDashboard: http://{host}:{port}/  (Ctrl-C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
