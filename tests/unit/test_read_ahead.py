"""Read ahead: the consumer sees the stream exactly as without the thread, and can tell when it would wait."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from robnu.services.read_ahead import read_ahead


def _eventually(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


@pytest.mark.parametrize("ahead", [0, 1, 120, 10_000])
def test_the_same_records_in_the_same_order(ahead: int) -> None:
    with read_ahead(iter(range(1234)), ahead) as records:
        assert list(records) == list(range(1234))
        assert list(records) == []  # ended stays ended


@pytest.mark.parametrize("ahead", [0, 500])
def test_the_streams_exception_after_the_records_before_it(ahead: int) -> None:
    def stream() -> Iterator[int]:
        yield from range(70)
        raise KeyError("page 2 was refused")

    seen: list[int] = []
    with pytest.raises(KeyError, match="page 2 was refused"), read_ahead(stream(), ahead) as records:
        seen.extend(records)
    assert seen == list(range(70))


def test_would_wait_says_whether_the_next_record_is_fetched() -> None:
    more = threading.Event()

    def stream() -> Iterator[int]:
        yield from range(100)
        more.wait(10)  # the marketplace takes its time over the next page
        yield from range(100, 150)

    with read_ahead(stream(), 500) as records:
        assert _eventually(lambda: not records.would_wait())  # the first page is fetched
        taken = [next(records) for _ in range(100)]
        assert records.would_wait()  # everything fetched is taken; the producer waits for the next page
        more.set()
        assert _eventually(lambda: not records.would_wait())
        taken.extend(records)
        assert not records.would_wait()  # the stream ended: nothing left to wait for
    assert taken == list(range(150))


def test_without_a_thread_it_never_says_it_would_wait() -> None:
    with read_ahead(iter(range(3)), 0) as records:
        assert not records.would_wait()
        assert list(records) == [0, 1, 2]
        assert not records.would_wait()
