"""``robnu worker`` with the Kirana Hub test marketplace registered (as a third-party adapter package
would be, through its entry point). Run as ``python -m tests.jobs.kh_worker [worker options]``."""

from __future__ import annotations

import sys

from robnu.adapters.registry import registry
from robnu.cli.main import app
from tests.fifth_marketplace.adapter import KiranaHubAdapter

if __name__ == "__main__":
    registry.register(KiranaHubAdapter)
    app(["worker", *sys.argv[1:]])
