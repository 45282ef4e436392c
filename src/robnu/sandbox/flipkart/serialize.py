"""JSON views of shipments, shipment details, returns and invoices, field for field as Flipkart's API publishes them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from robnu.sandbox.flipkart.ids import iso
from robnu.sandbox.flipkart.model import OrderItem, ReturnItem, Shipment
from robnu.sandbox.flipkart.world import World

# modelled: the states whose shipments need a state e-way/compliance form (forms)
_DAYS3 = timedelta(days=3)
STATE_FORMS = {
    "24": ("GJ_403", "http://www.commercialtax.gujarat.gov.in/"),
    "36": ("FORM600TG", "https://www.tgct.gov.in/"),
}


def _num(value: Decimal) -> float:
    return float(value)


def order_item(world: World, sh: Shipment, item: OrderItem) -> dict[str, Any]:
    status = world.item_status(sh, item)
    cancelled_at = item.cancelled_at or (world.cancellation_date(sh) if status == "CANCELLED" else None)
    reason = sub_reason = None
    if status == "CANCELLED":
        if item.cancelled_at is not None or sh.cancel_type == "sellerCancellation":
            reason, sub_reason = "seller_cancellation", item.cancel_reason or sh.seller_cancel_reason
        elif sh.cancel_type == "buyerCancellation":
            reason, sub_reason = "buyer_cancellation", "order_no_longer_required"
        else:
            reason, sub_reason = "marketplace_cancellation", "dispatch_sla_breached"
    line_price = item.selling_price * item.quantity
    return {
        "orderItemId": item.order_item_id,
        "orderId": sh.order_id,
        "cancellationGroupId": "grp" + item.order_item_id,
        "orderDate": iso(sh.order_date),
        "cancellationDate": iso(cancelled_at) if cancelled_at else None,
        "paymentType": sh.payment_type,
        "status": status,
        "cancellationReason": reason,
        "cancellationSubReason": sub_reason,
        "courierReturn": world.courier_return(sh),
        "quantity": item.quantity,
        "fsn": item.listing.fsn,
        "sku": item.listing.sku,
        "listingId": item.listing.listing_id,
        "hsn": item.listing.hsn,
        "title": item.listing.title,
        "packageIds": [f"PKG{sh.shipment_id[:8].upper()}1"] if sh.packed_at else [],
        "priceComponents": {
            "sellingPrice": _num(line_price),
            "totalPrice": _num(item.total),
            "shippingCharge": _num(item.shipping_charge),
            "customerPrice": _num(item.total),
            "flipkartDiscount": 0.0,
        },
        "serviceProfile": "NON_FBF",
        "is_replacement": False,
    }


def shipment(world: World, sh: Shipment) -> dict[str, Any]:
    assert sh.updated_at is not None
    length, breadth, height, weight = sh.dims
    form = STATE_FORMS.get(sh.place.state_code)
    return {
        "shipmentId": sh.shipment_id,
        "dispatchByDate": iso(sh.dispatch_by),
        "dispatchAfterDate": iso(sh.dispatch_after),
        "updatedAt": iso(sh.updated_at),
        "locationId": sh.location_id,
        "hold": sh.hold,
        "mps": False,
        "packagingPolicy": "DEFAULT",
        "shipmentType": sh.shipment_type,
        "subShipments": [
            {
                "subShipmentId": "SS-1",
                "packages": [
                    {
                        "id": f"PKG{sh.shipment_id[:8].upper()}1",
                        "name": "Package 1",
                        "dimensions": {"length": length, "breadth": breadth, "height": height},
                        "weight": weight,
                        "notional_value": {"amount": _num(sh.total), "unit": "INR"},
                        "description": sh.items[0].listing.title,
                        "handling": {"fragile": False},
                    }
                ],
            }
        ],
        "orderItems": [order_item(world, sh, i) for i in sh.items],
        "forms": [{"name": form[0], "link": form[1], "automated": True}] if form else [],
    }


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.partition(" ")
    return first, last


def shipment_details(world: World, sh: Shipment) -> dict[str, Any]:
    """``GET /v3/shipments/{ids}``: the ShipmentDetails shape of Flipkart's SDK."""
    account = world.accounts[sh.account_key]
    first, last = _split_name(sh.buyer_name)
    address = {
        "firstName": first,
        "lastName": last,
        "pinCode": sh.place.pincode,
        "city": sh.place.city,
        "state": sh.place.state,
        "stateCode": sh.place.state_code,
        "addressLine1": sh.address_line1,
        "addressLine2": "",
        "landmark": "",
        "contactNumber": sh.buyer_phone,
    }
    seller_address = {
        "sellerName": account.name,
        "pinCode": account.place.pincode,
        "city": account.place.city,
        "state": account.place.state,
        "stateCode": account.place.state_code,
        "addressLine1": "Unit 4, Industrial Estate",
        "addressLine2": "",
        "landmark": "",
    }
    length, breadth, height, weight = sh.dims
    has_awb = sh.packed_at is not None
    return {
        "orderId": sh.order_id,
        "shipmentId": sh.shipment_id,
        "locationId": sh.location_id,
        "weighingRequired": False,
        "orderItems": [
            {"id": i.order_item_id, "fragile": False, "large": False, "dangerous": False, "add_ons": []}
            for i in sh.items
        ],
        "deliveryAddress": address,
        "billingAddress": dict(address),
        "buyerDetails": {"firstName": first, "lastName": last},
        "sellerAddress": seller_address,
        "returnAddress": dict(seller_address),
        "subShipments": [
            {
                "subShipmentId": "SS-1",
                "courierDetails": {
                    "pickupDetails": {"trackingId": sh.awb if has_awb else "", "vendorName": "Ekart"},
                    "deliveryDetails": {"trackingId": sh.awb if has_awb else "", "vendorName": "Ekart"},
                },
                "shipmentDimensions": {
                    "length": length,
                    "breadth": breadth,
                    "height": height,
                    "weight": weight,
                },
            }
        ],
    }


