"""Robnu's Meesho supplier API sandbox. Meesho documents no seller API in public (its APIs are given to partners),
so this one is a modelled API (see docs/sandbox/meesho.md) with HMAC-signed requests, on a seeded world.

``build_sandbox(seed=..., clock=...)`` returns a ``MeeshoSandbox`` whose ``apps["api"]`` serves ``/v1/...`` (one
``*_api`` module per resource) and the sandbox-only control API under ``/_sandbox``.
"""

from robnu.sandbox.meesho.constants import RATE_LIMITS
from robnu.sandbox.meesho.sandbox import MeeshoSandbox, build_sandbox

__all__ = ["RATE_LIMITS", "MeeshoSandbox", "build_sandbox"]
