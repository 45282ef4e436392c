"""A seller's seeded catalog: SKUs with FSN, listing id, EAN, HSN, MRP, selling price and GST rate."""

from __future__ import annotations

import random
from decimal import Decimal

from robnu.sandbox.flipkart import ids
from robnu.sandbox.flipkart.model import Listing

# (category, title stem, HSN, weight kg, price range in rupees)
_PRODUCTS: tuple[tuple[str, str, str, str, tuple[int, int]], ...] = (
    ("apparel", "Men's Cotton Round Neck T-Shirt", "61091000", "0.25", (299, 899)),
    ("apparel", "Women's Rayon Printed Kurta", "62114290", "0.35", (499, 2999)),
    ("apparel", "Men's Slim Fit Casual Shirt", "62052000", "0.30", (599, 1999)),
    ("apparel", "Women's Georgette Saree", "54075290", "0.60", (799, 3999)),
    ("footwear", "Men's Running Shoes", "64041990", "0.90", (699, 2499)),
    ("footwear", "Women's Flat Sandals", "64029990", "0.50", (349, 1299)),
    ("bags", "Laptop Backpack 30 L", "42021290", "0.80", (599, 1799)),
    ("home", "Cotton Double Bedsheet with 2 Pillow Covers", "63041990", "1.10", (449, 1499)),
    ("home", "Stainless Steel Water Bottle 1 L", "73239390", "0.40", (249, 799)),
    ("stationery", "A5 Ruled Notebook Pack of 4", "48201000", "0.70", (199, 499)),
)
_COLOURS = ("Black", "Navy", "Maroon", "Olive", "White", "Mustard", "Teal", "Grey")
_SIZES = ("S", "M", "L", "XL", "Free")


def gst_rate(category: str, unit_price: Decimal) -> Decimal:
    """GST by category and per-piece price, slabs from 22 Sep 2025."""
    if category in ("apparel", "footwear"):
        return Decimal(5) if unit_price <= 2500 else Decimal(18)
    if category == "stationery":
        return Decimal(12)
    return Decimal(18)


def make_catalog(rng: random.Random, count: int = 24) -> dict[str, Listing]:
    listings: dict[str, Listing] = {}
    for n in range(count):
        category, stem, hsn, weight, (low, high) = rng.choice(_PRODUCTS)
        colour = rng.choice(_COLOURS)
        size = rng.choice(_SIZES)
        sku = f"{category[:3].upper()}-{colour[:3].upper()}-{size}-{n + 1:03d}"
        fsn = ids.fsn(rng)
        mrp = Decimal(rng.randrange(low, high + 1) // 10 * 10 + 9)
        selling = Decimal(int(mrp * Decimal(rng.choice((55, 60, 65, 70, 80, 90, 100))) / 100))
        listings[sku] = Listing(
            sku=sku,
            fsn=fsn,
            listing_id=ids.listing_id(fsn, rng),
            ean=ids.ean13(rng),
            hsn=hsn,
            title=f"{stem} ({colour}, {size})",
            category=category,
            mrp=mrp,
            selling_price=selling,
            gst_rate=gst_rate(category, selling),
            weight_kg=Decimal(weight),
        )
    return listings
