"""Marketplace fee rules as dated rows: what a marketplace may charge, from when to when, for what.

A rate card is a list of rows (see ``rate_cards/<CODE>.csv`` and docs/reconciliation.md). Each row names a fee
(``COMMISSION``, ``TCS``, ``GST_RATE`` …), the days it is valid, optional selectors (a fee category, a payment
mode, a shipping zone, a band on a price or value) and its numbers (a percentage, a flat amount, a minimum or
maximum, a weight slab). A rate change is a new row with a new ``valid_from`` and the old row closed with
``valid_to``: never an edit of the code that applies it.

Selecting a row: every row whose dates and selectors fit; an empty selector fits anything; the most specific
row wins (more selectors set), and a seller's own rows (priority 1) win over the published card (priority 0).
Two rows that could both win for one lookup are refused when the card is loaded.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from robnu.domain.errors import InvalidInput, RobnuError
from robnu.domain.money import paise

COLUMNS = (
    "fee",
    "valid_from",
    "valid_to",
    "category",
    "payment",
    "zone",
    "band_min",
    "band_max",
    "rate_percent",
    "amount",
    "minimum",
    "maximum",
    "slab_grams",
    "extra_amount",
    "note",
)
PAYMENTS = frozenset({"COD", "PREPAID"})


class NoFeeRule(RobnuError):
    """No row of the rate card covers a lookup: reconciliation cannot tell what the fee should be."""


@dataclass(frozen=True, slots=True)
class FeeRule:
    fee: str
    valid_from: date
    valid_to: date | None = None
    category: str | None = None
    payment: str | None = None
    zone: str | None = None
    band_min: Decimal | None = None
    band_max: Decimal | None = None
    rate_percent: Decimal | None = None
    amount: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    slab_grams: int | None = None
    extra_amount: Decimal | None = None
    note: str = ""
    source: str = ""  # where the row came from, e.g. "AJIO.csv line 4" or "account rule 7"
    priority: int = 0  # 1: the seller's own row (negotiated rate), 0: the published card

    @property
    def specificity(self) -> int:
        return sum(x is not None for x in (self.category, self.payment, self.zone)) + (
            self.band_min is not None or self.band_max is not None
        )

    def fits(self, on: date, category: str | None, payment: str | None, zone: str | None, band: Decimal | None) -> bool:
        if on < self.valid_from or (self.valid_to is not None and on > self.valid_to):
            return False
        for want, have in ((self.category, category), (self.payment, payment), (self.zone, zone)):
            if want is not None and want != have:
                return False
        if self.band_min is not None or self.band_max is not None:
            if band is None:
                return False
            if self.band_min is not None and band < self.band_min:
                return False
            if self.band_max is not None and band > self.band_max:
                return False
        return True

    # ---- the numbers, applied
    @property
    def fraction(self) -> Decimal:
        if self.rate_percent is None:
            raise NoFeeRule(f"{self.source}: {self.fee} has no rate_percent")
        return self.rate_percent / 100

    def percent_of(self, base: Decimal) -> Decimal:
        """``base`` x the rate, rounded to paise, then held between the row's minimum and maximum."""
        value = paise(base * self.fraction)
        if self.minimum is not None:
            value = max(value, self.minimum)
        if self.maximum is not None:
            value = min(value, self.maximum)
        return value

    @property
    def flat(self) -> Decimal:
        if self.amount is None:
            raise NoFeeRule(f"{self.source}: {self.fee} has no amount")
        return self.amount

    def slab(self, grams: int) -> Decimal:
        """Weight-slab fee: ``amount`` for the first slab, ``extra_amount`` for each further one (0.5 kg slabs
        are the courier norm); a parcel always fills at least one slab."""
        if self.slab_grams is None or self.amount is None:
            raise NoFeeRule(f"{self.source}: {self.fee} is not a weight slab")
        slabs = max(1, -(-grams // self.slab_grams))
        return self.amount + (self.extra_amount or Decimal(0)) * (slabs - 1)


@dataclass(frozen=True)
class RateCard:
    """One marketplace's rows (the published card plus the seller's own rows)."""

    marketplace: str
    rules: tuple[FeeRule, ...]

    def find(
        self,
        fee: str,
        on: date,
        *,
        category: str | None = None,
        payment: str | None = None,
        zone: str | None = None,
        band: Decimal | None = None,
    ) -> FeeRule:
        fitting = [r for r in self.rules if r.fee == fee and r.fits(on, category, payment, zone, band)]
        if not fitting:
            wanted = ", ".join(
                f"{k}={v}"
                for k, v in (("category", category), ("payment", payment), ("zone", zone), ("band", band))
                if v is not None
            )
            raise NoFeeRule(f"{self.marketplace}: no {fee} rule on {on}" + (f" for {wanted}" if wanted else ""))
        return max(fitting, key=lambda r: (r.priority, r.specificity))

    def with_rules(self, extra: Iterable[FeeRule]) -> RateCard:
        """This card with more rows (a seller's own, priority 1), checked like a loaded card."""
        merged = (*self.rules, *extra)
        check_overlaps(merged)
        return RateCard(self.marketplace, merged)


# ------------------------------------------------------------------------------------------ parsing
def _text(row: dict[str, str], name: str) -> str | None:
    value = (row.get(name) or "").strip()
    return value or None


def _decimal(row: dict[str, str], name: str, where: str) -> Decimal | None:
    value = _text(row, name)
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise InvalidInput(f"{where} {name}", f"{value!r} is not a number") from None
    if not number.is_finite():
        raise InvalidInput(f"{where} {name}", f"{value!r} is not a finite number")
    return number


def _date(row: dict[str, str], name: str, where: str) -> date | None:
    value = _text(row, name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{where} {name}", f"{value!r} is not a date like 2026-04-01") from None


def rule_from_row(row: dict[str, str], where: str, *, priority: int = 0) -> FeeRule:
    """One row (CSV or form) as a FeeRule; a bad value names the row and the column."""
    fee = _text(row, "fee")
    if fee is None:
        raise InvalidInput(f"{where} fee", "is required")
    valid_from = _date(row, "valid_from", where)
    if valid_from is None:
        raise InvalidInput(f"{where} valid_from", "is required")
    valid_to = _date(row, "valid_to", where)
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInput(f"{where} valid_to", "is before valid_from")
    payment = _text(row, "payment")
    if payment is not None and payment not in PAYMENTS:
        raise InvalidInput(f"{where} payment", f"must be one of {sorted(PAYMENTS)}")
    slab = _decimal(row, "slab_grams", where)
    if slab is not None and (slab <= 0 or slab != slab.to_integral_value()):
        raise InvalidInput(f"{where} slab_grams", "must be a whole number of grams above 0")
    rule = FeeRule(
        fee=fee.upper(),
        valid_from=valid_from,
        valid_to=valid_to,
        category=_text(row, "category"),
        payment=payment,
        zone=_text(row, "zone"),
        band_min=_decimal(row, "band_min", where),
        band_max=_decimal(row, "band_max", where),
        rate_percent=_decimal(row, "rate_percent", where),
        amount=_decimal(row, "amount", where),
        minimum=_decimal(row, "minimum", where),
        maximum=_decimal(row, "maximum", where),
        slab_grams=int(slab) if slab is not None else None,
        extra_amount=_decimal(row, "extra_amount", where),
        note=_text(row, "note") or "",
        source=where,
        priority=priority,
    )
    if rule.rate_percent is None and rule.amount is None:
        raise InvalidInput(f"{where} rate_percent", "a rule needs a rate_percent or an amount")
    if rule.band_min is not None and rule.band_max is not None and rule.band_min > rule.band_max:
        raise InvalidInput(f"{where} band_max", "is below band_min")
    return rule


def parse_rate_card(marketplace: str, text: str, *, name: str | None = None) -> RateCard:
    """A rate card from CSV text (header row with ``COLUMNS``; lines starting with # are comments)."""
    label = name or f"{marketplace}.csv"
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    missing = [c for c in ("fee", "valid_from") if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(f"{label} header", f"missing column(s) {', '.join(missing)}")
    unknown = [c for c in reader.fieldnames or [] if c not in COLUMNS]
    if unknown:
        raise InvalidInput(f"{label} header", f"unknown column(s) {', '.join(unknown)}")
    rules = tuple(rule_from_row(row, f"{label} row {n}") for n, row in enumerate(reader, start=1))
    check_overlaps(rules)
    return RateCard(marketplace, rules)


def _ranges_overlap(a_lo: object, a_hi: object, b_lo: object, b_hi: object) -> bool:
    lo_ok = a_hi is None or b_lo is None or b_lo <= a_hi  # type: ignore[operator]
    hi_ok = b_hi is None or a_lo is None or a_lo <= b_hi  # type: ignore[operator]
    return bool(lo_ok and hi_ok)


def check_overlaps(rules: Sequence[FeeRule]) -> None:
    """Refuse two rows that would tie for some lookup: same fee, selectors and priority, overlapping dates
    and bands (a date or band boundary must close one row before the next opens)."""
    by_key: dict[tuple[object, ...], list[FeeRule]] = {}
    for r in rules:
        by_key.setdefault((r.fee, r.category, r.payment, r.zone, r.priority), []).append(r)
    for group in by_key.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                dates = _ranges_overlap(a.valid_from, a.valid_to, b.valid_from, b.valid_to)
                bands = _ranges_overlap(a.band_min, a.band_max, b.band_min, b.band_max)
                if dates and bands:
                    raise InvalidInput(b.source or b.fee, f"overlaps {a.source or a.fee} for {a.fee}")
