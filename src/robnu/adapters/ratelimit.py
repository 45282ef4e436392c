"""Client-side token buckets per operation: wait for a token rather than earn a 429.

Seeded from the marketplace's published (or modelled) limits; a response header that states the
current limit (Amazon's x-amzn-RateLimit-Limit) corrects the rate. ``scale`` speeds refill for tests.

Our bucket must never run ahead of the marketplace's. Both start full, but the marketplace's starts refilling
when our first request reaches it, later than we took our first token; so a bucket's refill is counted
from the first answer (``answered``), a moment at which the marketplace has surely seen the request. And a
request the marketplace refused (429) did not use its token there: ``refund`` gives it back here, so the
retry does not wait a second full interval on top of the first.
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
        self._anchored: set[str] = set()  # buckets whose refill is counted from the marketplace's first answer
        self.waited_seconds = 0.0

    def acquire(self, operation: str) -> float:
        """Take a token for ``operation``, sleeping until one is due; returns the seconds slept."""
        limit = self._limits.get(operation)
        if limit is None or self._scale <= 0:
            return 0.0
        waited = 0.0
        while True:
            with self._lock:
                self._state[operation], wait = take(limit, self._state.get(operation), self._monotonic(), self._scale)
                if not wait:
                    return waited
            self.waited_seconds += wait
            waited += wait
            self._sleep(wait)

    def answered(self, operation: str) -> None:
        """An answer for ``operation`` came back: the first one restarts the bucket's refill from now."""
        if operation in self._anchored:
            return
        with self._lock:
            bucket = self._state.get(operation)
            if bucket is not None and operation not in self._anchored:
                self._state[operation] = Bucket(bucket.tokens, max(bucket.at, self._monotonic()))
                self._anchored.add(operation)

    def refund(self, operation: str) -> None:
        """The marketplace refused the request (429): the token it took here was not used there."""
        limit = self._limits.get(operation)
        with self._lock:
            bucket = self._state.get(operation)
            if limit is not None and bucket is not None:
                self._state[operation] = Bucket(min(float(limit.burst), bucket.tokens + 1.0), bucket.at)

    def correct_rate(self, operation: str, rate: float) -> None:
        """The marketplace told us the live rate for this operation; believe it over the docs."""
        limit = self._limits.get(operation)
        if limit is not None and rate > 0 and abs(limit.rate - rate) > 1e-9:
            self._limits[operation] = OperationLimit(rate, limit.burst)
