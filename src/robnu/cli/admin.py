"""``robnu db …``, ``robnu keys …`` and ``robnu marketplaces``."""

from __future__ import annotations

import typer
from rich.table import Table

from robnu.cli.common import console, handles_errors, runtime

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
    report = key_service.rotate(rt, add_key=rt.vault.ring.source is not None)
    console.print(
        f"active key {report.new_kid}; re-wrapped {report.rewrapped} secrets "
        f"(previously under: {report.by_previous_kid or 'none'})"
    )


@keys_app.command("status")
@handles_errors
def keys_status() -> None:
    """Key ids, which is active, and how many secrets each still wraps."""
    from robnu.services import keys as key_service

    rt = runtime(upgrade=True)
    used = key_service.keys_in_use(rt)
    table = Table("key id", "active", "secrets")
    for kid in rt.vault.ring.keys:
        table.add_row(kid, "yes" if kid == rt.vault.ring.active_kid else "", str(used.get(kid, 0)))
    console.print(table)


@keys_app.command("retire")
@handles_errors
def keys_retire(kid: str) -> None:
    """Remove an old key once no secret needs it."""
    from robnu.services import keys as key_service

    rt = runtime(upgrade=True)
    key_service.retire(rt, kid)
    console.print(f"key {kid} retired")


@handles_errors
def marketplaces() -> None:
    """The adapter registry: code, status, supported targets, satellite table."""
    rt = runtime(upgrade=True)
    table = Table("code", "name", "targets", "satellite table")
    for adapter in rt.registry.all():
        targets = ", ".join(sorted(adapter.supported_targets)) or "(none yet)"
        table.add_row(adapter.code, adapter.display_name, targets, adapter.satellite.table)
    console.print(table)
