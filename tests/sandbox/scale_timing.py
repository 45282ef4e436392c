"""Timing helpers for the sandboxes' scale tests, which compare a 100k-order account with a 2,000-order one.

Both measures are ratios taken side by side, yet two things still made them fail on a loaded machine with a
linear generator: the cyclic garbage collector, whose full passes grow with the heap (a 100k-order world
holds millions of objects), and the small account's few milliseconds, which one scheduler hiccup doubles. So
a timed section runs with the collector paused, and the small account is measured several times, its best
kept. A quadratic generator would still be ~50x slower per order and fail."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def seconds_per(count: int, work: Callable[[], object]) -> float:
    """Seconds per item of ``work`` over ``count`` items, timed with the collector paused."""
    with collector_paused():
        started = time.perf_counter()
        work()
        return (time.perf_counter() - started) / count


def best_of(runs: int, measure: Callable[[], tuple[float, ...]]) -> tuple[float, ...]:
    """Each figure's smallest value over ``runs`` measurements."""
    results = [measure() for _ in range(runs)]
    return tuple(min(values) for values in zip(*results, strict=True))
