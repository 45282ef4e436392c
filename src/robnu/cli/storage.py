"""``robnu storage migrate``, ``robnu journal prune``, ``robnu replay``: where documents and the raw-payload
journal live, and re-running mapping from what the marketplaces sent."""

from __future__ import annotations

from typing import Annotated

import typer

from robnu.cli.common import console, err_console, handles_errors, runtime
from robnu.cli.exits import ExitCode

storage_app = typer.Typer(help="Where documents and the raw-payload journal are stored.", no_args_is_help=True)


@storage_app.command("migrate")
@handles_errors
def storage_migrate(
    to: Annotated[str, typer.Option("--to", help="the target, e.g. s3://bucket?endpoint=http://…&region=…")],
) -> None:
    """Copy every stored object to another backend, verifying each copy by its sha256 (safe to re-run)."""
    from robnu.services.storage_migrate import migrate_objects

    rt = runtime(upgrade=True)
    report = migrate_objects(rt, to)
    console.print(f"{report.target}: {report.copied} copied, {report.already_there} already there (verified)")
    for line in report.failed:
        err_console.print(f"failed: {line}")
    if not report.ok:
        raise typer.Exit(ExitCode.RUN_FAILED)
    console.print(f"set ROBNU_STORAGE_URL={to} so that new objects go there too")


journal_app = typer.Typer(help="The raw-payload journal of every page the marketplaces sent.", no_args_is_help=True)


@journal_app.command("prune")
@handles_errors
def journal_prune(
    days: Annotated[int | None, typer.Option(help="days to keep (default: ROBNU_JOURNAL_RETENTION_DAYS)")] = None,
) -> None:
    """Delete journal hours older than the retention."""
    from robnu.domain.errors import InvalidInput
    from robnu.services.journal import prune

    if days is not None and days < 1:
        raise InvalidInput("days", "must be at least 1")
    rt = runtime(upgrade=True)
    console.print(f"{prune(rt, keep_days=days)} journal hour(s) deleted")


def register(app: typer.Typer) -> None:
    app.add_typer(storage_app, name="storage")
    app.add_typer(journal_app, name="journal")
