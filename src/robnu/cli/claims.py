"""``robnu claims …`` (disputes with their evidence packets) and ``robnu returns …`` (the receive scan)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from robnu.cli.common import console, handles_errors, runtime

claims_app = typer.Typer(help="Disputes with the marketplaces: file, follow, resolve.", no_args_is_help=True)
returns_app = typer.Typer(help="Returns after the sync: the receive scan and their history.", no_args_is_help=True)


def _inr(amount: object) -> str:
    from decimal import Decimal

    from robnu.domain.money import rupees

    return rupees(Decimal(str(amount)))


@claims_app.command("list")
@handles_errors
def claims_list(
    seller: Annotated[int | None, typer.Option(help="only this seller")] = None,
    account: Annotated[int | None, typer.Option(help="only this account")] = None,
    status: Annotated[
        str | None, typer.Option(help="pending, filed, acknowledged, resolved_won, resolved_lost, cancelled")
    ] = None,
) -> None:
    """Claims with their status, reason and amounts."""
    from robnu.services.claims.claims import list_claims

    rt = runtime(upgrade=True)
    with rt.sessions() as s:
        rows = list_claims(s, seller_id=seller, account_id=account, status=status)
        table = Table("claim", "account", "status", "reason", "claimed", "recovered", "adjustment", "return", "filed")
        for c in rows:
            table.add_row(
                c.reference + (" *" if c.needs_evidence else ""),
                str(c.marketplace_account_id),
                c.status,
                c.reason_code,
                _inr(c.amount_claimed),
                _inr(c.amount_recovered) if c.amount_recovered is not None else "-",
                str(c.adjustment_id or "-"),
                str(c.return_id or "-"),
                c.filed_at.date().isoformat() if c.filed_at else "-",
            )
    console.print(table)
    if any(c.needs_evidence for c in rows):
        console.print("* new evidence came in (a late receive scan): update the claim with the marketplace")


@claims_app.command("show")
@handles_errors
def claims_show(claim: Annotated[str, typer.Argument(help="claim id or reference (CLM-000042)")]) -> None:
    """One claim with its events and evidence."""
    from robnu.services.claims.claims import claim_events, get_claim
    from robnu.services.claims.evidence import latest_packet

    rt = runtime(upgrade=True)
    with rt.sessions() as s:
        c = get_claim(s, claim)
        console.print(
            f"[bold]{c.reference}[/bold] {c.status} · {c.reason_code} · claimed {_inr(c.amount_claimed)}"
            + (f" · recovered {_inr(c.amount_recovered)}" if c.amount_recovered is not None else "")
        )
        for e in claim_events(s, c.id):
            move = f"{e.from_status or '-'} -> {e.to_status}"
            console.print(f"  {e.at.isoformat()} {e.action}: {move} by {e.actor}  {e.reason or ''}")
        packet = latest_packet(s, c.id)
        console.print(
            f"evidence packet: {packet.storage_key} ({packet.size_bytes} bytes)" if packet else "no evidence packet yet"
        )


@claims_app.command("file")
@handles_errors
def claims_file(
    adjustment: Annotated[int | None, typer.Option(help="dispute this recoverable adjustment")] = None,
    claim: Annotated[str | None, typer.Option(help="file this pending claim (e.g. one the sweeper raised)")] = None,
    marketplace_ref: Annotated[str | None, typer.Option(help="the marketplace's ticket number")] = None,
    actor: Annotated[str, typer.Option(help="who files it (audit trail)")] = "cli",
) -> None:
    """File a dispute: from a recoverable adjustment (one action; the evidence packet assembles itself) or a
    pending claim."""
    from robnu.domain.errors import InvalidInput
    from robnu.services.claims.claims import Actor
    from robnu.services.claims.disputes import file_claim, file_dispute, storage_for

    if (adjustment is None) == (claim is None):
        raise InvalidInput("adjustment", "give either --adjustment or --claim")
    rt = runtime(upgrade=True)
    who = Actor(actor)
    with rt.session() as s:
        if adjustment is not None:
            c = file_dispute(
                s, storage_for(rt), adjustment, actor=who, now=rt.clock.now(), marketplace_ref=marketplace_ref
            )
        else:
            assert claim is not None
            c = file_claim(s, storage_for(rt), claim, actor=who, now=rt.clock.now(), marketplace_ref=marketplace_ref)
        console.print(f"{c.reference} {c.status}: {c.reason_code}, claimed {_inr(c.amount_claimed)}")


@claims_app.command("acknowledge")
@handles_errors
def claims_acknowledge(
    claim: str,
    marketplace_ref: Annotated[str | None, typer.Option(help="the marketplace's ticket number")] = None,
    actor: Annotated[str, typer.Option()] = "cli",
) -> None:
    """The marketplace acknowledged the claim."""
    _move(claim, "acknowledge", actor, marketplace_ref=marketplace_ref)


@claims_app.command("resolve")
@handles_errors
def claims_resolve(
    claim: str,
    outcome: Annotated[str, typer.Argument(help="won or lost")],
    amount: Annotated[str | None, typer.Option(help="recovered (won; default: the amount claimed)")] = None,
    reason: Annotated[str | None, typer.Option(help="why (kept with the claim's events)")] = None,
    actor: Annotated[str, typer.Option()] = "cli",
) -> None:
    """Resolve a claim: won writes the recovery back to its payout; lost feeds the taxonomy's statistics."""
    from robnu.services.claims.claims import Actor, parse_amount
    from robnu.services.claims.disputes import resolve

    rt = runtime(upgrade=True)
    with rt.session() as s:
        c = resolve(
            s, claim, outcome, actor=Actor(actor), now=rt.clock.now(), amount=parse_amount(amount), reason=reason
        )
        recovered = f", recovered {_inr(c.amount_recovered)}" if c.amount_recovered else ""
        console.print(f"{c.reference} {c.status}{recovered}")


