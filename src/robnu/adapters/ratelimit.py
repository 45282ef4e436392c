"""Client-side token buckets per operation: wait for a token rather than earn a 429.

Seeded from the marketplace's published (or modelled) limits; a response header that states the
current limit (Amazon's x-amzn-RateLimit-Limit) corrects the rate. ``scale`` speeds refill for tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from robnu.domain.token_bucket import Bucket, RateLimit, take

OperationLimit = RateLimit  # requests per second and burst, per operation


class ClientRateLimiter:
    def __init__(
        self,
        limits: Mapping[str, OperationLimit],
        *,
        scale: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = dict(limits)
        self._scale = scale
        self._sleep = sleep
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._state: dict[str, Bucket] = {}
        self.waited_seconds = 0.0

    def acquire(self, operation: str) -> None:
        limit = self._limits.get(operation)
        if limit is None or self._scale <= 0:
            return
        while True:
            with self._lock:
                self._state[operation], wait = take(limit, self._state.get(operation), self._monotonic(), self._scale)
                if not wait:
                    return
            self.waited_seconds += wait
            self._sleep(wait)

    def correct_rate(self, operation: str, rate: float) -> None:
        """The marketplace told us the live rate for this operation; believe it over the docs."""
        limit = self._limits.get(operation)
        if limit is not None and rate > 0 and abs(limit.rate - rate) > 1e-9:
            self._limits[operation] = OperationLimit(rate, limit.burst)
