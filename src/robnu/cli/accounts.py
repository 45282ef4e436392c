"""``robnu sellers …`` and ``robnu accounts …``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from robnu.cli.common import console, handles_errors, runtime
from robnu.domain.errors import InvalidInput

if TYPE_CHECKING:
    from pydantic import BaseModel

    from robnu.services.accounts import AccountView

sellers_app = typer.Typer(help="Sellers (tenants).", no_args_is_help=True)
accounts_app = typer.Typer(help="Marketplace accounts and their credentials.", no_args_is_help=True)


@sellers_app.command("create")
@handles_errors
def create_seller(
    name: str,
    plan: Annotated[str, typer.Option(help="FREE, GROWTH or ENTERPRISE")] = "FREE",
    owner_email: Annotated[str | None, typer.Option(help="creates the OWNER user")] = None,
) -> None:
    """Create a seller."""
    from robnu.services import accounts as account_service

    rt = runtime(upgrade=True)
    seller_id = account_service.create_seller(rt, name, plan=plan.upper(), owner_email=owner_email)
    console.print(f"seller {seller_id} created")


@sellers_app.command("plan")
@handles_errors
def change_plan(seller_id: int, plan: Annotated[str, typer.Argument(help="FREE, GROWTH or ENTERPRISE")]) -> None:
    """Change a seller's plan; orders held for the free tier are processed by the next run."""
    from robnu.services import accounts as account_service

    account_service.change_plan(runtime(upgrade=True), seller_id, plan)
    console.print(f"seller {seller_id} is on {plan.upper()}")


def _prompt_credentials(model: type[BaseModel]) -> dict[str, Any]:
    """Ask for each field; secrets are read without echo; nested blobs as JSON."""
    from pydantic import BaseModel, SecretStr

    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        hidden = annotation in (SecretStr, SecretStr | None)
        required = info.is_required()
        label = f"{name}{'' if required else ' (optional, Enter to skip)'}"
        value = typer.prompt(label, hide_input=hidden, default="" if not required else None, show_default=False)
        if value == "" and not required:
            continue
        is_blob = (isinstance(annotation, type) and issubclass(annotation, BaseModel)) or annotation in (list[str],)
        if is_blob:
            try:
                data[name] = json.loads(value)
            except json.JSONDecodeError:
                raise InvalidInput(name, "must be JSON") from None
        else:
            data[name] = value
    return data


@accounts_app.command("add")
@handles_errors
def add_account(
    seller_id: int,
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

    rt = runtime(upgrade=True)
    code = marketplace.upper()
    adapter = rt.registry.get(code)
    if credentials_file is None:
        data = _prompt_credentials(adapter.satellite.credentials)
    else:
        text = sys.stdin.read() if str(credentials_file) == "-" else credentials_file.read_text()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput("credentials_file", f"is not valid JSON (line {exc.lineno})") from None
        if not isinstance(data, dict):
            raise InvalidInput("credentials_file", "must hold a JSON object")
    account_id = account_service.connect_account(rt, seller_id, code, data, display_name=display_name)
    console.print(f"account {account_id} connected ({code})")
    if validate:
        outcome = validate_account(rt, account_id)
        console.print(f"validation: {outcome.status}" + (f" — {outcome.message}" if outcome.message else ""))
    _print_account(account_service.show_account(rt, account_id))


@accounts_app.command("list")
@handles_errors
def list_accounts(seller_id: Annotated[int | None, typer.Option()] = None) -> None:
    """List connected accounts."""
    from robnu.services import accounts as account_service

    rt = runtime(upgrade=True)
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
def show_account(account_id: int) -> None:
    """One account, credentials masked."""
    from robnu.services import accounts as account_service

    _print_account(account_service.show_account(runtime(upgrade=True), account_id))


@accounts_app.command("validate")
@handles_errors
def validate(account_id: int) -> None:
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
