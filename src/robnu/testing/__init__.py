"""Robnu's conformance kit, installed with Robnu: what a marketplace plug-in needs to prove its adapter.

* ``conformance_suite(profile_or_code)``: the adapter conformance suite as a test class; a plug-in's test
  module holds ``TestConformance = conformance_suite("CODE")``. It checks exactly the targets the adapter
  declares, against the plug-in's sandbox, over HTTP, on a real database (SQLite, or PostgreSQL when
  ``ROBNU_TEST_DATABASE_URL`` is set).
* ``ConformanceProfile`` and ``Listing``: what the suite needs to know about the plug-in's sandbox.
* ``wiring``: a sandbox world and a runtime wired to it (``wired_runtime``, ``connect_sandbox_account`` ...)
  for a plug-in's own tests; ``database``: test databases.

See docs/adapters/authoring.md.
"""

from robnu.testing.harness import Harness, open_harness
from robnu.testing.profile import ConformanceProfile, Listing, installed_profile
from robnu.testing.suite import ConformanceSuite, conformance_suite
from robnu.testing.wiring import FIXED_NOW, connect_sandbox_account, wired_runtime

__all__ = [
    "FIXED_NOW",
    "ConformanceProfile",
    "ConformanceSuite",
    "Harness",
    "Listing",
    "conformance_suite",
    "connect_sandbox_account",
    "installed_profile",
    "open_harness",
    "wired_runtime",
]
