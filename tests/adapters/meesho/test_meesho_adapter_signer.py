"""Robnu's own Meesho signer against two fixed test vectors of the modelled signing scheme, and the auth provider."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from robnu.adapters.meesho.auth import (
    EMPTY_BODY_SHA256,
    MeeshoAuth,
    MeeshoSigner,
    canonical_query,
    canonical_string,
    signature,
)
from robnu.adapters.meesho.credentials import MeeshoCredentials
from robnu.domain.clock import ManualClock

SECRET = "msk_test_9b1f4c7e2a6d4e0f8c3b5a1d7e9f2c4b"
V1_CANONICAL = (
    "GET\n/v1/sub-orders\ncreated_from=2026-01-10T00%3A00%3A00%2B05%3A30&limit=50&status=PENDING\n1768021200\n"
    "5f0c9a2e-7b1d-4c3a-9e8f-1a2b3c4d5e6f\n" + EMPTY_BODY_SHA256
)
V1_SIGNATURE = "535f01bc08b5bb6596756b1b7d51516d915dd854e7610d53eef387a59624cce0"
V2_BODY = b'{"sub_order_nos":["107263514829374650_1"]}'
V2_SIGNATURE = "4d6f4f844cd5023bfdaaaf61b4afa1231b782c16408e9818eaa9a1ae83a51e86"


def _signer(epoch: int, nonce: str, base_path: str = "") -> MeeshoSigner:
    creds = MeeshoCredentials(supplier_id="345678", api_key="mk_test_7Q2xK9", api_secret=SECRET)
    clock = ManualClock(datetime.fromtimestamp(epoch, UTC))
    return MeeshoSigner(creds, clock, base_path=base_path, nonce=lambda: nonce)


def test_vector_1_canonical_string_and_signature() -> None:
    query = "status=PENDING&limit=50&created_from=2026-01-10T00%3A00%3A00%2B05%3A30"
    canonical = canonical_string(
        "get", "/v1/sub-orders", query, "1768021200", "5f0c9a2e-7b1d-4c3a-9e8f-1a2b3c4d5e6f", b""
    )
    assert canonical == V1_CANONICAL
    assert signature(SECRET, canonical) == V1_SIGNATURE


def test_vector_2_body_hash_and_signature() -> None:
    canonical = canonical_string(
        "POST", "/v1/sub-orders/accept", "", "1768021260", "a1b2c3d4e5f60718293a4b5c6d7e8f90", V2_BODY
    )
    assert canonical.splitlines()[-1] == "cdb6a0b8629b166cdf3dd0159dfc8aa3244e45254f0a7ac40b642fd63c019964"
    assert canonical.splitlines()[2] == ""
    assert signature(SECRET, canonical) == V2_SIGNATURE


@pytest.mark.parametrize("base", ["http://meesho.test", "http://127.0.0.1:8803/meesho"])
def test_signing_real_requests_reproduces_both_vectors(base: str) -> None:
    """The signer reads what httpx puts on the wire (path relative to the base URL, raw query, body)."""
    prefix = httpx.URL(base).raw_path.decode().rstrip("/")
    client = httpx.Client(base_url=base)
    one = client.build_request(
        "GET",
        "/v1/sub-orders?status=PENDING&limit=50&created_from=2026-01-10T00%3A00%3A00%2B05%3A30",
    )
    _signer(1768021200, "5f0c9a2e-7b1d-4c3a-9e8f-1a2b3c4d5e6f", prefix).sign(one)
    assert one.headers["X-Signature"] == V1_SIGNATURE
    assert one.headers["X-Timestamp"] == "1768021200" and one.headers["X-Api-Key"] == "mk_test_7Q2xK9"
    two = client.build_request("POST", "/v1/sub-orders/accept", content=V2_BODY)
    _signer(1768021260, "a1b2c3d4e5f60718293a4b5c6d7e8f90", prefix).sign(two)
    assert two.headers["X-Signature"] == V2_SIGNATURE
    assert SECRET not in str(two.headers)  # the secret is never sent


def test_canonical_query_rules() -> None:
    assert canonical_query("") == ""
    assert canonical_query("b=2&a=z&a=y&c=") == "a=y&a=z&b=2&c="
    assert canonical_query("q=a+b&r=%7e&s=%2f") == "q=a%20b&r=~&s=%2F"


def _answer(status: int, code: str, **details: object) -> httpx.Response:
    body = {"success": False, "error": {"code": code, "message": code.lower(), "details": details}}
    return httpx.Response(status, content=json.dumps(body).encode())


def test_auth_provider_learns_the_server_clock_and_classifies_errors() -> None:
    signer = _signer(1768021200, "n" * 32)
    auth = MeeshoAuth(signer)
    skewed = _answer(401, "TIMESTAMP_OUT_OF_WINDOW", server_time=1768021200 + 900)
    assert auth.token_expired(skewed) and signer.offset == 900
    assert signer.timestamp() == 1768021200 + 900
    assert auth.token_expired(_answer(401, "NONCE_REUSED"))
    assert not auth.token_expired(_answer(401, "HMAC_MISMATCH", server_time=1))
    for status, code in ((401, "HMAC_MISMATCH"), (401, "INVALID_API_KEY"), (403, "API_KEY_DISABLED")):
        error = auth.auth_error(_answer(status, code))
        assert error.needs_reconnect and error.code == code and error.http_status == status
    for code in ("TIMESTAMP_OUT_OF_WINDOW", "NONCE_REUSED", "AUTH_HEADERS_MISSING"):
        assert not auth.auth_error(_answer(401, code)).needs_reconnect
    broken = auth.auth_error(httpx.Response(401, content=b"<html>"))
    assert broken.code == "HTTP_401" and not broken.needs_reconnect
    assert SECRET not in str(broken) and "mk_test" not in repr(auth)
    signer.clock.advance(timedelta(seconds=10))  # type: ignore[attr-defined]
    assert signer.timestamp() == 1768021200 + 910
