"""The checks every dispatch flow shares, written once: the buyer's address, the seller's GSTIN and stock.

Each is an order-stage handler; a flow binds one to a stage (``StageSpec.order(4, "validate address",
"confirm", check_address())``) or runs several as one stage with ``all_of``. Where a marketplace really
deviates (Flipkart lets an order without an address in Robnu through), the flow passes the option and
says why next to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from robnu.adapters.processing.flow import FlowRun, OrderHandler, StepResult
from robnu.adapters.processing.port import FlowOrder
from robnu.domain.india import PincodeCheck, check_pincode_state, gstin_problem


class MissingAddress(StrEnum):
    HOLD = "HOLD"  # an order Robnu has no pincode or state for is held (the default)
    ALLOW = "ALLOW"  # it goes on; only a pincode of another state holds it


def address_problem(order: FlowOrder, *, missing: MissingAddress = MissingAddress.HOLD) -> str | None:
    """Why the buyer's address cannot be shipped to as it stands: no pincode or state (unless ``missing`` is
    ALLOW), or a pincode that belongs to another state. A pincode prefix Robnu does not know passes."""
    if not order.ship_pincode or not order.ship_state_code:
        return None if missing is MissingAddress.ALLOW else "buyer address has no pincode or state"
    if check_pincode_state(order.ship_pincode, order.ship_state_code) is PincodeCheck.MISMATCH:
        return f"buyer pincode {order.ship_pincode} does not belong to state {order.ship_state_code}"
    return None


def check_address(missing: MissingAddress = MissingAddress.HOLD) -> OrderHandler:
    """The buyer pincode <-> state check as a stage (see ``address_problem``)."""

    def check(run: FlowRun[Any, Any], order: FlowOrder) -> StepResult:
        problem = address_problem(order, missing=missing)
        if problem:
            return StepResult(held=problem)
        if not order.ship_pincode or not order.ship_state_code:
            return StepResult(detail={"pincode": order.ship_pincode, "check": "MISSING"})
        verdict = check_pincode_state(order.ship_pincode, order.ship_state_code)
        return StepResult(detail={"pincode": order.ship_pincode, "check": verdict.value})

    return check


@dataclass(frozen=True)
class SellerGstin:
    """The GSTIN a flow's invoice will carry, and what to hold it against."""

    gstin: str | None
    registered_in: str | None = None  # the state the goods ship from, when the marketplace names it
    configured: str | None = None  # the GSTIN configured in Robnu, when the invoice carries another one


def gstin_hold(seller: SellerGstin, *, required: bool) -> str | None:
    """Why the seller's GSTIN cannot go on an invoice: missing (when ``required``), a bad format or checksum,
    registered in another state than the goods ship from, or of another business (another PAN) than the
    GSTIN configured in Robnu — an invoice from the wrong legal entity."""
    gstin = seller.gstin.strip().upper() if seller.gstin else None
    if not gstin:
        return "the seller's GSTIN is not configured (needed on the tax invoice)" if required else None
    problem = gstin_problem(gstin)
    if problem:
        return f"seller GSTIN {gstin}: {problem}"
    if seller.registered_in and gstin[:2] != seller.registered_in:
        return f"seller GSTIN {gstin} is not registered in state {seller.registered_in}"
    if seller.configured and seller.configured[2:12] != gstin[2:12]:
        return f"seller GSTIN {gstin} belongs to another business than the {seller.configured} configured in Robnu"
    return None


def check_gstin(read: Callable[[FlowRun[Any, Any], FlowOrder], SellerGstin], *, required: bool = True) -> OrderHandler:
    """The seller-GSTIN check as a stage; ``read`` says where the flow's invoice takes the GSTIN from."""

    def check(run: FlowRun[Any, Any], order: FlowOrder) -> StepResult:
        seller = read(run, order)
        problem = gstin_hold(seller, required=required)
        if problem:
            return StepResult(held=problem)
        gstin = seller.gstin.strip().upper() if seller.gstin else None
        return StepResult(external_ref=gstin, detail={"gstin": gstin} if gstin else {})

    return check


def check_stock(run: FlowRun[Any, Any], order: FlowOrder) -> StepResult:
    """The confirmed quantity (the whole ordered quantity: flows confirm whole lines) must be covered by the
    seller's stock left after older unshipped orders on any marketplace. A SKU outside the stock master has
    nothing to count against: it passes and is listed in the step's detail."""
    short = run.store.stock_shortfall(order)
    if short:
        return StepResult(held=short)
    unchecked = run.store.untracked_skus(order)
    return StepResult(detail={"not_in_stock_master": unchecked} if unchecked else {})


def all_of(*checks: OrderHandler) -> OrderHandler:
    """Several checks as one stage, in order: the first that holds, skips or waits decides; otherwise the
    stage is done with the checks' details together."""

    def run_all(run: FlowRun[Any, Any], order: FlowOrder) -> StepResult:
        detail: dict[str, Any] = {}
        ref: str | None = None
        for check in checks:
            result = check(run, order)
            if result.held or result.skip or result.waiting:
                return result
            detail.update(result.detail)
            ref = result.external_ref or ref
        return StepResult(external_ref=ref, detail=detail)

    return run_all
