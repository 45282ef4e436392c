"""Per-tenant rate limits (the ``limits`` library): a moving window per seller (or per client address before
sign-in), in memory by default, in Redis (``ROBNU_RATE_LIMIT_STORAGE=redis://…``) when several API processes
share the budget."""

from __future__ import annotations

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from robnu.domain.errors import InvalidInput


class RateLimits:
    def __init__(self, rule: str, storage: str) -> None:
        try:
            self.item: RateLimitItem = parse(rule)
        except ValueError:
            raise InvalidInput("rate_limit", f"{rule!r} is not a rate such as '600/minute'") from None
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage))

    def hit(self, key: str) -> int:
        """0 when allowed; otherwise seconds until the window has room again."""
        if self.limiter.hit(self.item, "robnu", key):
            return 0
        reset = self.limiter.get_window_stats(self.item, "robnu", key).reset_time
        import time

        return max(1, int(reset - time.time()) + 1)
