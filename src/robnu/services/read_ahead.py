"""Read ahead: run a record stream (an adapter fetching and mapping pages) in a thread of its own, a bounded
number of records ahead of its consumer, so that waiting for the marketplace and writing to the database
overlap instead of taking turns.

The consumer sees exactly the stream it would have seen without the thread: the same records in the same
order, then the stream's end or its exception (re-raised in the consumer, whatever its type). When the
consumer stops early (an error, a lost lease) the producer is told to stop and closes the stream in its own
thread (an adapter's ``with`` block closes its client there), at most one record later.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

CHUNK = 50  # records handed over at a time: one queue hand-off per record would cost more than it saves
POLL_SECONDS = 0.1  # how often a producer blocked on a full queue looks whether it should stop
JOIN_SECONDS = 2.0  # how long a consumer that stops early waits for the producer to wind down


@dataclass(frozen=True)
class _End:
    error: BaseException | None = None


@contextmanager
def read_ahead(stream: Iterable[T], records: int, *, name: str = "read-ahead") -> Iterator[Iterator[T]]:
    """``stream``, produced by a daemon thread up to about ``records`` records ahead; ``records`` <= 0 reads
    it in the caller's thread (no thread at all)."""
    if records <= 0:
        yield iter(stream)
        return
    chunks: queue.Queue[list[T] | _End] = queue.Queue(maxsize=max(1, records // CHUNK))
    stop = threading.Event()

    def put(item: list[T] | _End) -> bool:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        source = iter(stream)
        chunk: list[T] = []
        try:
            for record in source:
                chunk.append(record)
                if len(chunk) >= CHUNK:
                    if not put(chunk):
                        return
                    chunk = []
            if put(chunk):
                put(_End())
        except BaseException as exc:  # handed to the consumer, which re-raises it as its own
            if put(chunk):
                put(_End(exc))
        finally:
            close: Any = getattr(source, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()

    def consume() -> Iterator[T]:
        while True:
            item = chunks.get()
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield from item

    try:
        yield consume()
    finally:
        stop.set()
        thread.join(JOIN_SECONDS)
