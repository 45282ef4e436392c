"""The sandboxes' fast timestamp writers give exactly the text of the plain strftime formats they replace."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from robnu.sandbox.amazon_in.timefmt import iso_from_s
from robnu.sandbox.flipkart.ids import IST, iso

_RNG = random.Random(2026)
_EDGES = [0, -1, 59, 60, 3599, 3600, 86_399, 86_400, 951_782_400, 253_402_300_799]  # 951_782_400: 2000-02-29


def test_amazon_epoch_seconds_text() -> None:
    for s in [*_EDGES, *(_RNG.randint(-(10**9), 4 * 10**9) for _ in range(20_000))]:
        assert iso_from_s(s) == datetime.fromtimestamp(s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), s


def test_flipkart_ist_millisecond_text() -> None:
    base = datetime(2026, 11, 20, tzinfo=UTC)
    moments = [base + timedelta(microseconds=_RNG.randint(-(10**15), 10**15)) for _ in range(20_000)]
    for moment in [base, base + timedelta(microseconds=999), base - timedelta(microseconds=1), *moments]:
        local = moment.astimezone(IST)
        assert iso(moment) == local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}+05:30"
