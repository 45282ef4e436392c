"""Every dashboard page and action against a real database, without a browser: each asks for its permission
(a role without it gets 403, whatever the page), unsafe requests need the session's CSRF token, and another
seller's account, order, document or job is 404 — the same answer as one that does not exist."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from robnu.db.models import MarketplaceAccount, MarketplaceCredentialEvent, Order, Product
from robnu.domain.permissions import Role, permissions_of
from robnu.services.accounts import connect_account
from robnu.services.runtime import Runtime
from tests.api.conftest import PASSWORD, Shop, make_shop
from tests.factories import credentials

PAGES = {
    "/": "orders:read",
    "/orders": "orders:read",
    "/returns": "returns:read",
    "/payouts": "payouts:read",
    "/claims": "claims:read",
    "/stock": "stock:read",
    "/process/batches": "processing:read",
    "/process/sla-watchdog": "processing:read",
    "/runs": "runs:read",
    "/accounts": "accounts:read",
    "/accounts/connect?marketplace=MEESHO": "accounts:write",
    "/platform/marketplace-registry": "accounts:read",
    "/users": "users:read",
}


@pytest.fixture
def shops(rt: Runtime) -> tuple[Shop, Shop]:
    return make_shop(rt, "alpha"), make_shop(rt, "beta")


def sign_in(client: TestClient, email: str) -> str:
    client.cookies.clear()
    r = client.post("/login", data={"email": email, "password": PASSWORD, "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return str(client.cookies.get("robnu_csrf"))


def _order(rt: Runtime, seller_id: int, account_id: int) -> int:
    now = rt.clock.now()
    with rt.session() as s:
        order = Order(
            seller_id=seller_id,
            marketplace_account_id=account_id,
            external_id="B-ORDER-1",
            source_updated_at=now,
            status="NEW",
            raw_status="new",
            created_at=now,
            updated_at=now,
            ordered_at=now - timedelta(hours=1),
            order_total=Decimal("499.00"),
        )
        s.add(order)
        s.flush()
        return order.id


@pytest.mark.parametrize("role", list(Role))
def test_each_page_needs_its_permission(rt: Runtime, client: TestClient, shops: tuple[Shop, Shop], role: Role) -> None:
    shop, _ = shops
    sign_in(client, shop.email(role))
    held = permissions_of(role)
    for path, permission in PAGES.items():
        status = client.get(path).status_code
        assert status == (200 if permission in held else 403), (role, path, status)
    nav = client.get("/accounts" if "accounts:read" in held else "/").text
    assert ('href="/users"' in nav) == ("users:read" in held)


def test_without_a_session_every_page_sends_the_browser_to_sign_in(client: TestClient) -> None:
    for path in PAGES:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/"), path
    r = client.get("/orders", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/orders?q=x"})
    assert r.status_code == 401 and r.headers["HX-Redirect"] == "/login?next=/orders"


def test_another_sellers_things_are_not_found(rt: Runtime, client: TestClient, shops: tuple[Shop, Shop]) -> None:
    alpha, beta = shops
    account_b = connect_account(rt, beta.seller_id, "MEESHO", credentials("MEESHO"))
    order_b = _order(rt, beta.seller_id, account_b)
    csrf = sign_in(client, beta.email(Role.OWNER))
    job = client.post(f"/accounts/{account_b}/validate", headers={"X-CSRF-Token": csrf})
    assert job.status_code == 200
    job_id = job.text.split('id="job-', 1)[1].split('"', 1)[0]
    csrf = sign_in(client, alpha.email(Role.OWNER))
    for path in (f"/accounts/{account_b}", f"/orders/{order_b}", f"/jobs/{job_id}", "/v1/documents/1", "/payouts/1"):
        r = client.get(path)
        assert r.status_code == 404 and "B-ORDER-1" not in r.text, path
    for path in (
        f"/accounts/{account_b}/sync",
        f"/accounts/{account_b}/validate",
        f"/accounts/{account_b}/reconnect",
        f"/accounts/{account_b}/schedules/ORDERS/pause",
    ):
        assert client.post(path, headers={"X-CSRF-Token": csrf}).status_code == 404, path
    found = client.get("/search?q=B-ORDER-1").text
    assert "Nothing matches" in found and f"/orders/{order_b}" not in found
    assert "B-ORDER-1" not in client.get("/orders?q=B-ORDER").text


def test_a_viewer_may_change_nothing(rt: Runtime, client: TestClient, shops: tuple[Shop, Shop]) -> None:
    alpha, _ = shops
    account = connect_account(rt, alpha.seller_id, "MEESHO", credentials("MEESHO"))
    csrf = sign_in(client, alpha.email(Role.VIEWER))
    h = {"X-CSRF-Token": csrf}
    for path in (
        "/accounts/connect",
        f"/accounts/{account}/sync",
        f"/accounts/{account}/validate",
        f"/accounts/{account}/reconnect",
        f"/accounts/{account}/schedules/ORDERS/pause",
        "/stock/adjust",
        "/process/batches/1/close",
        "/users",
        "/users/1/role",
        "/users/1/remove",
    ):
        assert client.post(path, headers=h, data={"marketplace": "MEESHO"}).status_code == 403, path
    with rt.sessions() as s:
        assert s.execute(select(func.count(MarketplaceAccount.id))).scalar_one() == 1


def test_an_unsafe_request_without_the_csrf_token_is_refused(
    rt: Runtime, client: TestClient, shops: tuple[Shop, Shop]
) -> None:
    alpha, _ = shops
    now = rt.clock.now()
    with rt.session() as s:
        s.add(Product(seller_id=alpha.seller_id, sku="SKU-1", on_hand=5, reserved=0, created_at=now, updated_at=now))
    csrf = sign_in(client, alpha.email(Role.OPERATOR))
    r = client.post("/stock/adjust", data={"sku": "SKU-1", "delta": "3"})
    assert r.status_code == 403
    r = client.post("/stock/adjust", data={"sku": "SKU-1", "delta": "three", "reason": "count", "csrf_token": csrf})
    assert r.status_code == 200 and "delta:" in r.text and 'value="SKU-1"' in r.text  # named, the rest kept
    r = client.post("/stock/adjust", data={"sku": "SKU-1", "delta": "3", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    with rt.sessions() as s:
        assert s.execute(select(Product.on_hand).where(Product.sku == "SKU-1")).scalar_one() == 8


def test_users_page_adds_a_user_once_and_names_a_bad_field(
    rt: Runtime, client: TestClient, shops: tuple[Shop, Shop]
) -> None:
    alpha, _ = shops
    csrf = sign_in(client, alpha.email(Role.ADMIN))
    r = client.post("/users", data={"email": "not-an-email", "role": "VIEWER", "csrf_token": csrf})
    assert r.status_code == 400 and "email: is not an email address" in r.text and 'value="not-an-email"' in r.text
    r = client.post("/users", data={"email": "new@alpha.in", "role": "OWNER", "csrf_token": csrf})
    assert r.status_code == 403 and "only an OWNER" in r.text  # an ADMIN cannot make an OWNER
    r = client.post("/users", data={"email": "new@alpha.in", "role": "OPERATOR", "csrf_token": csrf})
    assert r.status_code == 200 and "one-time password" in r.text
    assert "new@alpha.in" in client.get("/users").text and "one-time password" not in client.get("/users").text


def test_the_account_page_shows_schedules_events_and_names_a_bad_reconnect_field(
    rt: Runtime, client: TestClient, shops: tuple[Shop, Shop]
) -> None:
    alpha, beta = shops
    account = connect_account(rt, alpha.seller_id, "MEESHO", credentials("MEESHO"), display_name="Meesho main")
    theirs = connect_account(rt, beta.seller_id, "MEESHO", credentials("MEESHO"))
    with rt.session() as s:
        for account_id, message in ((account, "key expired"), (theirs, "their secret trouble")):
            seller = alpha.seller_id if account_id == account else beta.seller_id
            s.add(
                MarketplaceCredentialEvent(
                    seller_id=seller,
                    marketplace_account_id=account_id,
                    occurred_at=rt.clock.now(),
                    kind="AUTH_FAILED",
                    http_status=401,
                    message=message,
                )
            )
    csrf = sign_in(client, alpha.email(Role.ADMIN))
    page = client.get(f"/accounts/{account}").text
    assert page.count('data-label="Target"') >= 1 and "key expired" in page and "their secret" not in page
    r = client.post(f"/accounts/{account}/reconnect", data={"supplier_id": "12", "csrf_token": csrf})
    assert r.status_code == 400 and "supplier_id" in r.text and 'value="12"' in r.text
    assert "key expired" in r.text and 'data-label="Target"' in r.text  # the rest of the page is there
    assert f'href="/accounts/{account}"' in client.get("/accounts").text
    assert f'href="/accounts/{theirs}"' not in client.get("/platform/marketplace-registry").text
