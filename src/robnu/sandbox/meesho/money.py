"""Money rules: GST-inclusive prices, fee slabs, TCS/TDS. Decimal, 2 places."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
GST_ON_FEES = Decimal("0.18")  # GST on marketplace fees
TCS_RATE = Decimal("0.005")  # CGST Act s.52, 0.5 % from 10 Jul 2024
TDS_RATE = Decimal("0.001")  # Income-tax Act s.194-O, 0.1 % from 1 Oct 2024
PG_FEE_RATE = Decimal("0.02")  # modelled: "about 1.5-2.5 %" on prepaid
RETURNS_ASSURANCE_RATE = Decimal("0.009")  # Meesho's published 0.9 % of delivered value + GST
# modelled penalty amounts (Meesho names the penalties in public, not the sums)
PENALTIES: dict[str, Decimal] = {
    "PENALTY_SUPPLIER_CANCEL": Decimal("50.00"),
    "PENALTY_AUTO_CANCEL": Decimal("50.00"),
    "PENALTY_LATE_DISPATCH": Decimal("20.00"),
    "PENALTY_WRONG_ITEM": Decimal("100.00"),
}
_GST_CUTOVER = date(2025, 9, 22)


def q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal) -> str:
    return str(q(value))


def gst_rate_for(unit_price: Decimal, on: date) -> Decimal:
    """Apparel slabs by invoice date and per-piece price."""
    if on >= _GST_CUTOVER:
        return Decimal("5.00") if unit_price <= 2500 else Decimal("18.00")
    return Decimal("5.00") if unit_price <= 1000 else Decimal("12.00")


def taxable_value(gross: Decimal, gst_rate: Decimal) -> Decimal:
    """GST-inclusive ``gross`` -> taxable value, e.g. 499 @ 5 % -> 475.24 (the worked settlement example)."""
    return q(gross / (1 + gst_rate / 100))


def gst_split(gross: Decimal, gst_rate: Decimal, intra_state: bool) -> dict[str, Decimal]:
    """CGST+SGST when the buyer's state is the ship-from state, else IGST."""
    taxable = taxable_value(gross, gst_rate)
    tax = q(gross) - taxable
    if intra_state:
        half = q(tax / 2)
        return {"taxable": taxable, "cgst": half, "sgst": tax - half, "igst": Decimal("0.00")}
    return {"taxable": taxable, "cgst": Decimal("0.00"), "sgst": Decimal("0.00"), "igst": tax}


def shipping_fee(weight_kg: Decimal) -> Decimal:
    """modelled: flat rate by 0.5 kg slab: 72.00 up to 0.5 kg, +24.00 per further slab (the worked example: 72)."""
    slabs = max(1, int((weight_kg / Decimal("0.5")).to_integral_value(rounding="ROUND_CEILING")))
    return q(Decimal("72.00") + Decimal("24.00") * (slabs - 1))


def gst_on(fee: Decimal) -> Decimal:
    return q(fee * GST_ON_FEES)


def tcs_on(taxable: Decimal) -> Decimal:
    return q(taxable * TCS_RATE)


def tds_on(taxable: Decimal) -> Decimal:
    return q(taxable * TDS_RATE)
