"""A seller's catalog: SKUs with Amazon ids (ASIN), EAN, HSN, MRP, price and GST rate."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

# (category, title stem, HSN, weight grams, commission bp) -- modelled India apparel/footwear/bags mix.
_CATEGORIES: tuple[tuple[str, str, str, int, int], ...] = (
    ("KURTA", "Cotton Kurta", "62114290", 350, 1700),
    ("TSHIRT", "Round Neck T-Shirt", "61091000", 250, 1700),
    ("SAREE", "Printed Saree", "52085990", 600, 1500),
    ("JEANS", "Slim Fit Jeans", "62034200", 700, 1700),
    ("SHIRT", "Formal Shirt", "62052000", 400, 1700),
    ("SHOES", "Running Shoes", "64041100", 1100, 1400),
    ("BAG", "Laptop Backpack", "42029200", 900, 1200),
    ("DRESS", "A-Line Dress", "62044290", 450, 1700),
)
_COLOURS = ("RED", "BLUE", "BLACK", "WHITE", "GREEN", "MAROON", "NAVY", "YELLOW")
_SIZES = ("S", "M", "L", "XL", "XXL")
_PRICES = (199, 249, 299, 349, 399, 449, 499, 599, 699, 799, 899, 999, 1199, 1499, 1799, 2199, 2799, 3499)
_APPAREL = frozenset({"KURTA", "TSHIRT", "SAREE", "JEANS", "SHIRT", "DRESS"})
_GST_CHANGE_S = int(datetime(2025, 9, 21, 18, 30, tzinfo=UTC).timestamp())  # 22 Sep 2025 00:00 IST


@dataclass(frozen=True, slots=True)
class Sku:
    seller_sku: str
    asin: str
    ean: str
    hsn: str
    title: str
    category: str
    mrp: Decimal
    price: Decimal  # GST-inclusive selling price per unit
    weight_grams: int
    commission_bp: int  # commission in basis points of the GST-inclusive price

    @property
    def price_paise(self) -> int:
        return int(self.price * 100)


def gst_rate(category: str, unit_price: Decimal, on_s: int) -> int:
    """GST rate in percent by invoice date and per-piece value (apparel and footwear slabs)."""
    if category in _APPAREL or category == "SHOES":
        if on_s >= _GST_CHANGE_S:
            return 5 if unit_price <= 2500 else 18
        if category == "SHOES":
            return 12 if unit_price <= 1000 else 18
        return 5 if unit_price <= 1000 else 12
    return 18  # modelled: bags and others at 18 %


def ean13(rng: random.Random) -> str:
    """A 13-digit EAN with a valid check digit, GS1 India prefix 890."""
    body = "890" + "".join(rng.choice(string.digits) for _ in range(9))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def asin(rng: random.Random) -> str:
    return "B0" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(8))


def make_catalog(rng: random.Random, size: int = 40) -> list[Sku]:
    skus: list[Sku] = []
    seen: set[str] = set()
    while len(skus) < size:
        category, stem, hsn, weight, commission = rng.choice(_CATEGORIES)
        colour = rng.choice(_COLOURS)
        size_code = rng.choice(_SIZES) if category in _APPAREL else "STD"
        seller_sku = f"{category}-{colour}-{size_code}-{rng.randrange(1000, 10000)}"
        if seller_sku in seen:
            continue
        seen.add(seller_sku)
        price = Decimal(rng.choice(_PRICES))
        mrp = (price * Decimal(rng.choice(("1.2", "1.4", "1.6", "2.0")))).quantize(Decimal("1"))
        skus.append(
            Sku(
                seller_sku=seller_sku,
                asin=asin(rng),
                ean=ean13(rng),
                hsn=hsn,
                title=f"{stem} {colour.title()} {size_code}",
                category=category,
                mrp=mrp,
                price=price,
                weight_grams=weight,
                commission_bp=commission,
            )
        )
    return skus
