"""Accounts over the API: typed credentials per marketplace, never returned; idempotent connect; validate
against the sandbox; reconnect and disconnect; another seller's account is 404."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from robnu.config import Settings
from robnu.db.models import Schedule
from robnu.domain.permissions import Role
from robnu.sandbox.world import SandboxWorld
from robnu.services.runtime import Runtime
from tests.api.conftest import Shop, bearer
from tests.sandbox_wiring import wired_runtime

World = SandboxWorld


@pytest.fixture
def wired(settings: Settings) -> Iterator[tuple[SandboxWorld, Runtime]]:
    with wired_runtime(settings, ("AJIO", "MEESHO")) as pair:
        yield pair


@pytest.fixture
def app_rt(wired: tuple[SandboxWorld, Runtime]) -> Runtime:
    return wired[1]


def _meesho(world: SandboxWorld, rt: Runtime) -> dict[str, Any]:
    creds = world["MEESHO"].create_account()
    fields = rt.registry.get("MEESHO").satellite.credentials.model_fields
    return {k: v for k, v in creds.items() if k in fields}


def test_connect_validate_reconnect_disconnect(
    client: TestClient, shop_a: Shop, shop_b: Shop, wired: tuple[SandboxWorld, Runtime]
) -> None:
    world, rt = wired
    admin = bearer(client, shop_a.email(Role.ADMIN))
    creds = _meesho(world, rt)
    body = {"marketplace": "MEESHO", "credentials": creds}
    key = {"Idempotency-Key": "connect-1"}
    made = client.post("/v1/accounts", json=body, headers={**admin, **key})
    assert made.status_code == 201, made.text
    account = made.json()
    assert account["credentials"]["api_secret"] == "********"
    assert creds["api_secret"] not in made.text and creds["api_key"] not in made.text
    again = client.post("/v1/accounts", json=body, headers={**admin, **key})
    assert again.status_code == 201 and again.json()["id"] == account["id"]
    assert again.headers["idempotent-replayed"] == "true"
    other = client.post("/v1/accounts", json={**body, "display_name": "x"}, headers={**admin, **key})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert len(client.get("/v1/accounts", headers=admin).json()["items"]) == 1

    checked = client.post(f"/v1/accounts/{account['id']}/validate", headers=admin)
    assert checked.status_code == 200 and checked.json()["status"] == "VALID", checked.text
    events = client.get(f"/v1/accounts/{account['id']}/credential-events", headers=admin).json()
    assert [e["kind"] for e in events["items"]] == ["VALIDATED"]

    # Another seller sees nothing of it, by list or by id.
    b_admin = bearer(client, shop_b.email(Role.ADMIN))
    assert client.get("/v1/accounts", headers=b_admin).json()["items"] == []
    for method, suffix in (("GET", ""), ("POST", "/validate"), ("DELETE", ""), ("GET", "/credential-events")):
        assert client.request(method, f"/v1/accounts/{account['id']}{suffix}", headers=b_admin).status_code == 404

    assert client.delete(f"/v1/accounts/{account['id']}", headers=admin).status_code == 204
    gone = client.get(f"/v1/accounts/{account['id']}", headers=admin).json()
    assert (gone["connected"], gone["credentials"]) == (False, {})
    with rt.sessions() as s:
        enabled = s.execute(select(Schedule.enabled).where(Schedule.marketplace_account_id == account["id"]))
        assert set(enabled.scalars()) == {False}
    back = client.put(f"/v1/accounts/{account['id']}/credentials", json=body, headers=admin)
    assert back.status_code == 200 and back.json()["connected"] is True
    wrong = {"marketplace": "MEESHO", "credentials": _meesho(world, rt)}
    moved = client.put(f"/v1/accounts/{account['id']}/credentials", json=wrong, headers=admin)
    assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "supplier_id"
    audit = client.get("/v1/audit", headers=admin).json()["items"]
    assert {"CREDENTIALS_CONNECTED", "ACCOUNT_DISCONNECTED", "CREDENTIALS_RECONNECTED"} <= {e["action"] for e in audit}
    opened = client.get("/v1/audit", params={"action": "CREDENTIALS_DECRYPTED"}, headers=admin).json()["items"]
    assert [(e["subject"], e["detail"]["purpose"]) for e in opened] == [(f"account:{account['id']}", "validation")]


def test_bad_credentials_name_the_field_and_echo_no_value(client: TestClient, shop_a: Shop) -> None:
    admin = bearer(client, shop_a.email(Role.ADMIN))
    secret = "sk_live_do_not_echo_me_123456"
    r = client.post(
        "/v1/accounts",
        json={"marketplace": "MEESHO", "credentials": {"supplier_id": "12", "api_key": secret, "api_secret": "s"}},
        headers=admin,
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert any(f.endswith("supplier_id") for f in fields) and any(f.endswith("api_secret") for f in fields)
    assert secret not in r.text
    unknown = client.post("/v1/accounts", json={"marketplace": "NOPE", "credentials": {}}, headers=admin)
    assert unknown.status_code == 422 and "marketplace" in unknown.json()["errors"][0]["field"]


def test_marketplace_registry_lists_credential_schemas(client: TestClient, shop_a: Shop) -> None:
    viewer = bearer(client, shop_a.email(Role.VIEWER))
    listed = client.get("/v1/marketplaces", headers=viewer).json()
    meesho = next(m for m in listed if m["code"] == "MEESHO")
    assert {"api_key", "api_secret"} <= set(meesho["secret_fields"])
    assert meesho["credentials_schema"]["properties"]["supplier_id"]["pattern"]
    assert client.get("/v1/marketplaces/NOPE", headers=viewer).status_code == 404


def test_pagination_is_stable_and_cursors_are_checked(
    client: TestClient, shop_a: Shop, wired: tuple[SandboxWorld, Runtime]
) -> None:
    world, rt = wired
    admin = bearer(client, shop_a.email(Role.ADMIN))
    for _ in range(5):
        body = {"marketplace": "MEESHO", "credentials": _meesho(world, rt)}
        assert client.post("/v1/accounts", json=body, headers=admin).status_code == 201
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        got = client.get("/v1/accounts", params=params, headers=admin).json()
        seen += [a["id"] for a in got["items"]]
        cursor = got["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == 5
    bad = client.get("/v1/accounts", params={"cursor": "not-a-cursor"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
    assert client.get("/v1/accounts", params={"limit": 0}, headers=admin).status_code == 422
