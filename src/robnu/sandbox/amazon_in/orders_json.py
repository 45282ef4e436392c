"""Orders 2026-01-01 and v0 bodies from one order store."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from robnu.sandbox.amazon_in.constants import MARKETPLACE_ID, MARKETPLACE_NAME
from robnu.sandbox.amazon_in.generator import ensure_packages
from robnu.sandbox.amazon_in.money import orders_2026_money, orders_v0_money
from robnu.sandbox.amazon_in.orders import (
    FULFILLMENT_STATUS,
    PACKAGE_STATUS,
    V0_EASY_SHIP,
    V0_STATUS,
    Line,
    Order,
    Package,
    Stage,
    Track,
)
from robnu.sandbox.amazon_in.timefmt import iso_from_s

_SHIPPED_STAGES = frozenset(
    {
        Stage.SHIPPED,
        Stage.OUT_FOR_DELIVERY,
        Stage.DELIVERED,
        Stage.RETURNING_TO_SELLER,
        Stage.RETURNED_TO_SELLER,
    }
)


def shipped_quantity(order: Order, line: Line, stage: Stage) -> int:
    if stage in _SHIPPED_STAGES:
        return line.quantity
    if stage is Stage.PARTIALLY_SHIPPED:
        return line.shipped
    return 0


def visible_packages(order: Order, stage: Stage, now_s: int) -> list[Package]:
    ensure_packages(order)
    if order.track is Track.AFN or stage in (Stage.PENDING, Stage.UNSHIPPED):
        return []
    if stage is Stage.CANCELLED:
        return []
    return [p for p in order.packages if order.track is Track.EASY_SHIP or p.ship_s <= now_s]


def _package_status(order: Order, package: Package, stage: Stage) -> dict[str, str]:
    if stage is Stage.PARTIALLY_SHIPPED:
        status, detailed = "IN_TRANSIT", "PICKED_UP"
    else:
        status, detailed = PACKAGE_STATUS.get(stage, ("PENDING", "PENDING_SCHEDULE"))
    return {"status": status, "detailedStatus": detailed}


def order_2026(
    order: Order, now_s: int, included: frozenset[str], merchant: tuple[str, str] | None = None
) -> dict[str, Any]:
    """``definitions.Order``: the core always; each ``includedData`` dataset adds its blocks.
    ``merchant`` = (legal name, GSTIN) of the seller, served as the MERCHANT tax registration."""
    stage = order.stage(now_s)
    details = order.details
    body: dict[str, Any] = {
        "orderId": order.order_id,
        "orderAliases": [{"aliasId": order.order_id, "aliasType": "SELLER_ORDER_ID"}],
        "createdTime": iso_from_s(order.created_s),
        "lastUpdatedTime": iso_from_s(order.last_updated(now_s)),
        "programs": _programs(order, details.prime),
        "salesChannel": {
            "channelName": "AMAZON",
            "marketplaceId": MARKETPLACE_ID,
            "marketplaceName": MARKETPLACE_NAME,
        },
    }
    total = order.total
    if "BUYER" in included:
        body["buyer"] = {"buyerName": details.buyer.name, "buyerEmail": details.buyer_email}
    if "RECIPIENT" in included:
        place = details.buyer.place
        body["recipient"] = {
            "deliveryAddress": {
                "name": details.buyer.name,
                "addressLine1": details.buyer.address_line1,
                "city": place.city,
                "stateOrRegion": place.state,
                "postalCode": place.pincode,
                "countryCode": "IN",
                "phone": details.buyer.phone,
                "addressType": "RESIDENTIAL",
            }
        }
    if "PROCEEDS" in included:
        body["proceeds"] = {
            "grandTotal": orders_2026_money(total),
            "breakdowns": [
                {"type": "ITEM", "subtotal": orders_2026_money(total)},
                {"type": "SHIPPING", "subtotal": orders_2026_money(Decimal("0.00"))},
            ],
        }
    if "PAYMENT" in included:
        method = "CashOnDelivery" if order.cod else "Other"  # modelled: Amazon India's strings are unverified
        body["payment"] = {"paymentExecutions": [{"paymentMethod": method, "paymentAmount": orders_2026_money(total)}]}
    if "TAX" in included:
        body["tax"] = {"taxInvoicing": {"invoiceStatus": "NOT_REQUIRED"}}
        if merchant is not None:
            # modelled: the model lists taxRegistrations (entityType MERCHANT); that Amazon India serves the
            # seller's GSTIN there as a BUSINESS registration is our assumption.
            body["tax"]["taxRegistrations"] = [
                {
                    "entityType": "MERCHANT",
                    "legalName": merchant[0],
                    "taxRegistrationType": "BUSINESS",
                    "taxRegistrationNumber": merchant[1],
                }
            ]
    if "FULFILLMENT" in included:
        ship_from, ship_to = order.ship_by_s
        deliver_from, deliver_to = order.deliver_by_s
        body["fulfillment"] = {
            "fulfillmentStatus": FULFILLMENT_STATUS[stage],
            "fulfilledBy": "AMAZON" if order.track is Track.AFN else "MERCHANT",
            "fulfillmentServiceLevel": "STANDARD",
            "shipByWindow": {
                "earliestDateTime": iso_from_s(ship_from),
                "latestDateTime": iso_from_s(ship_to),
            },
            "deliverByWindow": {
                "earliestDateTime": iso_from_s(deliver_from),
                "latestDateTime": iso_from_s(deliver_to),
            },
        }
    body["orderItems"] = [_item_2026(order, line, stage, included) for line in details.lines]
    if "PACKAGES" in included and order.track is not Track.AFN:
        body["packages"] = [_package(order, p, stage, now_s) for p in visible_packages(order, stage, now_s)]
    return body


def _package(order: Order, package: Package, stage: Stage, now_s: int) -> dict[str, Any]:
    # An Easy Ship package exists from pickup scheduling; it has a ship time only once picked up.
    created = order.unshipped_s + order.fate.schedule_s if order.track is Track.EASY_SHIP else package.ship_s
    body: dict[str, Any] = {
        "packageReferenceId": package.reference_id,
        "createdTime": iso_from_s(created),
        "packageStatus": _package_status(order, package, stage),
        "carrier": package.carrier_name,
        "shippingService": package.shipping_method,
        "trackingNumber": package.tracking_number,
        "packageItems": [{"orderItemId": i, "quantity": q} for i, q in package.items],
    }
    if package.ship_s <= now_s:
        body["shipTime"] = iso_from_s(package.ship_s)
    return body


def _programs(order: Order, prime: bool) -> list[str]:
    programs: list[str] = []
    if order.track is Track.EASY_SHIP:
        programs.append("AMAZON_EASY_SHIP")
    if order.track is Track.AFN:
        programs.append("DELIVERY_BY_AMAZON")
    if prime:
        programs.append("PRIME")
    return programs


def _item_2026(order: Order, line: Line, stage: Stage, included: frozenset[str]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "orderItemId": line.order_item_id,
        "quantityOrdered": line.quantity,
        "measurement": {"unit": "COUNT", "value": line.quantity},
        "product": {
            "asin": line.sku.asin,
            "title": line.sku.title,
            "sellerSku": line.sku.seller_sku,
            "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
            "price": {"unitPrice": orders_2026_money(line.sku.price)},
        },
    }
    if "PROCEEDS" in included:
        item["proceeds"] = {
            "proceedsTotal": orders_2026_money(line.total),
            "breakdowns": [{"type": "ITEM", "subtotal": orders_2026_money(line.total)}],
        }
    if "CANCELLATION" in included and stage is Stage.CANCELLED:
        execution = {"cancelledBy": order.cancelled_by, "cancelReason": order.cancel_reason}
        cancellation: dict[str, Any] = {"cancellationExecution": execution}
        if order.cancelled_by == "BUYER":
            cancellation["cancellationRequest"] = {"requester": "BUYER", "cancelReason": order.cancel_reason}
        item["cancellation"] = cancellation
    if "FULFILLMENT" in included:
        shipped = shipped_quantity(order, line, stage)
        fulfillment: dict[str, Any] = {
            "quantityFulfilled": shipped,
            "quantityUnfulfilled": line.quantity - shipped,
        }
        if order.cod:
            fulfillment["shipping"] = {"shippingConstraints": {"cashOnDelivery": "MANDATORY"}}
        item["fulfillment"] = fulfillment
    if "TAX" in included:
        item["tax"] = {"taxCollections": [{"model": "MarketplaceFacilitator", "responsibleParty": "AMAZON"}]}
    return item


# ------------------------------------------------------------- v0 (legacy) -------------------------------


def order_v0(order: Order, now_s: int) -> dict[str, Any]:
    """v0 ``Order``. Without an RDT the address has only city/state/pincode/country; BuyerInfo is {}."""
    stage = order.stage(now_s)
    details = order.details
    status = V0_STATUS[FULFILLMENT_STATUS[stage]]
    shipped = sum(shipped_quantity(order, line, stage) for line in details.lines)
    ordered = sum(line.quantity for line in details.lines)
    ship_from, ship_to = order.ship_by_s
    deliver_from, deliver_to = order.deliver_by_s
    body: dict[str, Any] = {
        "AmazonOrderId": order.order_id,
        "SellerOrderId": order.order_id,
        "PurchaseDate": iso_from_s(order.created_s),
        "LastUpdateDate": iso_from_s(order.last_updated(now_s)),
        "OrderStatus": status,
        "FulfillmentChannel": "AFN" if order.track is Track.AFN else "MFN",
        "SalesChannel": MARKETPLACE_NAME,
        "ShipServiceLevel": "Std IN Dom_1",  # modelled: Amazon India's strings are unverified
        "NumberOfItemsShipped": shipped,
        "NumberOfItemsUnshipped": 0 if stage is Stage.CANCELLED else ordered - shipped,
        "PaymentMethod": "COD" if order.cod else "Other",
        "PaymentMethodDetails": ["CashOnDelivery" if order.cod else "Standard"],
        "MarketplaceId": MARKETPLACE_ID,
        "ShipmentServiceLevelCategory": "Standard",
        "OrderType": "StandardOrder",
        "EarliestShipDate": iso_from_s(ship_from),
        "LatestShipDate": iso_from_s(ship_to),
        "EarliestDeliveryDate": iso_from_s(deliver_from),
        "LatestDeliveryDate": iso_from_s(deliver_to),
        "IsBusinessOrder": False,
        "IsPrime": details.prime,
        "IsPremiumOrder": False,
        "IsGlobalExpressEnabled": False,
        "IsReplacementOrder": False,
        "IsSoldByAB": False,
        "IsISPU": False,
        "IsAccessPointOrder": False,
        "ShippingAddress": {
            "City": details.buyer.place.city,
            "StateOrRegion": details.buyer.place.state,
            "PostalCode": details.buyer.place.pincode,
            "CountryCode": "IN",
        },
        "BuyerInfo": {},
    }
    if stage is not Stage.PENDING:  # a Pending order may lack OrderTotal
        body["OrderTotal"] = orders_v0_money(order.total)
    if order.track is Track.EASY_SHIP and stage not in (Stage.PENDING, Stage.CANCELLED):
        detailed = "PENDING_SCHEDULE" if stage is Stage.UNSHIPPED else PACKAGE_STATUS[stage][1]
        body["EasyShipShipmentStatus"] = V0_EASY_SHIP[detailed]
    return body


def easy_ship_status_v0(order: Order, now_s: int) -> str | None:
    stage = order.stage(now_s)
    if order.track is not Track.EASY_SHIP or stage in (Stage.PENDING, Stage.CANCELLED):
        return None
    detailed = "PENDING_SCHEDULE" if stage is Stage.UNSHIPPED else PACKAGE_STATUS[stage][1]
    return V0_EASY_SHIP[detailed]


def order_items_v0(order: Order, now_s: int) -> dict[str, Any]:
    stage = order.stage(now_s)
    items: list[dict[str, Any]] = []
    for line in order.details.lines:
        item: dict[str, Any] = {
            "ASIN": line.sku.asin,
            "SellerSKU": line.sku.seller_sku,
            "OrderItemId": line.order_item_id,
            "Title": line.sku.title,
            "QuantityOrdered": line.quantity,
            "QuantityShipped": shipped_quantity(order, line, stage),
            "IsGift": "false",
            "ConditionId": "New",
            "ConditionSubtypeId": "New",
            "IsTransparency": False,
            "SerialNumberRequired": False,
        }
        if stage is not Stage.PENDING:  # pricing is omitted while the order is Pending
            tax = line.total - (line.total * 100 / (100 + line.gst_rate)).quantize(Decimal("0.01"))
            item["ItemPrice"] = orders_v0_money(line.total)
            item["ItemTax"] = orders_v0_money(tax)
            item["ShippingPrice"] = orders_v0_money(Decimal("0.00"))
            item["PromotionDiscount"] = orders_v0_money(Decimal("0.00"))
        if order.cod and stage is not Stage.PENDING:
            item["CODFee"] = orders_v0_money(Decimal("0.00"))
        if stage is Stage.CANCELLED and order.cancelled_by == "BUYER":
            item["BuyerRequestedCancel"] = {
                "IsBuyerRequestedCancel": "true",
                "BuyerCancelReason": order.cancel_reason,
            }
        items.append(item)
    return {"AmazonOrderId": order.order_id, "OrderItems": items}
