"""Every endpoint x every role: allowed exactly when the role's permission set has what the route requires
(the table in robnu.domain.permissions), denied with 403 otherwise; nothing answers without a sign-in."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from robnu.domain.permissions import Role, permissions_of
from tests.api.conftest import Shop, bearer
from tests.api.matrix import PUBLIC, SESSION_ONLY, route_rules


def test_every_route_declares_a_permission_or_is_listed(app: FastAPI) -> None:
    rules = route_rules(app)
    assert len(rules) >= 15
    unchecked = [
        (r.method, r.path) for r in rules if r.permissions is None and (r.method, r.path) not in SESSION_ONLY | PUBLIC
    ]
    assert unchecked == []
    assert all(r.authenticated for r in rules if (r.method, r.path) not in PUBLIC)


def test_nothing_answers_without_a_sign_in(app: FastAPI, client: TestClient) -> None:
    for rule in route_rules(client.app):  # type: ignore[arg-type]
        if (rule.method, rule.path) in PUBLIC:
            continue
        r = client.request(rule.method, rule.url(), json={})
        assert r.status_code == 401, (rule, r.text)
        assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("role", list(Role))
def test_role_matrix(app: FastAPI, client: TestClient, shop_a: Shop, role: Role) -> None:
    headers = bearer(client, shop_a.email(role))
    allowed = permissions_of(role)
    wrong = []
    for rule in route_rules(client.app):  # type: ignore[arg-type]
        if rule.permissions is None:
            continue
        # An id no row has: an allowed caller gets past the check (404/422), a denied one stops at it (403).
        r = client.request(rule.method, rule.url(sample_id=987654321), json={}, headers=headers)
        denied = r.status_code == 403 and "needs permission" in r.json().get("detail", "")
        if denied == (rule.permissions <= allowed) or r.status_code == 401 or r.status_code >= 500:
            wrong.append((rule.method, rule.path, r.status_code, r.text[:200]))
    assert wrong == []
