"""Token-bucket arithmetic, shared by the sandboxes (which answer 429 when a bucket is empty) and the
marketplace clients (which wait for a token instead): one refill rule, two policies."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateLimit:
    rate: float  # tokens (requests) added per second
    burst: int  # bucket size


@dataclass(frozen=True, slots=True)
class Bucket:
    tokens: float
    at: float  # monotonic seconds of the last refill


def take(limit: RateLimit, bucket: Bucket | None, now: float, scale: float = 1.0) -> tuple[Bucket, float]:
    """Refill ``bucket`` (a missing one starts full) at ``limit.rate x scale`` up to the burst, then take a
    token. Returns the new bucket and 0.0 when a token was taken, else how many seconds until one is due."""
    rate = limit.rate * scale
    tokens = float(limit.burst) if bucket is None else min(float(limit.burst), bucket.tokens + (now - bucket.at) * rate)
    if tokens >= 1.0:
        return Bucket(tokens - 1.0, now), 0.0
    return Bucket(tokens, now), (1.0 - tokens) / rate if rate > 0 else float("inf")
