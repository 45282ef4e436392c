"""adapters.prefetch: the pages of a token walk in order, the next one asked for while the caller works."""

from __future__ import annotations

import threading
import time

import pytest

from robnu.adapters.prefetch import prefetched


class Walk:
    """Five pages; page n's token is the next page's number."""

    def __init__(self, pages: int = 5, fail_at: int | None = None) -> None:
        self.pages = pages
        self.fail_at = fail_at
        self.asked: list[int] = []
        self.threads: set[str] = set()

    def fetch(self, token: str | None) -> dict[str, object]:
        n = int(token) if token else 0
        self.asked.append(n)
        self.threads.add(threading.current_thread().name)
        if n == self.fail_at:
            raise RuntimeError(f"page {n} failed")
        return {"n": n, "next": str(n + 1) if n + 1 < self.pages else None}


def _next(page: dict[str, object]) -> str | None:
    token = page["next"]
    return token if isinstance(token, str) else None


def test_every_page_in_order_from_a_helper_thread() -> None:
    walk = Walk()
    assert [p["n"] for p in prefetched(walk.fetch, _next, name="walk")] == [0, 1, 2, 3, 4]
    assert walk.asked == [0, 1, 2, 3, 4]  # each page asked for once, one at a time
    assert walk.threads and all(t.startswith("walk") for t in walk.threads)


def test_next_page_is_in_flight_while_the_caller_holds_this_one() -> None:
    walk = Walk()
    pages = prefetched(walk.fetch, _next)
    first = next(pages)
    assert first["n"] == 0
    for _ in range(100):  # the helper asks for page 1 without the caller asking for it
        if 1 in walk.asked:
            break
        time.sleep(0.01)
    assert walk.asked == [0, 1]
    pages.close()


def test_a_caller_that_stops_early_causes_at_most_one_extra_request() -> None:
    walk = Walk(pages=50)
    for page in prefetched(walk.fetch, _next):
        if page["n"] == 2:
            break
    assert walk.asked in ([0, 1, 2], [0, 1, 2, 3])  # page 3 was asked for, or cancelled before it was


def test_an_error_is_raised_at_the_page_it_belongs_to() -> None:
    walk = Walk(fail_at=3)
    seen = []
    with pytest.raises(RuntimeError, match="page 3 failed"):
        for page in prefetched(walk.fetch, _next):
            seen.append(page["n"])
    assert seen == [0, 1, 2]
