"""The checks every flow shares, written once: the buyer's address (held when missing unless a flow says
otherwise), the seller's GSTIN (format, state, business) and running several checks as one stage."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from robnu.adapters.processing import FlowOrder, FlowRun, StepResult
from robnu.adapters.processing.stages import MissingAddress, SellerGstin, address_problem, all_of, gstin_hold
from robnu.domain.india import make_gstin


def _order(pincode: str | None, state: str | None) -> FlowOrder:
    return FlowOrder(
        id=1,
        external_id="O-1",
        status="NEW",
        raw_status="NEW",
        ordered_at=datetime(2026, 11, 20, tzinfo=UTC),
        dispatch_by=None,
        fulfilled_by="SELLER",
        order_total=Decimal("499.00"),
        item_count=1,
        is_cod=False,
        ship_city=None,
        ship_state_code=state,
        ship_pincode=pincode,
    )


def test_an_address_without_pincode_is_held_unless_the_flow_allows_it() -> None:
    assert address_problem(_order(None, "29")) == "buyer address has no pincode or state"
    assert address_problem(_order("560034", None)) == "buyer address has no pincode or state"
    assert address_problem(_order(None, "29"), missing=MissingAddress.ALLOW) is None
    mismatch = "buyer pincode 110001 does not belong to state 29"
    assert address_problem(_order("110001", "29")) == mismatch
    assert address_problem(_order("110001", "29"), missing=MissingAddress.ALLOW) == mismatch  # still held
    assert address_problem(_order("560034", "29")) is None


def test_the_sellers_gstin_is_held_for_format_state_and_business() -> None:
    good = make_gstin("29", "AAPFU0939F")
    assert gstin_hold(SellerGstin(good), required=True) is None
    assert gstin_hold(SellerGstin(None), required=False) is None
    assert (
        gstin_hold(SellerGstin(None), required=True)
        == "the seller's GSTIN is not configured (needed on the tax invoice)"
    )
    broken = good[:-1] + ("A" if good[-1] != "A" else "B")
    assert (gstin_hold(SellerGstin(broken), required=False) or "").startswith(f"seller GSTIN {broken}: ")
    assert gstin_hold(SellerGstin(good, registered_in="27"), required=True) == (
        f"seller GSTIN {good} is not registered in state 27"
    )
    same_pan = make_gstin("27", "AAPFU0939F")  # another state's registration of the same business
    assert gstin_hold(SellerGstin(good, configured=same_pan), required=True) is None
    other = make_gstin("29", "ZZZZZ9999Z")
    assert "another business" in (gstin_hold(SellerGstin(good, configured=other), required=True) or "")


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        (
            [StepResult(detail={"a": 1}), StepResult(external_ref="r", detail={"b": 2})],
            StepResult(external_ref="r", detail={"a": 1, "b": 2}),
        ),
        ([StepResult(held="first"), StepResult(held="second")], StepResult(held="first")),
        ([StepResult(detail={"a": 1}), StepResult(waiting="label")], StepResult(waiting="label")),
    ],
)
def test_all_of_stops_at_the_first_check_that_does_not_pass(results: list[StepResult], expected: StepResult) -> None:
    ran: list[int] = []

    def check(n: int) -> Any:
        def run(_run: FlowRun[Any, Any], _order: FlowOrder) -> StepResult:
            ran.append(n)
            return results[n]

        return run

    combined = all_of(*(check(n) for n in range(len(results))))
    assert combined(None, _order("560034", "29")) == expected  # type: ignore[arg-type]
    assert ran == ([0] if expected.held else [0, 1])
