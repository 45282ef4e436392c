"""The Amazon India world: accounts, LWA apps and tokens, orders on the shared clock, seller actions.

Deterministic from the seed: account n is drawn from ``Random(crc32("<seed>:account:<n>"))`` and each
account's own RNG from ``seed ^ crc32(selling_partner_id)``; nothing uses ``hash()``.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
import string
import threading
import zlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from robnu.domain.india import PLACES, make_gstin
from robnu.sandbox.amazon_in.account import Account
from robnu.sandbox.amazon_in.catalog import make_catalog
from robnu.sandbox.amazon_in.constants import MARKETPLACE_ID, REGION, TOKEN_LIFETIME_SECONDS
from robnu.sandbox.amazon_in.generator import ensure_packages, generate
from robnu.sandbox.amazon_in.orders import FULFILLMENT_STATUS, PACKAGE_STATUS, Order, Package, Stage, Track
from robnu.sandbox.amazon_in.settlement import group_id, rupees
from robnu.sandbox.amazon_in.timefmt import iso_from_s, iso_z
from robnu.sandbox.clock import SandboxClock

_UPPER_DIGITS = string.ascii_uppercase + string.digits
_SELLER_NAMES = (
    "Shree Ganesh Textiles",
    "Kaveri Fashions",
    "Rangoli Ethnic Wear",
    "Urban Threads India",
    "Mehta Footwear",
    "Laxmi Handlooms",
    "Desi Closet",
    "Nirmal Bags and Co",
)


class ShipmentRejected(Exception):
    """confirmShipment cannot apply (the order's state or the body is wrong)."""


@dataclass
class AccessToken:
    account: str
    issued_s: int
    dead: bool = False


class AmazonWorld:
    def __init__(self, seed: int, clock: SandboxClock) -> None:
        self.seed = seed
        self.clock = clock
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.tokens: dict[str, AccessToken] = {}
        self.documents: dict[str, tuple[str, bytes]] = {}
        self.listing_apply_delay_s = 0  # accepted patches apply after this many sandbox seconds
        self.secret = hashlib.sha256(f"robnu-amazon-sandbox:{seed}".encode()).digest()
        self._created = 0

    def now_s(self) -> int:
        return int(self.clock.now().timestamp())

    def reset(self) -> None:
        with self.lock:
            self.accounts.clear()
            self.tokens.clear()
            self.documents.clear()
            self._created = 0

    # -- accounts --
    def create_account(self, **overrides: Any) -> dict[str, Any]:
        with self.lock:
            n = self._created
            self._created += 1
            pick = random.Random(zlib.crc32(f"{self.seed}:account:{n}".encode()))
            seller_id = str(overrides.get("selling_partner_id") or "A" + "".join(pick.choices(_UPPER_DIGITS, k=13)))
            if seller_id in self.accounts:
                raise ValueError(f"account {seller_id} exists")
            rng = random.Random(self.seed ^ zlib.crc32(seller_id.encode()))
            place = PLACES[rng.randrange(len(PLACES))]
            pan = (
                "".join(rng.choices(string.ascii_uppercase, k=3))
                + "F"
                + rng.choice(string.ascii_uppercase)
                + f"{rng.randrange(10000):04d}"
                + rng.choice(string.ascii_uppercase)
            )
            account = Account(
                key=seller_id,
                seller_name=str(overrides.get("seller_name") or rng.choice(_SELLER_NAMES)),
                gstin=make_gstin(place.state_code, pan),
                ship_from=place,
                lwa_client_id=str(
                    overrides.get("lwa_client_id") or "amzn1.application-oa2-client." + f"{rng.getrandbits(128):032x}"
                ),
                lwa_client_secret=str(
                    overrides.get("lwa_client_secret") or "amzn1.oa2-cs.v1." + f"{rng.getrandbits(256):064x}"
                ),
                refresh_token=str(
                    overrides.get("refresh_token")
                    or "Atzr|" + "".join(rng.choices(string.ascii_letters + string.digits, k=96))
                ),
                rng=rng,
                catalog=make_catalog(rng),
            )
            account.quantities = {s.seller_sku: rng.randrange(0, 60) for s in account.catalog}
            self.accounts[seller_id] = account
            return self.identity(account)

    def identity(self, account: Account) -> dict[str, Any]:
        return {
            "account_key": account.key,
            "selling_partner_id": account.key,
            "marketplace_id": MARKETPLACE_ID,
            "lwa_client_id": account.lwa_client_id,
            "lwa_client_secret": account.lwa_client_secret,
            "refresh_token": account.refresh_token,
            "region": REGION,
            "seller_name": account.seller_name,
            "gstin": account.gstin,
            "ship_from": {
                "city": account.ship_from.city,
                "state": account.ship_from.state,
                "state_code": account.ship_from.state_code,
                "pincode": account.ship_from.pincode,
            },
            "skus": [s.seller_sku for s in account.catalog],
        }

    def account(self, key: str) -> Account:
        try:
            return self.accounts[key]
        except KeyError:
            raise KeyError(f"unknown account {key}") from None

    def revoke(self, key: str) -> None:
        with self.lock:
            account = self.account(key)
            account.revoked = True
            for token in self.tokens.values():
                if token.account == key:
                    token.dead = True

    def generate_orders(self, key: str, count: int, *, days: float = 30, track: str | None = None) -> list[str]:
        """``track`` (AFN / EASY_SHIP / SELF_SHIP) forces the fulfilment track with a steady fate."""
        with self.lock:
            made = generate(self.account(key), count, self.now_s(), days, Track(track) if track else None)
            return [o.order_id for o in made]

    # -- LWA --
    def issue_token(self, account: Account) -> str:
        token = "Atza|" + secrets.token_urlsafe(72)
        self.tokens[token] = AccessToken(account.key, self.now_s())
        return token

    def token_account(self, token: str | None) -> tuple[Account | None, str]:
        """The account of a live access token, or None and why not (for 403 details)."""
        if not token:
            return None, "Access token is missing in the request header."
        record = self.tokens.get(token)
        if record is None or record.dead:
            return None, "The access token you provided is revoked, malformed or invalid."
        account = self.accounts.get(record.account)
        if account is None or account.revoked:
            return None, "The access token you provided is revoked, malformed or invalid."
        if self.now_s() >= record.issued_s + TOKEN_LIFETIME_SECONDS:
            # modelled: Amazon does not document the wording for an expired (not invalid) token.
            return None, "The access token you provided has expired."
        return account, ""

    def kill_token(self, token: str) -> None:
        record = self.tokens.get(token)
        if record is not None:
            record.dead = True

    # -- seller actions --
    def confirm_shipment(self, account: Account, order: Order, body: dict[str, Any]) -> None:
        """v0 confirmShipment for a seller-fulfilled order (the model's ConfirmShipmentRequest)."""
        now_s = self.now_s()
        if order.track is not Track.SELF_SHIP:
            raise ShipmentRejected("Order is not a seller-fulfilled (MFN) order that ships with the seller's carrier")
        stage = order.stage(now_s)
        if stage not in (Stage.UNSHIPPED, Stage.PARTIALLY_SHIPPED):
            raise ShipmentRejected(f"Order cannot be confirmed in status {FULFILLMENT_STATUS[stage]}")
        ensure_packages(order)
        detail = body["packageDetail"]
        lines = {line.order_item_id: line for line in order.lines}
        wanted: list[tuple[str, int]] = []
        for item in detail["orderItems"]:
            line = lines.get(str(item["orderItemId"]))
            if line is None:
                raise ShipmentRejected(f"Unknown orderItemId {item['orderItemId']}")
            qty = int(item["quantity"])
            if qty < 1 or line.shipped + qty > line.quantity:
                raise ShipmentRejected(f"Invalid quantity for orderItemId {line.order_item_id}")
            wanted.append((line.order_item_id, qty))
        for item_id, qty in wanted:
            lines[item_id].shipped += qty
        order.packages.append(
            Package(
                reference_id=str(detail["packageReferenceId"]),
                carrier_code=str(detail["carrierCode"]),
                carrier_name=str(detail.get("carrierName") or detail["carrierCode"]),
                tracking_number=str(detail["trackingNumber"]),
                ship_s=now_s,
                items=wanted,
                shipping_method=str(detail.get("shippingMethod") or "Standard"),
            )
        )
        if all(line.shipped == line.quantity for line in order.lines):
            order.shipped_s = now_s if order.partial_s is None or now_s > order.partial_s else now_s + 1
        elif order.partial_s is None:
            order.partial_s = now_s
        order.version += 1
        order.plan()
        account.index_order(order)
        account.shipments.append(
            {
                "order_id": order.order_id,
                "at": iso_z(self.clock.now()),
                "package_reference_id": str(detail["packageReferenceId"]),
                "carrier_code": str(detail["carrierCode"]),
                "tracking_number": str(detail["trackingNumber"]),
                "ship_date": str(detail["shipDate"]),
                "items": [{"order_item_id": i, "quantity": q} for i, q in wanted],
                "complete": order.shipped_s is not None,
            }
        )

    def record_quantity(
        self, account: Account, sku: str, quantity: int | None, status: str, submission_id: str, channel: str
    ) -> dict[str, Any]:
        account.push_seq += 1
        now = self.clock.now()
        record = {
            "seq": account.push_seq,
            "sku": sku,
            "quantity": quantity,
            "status": status,
            "submission_id": submission_id,
            "channel": channel,
            "at": iso_z(now),
            "apply_s": self.now_s() + self.listing_apply_delay_s,
        }
        account.pushes.append(record)
        return record

    def quantity(self, account: Account, sku: str) -> int:
        now_s = self.now_s()
        for record in reversed(account.pushes):
            if record["sku"] == sku and record["status"] == "ACCEPTED" and record["apply_s"] <= now_s:
                return int(record["quantity"])
        return account.quantities.get(sku, 0)

    # -- signed document URLs (presigned, 5 minutes, no auth headers) --
    def sign(self, document_id: str, issued_s: int) -> str:
        return hmac.new(self.secret, f"{document_id}:{issued_s}".encode(), hashlib.sha256).hexdigest()

    # -- read-back for tests and the demo --
    def truth(self, key: str) -> dict[str, Any]:
        with self.lock:
            account = self.account(key)
            now_s = self.now_s()
            orders: dict[str, Any] = {}
            returns: dict[str, Any] = {}
            payouts: dict[str, list[int]] = {}
            order_value = Decimal("0.00")
            for order in account.orders.values():
                if not order.visible(now_s):
                    continue
                stage = order.stage(now_s)
                orders[order.order_id] = {
                    "status": FULFILLMENT_STATUS[stage],
                    "updated_at": iso_from_s(order.last_updated(now_s)),
                    "total": str(order.total),
                    "items": len(order.lines),
                }
                order_value += order.total
                times = order.return_times()
                if times is not None and times[0] <= now_s:
                    returns[order.details.rma_id] = {
                        "kind": "customer_return",
                        "order_id": order.order_id,
                        "status": "Closed" if times[1] <= now_s else "Approved",
                    }
                if stage in (Stage.RETURNING_TO_SELLER, Stage.RETURNED_TO_SELLER):
                    returns[order.order_id] = {
                        "kind": "rto",
                        "order_id": order.order_id,
                        "status": PACKAGE_STATUS[stage][1],
                    }
            for txn in account.iter_postings(0, now_s, now_s, None):
                gid = group_id(account.key, txn.group_index)
                entry = payouts.setdefault(gid, [0, 0])
                entry[0] += txn.total
                entry[1] += 1
            payout_net = rupees(sum(p[0] for p in payouts.values()))
            return {
                "orders": orders,
                "returns": returns,
                "payouts": {k: {"net": str(rupees(v[0])), "lines": v[1]} for k, v in payouts.items()},
                "totals": {"order_value": str(order_value), "payout_net": str(payout_net)},
            }

    def pushed(self, key: str) -> dict[str, Any]:
        with self.lock:
            account = self.account(key)
            inventory: dict[str, list[dict[str, Any]]] = {}
            for record in account.pushes:
                inventory.setdefault(record["sku"], []).append(
                    {k: v for k, v in record.items() if k not in ("sku", "apply_s")}
                )
            return {
                "inventory": inventory,
                "inventory_log": [{k: v for k, v in r.items() if k != "apply_s"} for r in account.pushes],
                "dispatches": list(account.shipments),
                # modelled: Amazon MFN has no separate acknowledge/label/manifest/cancel call in scope
                # (Easy Ship pickups are Amazon's); confirmShipment is the dispatch.
                # confirmShipment is the shipment confirmation (one per package sent)
                "confirmations": list(account.shipments),
                "acknowledgements": [],
                "labels": [],
                "manifests": [],
                "cancels": [],
            }
