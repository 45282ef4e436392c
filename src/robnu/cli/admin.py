"""``robnu db …`` and ``robnu keys …``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from robnu.cli import validate as check
from robnu.cli.common import console, handles_errors, runtime
from robnu.domain.errors import KeyRingError

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="Master keys for the credential vault.", no_args_is_help=True)


@db_app.command("upgrade")
@handles_errors
def db_upgrade() -> None:
    """Apply every pending migration (core, satellites, and any third-party marketplace's)."""
    from robnu import migrations

    rt = runtime()
    rt.upgrade_database()
    console.print(f"database at {', '.join(sorted(migrations.current_heads(rt.engine)))}")


@db_app.command("status")
@handles_errors
def db_status() -> None:
    from robnu import migrations

    rt = runtime()
    heads = migrations.current_heads(rt.engine)
    state = "pending migrations" if migrations.pending(rt.engine) else "up to date"
    console.print(f"{', '.join(sorted(heads)) or 'empty'} ({state})")


@keys_app.command("rotate")
@handles_errors
def keys_rotate() -> None:
    """Add a new master key and re-wrap every stored secret under it (no downtime)."""
    from robnu.services import keys as key_service

    rt = runtime(upgrade=True)
    report = key_service.rotate(rt, add_key=rt.vault.ring.writable)
    console.print(
        f"active key {report.new_kid}; re-wrapped {report.rewrapped} secrets "
        f"(previously under: {report.by_previous_kid or 'none'})"
    )


@keys_app.command("status")
@handles_errors
def keys_status() -> None:
    """Every key id the ring has or a stored secret names: in the ring?, active?, how many secrets it wraps.

    Exits 4 when some stored secret names a key the ring does not have (or the ring cannot be opened)."""
    from robnu.services import keys as key_service

    rt = runtime(upgrade=True)
    state = key_service.status(rt)
    table = Table("key id", "in ring", "active", "secrets", title=f"keys: {state.source}")
    for k in state.keys:
        table.add_row(k.kid, "yes" if k.in_ring else "[red]MISSING[/red]", "yes" if k.active else "", str(k.secrets))
    console.print(table)
    if state.ring_error:
        raise KeyRingError(state.ring_error)
    if state.unreadable:
        missing = ", ".join(k.kid for k in state.keys if not k.in_ring)
        raise KeyRingError(
            f"{state.unreadable} stored secrets are sealed under keys the ring does not have ({missing}): "
            "restore those keys, or reconnect the accounts that use them"
        )


@keys_app.command("init")
@handles_errors
def keys_init(
    yes: Annotated[
        bool, typer.Option("--yes", help="create it even though the database holds secrets sealed under other keys")
    ] = False,
) -> None:
    """Create a new master key ring where none exists (a new, empty database creates one by itself)."""
    from robnu.adapters.registry import registry
    from robnu.services.key_setup import init_ring

    rt = runtime(upgrade=True)
    ring = init_ring(rt.settings, rt.engine, registry, orphan_secrets=yes)
    console.print(f"created {ring.description} with key {ring.active_kid}: back it up with the database")


@keys_app.command("retire")
@handles_errors
def keys_retire(kid: Annotated[str, typer.Argument(help="the key id (see `robnu keys status`)")]) -> None:
    """Remove an old key once no secret needs it."""
    from robnu.services import keys as key_service

    kid = check.text("kid", kid, max_length=64)
    rt = runtime(upgrade=True)
    key_service.retire(rt, kid)
    console.print(f"key {kid} retired")
