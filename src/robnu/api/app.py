"""``create_app(runtime)``: the /v1 API. OpenAPI at /v1/openapi.json, interactive docs at /v1/docs."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from robnu.api import problems
from robnu.api.deps import api_routes
from robnu.api.ratelimit import RateLimits
from robnu.api.routes import (
    accounts,
    audit,
    auth,
    documents,
    marketplaces,
    money,
    orders,
    overview,
    payouts,
    processing,
    returns,
    runs,
    schedules,
    search,
    stock,
    tokens,
    users,
)
from robnu.services.runtime import Runtime

API_VERSION = "1"


def create_app(rt: Runtime) -> FastAPI:
    app = FastAPI(
        title="Robnu API",
        version=API_VERSION,
        description="Order processing for Indian marketplace sellers. See docs/api.md.",
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
    )
    app.state.runtime = rt
    app.state.rate_limits = RateLimits(rt.settings.rate_limit, rt.settings.rate_limit_storage)
    problems.install(app)
    routers = (
        auth.router,
        users.router,
        tokens.router,
        audit.router,
        marketplaces.router,
        accounts.build_router(rt.registry),
        # the seller's data (read models in robnu.services.queries) and the actions on it
        overview.router,
        orders.router,
        returns.router,
        payouts.router,
        stock.router,
        schedules.router,
        runs.router,
        processing.router,
        documents.router,
        search.router,
        money.router,
    )
    for router in routers:
        declare_problems(router)
        app.include_router(router)
    return app


def declare_problems(router: APIRouter) -> None:
    """Every route may answer the common problems; say so in the OpenAPI document (a route's own list wins)."""
    for route in api_routes(router.routes):
        for status, spec in problems.problem_responses(*problems.COMMON).items():
            route.responses.setdefault(status, spec)
