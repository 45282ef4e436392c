"""Run reports: what one scheduled run synced, processed, held and what failed.

Stored in ``run_reports`` for the dashboard, readable with ``robnu reports``, and emailed to the
seller's users when SMTP is configured (``ROBNU_SMTP_HOST`` …). Never holds a secret: errors are
redacted before they are stored or sent.
"""

from __future__ import annotations

import json
import logging
import smtplib
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from enum import StrEnum
from typing import Any

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select

from robnu.db.models import Marketplace, MarketplaceAccount, RunReport, User
from robnu.db.tenancy_models import SellerUser
from robnu.domain.clock import IST
from robnu.domain.errors import NotFound
from robnu.domain.marketplace import ScheduleTarget
from robnu.security.redaction import redact
from robnu.services.runtime import Runtime

log = logging.getLogger(__name__)


class RunOutcome(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    PARTIAL = "PARTIAL"  # finished; some records quarantined or held
    RETRYING = "RETRYING"  # a transient failure: the run will be tried again with backoff
    FAILED = "FAILED"  # gave up (retry budget spent, or a failure a retry cannot fix)
    AUTH_FAILED = "AUTH_FAILED"  # credentials refused: the account's schedules are paused
    SKIPPED = "SKIPPED"  # nothing to do now (account needs reconnect, schedule paused)
    UNSUPPORTED = "UNSUPPORTED"  # the adapter does not support this target yet


FINAL_OUTCOMES = frozenset(RunOutcome) - {RunOutcome.RETRYING}


class SmtpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROBNU_SMTP_", env_file=".env", extra="ignore")

    host: str | None = None
    port: int = 587
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = True
    sender: str = "robnu@localhost"
    # Which outcomes are mailed: by default the seller hears about scheduled processing, failures, SLA
    # alerts and new payout differences (a watchdog or reconciliation run is mailed only when it found
    # something; see ``should_email``).
    notify: str = "FULL_PROCESSING,SLA_WATCHDOG,RECONCILIATION,FAILED,AUTH_FAILED"


@dataclass
class ReportData:
    account_id: int
    seller_id: int
    target: str
    outcome: RunOutcome
    started_at: datetime
    finished_at: datetime
    schedule_id: int | None = None
    sync_run_id: int | None = None
    trigger: str = "SCHEDULED"
    backend: str = "LOCAL"
    attempt: int = 1
    worker: str | None = None
    synced: int = 0
    processed: int = 0
    held: int = 0
    failed: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    duration_ms: int | None = None  # measured on a monotonic clock; default: finished - started


def save_report(rt: Runtime, data: ReportData) -> int:
    with rt.session() as s:
        row = RunReport(
            seller_id=data.seller_id,
            marketplace_account_id=data.account_id,
            schedule_id=data.schedule_id,
            sync_run_id=data.sync_run_id,
            target=data.target,
            trigger=data.trigger,
            backend=data.backend,
            status=data.outcome,
            attempt=data.attempt,
            worker=(data.worker or "")[:100] or None,
            started_at=data.started_at,
            finished_at=data.finished_at,
            duration_ms=data.duration_ms
            if data.duration_ms is not None
            else int((data.finished_at - data.started_at).total_seconds() * 1000),
            synced=data.synced,
            processed=data.processed,
            held=data.held,
            failed=data.failed,
            details=json.dumps(data.details, default=str, sort_keys=True),
            error=redact(data.error)[:1000] if data.error else None,
        )
        s.add(row)
        s.flush()
        return row.id


@dataclass(frozen=True)
class ReportView:
    id: int
    account_id: int
    marketplace: str
    target: str
    status: str
    trigger: str
    attempt: int
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    synced: int
    processed: int
    held: int
    failed: int
    details: dict[str, Any]
    error: str | None
    worker: str | None
    emailed_at: datetime | None


def _view(r: RunReport, code: str) -> ReportView:
    return ReportView(
        r.id,
        r.marketplace_account_id,
        code,
        r.target,
        r.status,
        r.trigger,
        r.attempt,
        r.started_at,
        r.finished_at,
        r.duration_ms,
        r.synced,
        r.processed,
        r.held,
        r.failed,
        json.loads(r.details or "{}"),
        r.error,
        r.worker,
        r.emailed_at,
    )


def _base_query() -> Any:
    return (
        select(RunReport, Marketplace.code)
        .join(MarketplaceAccount, MarketplaceAccount.id == RunReport.marketplace_account_id)
        .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
    )


def list_reports(
    rt: Runtime,
    *,
    account_id: int | None = None,
    seller_id: int | None = None,
    target: str | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[ReportView]:
    q = _base_query().order_by(RunReport.started_at.desc(), RunReport.id.desc()).limit(limit)
    if account_id is not None:
        q = q.where(RunReport.marketplace_account_id == account_id)
    if seller_id is not None:
        q = q.where(RunReport.seller_id == seller_id)
    if target:
        q = q.where(RunReport.target == target.upper())
    if status:
        q = q.where(RunReport.status == status.upper())
    with rt.sessions() as s:
        return [_view(r, code) for r, code in s.execute(q).all()]


def get_report(rt: Runtime, report_id: int) -> ReportView:
    with rt.sessions() as s:
        row = s.execute(_base_query().where(RunReport.id == report_id)).one_or_none()
        if row is None:
            raise NotFound(f"run report {report_id} does not exist")
        return _view(row[0], row[1])


def render_text(report: ReportView) -> str:
    """The report as the seller reads it (CLI and email body)."""
    started = report.started_at.astimezone(IST).strftime("%d %b %Y %H:%M IST")
    lines = [
        f"Robnu run report #{report.id}: {report.marketplace} account {report.account_id}, {report.target}",
        f"Started {started}; took {(report.duration_ms or 0) / 1000:.1f} s; attempt {report.attempt}; "
        f"outcome {report.status}",
        "",
        f"  synced     {report.synced}",
        f"  processed  {report.processed}",
        f"  held       {report.held}",
        f"  failed     {report.failed}",
    ]
    details = dict(report.details)
    alerts = details.pop("sla_alerts", None)  # the SLA watchdog's new band edges, one message each
    if alerts:
        lines += ["", "SLA alerts:"] + [f"  * {a}" for a in alerts]
    exceptions = details.pop("exceptions", None)  # orders a dispatch flow held, with the reason
    if exceptions:
        lines += ["", "Held orders (exceptions):"] + [f"  * {e}" for e in exceptions]
    if details:
        lines += ["", "Details:"] + [f"  {k}: {v}" for k, v in sorted(details.items())]
    if report.error and not alerts:
        lines += ["", f"What failed: {report.error}"]
    if report.status == RunOutcome.AUTH_FAILED:
        lines += [
            "",
            "The marketplace refused this account's credentials. Its schedules are paused: reconnect it,",
            f"then run `robnu schedules resume {report.account_id}`.",
        ]
    return "\n".join(lines) + "\n"


def should_email(settings: SmtpSettings, report: ReportView) -> bool:
    wanted = {w.strip().upper() for w in settings.notify.split(",") if w.strip()}
    quiet = (ScheduleTarget.SLA_WATCHDOG, ScheduleTarget.RECONCILIATION)
    if report.target in quiet and report.status == RunOutcome.SUCCEEDED:
        return False  # a watchdog run without a new alert, a reconciliation without a new difference: not news
    return bool(settings.host) and (report.target in wanted or report.status in wanted)


def email_report(rt: Runtime, report_id: int, settings: SmtpSettings | None = None) -> bool:
    """Mail the report to the seller's users when SMTP is configured; record when it was sent."""
    settings = settings or SmtpSettings()
    report = get_report(rt, report_id)
    if not should_email(settings, report):
        return False
    with rt.sessions() as s:
        seller_id = s.execute(select(RunReport.seller_id).where(RunReport.id == report_id)).scalar_one()
        recipients = list(
            s.execute(
                select(User.email)
                .join(SellerUser, SellerUser.user_id == User.id)
                .where(SellerUser.seller_id == seller_id, User.disabled_at.is_(None))
                .order_by(User.id)
            ).scalars()
        )
    if not recipients:
        return False
    msg = EmailMessage()
    if report.details.get("sla_alerts"):
        msg["Subject"] = f"Robnu: {report.error} on {report.marketplace} account {report.account_id}"
    else:
        msg["Subject"] = f"Robnu: {report.marketplace} {report.target.lower()} run {report.status.lower()}"
    msg["From"] = settings.sender
    msg["To"] = ", ".join(recipients)
    msg.set_content(render_text(report))
    try:
        assert settings.host is not None
        with smtplib.SMTP(settings.host, settings.port, timeout=30) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.username and settings.password:
                smtp.login(settings.username, settings.password.get_secret_value())
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:  # a mail outage never fails the run
        log.warning("run report %s not emailed: %s", report_id, redact(str(exc)))
        return False
    with rt.session() as s:
        row = s.get(RunReport, report_id)
        assert row is not None
        row.emailed_at = rt.clock.now()
    return True
