"""What the seller declares for reconciliation: per SKU the fee category, GST tax class and packed weight; per
account the pickup place, the claim window and contract options. Also read from a CSV the seller keeps."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.models import MarketplaceAccount
from robnu.db.money_models import ReconciliationSettings, SkuFeeProfile
from robnu.domain.errors import InvalidInput
from robnu.domain.india import GST_STATE_CODES, state_code_for_pincode

PROFILE_COLUMNS = ("sku", "fee_category", "tax_class", "weight_grams", "length_cm", "breadth_cm", "height_cm")


@dataclass(frozen=True)
class Profile:
    sku: str
    fee_category: str | None = None
    tax_class: str | None = None
    weight_grams: int | None = None
    length_cm: Decimal | None = None
    breadth_cm: Decimal | None = None
    height_cm: Decimal | None = None


def _opt_int(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(field, f"{value!r} is not a whole number") from None
    if number <= 0:
        raise InvalidInput(field, "must be above 0")
    return number


def _opt_dec(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(field, f"{value!r} is not a number") from None
    if not number.is_finite() or number <= 0:
        raise InvalidInput(field, "must be a number above 0")
    return number


def profile_from(row: Mapping[str, Any], where: str = "") -> Profile:
    prefix = f"{where} " if where else ""
    sku = str(row.get("sku") or "").strip()
    if not sku:
        raise InvalidInput(f"{prefix}sku", "is required")
    return Profile(
        sku=sku,
        fee_category=(str(row.get("fee_category") or "").strip() or None),
        tax_class=(str(row.get("tax_class") or "").strip().upper() or None),
        weight_grams=_opt_int(row.get("weight_grams"), f"{prefix}weight_grams"),
        length_cm=_opt_dec(row.get("length_cm"), f"{prefix}length_cm"),
        breadth_cm=_opt_dec(row.get("breadth_cm"), f"{prefix}breadth_cm"),
        height_cm=_opt_dec(row.get("height_cm"), f"{prefix}height_cm"),
    )


def set_profiles(session: Session, account: MarketplaceAccount, profiles: Iterable[Profile], now: datetime) -> int:
    """Insert or replace the profiles of ``account`` for these SKUs; returns how many were written."""
    existing = {
        p.sku: p
        for p in session.scalars(select(SkuFeeProfile).where(SkuFeeProfile.marketplace_account_id == account.id)).all()
    }
    n = 0
    for prof in profiles:
        row = existing.get(prof.sku)
        if row is None:
            row = SkuFeeProfile(seller_id=account.seller_id, marketplace_account_id=account.id, sku=prof.sku)
            session.add(row)
            existing[prof.sku] = row
        row.fee_category = prof.fee_category
        row.tax_class = prof.tax_class
        row.weight_grams = prof.weight_grams
        row.length_cm = prof.length_cm
        row.breadth_cm = prof.breadth_cm
        row.height_cm = prof.height_cm
        row.updated_at = now
        n += 1
    session.flush()
    return n


def read_profiles_csv(text: str, name: str = "profiles.csv") -> list[Profile]:
    reader = csv.DictReader(io.StringIO(text))
    if "sku" not in (reader.fieldnames or []):
        raise InvalidInput(f"{name} header", f"needs a sku column (columns: {', '.join(PROFILE_COLUMNS)})")
    unknown = [c for c in reader.fieldnames or [] if c not in PROFILE_COLUMNS]
    if unknown:
        raise InvalidInput(f"{name} header", f"unknown column(s) {', '.join(unknown)}")
    return [profile_from(row, f"{name} row {n}") for n, row in enumerate(reader, start=1)]


def set_settings(
    session: Session,
    account: MarketplaceAccount,
    now: datetime,
    *,
    pickup_pincode: str | None = None,
    pickup_city: str | None = None,
    pickup_state_code: str | None = None,
    claim_window_days: int | None = None,
    options: Mapping[str, Any] | None = None,
) -> ReconciliationSettings:
    """Set the account's pickup place (its state follows from the pincode), claim window and options; a value
    left None keeps what is stored."""
    row = session.get(ReconciliationSettings, account.id)
    if row is None:
        row = ReconciliationSettings(marketplace_account_id=account.id, seller_id=account.seller_id, options="{}")
        session.add(row)
    if pickup_pincode is not None:
        pin = pickup_pincode.strip()
        if not (len(pin) == 6 and pin.isdigit() and pin[0] != "0"):
            raise InvalidInput("pickup_pincode", f"{pickup_pincode!r} is not a 6-digit pincode")
        state = pickup_state_code or state_code_for_pincode(pin)
        if state is None:
            raise InvalidInput("pickup_pincode", f"{pin} maps to no known state: give the state code too")
        row.pickup_pincode, row.pickup_state_code = pin, state
    if pickup_state_code is not None:
        if pickup_state_code not in GST_STATE_CODES:
            raise InvalidInput("pickup_state_code", f"{pickup_state_code!r} is not a GST state code")
        row.pickup_state_code = pickup_state_code
    if pickup_city is not None:
        row.pickup_city = pickup_city.strip() or None
    if claim_window_days is not None:
        if not 1 <= claim_window_days <= 365:
            raise InvalidInput("claim_window_days", "must be between 1 and 365")
        row.claim_window_days = claim_window_days
    if options is not None:
        row.options = json.dumps(dict(options), sort_keys=True)
    row.updated_at = now
    session.flush()
    return row
