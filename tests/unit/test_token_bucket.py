"""The token-bucket rule both the sandboxes (429 when empty) and the clients (wait) use."""

from __future__ import annotations

import pytest

from robnu.adapters.ratelimit import ClientRateLimiter
from robnu.domain.token_bucket import Bucket, RateLimit, take


def test_a_new_bucket_starts_full_and_drains_by_its_burst() -> None:
    limit = RateLimit(rate=0.5, burst=3)
    bucket, waits = None, []
    for _ in range(4):
        bucket, wait = take(limit, bucket, now=100.0)
        waits.append(wait)
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(2.0)  # one token every 2 s at 0.5/s


def test_refill_is_capped_at_the_burst_and_scaled() -> None:
    limit = RateLimit(rate=1.0, burst=2)
    empty = Bucket(tokens=0.0, at=0.0)
    bucket, wait = take(limit, empty, now=100.0)  # a long pause refills to the burst, not beyond
    assert wait == 0.0 and bucket.tokens == pytest.approx(1.0)
    bucket, wait = take(limit, Bucket(0.0, 0.0), now=0.25, scale=2.0)  # scale 2: half a token in 0.25 s
    assert wait == pytest.approx(0.25) and bucket.tokens == pytest.approx(0.5)
    assert take(RateLimit(rate=0.0, burst=1), Bucket(0.0, 0.0), now=5.0)[1] == float("inf")


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _limiter(clock: _Clock, rate: float = 1.0, burst: int = 2) -> ClientRateLimiter:
    return ClientRateLimiter({"op": RateLimit(rate, burst)}, sleep=clock.sleep, monotonic=lambda: clock.now)


def test_the_client_counts_refill_from_the_first_answer_never_ahead_of_the_marketplace() -> None:
    """The marketplace's bucket starts refilling when our first request reaches it, so ours does from the
    first answer: the request after the burst waits a full interval from then, not from our first token."""
    clock = _Clock()
    limiter = _limiter(clock)
    assert limiter.acquire("op") == 0.0
    clock.now = 0.5  # the first answer: the marketplace saw the request somewhere in [0, 0.5]
    limiter.answered("op")
    assert limiter.acquire("op") == 0.0  # the burst
    clock.now = 0.75
    limiter.answered("op")  # only the first answer moves the refill
    assert limiter.acquire("op") == 0.75  # due at 0.5 + 1 s, not at 0 + 1 s
    assert clock.now == 1.5


def test_a_refused_request_gives_its_token_back() -> None:
    clock = _Clock()
    limiter = _limiter(clock, burst=1)
    assert limiter.acquire("op") == 0.0
    limiter.refund("op")  # 429: the marketplace did not use the token
    assert limiter.acquire("op") == 0.0  # the retry does not wait a second interval
    assert limiter.acquire("op") == pytest.approx(1.0)
    limiter.refund("op")
    limiter.refund("op")  # never more than the burst
    assert limiter.acquire("op") == 0.0 and limiter.acquire("op") == pytest.approx(1.0)
