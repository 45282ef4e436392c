from __future__ import annotations

from fastapi.testclient import TestClient

from robnu.domain.permissions import Role, permissions_of
from tests.api.conftest import Shop, bearer


def test_login_me_and_users(client: TestClient, shop_a: Shop, shop_b: Shop) -> None:
    h = bearer(client, shop_a.email(Role.ADMIN))
    me = client.get("/v1/me", headers=h).json()
    assert me["seller_id"] == shop_a.seller_id
    assert me["role"] == "ADMIN"
    assert set(me["permissions"]) == set(permissions_of(Role.ADMIN))
    users = client.get("/v1/users", headers=h).json()
    assert {u["email"] for u in users["items"]} == {shop_a.email(r) for r in Role}
    assert client.get(f"/v1/users/{shop_b.user_ids[Role.OWNER]}", headers=h).status_code == 404
