"""The Flipkart Marketplace Seller API v3 sandbox, shaped by the operations Flipkart publishes on its API docs
site (see docs/sandbox/flipkart.md for what is published and what is modelled).

``build_sandbox`` gives a ``FlipkartSandbox``: its ``apps["api"]`` serves the OAuth token endpoint, the
``/sellers/...`` and ``/reports/...`` paths (one ``*_api`` module per resource) and the control API under
``/_sandbox``.
"""

from robnu.sandbox.flipkart.constants import RATE_LIMITS
from robnu.sandbox.flipkart.sandbox import FlipkartSandbox, build_sandbox

__all__ = ["RATE_LIMITS", "FlipkartSandbox", "build_sandbox"]
