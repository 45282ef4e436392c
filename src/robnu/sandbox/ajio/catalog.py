"""Seeded identifiers and the seller catalogue (AJIO's id formats; courier-shaped AWBs)."""

from __future__ import annotations

import random
import zlib
from decimal import Decimal

from robnu.sandbox.ajio.model import Product

COURIERS = ("DELHIVERY", "XPRESSBEES", "EKART", "SHADOWFAX", "BLUEDART")
_ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

# (name, sku stem, HSN, weight in grams); HSN chapters as GST classifies apparel and footwear.
_KINDS = (
    ("Cotton Kurta", "KURTA", "62114290", 300),
    ("Printed T-Shirt", "TSHIRT", "61091000", 200),
    ("Slim Fit Jeans", "JEANS", "62034200", 600),
    ("A-Line Dress", "DRESS", "62044300", 350),
    ("Casual Shirt", "SHIRT", "62052000", 280),
    ("Running Sneakers", "SNKR", "64041990", 900),
    ("Sling Bag", "BAG", "42022290", 500),
)
_COLORS = ("Red", "Blue", "Black", "White", "Green", "Maroon", "Navy", "Olive")
_SIZES = ("S", "M", "L", "XL")
_SHOE_SIZES = ("7", "8", "9", "10")
_BRANDS = ("Acme", "Rangrez", "Kalaa", "Urban Desi", "Mitti", "Sutra")
_MRPS = (399, 599, 799, 999, 1299, 1499, 1999, 2499, 2999, 3499, 4999)


def stable_rng(*parts: object) -> random.Random:
    """A RNG derived from a stable hash of ``parts`` (never ``hash()``, which is salted per process)."""
    return random.Random(zlib.crc32(":".join(str(p) for p in parts).encode()))


def pob_id(rng: random.Random) -> str:
    return "DV" + "".join(rng.choice(_ALNUM) for _ in range(6))


def ean13(rng: random.Random) -> str:
    body = "890" + "".join(str(rng.randrange(10)) for _ in range(9))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def awb(rng: random.Random, courier: str) -> str:
    """Courier-shaped AWBs [modelled]."""
    if courier == "DELHIVERY":
        return str(rng.randrange(10**12, 10**13))
    if courier == "XPRESSBEES":
        return str(rng.randrange(10**13, 10**14))
    if courier == "EKART":
        return "FMPP" + str(rng.randrange(10**9, 10**10))
    if courier == "SHADOWFAX":
        return "SF" + str(rng.randrange(10**10, 10**11))
    return str(rng.randrange(10**10, 10**11))  # BLUEDART: 11 digits


def selling_price(rng: random.Random, mrp: int) -> Decimal:
    """MRP less 20-55 %, ending in 9 (how fashion prices look)."""
    raw = int(mrp * (1 - rng.uniform(0.2, 0.55)))
    return Decimal(max(199, raw - raw % 10 - 1))


def make_catalog(rng: random.Random, size: int) -> dict[str, Product]:
    products: dict[str, Product] = {}
    while len(products) < size:
        name, stem, hsn, grams = rng.choice(_KINDS)
        color = rng.choice(_COLORS)
        sizes = _SHOE_SIZES if stem == "SNKR" else ("FREE",) if stem == "BAG" else _SIZES
        style = "46" + str(rng.randrange(10**7, 10**8))
        brand = rng.choice(_BRANDS)
        mrp = rng.choice(_MRPS)
        price = selling_price(rng, mrp)
        published = rng.random() > 0.1
        for sz in sizes:
            sku = f"{stem}-{color.upper()}-{sz}-{style[-3:]}"
            if sku in products:
                continue
            products[sku] = Product(
                sku=sku,
                ean=ean13(rng),
                style_code=f"{style}_{color.lower()}",
                brand=brand,
                name=f"{brand} {color} {name}",
                size=sz,
                color=color,
                hsn=hsn,
                mrp=Decimal(mrp),
                price=price,
                weight_grams=grams,
                published=published,
            )
    return products
