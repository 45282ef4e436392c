"""The inventory-push batcher for marketplaces that take absolute quantities for a batch of SKUs per call.

The adapter says how big a batch may be, how to name a push's SKU, and how to send one batch and read
the marketplace's per-SKU answer; the batcher cuts the pushes, keeps one push per SKU in a call (two
quantities for one SKU in one request would leave the outcome to the marketplace), and turns a call that
still fails after the HTTP client's retries into a result per push: retryable after an outage, not
after a 4xx the marketplace will answer the same way. Refused credentials are raised: the inventory
service records them and stops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from robnu.adapters.errors import MarketplaceRequestError, TransientMarketplaceError
from robnu.domain.records import InventoryPush, InventoryPushResult

SendBatch = Callable[[Sequence[InventoryPush]], list[InventoryPushResult]]


def batches(
    pushes: Sequence[InventoryPush], size: int, sku: Callable[[InventoryPush], str]
) -> Iterator[list[InventoryPush]]:
    """Groups of at most ``size`` pushes, in order, with no SKU twice in a group."""
    batch: list[InventoryPush] = []
    seen: set[str] = set()
    for push in pushes:
        if len(batch) == size or sku(push) in seen:
            yield batch
            batch, seen = [], set()
        batch.append(push)
        seen.add(sku(push))
    if batch:
        yield batch


def push_in_batches(
    pushes: Sequence[InventoryPush],
    size: int,
    send: SendBatch,
    *,
    sku: Callable[[InventoryPush], str],
    clean: Callable[[str], str] = str,
) -> list[InventoryPushResult]:
    """Send every push in batches (see the module doc); one failed call never stops the other batches."""
    results: list[InventoryPushResult] = []
    for batch in batches(pushes, size, sku):
        try:
            results += send(batch)
        except (TransientMarketplaceError, MarketplaceRequestError) as exc:
            retryable = isinstance(exc, TransientMarketplaceError)
            results += [InventoryPushResult(p.task_id, False, clean(str(exc)), retryable=retryable) for p in batch]
    return results
