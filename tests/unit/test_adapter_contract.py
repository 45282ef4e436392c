"""The adapter contract's shared pieces: one reading of a failure (classify), the inventory batcher's
batches, and a class that declares full processing without a flow refused where it is written."""

from __future__ import annotations

import pytest

from robnu.adapters.base import Adapter
from robnu.adapters.errors import (
    FailureKind,
    MarketplaceAuthError,
    MarketplaceRequestError,
    TransientMarketplaceError,
    classify,
)
from robnu.adapters.inventory import batches
from robnu.domain.errors import UnsupportedTarget
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.records import InventoryPush


def test_one_classification_of_a_failed_run() -> None:
    assert classify(MarketplaceAuthError("refused", needs_reconnect=False)) is FailureKind.AUTH
    assert classify(MarketplaceRequestError("400", http_status=400)) is FailureKind.REJECTED
    assert classify(TransientMarketplaceError("503")) is FailureKind.TRANSIENT
    assert classify(UnsupportedTarget("no")) is FailureKind.UNSUPPORTED
    assert classify(RuntimeError("a bug or a database hiccup")) is FailureKind.TRANSIENT


def test_inventory_batches_are_bounded_and_never_name_a_sku_twice() -> None:
    skus = ["A", "B", "C", "A", "D", "E", "F"]
    pushes = [InventoryPush(n, sku, None, sku, 1, n) for n, sku in enumerate(skus)]
    got = [[p.seller_sku for p in batch] for batch in batches(pushes, 3, lambda p: p.seller_sku)]
    assert got == [["A", "B", "C"], ["A", "D", "E"], ["F"]]
    got = [[p.seller_sku for p in batch] for batch in batches(pushes[:4], 10, lambda p: p.seller_sku)]
    assert got == [["A", "B", "C"], ["A"]]  # the second A waits for the next call


def test_full_processing_without_a_flow_is_refused_where_the_class_is_written() -> None:
    with pytest.raises(TypeError, match="FULL_PROCESSING"):

        class NoFlow(Adapter):  # type: ignore[type-arg]
            code = "NO_FLOW"
            supported_targets = frozenset({ScheduleTarget.ORDERS, ScheduleTarget.FULL_PROCESSING})
