"""``robnu sellers …`` and ``robnu accounts …``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_origin

import typer
from rich.table import Table

from robnu.cli import validate as check
from robnu.cli.common import console, handles_errors, runtime
from robnu.cli.users import print_one_time_password

if TYPE_CHECKING:
    from pydantic import BaseModel

    from robnu.services.accounts import AccountView

sellers_app = typer.Typer(help="Sellers (tenants).", no_args_is_help=True)
accounts_app = typer.Typer(help="Marketplace accounts and their credentials.", no_args_is_help=True)


@sellers_app.command("create")
@handles_errors
def create_seller(
    name: Annotated[str, typer.Argument(help="the seller's name (at most 200 characters)")],
    plan: Annotated[str, typer.Option(help="FREE, GROWTH or ENTERPRISE")] = "FREE",
    owner_email: Annotated[str | None, typer.Option(help="creates the OWNER user")] = None,
) -> None:
    """Create a seller."""
    from robnu.services import accounts as account_service

    name = check.text("name", name)
    plan = check.choice("plan", plan, ("FREE", "GROWTH", "ENTERPRISE"))
    owner_email = check.email("owner_email", owner_email) if owner_email is not None else None
    rt = runtime(upgrade=True)
    seller_id, owner = account_service.create_seller_with_owner(rt, name, plan=plan, owner_email=owner_email)
    console.print(f"seller {seller_id} created")
    if owner is not None:
        email = str(owner_email).lower()
        console.print(f"user {owner.user_id} ({email}) is its OWNER")
        if owner.one_time_password:
            print_one_time_password(email, owner.one_time_password)


@sellers_app.command("plan")
@handles_errors
def change_plan(
    seller_id: Annotated[int, check.id_argument("the seller")],
    plan: Annotated[str, typer.Argument(help="FREE, GROWTH or ENTERPRISE")],
) -> None:
    """Change a seller's plan; orders held for the free tier are processed by the next run."""
    from robnu.services import accounts as account_service

    plan = check.choice("plan", plan, ("FREE", "GROWTH", "ENTERPRISE"))
    account_service.change_plan(runtime(upgrade=True), seller_id, plan)
    console.print(f"seller {seller_id} is on {plan}")


def _is_secret(annotation: Any) -> bool:
    from pydantic import SecretStr

    return annotation is SecretStr or SecretStr in get_args(annotation)


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The credential block a field holds (``Block`` or ``Block | None``), if it holds one."""
    from pydantic import BaseModel

    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _prompt_credentials(model: type[BaseModel], prefix: str = "") -> dict[str, Any]:
    """Ask for each field, nested blocks field by field; every secret, however deep, is read without echo."""
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        label, annotation, required = prefix + name, info.annotation, info.is_required()
        block = _nested_model(annotation)
        if block is not None:
            if required or typer.confirm(f"{label}: enter it now?", default=False):
                data[name] = _prompt_credentials(block, label + ".")
            continue
        if annotation is bool or (not required and bool in get_args(annotation)):
            data[name] = typer.confirm(label, default=bool(info.default) if not required else None)
            continue
        suffix = "" if required else " (optional, Enter to skip)"
        value = typer.prompt(
            label + suffix, hide_input=_is_secret(annotation), default="" if not required else None, show_default=False
        )
        if value == "" and not required:
            continue
        if list in (get_origin(annotation), *map(get_origin, get_args(annotation))):
            data[name] = [v.strip() for v in value.split(",") if v.strip()]  # comma-separated
        else:
            data[name] = value
    return data


@accounts_app.command("add")
@handles_errors
def add_account(
    seller_id: Annotated[int, check.id_argument("the seller who owns the account")],
    marketplace: Annotated[str, typer.Argument(help="marketplace code, e.g. AJIO, MEESHO, AMAZON_IN, FLIPKART")],
    credentials_file: Annotated[
        Path | None, typer.Option(help="JSON file with the credentials ('-' reads standard input)")
    ] = None,
    display_name: Annotated[str | None, typer.Option()] = None,
    validate: Annotated[bool, typer.Option(help="check the credentials with the marketplace now")] = False,
) -> None:
    """Connect a marketplace account. Credentials are shape-checked, sealed, and only ever shown masked."""
    from robnu.services import accounts as account_service
    from robnu.services.validation import validate_account

    code = check.code("marketplace", marketplace)
    display_name = check.text("display_name", display_name) if display_name is not None else None
    data = check.json_object_file("credentials_file", credentials_file) if credentials_file is not None else None
    rt = runtime(upgrade=True)
    adapter = rt.registry.get(code)
    if data is None:
        data = _prompt_credentials(adapter.satellite.credentials)
    account_id = account_service.connect_account(rt, seller_id, code, data, display_name=display_name)
    console.print(f"account {account_id} connected ({code})")
    if validate:
        outcome = validate_account(rt, account_id)
        console.print(f"validation: {outcome.status}" + (f" — {outcome.message}" if outcome.message else ""))
    _print_account(account_service.show_account(rt, account_id))


@accounts_app.command("list")
@handles_errors
def list_accounts(seller_id: Annotated[int | None, check.id_option("only this seller's accounts")] = None) -> None:
    """List connected accounts."""
    from robnu.services import accounts as account_service
    from robnu.services.lookup import require_seller

    rt = runtime(upgrade=True)
    require_seller(rt, seller_id)
    table = Table("id", "seller", "marketplace", "account", "name", "validation", "reconnect?")
    for a in account_service.list_accounts(rt, seller_id):
        table.add_row(
            str(a.id),
            str(a.seller_id),
            a.marketplace,
            a.external_account_id,
            a.display_name,
            a.last_validation_status,
            "yes" if a.needs_reconnect else "",
        )
    console.print(table)


@accounts_app.command("show")
@handles_errors
def show_account(account_id: Annotated[int, check.id_argument("the account")]) -> None:
    """One account, credentials masked."""
    from robnu.services import accounts as account_service

    _print_account(account_service.show_account(runtime(upgrade=True), account_id))


@accounts_app.command("validate")
@handles_errors
def validate(account_id: Annotated[int, check.id_argument("the account")]) -> None:
    """Check an account's credentials with a real call to its marketplace."""
    from robnu.services.validation import validate_account

    outcome = validate_account(runtime(upgrade=True), account_id)
    console.print(
        f"{outcome.status}"
        + (f" (HTTP {outcome.http_status} {outcome.code})" if outcome.code else "")
        + (f": {outcome.message}" if outcome.message else "")
    )


def _print_account(view: AccountView) -> None:
    table = Table(show_header=False)
    table.add_row("id", str(view.id))
    table.add_row("seller", str(view.seller_id))
    table.add_row("marketplace", view.marketplace)
    table.add_row("account", view.external_account_id)
    table.add_row("name", view.display_name)
    table.add_row("validation", view.last_validation_status + (" (reconnect needed)" if view.needs_reconnect else ""))
    for key, value in (view.credentials or {}).items():
        table.add_row(f"credentials.{key}", json.dumps(value) if isinstance(value, dict | list) else str(value))
    console.print(table)
