"""The core of the seeded Meesho world: configuration, suppliers and their API keys, reads of sub-orders and
returns, and the label, manifest and courier records every flow shares.

Deterministic: the sandbox RNG is ``Random(seed ^ SALT)``; each account's RNG is derived from the seed and the
supplier id with zlib.crc32, never ``hash()``. Business time comes only from the shared SandboxClock.
"""

from __future__ import annotations

import random
import string
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from robnu.domain.india import make_gstin
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.meesho import timeline as tl
from robnu.sandbox.meesho.catalog import make_catalog
from robnu.sandbox.meesho.errors import fail
from robnu.sandbox.meesho.model import COURIERS, IST, Account, ApiKey, Label, Manifest, Return, SubOrder
from robnu.sandbox.people import random_person

SALT = 0x4D45_5348  # "MESH"
_COURIER_WEIGHTS = (40, 20, 15, 15, 10)
CANCEL_REASONS = ("OUT_OF_STOCK", "DAMAGED_STOCK", "PRICING_ERROR", "OTHER")


@dataclass
class WorldConfig:
    label_delay_seconds: float = 0.0  # labels turn READY after this (0 in tests)
    auto_pickup_seconds: float | None = 3 * 3600.0  # modelled: courier scans a manifest 3 h after it is created
    settlement_after_days: int = 7  # delivered sub-orders become eligible after 7 days
    rto_forward_fee: bool = False  # forward shipping not charged on RTO by default
    simulated_after_hours: float = 36.0  # generated orders older than this were handled by a simulated seller


