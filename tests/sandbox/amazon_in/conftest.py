"""Fixtures for the Amazon India sandbox tests: a frozen clock, the sandbox, clients, model validators.

Every response that goes through the ``api`` client is validated against Amazon's official model for
its route and status (Draft 4 + format checker + the undeclared-keys walker), so each test that drives a
route also contract-tests it. The models are the copies in tests/contract_models/amazon-sp-api; a missing one
fails the run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import cache
from typing import Any

import httpx
import pytest
from jsonschema import Draft4Validator
from tests.contract_models import AMAZON_MODELS, load_json, require

from robnu.sandbox.amazon_in import AmazonSandbox, build_sandbox
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.transport import InProcessTransport

MODELS = require(AMAZON_MODELS)
START = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

# (method, path regex) -> (model file, model path template)
ROUTES: list[tuple[str, re.Pattern[str], str, str]] = [
    ("get", re.compile(r"^/orders/2026-01-01/orders$"), "orders_2026-01-01.json", "/orders/2026-01-01/orders"),
    (
        "get",
        re.compile(r"^/orders/2026-01-01/orders/[^/]+$"),
        "orders_2026-01-01.json",
        "/orders/2026-01-01/orders/{orderId}",
    ),
    ("get", re.compile(r"^/orders/v0/orders$"), "ordersV0.json", "/orders/v0/orders"),
    ("get", re.compile(r"^/orders/v0/orders/[^/]+$"), "ordersV0.json", "/orders/v0/orders/{orderId}"),
    (
        "get",
        re.compile(r"^/orders/v0/orders/[^/]+/orderItems$"),
        "ordersV0.json",
        "/orders/v0/orders/{orderId}/orderItems",
    ),
    (
        "post",
        re.compile(r"^/orders/v0/orders/[^/]+/shipmentConfirmation$"),
        "ordersV0.json",
        "/orders/v0/orders/{orderId}/shipmentConfirmation",
    ),
    ("get", re.compile(r"^/finances/v0/financialEventGroups$"), "financesV0.json", "/finances/v0/financialEventGroups"),
    ("get", re.compile(r"^/finances/v0/financialEvents$"), "financesV0.json", "/finances/v0/financialEvents"),
    (
        "get",
        re.compile(r"^/finances/v0/orders/[^/]+/financialEvents$"),
        "financesV0.json",
        "/finances/v0/orders/{orderId}/financialEvents",
    ),
    (
        "get",
        re.compile(r"^/finances/v0/financialEventGroups/[^/]+/financialEvents$"),
        "financesV0.json",
        "/finances/v0/financialEventGroups/{eventGroupId}/financialEvents",
    ),
    (
        "get",
        re.compile(r"^/finances/2024-06-19/transactions$"),
        "finances_2024-06-19.json",
        "/finances/2024-06-19/transactions",
    ),
    ("post", re.compile(r"^/reports/2021-06-30/reports$"), "reports_2021-06-30.json", "/reports/2021-06-30/reports"),
    ("get", re.compile(r"^/reports/2021-06-30/reports$"), "reports_2021-06-30.json", "/reports/2021-06-30/reports"),
    (
        "get",
        re.compile(r"^/reports/2021-06-30/reports/[^/]+$"),
        "reports_2021-06-30.json",
        "/reports/2021-06-30/reports/{reportId}",
    ),
    (
        "get",
        re.compile(r"^/reports/2021-06-30/documents/[^/]+$"),
        "reports_2021-06-30.json",
        "/reports/2021-06-30/documents/{reportDocumentId}",
    ),
    (
        "patch",
        re.compile(r"^/listings/2021-08-01/items/[^/]+/.+$"),
        "listingsItems_2021-08-01.json",
        "/listings/2021-08-01/items/{sellerId}/{sku}",
    ),
    (
        "get",
        re.compile(r"^/listings/2021-08-01/items/[^/]+/.+$"),
        "listingsItems_2021-08-01.json",
        "/listings/2021-08-01/items/{sellerId}/{sku}",
    ),
]

SEEN: set[tuple[str, str, str]] = set()  # (model file, path, status) validated during the run


@cache
def load_model(name: str) -> dict[str, Any]:
    return load_json(MODELS / name)


def schema_for(model_file: str, path: str, method: str, status: str) -> dict[str, Any]:
    model = load_model(model_file)
    response = model["paths"][path][method]["responses"][status]
    return dict(response["schema"], definitions=model["definitions"])


def validator(model_file: str, path: str, method: str, status: str) -> Draft4Validator:
    return Draft4Validator(schema_for(model_file, path, method, status), format_checker=Draft4Validator.FORMAT_CHECKER)


def undeclared_keys(body: Any, schema: dict[str, Any], definitions: dict[str, Any], where: str = "$") -> list[str]:
    """Keys in ``body`` the model does not declare: follow $ref, merge allOf, descend properties/items."""
    schema = resolve(schema, definitions)
    if isinstance(body, dict):
        props: dict[str, Any] = {}
        for branch in [schema, *[resolve(b, definitions) for b in schema.get("allOf", [])]]:
            props.update(branch.get("properties", {}))
        if not props and "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
            return [
                p
                for k, v in body.items()
                for p in undeclared_keys(v, schema["additionalProperties"], definitions, f"{where}.{k}")
            ]
        if not props:
            return []  # free-form object in the model
        problems: list[str] = []
        for key, value in body.items():
            if key not in props:
                problems.append(f"{where}.{key}")
            else:
                problems.extend(undeclared_keys(value, props[key], definitions, f"{where}.{key}"))
        return problems
    if isinstance(body, list) and "items" in schema:
        return [
            p for i, v in enumerate(body) for p in undeclared_keys(v, schema["items"], definitions, f"{where}[{i}]")
        ]
    return []


def resolve(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = definitions[schema["$ref"].split("/")[-1]]
    return schema


def route_of(method: str, path: str) -> tuple[str, str] | None:
    for m, pattern, model_file, template in ROUTES:
        if m == method and pattern.match(path):
            return model_file, template
    return None


def check_contract(response: httpx.Response) -> None:
    """Validate one SP-API response against its model (body, undeclared keys, required headers)."""
    request = response.request
    path = request.url.raw_path.decode().split("?")[0]
    found = route_of(request.method.lower(), path)
    if found is None:
        return
    model_file, template = found
    status = str(response.status_code)
    assert "x-amzn-requestid" in response.headers, f"no x-amzn-RequestId on {status} {path}"
    if status in ("200", "400", "404"):
        assert "x-amzn-ratelimit-limit" in response.headers, f"no x-amzn-RateLimit-Limit on {status} {path}"
    operation = load_model(model_file)["paths"][template][request.method.lower()]
    assert status in operation["responses"], f"{status} is not a declared response of {template}"
    declared = operation["responses"][status]
    if "schema" not in declared:
        assert response.content == b"", f"bodiless {status} of {template} has a body"
        SEEN.add((model_file, template, status))
        return
    body = response.json()
    validator(model_file, template, request.method.lower(), status).validate(body)
    model = load_model(model_file)
    problems = undeclared_keys(body, declared["schema"], model["definitions"])
    assert not problems, f"undeclared keys in {status} {template}: {problems}"
    SEEN.add((model_file, template, status))


def _hook(response: httpx.Response) -> None:
    response.read()
    if (
        "x-robnu-sandbox" in response.headers
        and response.headers.get("content-type", "").startswith(("application/json",))
    ) or response.status_code == 204:
        check_contract(response)


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(frozen_at=START)


@pytest.fixture
def sandbox(clock: SandboxClock) -> AmazonSandbox:
    return build_sandbox(seed=20261127, clock=clock, rate_limits_enabled=False)


@pytest.fixture
def account(sandbox: AmazonSandbox) -> dict[str, Any]:
    created = sandbox.create_account()
    sandbox.generate_orders(created["selling_partner_id"], 400, days=30)
    return created


def _client(app: Any, base: str, hooks: bool) -> httpx.Client:
    return httpx.Client(
        transport=InProcessTransport(app), base_url=base, event_hooks={"response": [_hook]} if hooks else {}
    )


@pytest.fixture
def api(sandbox: AmazonSandbox) -> Iterator[httpx.Client]:
    with _client(sandbox.apps["api"], "http://amazon.sandbox", True) as client:
        yield client


@pytest.fixture
def raw_api(sandbox: AmazonSandbox) -> Iterator[httpx.Client]:
    """No contract hook: for faults that mangle bodies on purpose."""
    with _client(sandbox.apps["api"], "http://amazon.sandbox", False) as client:
        yield client


@pytest.fixture
def lwa(sandbox: AmazonSandbox) -> Iterator[httpx.Client]:
    with _client(sandbox.apps["auth"], "http://lwa.sandbox", False) as client:
        yield client


def token_request(acc: dict[str, Any]) -> dict[str, str]:
    return {
        "grant_type": "refresh_token",
        "refresh_token": acc["refresh_token"],
        "client_id": acc["lwa_client_id"],
        "client_secret": acc["lwa_client_secret"],
    }


@pytest.fixture
def login(lwa: httpx.Client) -> Callable[[dict[str, Any]], dict[str, str]]:
    def do(acc: dict[str, Any]) -> dict[str, str]:
        response = lwa.post("/auth/o2/token", data=token_request(acc))
        assert response.status_code == 200, response.text
        return {"x-amz-access-token": response.json()["access_token"]}

    return do


@pytest.fixture
def headers(account: dict[str, Any], login: Callable[[dict[str, Any]], dict[str, str]]) -> dict[str, str]:
    return login(account)
