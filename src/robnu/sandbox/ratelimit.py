"""Per-operation token buckets, as marketplaces enforce them (Amazon documents rate + burst per operation).

``scale`` multiplies every refill rate: 1.0 enforces the published limits; fast tests use a large
scale, and ``enabled=False`` turns throttling off. Buckets use real monotonic time, not the sandbox
clock, because a frozen sandbox clock must not freeze the refill.
"""

from __future__ import annotations

import threading
import time

from robnu.domain.token_bucket import Bucket, RateLimit, take

Limit = RateLimit  # a published (or modelled) limit: rate per second and burst


class RateLimiter:
    def __init__(self, limits: dict[str, Limit], *, scale: float = 1.0, enabled: bool = True) -> None:
        self.limits = dict(limits)
        self.scale = scale
        self.enabled = enabled
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self.throttled = 0  # how many requests were answered with a throttle, for benchmarks

    def limit_for(self, operation: str) -> Limit | None:
        return self.limits.get(operation)

    def try_acquire(self, account: str, operation: str) -> bool:
        """Take one token for ``(account, operation)``; False means: answer with a throttle."""
        limit = self.limits.get(operation)
        if not self.enabled or limit is None:
            return True
        key = (account, operation)
        with self._lock:
            self._buckets[key], wait = take(limit, self._buckets.get(key), time.monotonic(), self.scale)
            if wait:
                self.throttled += 1
            return not wait

    def retry_after_seconds(self, operation: str) -> float:
        limit = self.limits.get(operation)
        if limit is None or limit.rate <= 0:
            return 1.0
        return 1.0 / (limit.rate * self.scale)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self.throttled = 0
