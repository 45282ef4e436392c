"""The API against a real database: an app per test, sellers with users of every role, signed-in clients."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.api.app import create_app
from robnu.db.models import User
from robnu.domain.permissions import Role
from robnu.services import users as user_service
from robnu.services.accounts import create_seller_with_owner
from robnu.services.runtime import Runtime

PASSWORD = "correct horse battery"


def set_passwords(s: Session, user_ids: list[int], now: datetime) -> None:
    """``PASSWORD`` for every user: ``set_password`` for the first, its stored hash copied to the others.
    An Argon2id hash costs ~0.3 s by design and these fixtures give dozens of members the same password."""
    first, *others = user_ids
    user_service.set_password(s, first, PASSWORD, now)
    users = {u.id: u for u in s.execute(select(User).where(User.id.in_(user_ids))).scalars()}
    for user_id in others:
        users[user_id].password_hash, users[user_id].password_changed_at = users[first].password_hash, now


@dataclass
class Shop:
    """A seller with one signed-up user per role (emails ``<role>@<slug>.in``)."""

    seller_id: int
    slug: str
    user_ids: dict[Role, int] = field(default_factory=dict)

    def email(self, role: Role) -> str:
        return f"{role.lower()}@{self.slug}.in"


def make_shop(rt: Runtime, slug: str) -> Shop:
    seller_id, owner = create_seller_with_owner(rt, f"Shop {slug}", owner_email=f"owner@{slug}.in")
    assert owner is not None
    shop = Shop(seller_id, slug, {Role.OWNER: owner.user_id})
    now = rt.clock.now()
    with rt.session() as s:
        for role in Role:
            if role is not Role.OWNER:
                shop.user_ids[role] = user_service.add_member(s, seller_id, shop.email(role), role, now).user_id
        set_passwords(s, list(shop.user_ids.values()), now)
    return shop


@pytest.fixture
def app_rt(rt: Runtime) -> Runtime:
    return rt


@pytest.fixture
def app(app_rt: Runtime) -> FastAPI:
    return create_app(app_rt)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def shop_a(app_rt: Runtime) -> Shop:
    return make_shop(app_rt, "alpha")


@pytest.fixture
def shop_b(app_rt: Runtime) -> Shop:
    return make_shop(app_rt, "beta")


def bearer(client: TestClient, email: str, password: str = PASSWORD, **extra: object) -> dict[str, str]:
    r = client.post("/v1/auth/login", json={"email": email, "password": password, **extra})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def role_email(seller_id: int, role: Role) -> str:
    """The e-mail of the member with ``role`` that ``add_role_members`` gives a seller."""
    return f"{role.lower()}@seller{seller_id}.in"


def add_role_members(rt: Runtime, seller_ids: list[int]) -> None:
    """One member per role for each seller, all signing in with ``PASSWORD``."""
    now = rt.clock.now()
    with rt.session() as s:
        added = [
            user_service.add_member(s, seller_id, role_email(seller_id, role), role, now).user_id
            for seller_id in seller_ids
            for role in Role
        ]
        set_passwords(s, added, now)
