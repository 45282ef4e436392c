"""The sandbox wiring of Robnu's tests: the conformance kit's (``robnu.testing.wiring``), shared with plug-ins."""

from robnu.testing.wiring import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    RATE_SCALE,
    MemoryTokens,
    adapter_context,
    connect_sandbox_account,
    runtime_for,
    sandbox_http,
    sandbox_world,
    wired_runtime,
)

__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "RATE_SCALE",
    "MemoryTokens",
    "adapter_context",
    "connect_sandbox_account",
    "runtime_for",
    "sandbox_http",
    "sandbox_world",
    "wired_runtime",
]
