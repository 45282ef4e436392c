"""``robnu sandbox serve``: the four marketplace sandboxes on localhost."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from robnu.cli.common import console, handles_errors
from robnu.cli.validate import port_range, text
from robnu.domain.errors import InvalidInput

sandbox_app = typer.Typer(
    help="Robnu's marketplace sandboxes (simulators; never real marketplaces).", no_args_is_help=True
)


@sandbox_app.command("serve")
@handles_errors
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="first port; each app takes the next")] = 8101,
    seed: Annotated[int, typer.Option(min=0, max=2**32 - 1)] = 7,
    orders: Annotated[int, typer.Option(min=0, max=100_000, help="orders to generate for each demo account")] = 200,
    rate_scale: Annotated[
        float, typer.Option(min=0.001, max=1_000_000, help="1 = the marketplaces' published rate limits")
    ] = 1.0,
) -> None:
    """Start all four sandboxes and print each base URL and a ready-to-use set of credentials."""
    from robnu.sandbox.server import PortsInUse, check_ports, serve_forever
    from robnu.sandbox.world import SANDBOXES, SandboxWorld

    host = text("host", host, max_length=253)
    world = SandboxWorld(seed=seed, rate_scale=rate_scale)
    port_range("port", port, len(list(world.apps())))
    try:  # before any credentials are printed: a taken port is named, not an OSError after the banner
        check_ports(world, host, port)
    except PortsInUse as exc:
        raise InvalidInput("port", f"{exc}; stop what uses it or pass another --port") from None
    except OSError as exc:  # the host itself cannot be bound (not an address of this machine)
        raise InvalidInput("host", f"cannot listen on {host}: {exc.strerror or exc}") from None
    table = Table("marketplace", "endpoint", "base URL")
    for i, (code, name, _app) in enumerate(world.apps()):
        table.add_row(code, name, f"http://{host}:{port + i}")
    console.print(table)
    for code in SANDBOXES:
        creds = world[code].create_account()
        world[code].generate_orders(creds["account_key"], orders)
        console.print(f"[bold]{code}[/bold] credentials (sandbox only):")
        console.print_json(json.dumps(creds, default=str))
    console.print("control API: <base URL>/_sandbox/docs on each app. Ctrl-C stops.")
    try:
        serve_forever(world, host, port)
    except PortsInUse as exc:  # taken in the moment between the check and the start
        raise InvalidInput("port", f"{exc}; stop what uses it or pass another --port") from None
