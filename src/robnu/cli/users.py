"""``robnu users …`` (a seller's people and roles) and ``robnu serve`` (the HTTP API)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from robnu.cli import validate as check
from robnu.cli.common import console, handles_errors, runtime

users_app = typer.Typer(
    help="A seller's users and their roles (OWNER, ADMIN, OPERATOR, FINANCE, VIEWER).", no_args_is_help=True
)
ROLES = ("OWNER", "ADMIN", "OPERATOR", "FINANCE", "VIEWER")


def print_one_time_password(email: str, password: str) -> None:
    console.print(f"one-time password for {email} (shown once; sign in and change it): {password}", highlight=False)


@users_app.command("add")
@handles_errors
def add(
    seller_id: Annotated[int, check.id_argument("the seller")],
    email: Annotated[str, typer.Argument(help="the user's email (an existing user joins this seller)")],
    role: Annotated[str, typer.Option(help="OWNER, ADMIN, OPERATOR, FINANCE or VIEWER")] = "VIEWER",
) -> None:
    """Add a user to a seller with a role; a new user gets a one-time password, printed once."""
    from robnu.services import users as user_service

    email = check.email("email", email).lower()
    role = check.choice("role", role, ROLES)
    rt = runtime(upgrade=True)
    with rt.session() as s:
        added = user_service.add_member(s, seller_id, email, role, rt.clock.now())
    console.print(f"user {added.user_id} ({email}) is {role} of seller {seller_id}")
    if added.one_time_password:
        print_one_time_password(email, added.one_time_password)


@users_app.command("list")
@handles_errors
def list_users(seller_id: Annotated[int, check.id_argument("the seller")]) -> None:
    """A seller's users and their roles."""
    from robnu.db.models import Seller
    from robnu.domain.errors import NotFound
    from robnu.services import users as user_service

    rt = runtime(upgrade=True)
    with rt.sessions() as s:
        if s.get(Seller, seller_id) is None:
            raise NotFound(f"seller {seller_id} does not exist")
        members = user_service.list_members(s, seller_id)
    table = Table("user", "email", "role", "joined", title=f"seller {seller_id}")
    for m in members:
        table.add_row(str(m.user_id), m.email, m.role, m.joined_at.strftime("%Y-%m-%d %H:%M UTC"))
    console.print(table)


@users_app.command("role")
@handles_errors
def change_role(
    seller_id: Annotated[int, check.id_argument("the seller")],
    email: Annotated[str, typer.Argument(help="the user's email")],
    role: Annotated[str, typer.Argument(help="OWNER, ADMIN, OPERATOR, FINANCE or VIEWER")],
) -> None:
    """Change a user's role at a seller (a seller always keeps one OWNER)."""
    from robnu.services import users as user_service

    email = check.email("email", email)
    role = check.choice("role", role, ROLES)
    rt = runtime(upgrade=True)
    with rt.session() as s:
        user = user_service.find_user(s, email)
        user_service.change_role(s, seller_id, user.id, role, rt.clock.now())
    console.print(f"{email} is {role} of seller {seller_id}")


@users_app.command("remove")
@handles_errors
def remove(
    seller_id: Annotated[int, check.id_argument("the seller")],
    email: Annotated[str, typer.Argument(help="the user's email")],
) -> None:
    """Remove a user from a seller; their sessions and API tokens there end at once."""
    from robnu.services import users as user_service

    email = check.email("email", email)
    rt = runtime(upgrade=True)
    with rt.session() as s:
        user = user_service.find_user(s, email)
        user_service.remove_member(s, seller_id, user.id, rt.clock.now())
    console.print(f"{email} no longer belongs to seller {seller_id}")


@users_app.command("password")
@handles_errors
def reset_password(email: Annotated[str, typer.Argument(help="the user's email")]) -> None:
    """Give a user a new one-time password (printed once); their other sessions go on until they expire."""
    from robnu.security.passwords import one_time_password
    from robnu.services import users as user_service

    email = check.email("email", email)
    rt = runtime(upgrade=True)
    password = one_time_password()
    with rt.session() as s:
        user = user_service.find_user(s, email)
        user_service.set_password(s, user.id, password, rt.clock.now())
    print_one_time_password(email, password)


@handles_errors
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="worker processes")] = 1,
) -> None:
    """Serve the HTTP API (/v1; OpenAPI at /v1/openapi.json, docs at /v1/docs)."""
    import uvicorn

    runtime(upgrade=True)  # migrate once here, not in every worker
    console.print(f"Robnu API on http://{host}:{port}/v1/docs", highlight=False)
    uvicorn.run("robnu.api.asgi:create", factory=True, host=host, port=port, workers=workers, log_level="info")
