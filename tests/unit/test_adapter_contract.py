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


class _Client:  # never opened: these classes are only declared
    pass


def test_supported_targets_are_derived_from_what_the_class_implements() -> None:
    class OrdersOnly(Adapter):  # type: ignore[type-arg]
        code = "ORDERS_ONLY"

        def open_client(self, ctx):  # type: ignore[no-untyped-def]
            return _Client()

        def _probe(self, client, ctx):  # type: ignore[no-untyped-def]
            return None

        def sync_orders(self, ctx, window):  # type: ignore[no-untyped-def]
            return iter(())

    assert OrdersOnly.supported_targets == {ScheduleTarget.ORDERS, ScheduleTarget.CREDENTIAL_CHECK}

    class WithBatches(OrdersOnly):
        inventory_batch = 50

        def _push_batch(self, client, ctx, batch):  # type: ignore[no-untyped-def]
            return []

        def sync_listings(self, ctx, known_skus):  # type: ignore[no-untyped-def]
            return iter(())

    assert WithBatches.supported_targets == OrdersOnly.supported_targets | {
        ScheduleTarget.INVENTORY,
        ScheduleTarget.CATALOG,
    }


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ({ScheduleTarget.ORDERS, ScheduleTarget.CATALOG}, "declares CATALOG but sync_listings is missing"),
        ({ScheduleTarget.ORDERS, ScheduleTarget.INVENTORY}, r"declares INVENTORY but push_inventory \(or"),
        (set(), "sync_orders is there but ORDERS is not declared"),
    ],
)
def test_a_declaration_that_disagrees_with_the_methods_names_the_method(declared: set[str], message: str) -> None:
    with pytest.raises(TypeError, match=message):

        class Declared(Adapter):  # type: ignore[type-arg]
            code = "DECLARED"
            supported_targets = frozenset(declared)

            def sync_orders(self, ctx, window):  # type: ignore[no-untyped-def]
                return iter(())


def test_half_done_inventory_and_probe_are_refused_where_the_class_is_written() -> None:
    with pytest.raises(TypeError, match="inventory_batch is 10 but _push_batch is missing"):

        class NoBatch(Adapter):  # type: ignore[type-arg]
            code = "NO_BATCH"
            inventory_batch = 10

    with pytest.raises(TypeError, match="open_client is missing"):

        class NoClient(Adapter):  # type: ignore[type-arg]
            code = "NO_CLIENT"

            def _probe(self, client, ctx):  # type: ignore[no-untyped-def]
                return None
