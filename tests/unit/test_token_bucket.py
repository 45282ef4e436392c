"""The token-bucket rule both the sandboxes (429 when empty) and the clients (wait) use."""

from __future__ import annotations

import pytest

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