def return_item(world: World, ret: ReturnItem) -> dict[str, Any]:
    sh = ret.shipment
    return {
        "returnId": ret.return_id,
        "orderItemId": ret.item.order_item_id,
        "orderId": sh.order_id,
        "locationId": sh.location_id,
        "sellerId": world.accounts[sh.account_key].seller_id,
        "quantity": ret.item.quantity,
        "orderDate": iso(sh.order_date),
        "createdDate": iso(ret.created_at),
        "updatedDate": iso(ret.updated_at),
        "courierName": "flipkartlogistics",
        "trackingId": ret.tracking_id,
        "shipmentId": sh.shipment_id,
        "shipmentStatus": sh.status,
        "status": ret.status,
        "type": ret.source,
        "reason": ret.reason,
        "subReason": ret.sub_reason,
        "comments": "",
        "approvedOn": iso(ret.created_at),
        "expectedDate": iso(
            ret.created_at.replace(microsecond=0) + (ret.completed_at - ret.created_at if ret.completed_at else _DAYS3)
        ),
        "serviceProfile": "NON_FBF",
        "services": [],
    }


def tax_split(world: World, sh: Shipment, item: OrderItem) -> dict[str, float]:
    """CGST+SGST when the buyer's state is the ship-from state, else IGST."""
    rate = item.listing.gst_rate
    if world.accounts[sh.account_key].place.state_code == sh.place.state_code:
        return {"cgstRate": float(rate / 2), "sgstRate": float(rate / 2), "igstRate": 0.0}
    return {"cgstRate": 0.0, "sgstRate": 0.0, "igstRate": float(rate)}


def invoice(world: World, sh: Shipment) -> dict[str, Any]:
    return {
        "shipmentId": sh.shipment_id,
        "invoiceDate": iso(sh.invoice_date) if sh.invoice_date else None,
        "invoiceNumber": sh.invoice_number,
        "fssaiLicenseNo": None,
        "orderItems": [
            {
                "orderItemId": i.order_item_id,
                "invoiceAmount": float(i.total),
                "taxRate": float(i.listing.gst_rate),
                "serialNumbers": [],
                "taxDetails": tax_split(world, sh, i),
            }
            for i in sh.items
        ],
    }
