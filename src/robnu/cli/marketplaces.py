"""``robnu marketplaces`` (the adapter registry) and ``robnu marketplaces scaffold`` (a new plug-in package)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from robnu.cli.common import console, handles_errors, runtime

marketplaces_app = typer.Typer(
    help="The marketplace registry; `scaffold` writes a new marketplace plug-in package.",
    invoke_without_command=True,
)


@marketplaces_app.callback()
@handles_errors
def marketplaces(ctx: typer.Context) -> None:
    """The adapter registry: code, name, status, supported targets, satellite table."""
    if ctx.invoked_subcommand is not None:
        return
    from sqlalchemy import select

    from robnu.db.models import Marketplace

    rt = runtime(upgrade=True)
    with rt.sessions() as s:
        status = dict(s.execute(select(Marketplace.code, Marketplace.status)).tuples().all())
    table = Table("code", "name", "status", "targets", "satellite table")
    for adapter in rt.registry.all():
        targets = ", ".join(sorted(adapter.supported_targets)) or "(none yet)"
        state = status.get(adapter.code, "no row: run `robnu db upgrade`")
        table.add_row(adapter.code, adapter.display_name, state, targets, adapter.satellite.table)
    console.print(table)


@marketplaces_app.command("scaffold")
@handles_errors
def scaffold(
    code: Annotated[str, typer.Argument(help="the marketplace's code, e.g. KIRANA_HUB")],
    name: Annotated[str, typer.Option("--name", help='its display name, e.g. "Kirana Hub"')],
    package: Annotated[Path, typer.Option("--package", help="the directory to write the package into (new or empty)")],
) -> None:
    """Write a ready-to-edit plug-in package: adapter, typed credentials, satellite on Robnu's base, its migration
    branch, a sandbox with a fake marketplace, a conformance profile, tests, and pyproject.toml with the entry
    points. It installs with `pip install -e PATH` and passes its own tests before any edit."""
    from robnu.scaffold import scaffold as write

    written = write(code, name, package)
    console.print(f"wrote {len(written)} files to {package}:")
    for path in written:
        console.print(f"  {path.relative_to(package)}")
    console.print(f"next: pip install -e {package} && python -m pytest {package}   (guide: docs/adapters/authoring.md)")
