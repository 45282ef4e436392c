"""A seeded supplier catalogue: Meesho product ids (9 digits), variation ids, SKUs, EAN, HSN, MRP, price."""

from __future__ import annotations

import random
from decimal import Decimal

from robnu.sandbox.meesho.model import Product

# (name, sku stem, HSN (8 digits), price range, weight kg, sized?)
_STYLES: tuple[tuple[str, str, str, tuple[int, int], str, bool], ...] = (
    ("Women Cotton Kurta", "KURTA", "62114290", (299, 699), "0.35", True),
    ("Women Printed Saree", "SAREE", "54075290", (399, 999), "0.60", False),
    ("Men Round Neck T-Shirt", "TSHIRT", "61091000", (199, 449), "0.25", True),
    ("Men Slim Fit Jeans", "JEANS", "62034200", (499, 999), "0.70", True),
    ("Women Maxi Dress", "DRESS", "62044290", (349, 899), "0.40", True),
    ("Kids Ethnic Set", "KIDSET", "62092000", (299, 599), "0.35", True),
    ("Women Chiffon Dupatta", "DUPATTA", "62149090", (149, 299), "0.20", False),
    ("Cotton Double Bedsheet", "BEDSHEET", "63041940", (399, 799), "1.10", False),
    ("Men Formal Shirt", "SHIRT", "62052000", (349, 799), "0.30", True),
    ("Women Palazzo Pants", "PALAZZO", "62046200", (249, 499), "0.30", True),
)
_COLOURS = ("RED", "BLUE", "BLACK", "GREEN", "PINK", "YELLOW", "WHITE", "MAROON")
_SIZES = ("S", "M", "L", "XL")


def ean13(rng: random.Random) -> str:
    body = "890" + "".join(str(rng.randrange(10)) for _ in range(9))  # 890 = GS1 India
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body))
    return body + str((10 - total % 10) % 10)


def make_catalog(rng: random.Random, warehouse_id: str, styles: int = 6) -> dict[str, Product]:
    products: dict[str, Product] = {}
    for name, stem, hsn, (low, high), weight, sized in rng.sample(_STYLES, styles):
        for colour in rng.sample(_COLOURS, 2):
            product_id = str(rng.randrange(10**8, 10**9))
            price = Decimal(rng.randrange(low // 10, high // 10 + 1) * 10 - 1)
            mrp = Decimal(int(price * 2) // 100 * 100 + 99)
            for size in _SIZES if sized else ("FREE",):
                sku = f"{stem}-{colour}-{size}" if sized else f"{stem}-{colour}"
                products[sku] = Product(
                    product_id=product_id,
                    variation_id=f"{product_id}-{size}",
                    sku=sku,
                    name=f"{name} {colour.title()}",
                    size=size,
                    hsn=hsn,
                    ean=ean13(rng),
                    mrp=mrp,
                    price=price,
                    weight_kg=Decimal(weight),
                    warehouse_id=warehouse_id,
                    stock=rng.randrange(0, 60),
                )
    skus = sorted(products)
    products[skus[-1]].status = "PAUSED"  # one paused listing, for PRODUCT_PAUSED
    return products
