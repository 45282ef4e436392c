"""Read ahead: run a record stream (an adapter fetching and mapping pages) in a thread of its own, a bounded
number of records ahead of its consumer, so that waiting for the marketplace and writing to the database
overlap instead of taking turns.

The consumer sees exactly the stream it would have seen without the thread: the same records in the same
order, then the stream's end or its exception (re-raised in the consumer, whatever its type). It can also ask
whether taking the next record would wait for the producer (``Ahead.would_wait``): a writer that would idle
anyway writes what it holds now. When the consumer stops early (an error, a lost lease) the producer is told
to stop and closes the stream in its own thread (an adapter's ``with`` block closes its client there), at
most one record later.
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


class Ahead(Iterator[T]):
    """The stream's records, and whether the next one is already fetched."""

    def would_wait(self) -> bool:
        """Taking the next record would wait for the producer: nothing fetched is waiting to be taken. Always
        False without a thread (the consumer's own ``next`` does the fetching: there is no one to wait for)."""
        return False


class _Inline(Ahead[T]):
    def __init__(self, stream: Iterable[T]) -> None:
        self._source = iter(stream)

    def __next__(self) -> T:
        return next(self._source)


class _Consumer(Ahead[T]):
    def __init__(self, chunks: queue.Queue[list[T] | _End]) -> None:
        self._chunks = chunks
        self._chunk: list[T] = []
        self._at = 0
        self._ended = False

    def __next__(self) -> T:
        while self._at >= len(self._chunk):
            if self._ended:
                raise StopIteration
            item = self._chunks.get()
            if isinstance(item, _End):
                self._ended = True
                if item.error is None:
                    raise StopIteration
                raise item.error  # never a StopIteration: the producer's for loop takes that as the end
            self._chunk, self._at = item, 0
        record = self._chunk[self._at]
        self._at += 1
        return record

    def would_wait(self) -> bool:
        return self._at >= len(self._chunk) and not self._ended and self._chunks.empty()


@contextmanager
def read_ahead(stream: Iterable[T], records: int, *, name: str = "read-ahead") -> Iterator[Ahead[T]]:
    """``stream``, produced by a daemon thread up to about ``records`` records ahead; ``records`` <= 0 reads
    it in the caller's thread (no thread at all)."""
    if records <= 0:
        yield _Inline(stream)
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
    try:
        yield _Consumer(chunks)
    finally:
        stop.set()
        thread.join(JOIN_SECONDS)
