"""The browser tests' people: an OWNER and a VIEWER of the demo seller and an OWNER of the other seller, each
with a password, signing in through the dashboard's own form."""

from __future__ import annotations

from typing import Any

from robnu.services.runtime import Runtime
from robnu.services.users import add_member, set_password

PASSWORD = "correct horse battery staple"
OWNER_A, VIEWER_A, OWNER_B = "owner@a.example", "viewer@a.example", "owner@b.example"


def add_people(rt: Runtime, seller_a: int, seller_b: int) -> None:
    now = rt.clock.now()
    with rt.session() as s:
        for email, seller, role in (
            (OWNER_A, seller_a, "OWNER"),
            (VIEWER_A, seller_a, "VIEWER"),
            (OWNER_B, seller_b, "OWNER"),
        ):
            set_password(s, add_member(s, seller, email, role, now).user_id, PASSWORD, now)


def sign_in(page: Any, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
