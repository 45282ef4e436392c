"""Shipment search and returns listing over the per-account sorted indexes (keyset pagination).

A cursor is the (sort key, id) of the last record served: the next page starts just after it with
``bisect``, so a page costs O(log n + records inspected), never a scan of the account.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from robnu.sandbox.flipkart.ids import parse_iso
from robnu.sandbox.flipkart.model import GROUPS, ReturnItem, Shipment
from robnu.sandbox.flipkart.world import World

Key = tuple[float, str]


def _range(spec: Any) -> tuple[float | None, float | None]:
    if not isinstance(spec, dict):
        return None, None
    low = parse_iso(spec["from"]).timestamp() if spec.get("from") else None
    high = _upper(spec["to"]) if spec.get("to") else None
    return low, high


def _upper(text: str) -> float:
    """An inclusive upper bound: served times are truncated to milliseconds, so the whole ms counts."""
    return parse_iso(text).timestamp() + 0.000999


def _in(value: datetime | None, bounds: tuple[float | None, float | None]) -> bool:
    low, high = bounds
    if low is None and high is None:
        return True
    if value is None:
        return False
    ts = value.timestamp()
    return (low is None or ts >= low) and (high is None or ts <= high)


def _walk(keys: list[Key], after: Key | None, desc: bool, low: float | None, high: float | None) -> Iterator[Key]:
    if not desc:
        start = bisect_right(keys, after) if after else (bisect_left(keys, (low, "")) if low is not None else 0)
        for pos in range(start, len(keys)):
            if high is not None and keys[pos][0] > high:
                return
            yield keys[pos]
    else:
        end = (
            bisect_left(keys, after)
            if after
            else (bisect_right(keys, (high, "\uffff")) if high is not None else len(keys))
        )
        for pos in range(end - 1, -1, -1):
            if low is not None and keys[pos][0] < low:
                return
            yield keys[pos]


def shipment_matcher(world: World, flt: dict[str, Any]) -> Callable[[Shipment], bool]:
    states = set(flt.get("states") or GROUPS[flt["type"]])
    location = flt.get("locationId") or None
    skus = set(flt.get("sku") or [])
    types = set(flt.get("shipmentTypes") or [])
    profiles = set(flt.get("serviceProfiles") or [])
    ranges = {
        name: _range(flt.get(name))
        for name in ("orderDate", "dispatchAfterDate", "dispatchByDate", "modifiedDate", "cancellationDate")
    }
    cancel_type = flt.get("cancellationType")
    hold = flt.get("hold")

    def match(sh: Shipment) -> bool:
        if sh.status not in states or (location and sh.location_id != location):
            return False
        if skus and not any(i.listing.sku in skus for i in sh.items):
            return False
        if types and sh.shipment_type not in types:
            return False
        if profiles and "NON_FBF" not in profiles:
            return False
        if hold is not None and flt["type"] == "preDispatch" and sh.hold != bool(hold):
            return False
        if cancel_type and sh.cancel_type != cancel_type:
            return False
        return (
            _in(sh.order_date, ranges["orderDate"])
            and _in(sh.dispatch_after, ranges["dispatchAfterDate"])
            and _in(sh.dispatch_by, ranges["dispatchByDate"])
            and _in(sh.updated_at, ranges["modifiedDate"])
            and _in(
                world.cancellation_date(sh) if ranges["cancellationDate"] != (None, None) else None,
                ranges["cancellationDate"],
            )
        )

    return match


def sort_key(sh: Shipment, field: str) -> Key:
    at = {
        "orderDate": sh.order_date,
        "modifiedDate": sh.updated_at,
        "dispatchByDate": sh.dispatch_by,
        "dispatchAfterDate": sh.dispatch_after,
    }[field]
    assert at is not None
    return (at.timestamp(), sh.shipment_id)


def search_shipments(
    world: World,
    key: str,
    flt: dict[str, Any],
    sort_field: str,
    desc: bool,
    page_size: int,
    after: Key | None,
) -> tuple[list[Shipment], bool]:
    group = flt["type"]
    idx = world.index[key]
    if sort_field == "orderDate":
        keys = idx.by_order.get(group, [])
        low, high = _range(flt.get("orderDate"))
    elif sort_field == "modifiedDate":
        keys = idx.by_mod.get(group, [])
        low, high = _range(flt.get("modifiedDate"))
    else:
        # modelled: dispatch-date sorts order the group's members on demand (pre-dispatch sets stay small)
        keys = sorted(sort_key(world.shipments[s], sort_field) for s in idx.members.get(group, {}))
        low, high = _range(flt.get(sort_field))
    match = shipment_matcher(world, flt)
    page: list[Shipment] = []
    for _, sid in _walk(keys, after, desc, low, high):
        sh = world.shipments[sid]
        if match(sh):
            if len(page) == page_size:
                return page, True
            page.append(sh)
    return page, False


def search_returns(
    world: World, key: str, source: str, params: dict[str, str], page_size: int, after: Key | None
) -> tuple[list[ReturnItem], bool, str]:
    idx = world.index[key]
    by_mod = bool(params.get("modifiedAfter") or params.get("modifiedBefore"))
    keys = (idx.ret_by_mod if by_mod else idx.ret_by_created).get(source, [])
    low_name, high_name = ("modifiedAfter", "modifiedBefore") if by_mod else ("createdAfter", "createdBefore")
    low = parse_iso(params[low_name]).timestamp() if params.get(low_name) else None
    high = _upper(params[high_name]) if params.get(high_name) else None
    created = (params.get("createdAfter"), params.get("createdBefore"))
    c_low = parse_iso(created[0]).timestamp() if created[0] else None
    c_high = _upper(created[1]) if created[1] else None
    location = params.get("locationId")
    page: list[ReturnItem] = []
    for _, rid in _walk(keys, after, False, low, high):
        ret = world.returns[rid]
        ts = ret.created_at.timestamp()
        if (c_low is not None and ts < c_low) or (c_high is not None and ts > c_high):
            continue
        if location and ret.shipment.location_id != location:
            continue
        if len(page) == page_size:
            return page, True, "modified" if by_mod else "created"
        page.append(ret)
    return page, False, "modified" if by_mod else "created"
