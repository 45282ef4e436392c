"""The permission table as the app declares it: every /v1 route's required permissions, read from its
``require(...)`` dependency. Routes added later (by any module) are covered without touching the tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant

from robnu.api.deps import api_routes, current_principal, required_permissions
from robnu.domain.permissions import Permission

# Routes that need a signed-in caller but no permission (they concern the caller's own session), and the
# two that sign in.
SESSION_ONLY = {("GET", "/v1/me"), ("POST", "/v1/auth/logout"), ("POST", "/v1/auth/switch")}
PUBLIC = {("POST", "/v1/auth/login"), ("POST", "/v1/auth/refresh")}


@dataclass(frozen=True)
class RouteRule:
    method: str
    path: str
    permissions: frozenset[Permission] | None  # None: no permission, only a signed-in caller (or public)
    authenticated: bool

    def url(self, sample_id: int = 1) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: "AJIO" if m.group(1) == "code" else str(sample_id), self.path)


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _walk(sub)


def route_rules(app: FastAPI) -> list[RouteRule]:
    rules = []
    for route in api_routes(app.routes):
        if not route.path.startswith("/v1/"):
            continue
        calls = [d.call for d in _walk(route.dependant) if d.call is not None]
        declared = [p for p in (required_permissions(c) for c in calls) if p is not None]
        needed = frozenset().union(*declared) if declared else None
        authenticated = any(c is current_principal for c in calls)
        for method in sorted(route.methods):
            rules.append(RouteRule(method, route.path, needed, authenticated))
    return rules