@claims_app.command("cancel")
@handles_errors
def claims_cancel(
    claim: str, reason: Annotated[str, typer.Option()], actor: Annotated[str, typer.Option()] = "cli"
) -> None:
    """Withdraw an open claim."""
    _move(claim, "cancel", actor, reason=reason)


@claims_app.command("reopen")
@handles_errors
def claims_reopen(
    claim: str, reason: Annotated[str, typer.Option()], actor: Annotated[str, typer.Option()] = "cli"
) -> None:
    """Reopen a lost or cancelled claim (back to pending)."""
    _move(claim, "reopen", actor, reason=reason)


def _move(
    claim: str, action: str, actor: str, *, reason: str | None = None, marketplace_ref: str | None = None
) -> None:
    from robnu.domain.claims import ClaimAction
    from robnu.services.claims.claims import Actor, get_claim, transition

    rt = runtime(upgrade=True)
    with rt.session() as s:
        c = transition(
            s,
            get_claim(s, claim),
            ClaimAction(action),
            actor=Actor(actor),
            now=rt.clock.now(),
            reason=reason,
            marketplace_ref=marketplace_ref,
        )
        console.print(f"{c.reference} {c.status}")


@claims_app.command("evidence")
@handles_errors
def claims_evidence(claim: str, out: Annotated[Path, typer.Option(help="where to write the ZIP")]) -> None:
    """Download a claim's latest evidence packet (a ZIP: summary PDF, documents, AWB trail, SLA history, scans)."""
    from robnu.domain.errors import NotFound
    from robnu.services.claims.claims import get_claim
    from robnu.services.claims.disputes import storage_for
    from robnu.services.claims.evidence import latest_packet
    from robnu.services.documents import read_document

    rt = runtime(upgrade=True)
    with rt.sessions() as s:
        c = get_claim(s, claim)
        packet = latest_packet(s, c.id)
        if packet is None:
            raise NotFound(f"{c.reference} has no evidence packet yet: file it first")
        out.write_bytes(read_document(s, storage_for(rt), packet))
    console.print(f"{out} ({packet.size_bytes} bytes)")


@claims_app.command("sweep")
@handles_errors
def claims_sweep(account: Annotated[int | None, typer.Option(help="only this account")] = None) -> None:
    """Run the claim sweeper now (it runs daily at 02:00 IST on the CLAIM_SWEEPER schedule)."""
    from robnu.services.claims.sweeper import sweep_claims

    r = sweep_claims(runtime(upgrade=True), account_id=account)
    if r.disabled:
        console.print("the claim sweeper is disabled (ROBNU_ENABLE_CLAIM_SWEEPER=false)")
        return
    console.print(f"{r.dated} claim dates set, {r.promoted} returns now claim_pending: {', '.join(r.claims) or '-'}")


# ----------------------------------------------------------------------------------------------- returns
@returns_app.command("scan")
@handles_errors
def returns_scan(
    code: Annotated[
        str, typer.Argument(help="what the scanner read: AWB, return id, tracking number, order or shipment id")
    ],
    seller: Annotated[int, typer.Option(help="the seller whose returns are scanned")],
    mode: Annotated[str, typer.Option(help="auto, scan, order, return, shipment or payout")] = "auto",
    damage: Annotated[str | None, typer.Option(help="damage note: the return is still received")] = None,
    warehouse: Annotated[str | None, typer.Option()] = None,
    actor: Annotated[str, typer.Option(help="who scans")] = "cli",
) -> None:
    """Receive a return by scanning it. A repeat scan changes nothing (it is recorded)."""
    from robnu.services.claims.claims import Actor
    from robnu.services.claims.disputes import storage_for
    from robnu.services.returns.scan import scan

    rt = runtime(upgrade=True)
    with rt.session() as s:
        r = scan(
            s,
            storage_for(rt),
            seller,
            code,
            actor=Actor(actor),
            now=rt.clock.now(),
            mode=mode,
            damage_note=damage,
            warehouse=warehouse,
        )
    style = "green" if r.first else "yellow"
    console.print(f"[{style}]{r.message}[/{style}] (matched on {r.matched_on})")


@returns_app.command("resolve")
@handles_errors
def returns_resolve(
    code: str,
    seller: Annotated[int, typer.Option()],
    mode: Annotated[str, typer.Option(help="auto, scan, order, return, shipment or payout")] = "auto",
) -> None:
    """Preview what a scan of CODE would receive, without receiving it."""
    from robnu.services.returns.scan import resolve

    rt = runtime(upgrade=True)
    with rt.sessions() as s:
        matched_on, found = resolve(s, seller, code, mode)
        if not found:
            console.print(f"nothing matches {code!r}")
            return
        table = Table("return", "kind", "order", "status", "internal", "claim due", "received")
        for r in found:
            table.add_row(
                r.external_id,
                r.kind,
                r.order_external_id,
                r.raw_status,
                r.internal_status,
                r.claim_due_at.date().isoformat() if r.claim_due_at else "-",
                r.received_at.isoformat() if r.received_at else "-",
            )
    console.print(f"matched on {matched_on}")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(claims_app, name="claims")
    app.add_typer(returns_app, name="returns")
