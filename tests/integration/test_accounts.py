"""Connecting accounts: typed credentials, sealed per row, clear errors, nothing half-written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from robnu.adapters.ajio.satellite import AjioAccountDetails
from robnu.adapters.amazon_in.satellite import AmazonAccountDetails
from robnu.db.models import MarketplaceAccount
from robnu.domain.errors import DecryptionFailed, InvalidInput, UnknownMarketplace
from robnu.services import keys
from robnu.services.accounts import connect_account, create_seller, show_account
from robnu.services.credentials import load_credentials
from robnu.services.runtime import Runtime
from tests.factories import ALL_CODES, credentials


def _count(rt: Runtime, model: type) -> int:
    with rt.sessions() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.mark.parametrize("code", ALL_CODES)
def test_connect_and_read_back(rt: Runtime, code: str) -> None:
    seller = create_seller(rt, "Jaipur Prints", owner_email="owner@example.in")
    account_id = connect_account(rt, seller, code, credentials(code))
    view = show_account(rt, account_id)
    assert view.marketplace == code and view.last_validation_status == "NEVER"
    text = repr(view)
    assert "s3cret-value-xyz" not in text
    with rt.sessions() as s:
        account = s.get(MarketplaceAccount, account_id)
        assert account is not None
        creds = load_credentials(s, rt.registry.get(code).satellite, rt.vault, account)
    assert "s3cret-value-xyz" not in repr(creds)
    revealed = {k: getattr(creds, k) for k in type(creds).model_fields}
    assert any("s3cret-value-xyz" in str(getattr(v, "get_secret_value", lambda: v)()) for v in revealed.values())


@pytest.mark.parametrize(
    ("code", "change", "field"),
    [
        ("AJIO", {"pob_id": "XX123456"}, "pob_id"),
        (
            "AJIO",
            {
                "store": {
                    "store_code": "S",
                    "ship_from_pincode": "302013",
                    "state_code": "08",
                    "seller_gstin": "08ABCDE1234F1Z9",
                    "invoice_series_prefix": "J/",
                }
            },
            "store.seller_gstin",
        ),
        ("AJIO", {"einvoice": {"enabled": True}}, "einvoice"),
        ("MEESHO", {"supplier_id": "12"}, "supplier_id"),
        ("AMAZON_IN", {"refresh_token": "not-a-refresh-token"}, "refresh_token"),
        ("AMAZON_IN", {"unexpected": "x"}, "unexpected"),
        ("FLIPKART", {"location_id": "LOC123"}, "location_id"),
    ],
)
def test_bad_shapes_name_the_field_and_write_nothing(
    rt: Runtime, code: str, change: dict[str, object], field: str
) -> None:
    seller = create_seller(rt, "S")
    bad = {**credentials(code), **change}
    with pytest.raises(InvalidInput) as info:
        connect_account(rt, seller, code, bad)
    assert info.value.field == field
    assert "s3cret-value-xyz" not in str(info.value)
    assert _count(rt, MarketplaceAccount) == 0


def test_missing_field_is_named(rt: Runtime) -> None:
    seller = create_seller(rt, "S")
    creds = credentials("FLIPKART")
    del creds["app_secret"]
    with pytest.raises(InvalidInput, match="app_secret: Field required"):
        connect_account(rt, seller, "FLIPKART", creds)


def test_unknown_marketplace_is_clear(rt: Runtime) -> None:
    seller = create_seller(rt, "S")
    with pytest.raises(UnknownMarketplace, match="NYKAA"):
        connect_account(rt, seller, "NYKAA", {})


def test_duplicate_account_is_refused_cleanly(rt: Runtime) -> None:
    seller = create_seller(rt, "S")
    connect_account(rt, seller, "MEESHO", credentials("MEESHO"))
    with pytest.raises(InvalidInput, match="already has a MEESHO account"):
        connect_account(rt, seller, "MEESHO", credentials("MEESHO"))
    assert _count(rt, MarketplaceAccount) == 1


def test_ciphertext_swapped_between_rows_or_sellers_does_not_decrypt(rt: Runtime) -> None:
    s1, s2 = create_seller(rt, "One"), create_seller(rt, "Two")
    a = connect_account(rt, s1, "AMAZON_IN", credentials("AMAZON_IN", 1, secret="first-secret-aaaa"))
    b = connect_account(rt, s1, "AMAZON_IN", credentials("AMAZON_IN", 2, secret="second-secret-bbb"))
    c = connect_account(rt, s2, "AMAZON_IN", credentials("AMAZON_IN", 3, secret="third-secret-cccc"))
    spec = rt.registry.get("AMAZON_IN").satellite
    with rt.session() as s:
        token_a = s.get(AmazonAccountDetails, a).refresh_token_ciphertext  # type: ignore[union-attr]
        for target in (b, c):  # same seller other row; other seller
            s.execute(
                update(AmazonAccountDetails)
                .where(AmazonAccountDetails.marketplace_account_id == target)
                .values(refresh_token_ciphertext=token_a)
            )
    with rt.sessions() as s:
        for target in (b, c):
            account = s.get(MarketplaceAccount, target)
            assert account is not None
            with pytest.raises(DecryptionFailed, match="does not belong"):
                load_credentials(s, spec, rt.vault, account)
        own = s.get(MarketplaceAccount, a)
        assert own is not None
        load_credentials(s, spec, rt.vault, own)  # the original still opens


def test_column_swap_within_a_row_does_not_decrypt(rt: Runtime) -> None:
    seller = create_seller(rt, "S")
    a = connect_account(rt, seller, "AJIO", credentials("AJIO"))
    with rt.session() as s:
        row = s.get(AjioAccountDetails, a)
        assert row is not None
        row.einvoice_ciphertext = row.api_password_ciphertext
    with rt.sessions() as s, pytest.raises(DecryptionFailed):
        account = s.get(MarketplaceAccount, a)
        assert account is not None
        load_credentials(s, rt.registry.get("AJIO").satellite, rt.vault, account)


def test_rotation_rewraps_every_secret_and_old_key_retires(rt: Runtime) -> None:
    seller = create_seller(rt, "S")
    ids = [connect_account(rt, seller, code, credentials(code)) for code in ALL_CODES]
    old = rt.vault.ring.active_kid
    assert keys.keys_in_use(rt) == {old: 3 + 2 + 3 + 2}
    with pytest.raises(InvalidInput, match="still use key"):
        rt.vault.ring.add_new_key()
        keys.retire(rt, old)
    report = keys.rotate(rt, add_key=False)
    assert report.rewrapped == 10 and report.by_previous_kid == {old: 10}
    assert keys.keys_in_use(rt) == {rt.vault.ring.active_kid: 10}
    keys.retire(rt, old)
    assert old not in rt.vault.ring.keys
    for account_id in ids:
        assert show_account(rt, account_id).credentials


def test_a_disabled_marketplace_takes_no_new_account(rt: Runtime) -> None:
    from robnu.db.models import Marketplace

    seller = create_seller(rt, "Disabled Market Seller")
    with rt.session() as s:
        s.execute(update(Marketplace).where(Marketplace.code == "MEESHO").values(status="DISABLED"))
    try:
        with pytest.raises(InvalidInput, match="MEESHO is DISABLED"):
            connect_account(rt, seller, "MEESHO", credentials("MEESHO"))
        assert _count(rt, MarketplaceAccount) == 0
    finally:  # the registry rows are shared by every test of this process
        with rt.session() as s:
            s.execute(update(Marketplace).where(Marketplace.code == "MEESHO").values(status="LIVE"))
    assert connect_account(rt, seller, "MEESHO", credentials("MEESHO"))
