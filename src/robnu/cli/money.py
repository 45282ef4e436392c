"""``robnu reconcile-payouts``, ``robnu adjustments …`` and ``robnu money …`` (rate-card rows, SKU profiles,
pickup place, bank statements, the taxonomy's statistics). See docs/reconciliation.md."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from robnu.cli.common import console, handles_errors, runtime

if TYPE_CHECKING:
    from robnu.services.reconciliation.batches import BatchSummary

IST = ZoneInfo("Asia/Kolkata")

adjustments_app = typer.Typer(
    help="Differences reconciliation found, their postures and audit trail.", no_args_is_help=True
)
money_app = typer.Typer(
    help="What reconciliation needs: rate-card rows, SKU profiles, pickup place, bank credits.", no_args_is_help=True
)


def _inr(amount: Any) -> str:
    from robnu.domain.money import rupees

    return rupees(amount)


@handles_errors
def reconcile_payouts(
    account_id: int,
    period: Annotated[str, typer.Option(help="the IST month of the payouts, e.g. 2026-11")],
    as_json: Annotated[bool, typer.Option("--json", help="print the batch as JSON")] = False,
    actor: Annotated[str, typer.Option(help="who runs it (audit trail)")] = "cli",
    resync: Annotated[bool, typer.Option(help="re-read the period's payouts first (a re-issued statement)")] = False,
) -> None:
    """Reconcile one period of an account's payouts: expected vs settled vs bank, and every difference found.

    Re-running a period makes the next run and shows what changed since the last one."""
    from robnu.services.reconciliation.batches import reconcile_period

    summary = reconcile_period(runtime(upgrade=True), account_id, period, actor=actor, resync=resync)
    if as_json:
        console.print_json(json.dumps(_as_dict(summary), default=str))
        return
    _print_batch(summary)


def headline(summary: BatchSummary) -> str:
    """'218 matched · 7 deltas · ₹1,348.00 recoverable'."""
    return f"{summary.matched} matched · {summary.deltas} deltas · {_inr(summary.recoverable_total)} recoverable"


def _as_dict(summary: BatchSummary) -> dict[str, Any]:
    return {
        "batch_id": summary.batch_id,
        "account_id": summary.account_id,
        "marketplace": summary.marketplace,
        "period": summary.period,
        "run": summary.run_no,
        "payouts": summary.payouts,
        "lines": summary.lines,
        "matched": summary.matched,
        "deltas": summary.deltas,
        "unverified": summary.unverified,
        "recoverable_total": str(summary.recoverable_total),
        "expected_total": str(summary.expected_total),
        "settled_total": str(summary.settled_total),
        "bank_total": str(summary.bank_total) if summary.bank_total is not None else None,
        "adjustments": [
            {
                "id": a.id,
                "reason_code": a.reason_code,
                "type": a.type,
                "order": a.order_external_id,
                "amount": str(a.amount),
                "posture": a.posture,
                "is_recoverable": a.is_recoverable,
                "status": a.status,
            }
            for a in summary.adjustments
        ],
        "three_way": [m.__dict__ for m in summary.three_way],
        "aging": summary.aging,
        "diff": summary.diff,
        "problems": summary.problems,
    }


def _print_batch(summary: BatchSummary) -> None:
    console.print(
        f"[bold]{summary.marketplace} account {summary.account_id} · {summary.period} · run {summary.run_no}[/bold]: "
        f"{headline(summary)}"
    )
    console.print(
        f"{summary.payouts} payouts, {summary.lines} lines; {summary.unverified} lines accepted unverified "
        f"(Robnu lacks the inputs to check them)"
    )
    if summary.adjustments:
        table = Table("id", "reason", "order", "owed", "posture", "status")
        for a in summary.adjustments:
            table.add_row(str(a.id), a.reason_code, a.order_external_id or "-", _inr(a.amount), a.posture, a.status)
        console.print(table)
    table = Table("payout", "settled on", "ledger", "settlement", "bank", "three-way")
    for m in summary.three_way:
        table.add_row(
            m.external_id[:24],
            m.settled_on.astimezone(IST).date().isoformat(),
            _inr(m.ledger),
            _inr(m.settlement),
            _inr(m.bank) if m.bank is not None else "-",
            m.status,
        )
    if summary.three_way:
        console.print(table)
    if summary.aging:
        from decimal import Decimal

        from robnu.domain.deductions import AGING_BUCKETS

        ages = [(label, summary.aging[label]) for _, _, label in AGING_BUCKETS if label in summary.aging]
        console.print(
            "open recoverable by age: "
            + ", ".join(f"{b} days: {v['count']} ({_inr(Decimal(v['amount']))})" for b, v in ages)
        )
    if summary.diff:
        d = summary.diff
        console.print(
            f"since run {d['previous_run']}: {len(d['new'])} new, {len(d['gone'])} corrected, "
            f"{len(d['changed'])} changed; {len(d['payout_versions'])} payout version(s) kept"
        )
    for problem in summary.problems[:10]:
        console.print(f"[yellow]not computed:[/yellow] {problem}")


# ------------------------------------------------------------------------------------------ adjustments
@adjustments_app.command("list")
@handles_errors
def adjustments_list(
    account: Annotated[int | None, typer.Option(help="only this account")] = None,
    seller: Annotated[int | None, typer.Option(help="only this seller")] = None,
    period: Annotated[str | None, typer.Option(help="only this period (YYYY-MM)")] = None,
    status: Annotated[str | None, typer.Option(help="OPEN, DISPUTED, RECOVERED, LOST, CLOSED, CORRECTED")] = None,
) -> None:
    """Adjustments with their reason, amount owed, posture and status."""
    from robnu.services.reconciliation.adjustments import list_adjustments

    rt = runtime(upgrade=True)
    with rt.sessions() as s:
        rows = list_adjustments(s, seller_id=seller, account_id=account, period=period, status=status)
        table = Table("id", "account", "period", "reason", "type", "order", "owed", "posture", "status")
        for a in rows:
            table.add_row(
                str(a.id),
                str(a.marketplace_account_id),
                a.period or "-",
                a.reason_code,
                a.type,
                a.order_external_id or "-",
                _inr(a.amount),
                a.posture,
                a.status,
            )
    console.print(table)


@adjustments_app.command("show")
@handles_errors
def adjustments_show(adjustment_id: int) -> None:
    """One adjustment: what was expected, what was paid, and its audit trail."""
    from robnu.services.reconciliation.adjustments import get_adjustment, history

    rt = runtime(upgrade=True)
    with rt.sessions() as s:
        a = get_adjustment(s, adjustment_id)
        console.print(
            f"[bold]adjustment {a.id}[/bold] {a.reason_code} ({a.type}) order {a.order_external_id or '-'}: "
            f"owed {_inr(a.amount)}; expected {a.expected_amount}, paid {a.actual_amount}; {a.posture}, {a.status}"
        )
        console.print(a.detail)
        for e in history(s, a.id):
            change = f"{e.from_value or ''} -> {e.to_value or ''}"
            console.print(f"  {e.at.isoformat()} {e.action} {change} by {e.actor}: {e.reason or ''}")


@adjustments_app.command("override")
@handles_errors
def adjustments_override(
    adjustment_id: int,
    posture: Annotated[str, typer.Argument(help="recoverable, accept_loss or hold")],
    reason: Annotated[str, typer.Option(help="why (kept in the audit trail)")],
    actor: Annotated[str, typer.Option(help="who decides")] = "cli",
) -> None:
    """Override the posture of one adjustment (its reason's default stays as it is)."""
    from robnu.services.reconciliation.adjustments import override_posture

    rt = runtime(upgrade=True)
    with rt.session() as s:
        a = override_posture(s, adjustment_id, posture, reason=reason, actor=actor, now=rt.clock.now())
        console.print(f"adjustment {a.id}: {a.posture} ({a.status})")


# ------------------------------------------------------------------------------------------ money set-up
@money_app.command("stats")
@handles_errors
def money_stats(seller_id: int) -> None:
    """The taxonomy per reason: differences found, claims won and lost, and the posture the outcomes suggest."""
    from robnu.services.reconciliation.adjustments import taxonomy_stats

    rt = runtime(upgrade=True)
    with rt.sessions() as s:
        stats = taxonomy_stats(s, seller_id)
    table = Table("reason", "default", "found", "amount", "overridden", "won", "lost", "recovered", "suggests")
    for r in stats:
        if not (r.found or r.claims_won or r.claims_lost):
            continue
        table.add_row(
            r.code.value,
            r.default_posture.value,
            str(r.found),
            _inr(r.amount),
            str(r.overridden),
            str(r.claims_won),
            str(r.claims_lost),
            _inr(r.recovered),
            r.suggested_posture.value,
        )
    console.print(table)


@money_app.command("profiles")
@handles_errors
def money_profiles(
    account_id: int, file: Annotated[Path, typer.Argument(help="CSV: sku,fee_category,tax_class,weight_grams,…")]
) -> None:
    """Load the seller's SKU profiles for an account (fee category, GST tax class, packed weight and box)."""
    from robnu.services.reconciliation.batches import account_and_code
    from robnu.services.reconciliation.profiles import read_profiles_csv, set_profiles

    rt = runtime(upgrade=True)
    profiles = read_profiles_csv(file.read_text(encoding="utf-8"), file.name)
    with rt.session() as s:
        account, _ = account_and_code(s, account_id)
        n = set_profiles(s, account, profiles, rt.clock.now())
    console.print(f"{n} SKU profiles stored for account {account_id}")


@money_app.command("settings")
@handles_errors
def money_settings(
    account_id: int,
    pickup_pincode: Annotated[str | None, typer.Option(help="where parcels leave from")] = None,
    pickup_city: Annotated[str | None, typer.Option()] = None,
    pickup_state: Annotated[str | None, typer.Option(help="GST state code, when the pincode cannot tell")] = None,
    claim_window_days: Annotated[int | None, typer.Option(help="days from a return's creation to claim it")] = None,
    option: Annotated[
        list[str] | None, typer.Option(help="contract option key=true|false, e.g. returns_assurance=true")
    ] = None,
) -> None:
    """The account's pickup place (zones, intra-state TCS), claim window and contract options."""
    from robnu.domain.errors import InvalidInput
    from robnu.services.reconciliation.batches import account_and_code
    from robnu.services.reconciliation.profiles import set_settings

    options: dict[str, bool] | None = None
    if option:
        options = {}
        for text in option:
            key, sep, value = text.partition("=")
            if not sep or value.lower() not in ("true", "false"):
                raise InvalidInput("option", f"{text!r} is not key=true or key=false")
            options[key.strip()] = value.lower() == "true"
    rt = runtime(upgrade=True)
    with rt.session() as s:
        account, _ = account_and_code(s, account_id)
        row = set_settings(
            s,
            account,
            rt.clock.now(),
            pickup_pincode=pickup_pincode,
            pickup_city=pickup_city,
            pickup_state_code=pickup_state,
            claim_window_days=claim_window_days,
            options=options,
        )
        console.print(
            f"account {account_id}: pickup {row.pickup_city or '-'} {row.pickup_pincode or '-'} "
            f"(state {row.pickup_state_code or '-'}), claim window {row.claim_window_days or 'card default'} days, "
            f"options {row.options}"
        )


@money_app.command("bank-import")
@handles_errors
def money_bank_import(
    seller_id: int,
    file: Annotated[Path, typer.Argument(help="a bank statement CSV (date, credit, reference, narration columns)")],
) -> None:
    """Import a bank statement's credits and match them to payouts (the third leg of the three-way match)."""
    from robnu.services.reconciliation.bank import import_statement

    rt = runtime(upgrade=True)
    with rt.session() as s:
        r = import_statement(s, seller_id, file.read_text(encoding="utf-8-sig"), file.name, rt.clock.now())
    console.print(
        f"{r.read} rows read, {r.imported} credits imported ({r.duplicates} already known), {r.matched} matched"
    )


@money_app.command("fee-rules")
@handles_errors
def money_fee_rules(account_id: int, fee: Annotated[str | None, typer.Option(help="only this fee")] = None) -> None:
    """The rate card reconciliation applies to an account: the published rows and the seller's own."""
    from robnu.services.reconciliation.batches import account_and_code
    from robnu.services.reconciliation.rates import account_card

    rt = runtime(upgrade=True)
    with rt.sessions() as s:
        account, code = account_and_code(s, account_id)
        card = account_card(s, account, code)
    table = Table(
        "fee", "from", "to", "category", "payment", "zone", "band", "rate %", "amount", "min", "max", "slab", "source"
    )
    for r in card.rules:
        if fee and r.fee != fee.upper():
            continue
        band = "" if r.band_min is None and r.band_max is None else f"{r.band_min or 0}-{r.band_max or ''}"
        slab = f"{r.slab_grams} g +{r.extra_amount}" if r.slab_grams else ""
        table.add_row(
            r.fee,
            str(r.valid_from),
            str(r.valid_to or ""),
            r.category or "",
            r.payment or "",
            r.zone or "",
            band,
            str(r.rate_percent or ""),
            str(r.amount if r.amount is not None else ""),
            str(r.minimum or ""),
            str(r.maximum or ""),
            slab,
            r.source,
        )
    console.print(table)


@money_app.command("add-fee-rule")
@handles_errors
def money_add_fee_rule(
    account_id: int,
    fee: Annotated[str, typer.Option()],
    valid_from: Annotated[str, typer.Option(help="first day, YYYY-MM-DD")],
    valid_to: Annotated[str | None, typer.Option(help="last day (open when left out)")] = None,
    category: Annotated[str | None, typer.Option()] = None,
    payment: Annotated[str | None, typer.Option(help="COD or PREPAID")] = None,
    zone: Annotated[str | None, typer.Option(help="local, zonal or national")] = None,
    band_min: Annotated[str | None, typer.Option()] = None,
    band_max: Annotated[str | None, typer.Option()] = None,
    rate_percent: Annotated[str | None, typer.Option()] = None,
    amount: Annotated[str | None, typer.Option()] = None,
    minimum: Annotated[str | None, typer.Option()] = None,
    maximum: Annotated[str | None, typer.Option()] = None,
    slab_grams: Annotated[str | None, typer.Option()] = None,
    extra_amount: Annotated[str | None, typer.Option()] = None,
    note: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Add one of the seller's own rate-card rows (a negotiated rate); it wins over the published card."""
    given = {
        "fee": fee,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "category": category,
        "payment": payment,
        "zone": zone,
        "band_min": band_min,
        "band_max": band_max,
        "rate_percent": rate_percent,
        "amount": amount,
        "minimum": minimum,
        "maximum": maximum,
        "slab_grams": slab_grams,
        "extra_amount": extra_amount,
        "note": note,
    }
    values = {k: v for k, v in given.items() if v is not None}
    from robnu.services.reconciliation.batches import account_and_code
    from robnu.services.reconciliation.rates import add_account_rule

    rt = runtime(upgrade=True)
    with rt.session() as s:
        account, code = account_and_code(s, account_id)
        row = add_account_rule(s, account, code, values, rt.clock.now())
        console.print(f"rule {row.id}: {row.fee} from {row.valid_from}")


@money_app.command("close-fee-rule")
@handles_errors
def money_close_fee_rule(
    account_id: int, rule_id: int, last_day: Annotated[str, typer.Option(help="last day it applies, YYYY-MM-DD")]
) -> None:
    """End one of the seller's own rows (add the new rate as a new row from the next day)."""
    from robnu.domain.errors import InvalidInput
    from robnu.services.reconciliation.batches import account_and_code
    from robnu.services.reconciliation.rates import close_account_rule

    try:
        day = date.fromisoformat(last_day)
    except ValueError:
        raise InvalidInput("last_day", f"{last_day!r} is not a date like 2026-11-30") from None
    rt = runtime(upgrade=True)
    with rt.session() as s:
        account, _ = account_and_code(s, account_id)
        close_account_rule(s, account, rule_id, day)
    console.print(f"rule {rule_id} ends on {day}")


def register(app: typer.Typer) -> None:
    """Add the money commands to the ``robnu`` app."""
    app.command("reconcile-payouts")(reconcile_payouts)
    app.add_typer(adjustments_app, name="adjustments")
    app.add_typer(money_app, name="money")
