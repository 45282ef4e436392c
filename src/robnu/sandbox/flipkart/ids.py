"""Flipkart id shapes (Flipkart's id formats; AWBs per courier), drawn from a seeded RNG."""

from __future__ import annotations

import random
import string
import zlib
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")
_UPPER_ALNUM = string.ascii_uppercase + string.digits
_HEX = "0123456789abcdef"
PAISE = Decimal("0.01")


def account_rng(seed: int, account_key: str) -> random.Random:
    """Per-account RNG: the seed mixed with a stable hash of the account key (never ``hash()``)."""
    return random.Random((seed * 1_000_003) ^ zlib.crc32(account_key.encode()))


def seller_id(rng: random.Random) -> str:
    return "".join(rng.choice(_HEX) for _ in range(16))  # 16 hex [corroborated]


def location_id(rng: random.Random) -> str:
    return "LOC" + "".join(rng.choice(_HEX) for _ in range(32))


def app_id(rng: random.Random) -> str:
    # modelled: Flipkart application ids are opaque alphanumerics
    return "".join(rng.choice(_HEX) for _ in range(8)) + "a" + "".join(rng.choice(_HEX) for _ in range(11))


def app_secret(rng: random.Random) -> str:
    return "".join(rng.choice(_HEX) for _ in range(32))


def fsn(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(3)) + "".join(
        rng.choice(_UPPER_ALNUM) for _ in range(13)
    )


def listing_id(fsn_value: str, rng: random.Random) -> str:
    return "LST" + fsn_value + "".join(rng.choice(string.ascii_uppercase) for _ in range(6))


def ean13(rng: random.Random) -> str:
    body = "890" + "".join(str(rng.randrange(10)) for _ in range(9))  # 890 = GS1 India
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def pick(rng: random.Random, values: tuple[str, ...] | list[str]) -> str:
    """``rng.choice`` without its overhead (generation draws millions of these)."""
    return values[int(rng.random() * len(values))]


def order_item_id(rng: random.Random) -> str:
    return str(10**15 + int(rng.random() * 9 * 10**15))  # 16 digits


def order_id(item_id: str, rng: random.Random) -> str:
    # Flipkart order ids embed the first order item id: OD + 18 digits.
    return "OD" + (item_id + str(100 + int(rng.random() * 900)))[:18].ljust(18, "0")


def shipment_id(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"  # a version-4 UUID


def awb(rng: random.Random) -> str:
    return ("FMPP" if rng.random() < 0.5 else "FMPC") + str(10**9 + int(rng.random() * 9 * 10**9))  # modelled Ekart


def return_id(item_id: str, n: int) -> str:
    # modelled: the public docs show no return id example; a stable id per order item and return
    return f"{int(item_id) * 10 + n}"


def iso(instant: datetime) -> str:
    """Flipkart timestamps: ISO 8601 with milliseconds and the IST offset."""
    return instant.astimezone(IST).isoformat(timespec="milliseconds")  # "…T12:00:00.000+05:30"


def parse_iso(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=IST)
    return value.astimezone(UTC)


def money(value: Decimal) -> Decimal:
    return value.quantize(PAISE, rounding=ROUND_HALF_UP)
