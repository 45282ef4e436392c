"""Signing in and staying signed in: throttling, rotation, reuse detection, sign-out, cookies with CSRF,
seller switch, API tokens; the audit log records each."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from robnu.api.cookies import ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE
from robnu.db.tenancy_models import AuditEvent, RefreshToken
from robnu.domain.clock import ManualClock
from robnu.domain.permissions import Role
from robnu.services import users as user_service
from robnu.services.runtime import Runtime
from tests.api.conftest import PASSWORD, Shop, bearer


def _actions(rt: Runtime, seller_id: int) -> list[str]:
    with rt.sessions() as s:
        return list(
            s.execute(
                select(AuditEvent.action).where(AuditEvent.seller_id == seller_id).order_by(AuditEvent.id)
            ).scalars()
        )


def test_wrong_password_is_refused_without_saying_which_part(client: TestClient, shop_a: Shop, app_rt: Runtime) -> None:
    wrong = client.post("/v1/auth/login", json={"email": shop_a.email(Role.OWNER), "password": "not the password"})
    unknown = client.post("/v1/auth/login", json={"email": "nobody@nowhere.in", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["content-type"] == "application/problem+json"
    assert "LOGIN_FAILED" in _actions(app_rt, shop_a.seller_id)


def test_login_is_throttled_per_account(client: TestClient, shop_a: Shop, app_rt: Runtime) -> None:
    email = shop_a.email(Role.VIEWER)
    for _ in range(app_rt.settings.login_max_failures_per_account):
        assert client.post("/v1/auth/login", json={"email": email, "password": "guess guess"}).status_code == 401
    locked = client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    # Another account from the same address is not locked (the per-address limit is higher).
    assert (
        client.post("/v1/auth/login", json={"email": shop_a.email(Role.ADMIN), "password": PASSWORD}).status_code == 200
    )
    assert "LOGIN_THROTTLED" in _actions(app_rt, shop_a.seller_id)


def test_refresh_rotates_and_a_reused_token_ends_the_session(client: TestClient, shop_a: Shop, app_rt: Runtime) -> None:
    first = client.post("/v1/auth/login", json={"email": shop_a.email(Role.OWNER), "password": PASSWORD}).json()
    second = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}).status_code == 200
    # The spent token comes back (stolen): refused, and the whole family with it.
    replay = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert client.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}).status_code == 401
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}).status_code == 401
    assert "REFRESH_REUSED" in _actions(app_rt, shop_a.seller_id)
    with app_rt.sessions() as s:  # only digests are stored
        stored = set(s.execute(select(RefreshToken.token_hash)).scalars())
    assert first["refresh_token"] not in stored and len(next(iter(stored))) == 64


def test_access_tokens_expire(client: TestClient, shop_a: Shop, app_rt: Runtime) -> None:
    clock = ManualClock(app_rt.clock.now())
    app_rt.clock = clock
    headers = bearer(client, shop_a.email(Role.OWNER))
    assert client.get("/v1/me", headers=headers).status_code == 200
    clock.advance(timedelta(seconds=app_rt.settings.access_token_seconds + 1))
    assert client.get("/v1/me", headers=headers).status_code == 401


def test_logout_ends_the_session(client: TestClient, shop_a: Shop) -> None:
    body = client.post("/v1/auth/login", json={"email": shop_a.email(Role.OWNER), "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.post("/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/v1/me", headers=headers).status_code == 401
    assert client.post("/v1/auth/refresh", json={"refresh_token": body["refresh_token"]}).status_code == 401


def test_cookie_session_needs_the_csrf_header_for_unsafe_methods(client: TestClient, shop_a: Shop) -> None:
    r = client.post("/v1/auth/login", json={"email": shop_a.email(Role.OWNER), "password": PASSWORD, "mode": "cookie"})
    assert r.status_code == 200
    body = r.json()
    assert "access_token" not in body and body["csrf_token"]
    set_cookie = r.headers.get_list("set-cookie")
    access = next(c for c in set_cookie if c.startswith(ACCESS_COOKIE + "="))
    assert "HttpOnly" in access and "SameSite=lax" in access and "Secure" not in access  # plain http here
    assert any(c.startswith(REFRESH_COOKIE + "=") and "Path=/v1/auth" in c for c in set_cookie)
    assert client.get("/v1/me").status_code == 200  # a safe method: the cookie is enough
    token = {"name": "script", "permissions": ["orders:read"]}
    refused = client.post("/v1/tokens", json=token)
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    created = client.post("/v1/tokens", json=token, headers={"X-CSRF-Token": client.cookies[CSRF_COOKIE]})
    assert created.status_code == 201
    refreshed = client.post("/v1/auth/refresh", headers={"X-CSRF-Token": client.cookies[CSRF_COOKIE]})
    assert refreshed.status_code == 200


def test_cookies_are_secure_over_https(app_rt: Runtime, shop_a: Shop) -> None:
    from robnu.api.app import create_app

    with TestClient(create_app(app_rt), base_url="https://testserver") as c:
        r = c.post("/v1/auth/login", json={"email": shop_a.email(Role.OWNER), "password": PASSWORD, "mode": "cookie"})
    assert all("Secure" in cookie for cookie in r.headers.get_list("set-cookie"))


def test_switch_seller(client: TestClient, shop_a: Shop, shop_b: Shop, app_rt: Runtime) -> None:
    with app_rt.session() as s:
        user_service.add_member(s, shop_b.seller_id, shop_a.email(Role.OPERATOR), Role.FINANCE, app_rt.clock.now())
    headers = bearer(client, shop_a.email(Role.OPERATOR))
    me = client.get("/v1/me", headers=headers).json()
    assert [m["seller_id"] for m in me["sellers"]] == [shop_a.seller_id, shop_b.seller_id]
    switched = client.post("/v1/auth/switch", json={"seller_id": shop_b.seller_id}, headers=headers).json()
    now = client.get("/v1/me", headers={"Authorization": f"Bearer {switched['access_token']}"}).json()
    assert (now["seller_id"], now["role"]) == (shop_b.seller_id, "FINANCE")
    other = client.post(
        "/v1/auth/switch", json={"seller_id": shop_b.seller_id}, headers=bearer(client, shop_a.email(Role.VIEWER))
    )
    assert other.status_code == 403


def test_api_tokens_are_scoped_shown_once_and_revocable(client: TestClient, shop_a: Shop, app_rt: Runtime) -> None:
    headers = bearer(client, shop_a.email(Role.OPERATOR))
    beyond = client.post("/v1/tokens", json={"name": "x", "permissions": ["payouts:read"]}, headers=headers)
    assert beyond.status_code == 422 and beyond.json()["errors"][0]["field"] == "permissions"
    made = client.post("/v1/tokens", json={"name": "picker", "permissions": ["accounts:read"]}, headers=headers)
    assert made.status_code == 201
    token = made.json()["token"]
    listed = client.get("/v1/tokens", headers=headers).json()
    assert [t["prefix"] for t in listed] == [token[:12]] and "token" not in listed[0]
    script = {"Authorization": f"Bearer {token}"}
    me = client.get("/v1/me", headers=script).json()
    assert (me["via"], me["permissions"]) == ("api_token", ["accounts:read"])
    assert client.get("/v1/accounts", headers=script).status_code == 200
    assert client.get("/v1/users", headers=script).status_code == 403  # the role could not either
    assert client.delete(f"/v1/tokens/{made.json()['id']}", headers=headers).status_code == 204
    assert client.get("/v1/accounts", headers=script).status_code == 401
    assert {"API_TOKEN_CREATED", "API_TOKEN_REVOKED"} <= set(_actions(app_rt, shop_a.seller_id))


def test_removed_user_loses_access_at_once(client: TestClient, shop_a: Shop, app_rt: Runtime) -> None:
    viewer = bearer(client, shop_a.email(Role.VIEWER))
    admin = bearer(client, shop_a.email(Role.ADMIN))
    assert client.get("/v1/accounts", headers=viewer).status_code == 200
    assert client.delete(f"/v1/users/{shop_a.user_ids[Role.VIEWER]}", headers=admin).status_code == 204
    assert client.get("/v1/accounts", headers=viewer).status_code == 401
    # An ADMIN cannot touch an OWNER.
    owner_id = shop_a.user_ids[Role.OWNER]
    assert client.patch(f"/v1/users/{owner_id}", json={"role": "VIEWER"}, headers=admin).status_code == 403
    owner = bearer(client, shop_a.email(Role.OWNER))
    # (The last OWNER cannot be demoted at all: not by an ADMIN, not by themselves; the CLI test shows the 409.)
    assert client.patch(f"/v1/users/{owner_id}", json={"role": "ADMIN"}, headers=owner).status_code == 403
    promoted = client.patch(f"/v1/users/{shop_a.user_ids[Role.ADMIN]}", json={"role": "OWNER"}, headers=owner)
    assert promoted.status_code == 200 and promoted.json()["role"] == "OWNER"
    assert {"USER_REMOVED", "ROLE_CHANGED"} <= set(_actions(app_rt, shop_a.seller_id))


def test_nobody_changes_their_own_role_or_removes_themselves(client: TestClient, shop_a: Shop) -> None:
    owner = bearer(client, shop_a.email(Role.OWNER))
    me = shop_a.user_ids[Role.OWNER]
    assert (
        client.post("/v1/users", json={"email": "second@alpha.in", "role": "OWNER"}, headers=owner).status_code == 201
    )
    assert client.patch(f"/v1/users/{me}", json={"role": "VIEWER"}, headers=owner).status_code == 403
    assert client.delete(f"/v1/users/{me}", headers=owner).status_code == 403
    assert client.get("/v1/me", headers=owner).json()["role"] == "OWNER"
