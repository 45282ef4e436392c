"""``robnu storage migrate``, ``robnu journal prune``, ``robnu replay``: where documents and the raw-payload
journal live, and re-running mapping from what the marketplaces sent."""

from __future__ import annotations

from datetime import UTC, datetime
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


def _when(value: str | None, name: str) -> datetime | None:
    from robnu.domain.errors import InvalidInput

    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(name, f"{value!r} is not an ISO date-time (2026-11-20T06:00, read as UTC)") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@handles_errors
def replay_cmd(
    account: Annotated[int, typer.Argument(help="the marketplace account id")],
    run: Annotated[int | None, typer.Option("--run", help="replay this sync run")] = None,
    start: Annotated[str | None, typer.Option("--from", help="replay the runs journaled from (UTC)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="… up to (UTC)")] = None,
    into: Annotated[str | None, typer.Option("--into", help="write into this database URL (a scratch copy)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only print what would change")] = False,
    show: Annotated[int, typer.Option(help="changed rows to print")] = 50,
) -> None:
    """Re-run mapping and upserts from the raw-payload journal, without calling the marketplace."""
    from robnu.services.replay import replay
    from robnu.services.runtime import Runtime

    rt = runtime(upgrade=True)
    scratch = None
    if into is not None:
        scratch = Runtime.create(rt.settings.model_copy(update={"database_url": into}))
        scratch.upgrade_database()
    report = replay(
        rt, account, run_id=run, start=_when(start, "from"), end=_when(end, "to"), into=scratch, dry_run=dry_run
    )
    verb = "would change" if dry_run else "changed"
    for r in report.runs:
        console.print(
            f"run {r.run_id} {r.target}: {r.pages} page(s), {r.records} record(s), {r.quarantined} quarantined; "
            f"{len(r.changes)} row(s) {verb}"
        )
    for change in report.changes[:show]:
        fields = ", ".join(f"{c}: {old!r} -> {new!r}" for c, (old, new) in change.fields.items())
        console.print(f"  {change.kind} {change.table} {change.external_id}: {fields}", markup=False)
    if len(report.changes) > show:
        console.print(f"  … and {len(report.changes) - show} more")
    console.print(f"{len(report.changes)} row(s) {verb} in {report.into}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("replay")(replay_cmd)
    app.add_typer(storage_app, name="storage")
    app.add_typer(journal_app, name="journal")
