"""Token-paged walks with the next page in flight: as soon as a page's continuation token is known, the request
for the following page is sent from a helper thread, while the caller maps and stores the page it was handed.

A marketplace spends most of a page's time building it; a sequential walk leaves our side idle meanwhile and
the marketplace idle while we work. The requests themselves are unchanged — the same order, one at a time,
each paced by the client's rate limiter — only their timing overlaps the caller's work. If the caller stops
early, at most the one page already asked for is read and dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

Page = TypeVar("Page")


def prefetched(
    fetch: Callable[[str | None], Page],
    next_token: Callable[[Page], str | None],
    *,
    name: str = "prefetch",
) -> Iterator[Page]:
    """The pages ``fetch(None)``, ``fetch(token of the first)``, … until a page has no next token. An error from
    ``fetch`` is raised here, at the page it belongs to (a caller that restarts the walk opens a new one)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=name) as pool:
        pending: Future[Page] = pool.submit(fetch, None)
        try:
            while True:
                page = pending.result()
                token = next_token(page)
                if token:
                    pending = pool.submit(fetch, token)
                yield page
                if not token:
                    return
        finally:
            pending.cancel()  # a page not yet asked for is not asked for; one in flight is waited for