class WorldCore:
    def __init__(self, seed: int, clock: SandboxClock) -> None:
        self.seed = seed
        self.clock = clock
        self.config = WorldConfig()
        self._rng = random.Random(seed ^ SALT)
        self.accounts: dict[str, Account] = {}
        self.key_index: dict[str, str] = {}  # api_key -> supplier_id

    # ------------------------------------------------------------------ accounts
    def create_account(self, **overrides: Any) -> Account:
        supplier_id = str(overrides.get("supplier_id") or self._rng.randrange(100000, 1000000))
        while supplier_id in self.accounts and "supplier_id" not in overrides:
            supplier_id = str(self._rng.randrange(100000, 1000000))
        if supplier_id in self.accounts:
            raise ValueError(f"supplier {supplier_id} exists")
        rng = random.Random((self.seed ^ SALT) * 1_000_003 + zlib.crc32(supplier_id.encode()))
        person = random_person(rng)
        place = person.place
        pan = "".join(rng.choices(string.ascii_uppercase, k=3)) + "F" + rng.choice(string.ascii_uppercase)
        pan += f"{rng.randrange(10000):04d}" + rng.choice(string.ascii_uppercase)
        warehouses = list(overrides.get("warehouse_ids") or [f"WH-{place.city.upper().replace(' ', '')}-1"])
        acct = Account(
            supplier_id=supplier_id,
            name=str(overrides.get("name") or f"{person.name.split()[1]} Fashions"),
            gstin=make_gstin(place.state_code, pan),
            state_code=place.state_code,
            city=place.city,
            pincode=place.pincode,
            warehouse_ids=warehouses,
            keys=[],
            rng=rng,
            acceptance_mode=str(overrides.get("acceptance_mode", "ACCEPT_MANUALLY")),
            returns_assurance=bool(overrides.get("returns_assurance", False)),
        )
        acct.products = make_catalog(rng, warehouses[0] if warehouses else "")
        self.accounts[supplier_id] = acct
        key = ApiKey(
            str(overrides.get("api_key") or "mk_test_" + _alnum(rng, 6)),
            str(overrides.get("api_secret") or "msk_test_" + f"{rng.getrandbits(128):032x}"),
            created_at=self.clock.now(),
        )
        self._add_key(acct, key)
        return acct

    def _add_key(self, acct: Account, key: ApiKey) -> None:
        acct.keys.append(key)
        self.key_index[key.api_key] = acct.supplier_id

    def account(self, supplier_id: str) -> Account:
        acct = self.accounts.get(supplier_id)
        if acct is None:
            raise KeyError(supplier_id)
        return acct

    def rotate_key(self, acct: Account) -> ApiKey:
        """Key rotation: a second active key; the old one stays valid until ``retire_key``."""
        if sum(k.active for k in acct.keys) >= 2:
            raise fail(409, "CONFLICT", {"reason": "two keys are already active; retire one first"})
        key = ApiKey(
            "mk_test_" + _alnum(acct.rng, 6),
            "msk_test_" + f"{acct.rng.getrandbits(128):032x}",
            created_at=self.clock.now(),
        )
        self._add_key(acct, key)
        return key

    def retire_key(self, acct: Account, api_key: str) -> None:
        for key in acct.keys:
            if key.api_key == api_key:
                key.active = False
                return
        raise fail(404, "NOT_FOUND", {"api_key": api_key})

    def revoke(self, acct: Account) -> None:
        acct.revoked = True
        for key in acct.keys:
            key.active = False

    def _batch(self, acct: Account, kind: str, key: tuple[Any, ...], size: int, make: Any) -> Label | Manifest:
        cache: dict[tuple[Any, ...], Label | Manifest] = acct.__dict__.setdefault(f"_open_{kind}", {})
        current = cache.get(key)
        if current is None or len(current.sub_order_nos) >= size:
            current = make()
            cache[key] = current
        assert current is not None
        return current

    def _assign_courier(self, acct: Account, sub: SubOrder, at: datetime) -> None:
        """Meesho assigns courier, AWB and tax invoice number at the first label; relabels keep them."""
        if sub.courier is not None:
            return
        h = zlib.crc32(f"{acct.supplier_id}|{sub.sub_order_no}".encode())
        pick, total = h % 100, 0
        for courier, weight in zip(COURIERS, _COURIER_WEIGHTS, strict=True):
            total += weight
            if pick < total:
                sub.courier = courier
                break
        sub.awb = tl.make_awb_hashed(sub.courier or "VALMO", sub.sub_order_no)
        fy = at.astimezone(IST)
        start = fy.year if fy.month >= 4 else fy.year - 1
        sub.invoice_no = f"MS/{start % 100:02d}-{(start + 1) % 100:02d}/{acct.next_seq('invoice'):06d}"
        sub.invoice_at = at

    def _new_label(self, acct: Account, at: datetime, warehouse_id: str, nos: list[str]) -> Label:
        label_id = f"LBL{tl.ist_date(at):%Y%m%d}{acct.next_seq('label'):06d}"
        label = Label(label_id, at, at + timedelta(seconds=self.config.label_delay_seconds), warehouse_id, nos)
        acct.labels[label_id] = label
        return label

    def _new_manifest(
        self,
        acct: Account,
        courier: str,
        warehouse_id: str,
        at: datetime,
        nos: list[str],
        scan_at: datetime | None,
    ) -> Manifest:
        manifest_id = f"MNF{tl.ist_date(at):%Y%m%d}{acct.next_seq('manifest'):05d}"
        manifest = Manifest(manifest_id, courier, warehouse_id, at, nos, scan_at)
        acct.manifests[manifest_id] = manifest
        return manifest

    # ------------------------------------------------------------------ reads
    def status(self, sub: SubOrder, now: datetime | None = None) -> tuple[str, datetime]:
        found = tl.status_at(sub, now or self.clock.now())
        if found is None:
            raise fail(404, "NOT_FOUND", {"sub_order_no": sub.sub_order_no})
        return found

    def sub_order(self, acct: Account, sub_order_no: str) -> SubOrder:
        sub = acct.sub_orders.get(sub_order_no)
        if sub is None or sub.created_at > self.clock.now():
            raise fail(404, "NOT_FOUND", {"sub_order_no": sub_order_no})
        return sub

    def visible_return(self, acct: Account, return_id: str) -> Return:
        tl.ensure_all(acct)
        ret = acct.returns.get(return_id)
        if ret is None or ret.created_at > self.clock.now():
            raise fail(404, "NOT_FOUND", {"return_id": return_id})
        return ret


def _alnum(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(string.ascii_letters + string.digits, k=n))
