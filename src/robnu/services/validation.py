"""Validate an account's credentials with a real call; record the outcome on the account and as an event."""

from __future__ import annotations

from robnu.adapters.base import ValidationOutcome
from robnu.adapters.errors import MarketplaceAuthError, MarketplaceError
from robnu.db.models import MarketplaceAccount, MarketplaceCredentialEvent
from robnu.domain.statuses import ValidationStatus
from robnu.security.redaction import redact
from robnu.services import journal as page_journal
from robnu.services.adapter_session import adapter_session
from robnu.services.runtime import Runtime


def validate_account(rt: Runtime, account_id: int) -> ValidationOutcome:
    with adapter_session(rt, account_id, page_journal.VALIDATION, purpose="validation") as work:
        try:
            outcome = work.adapter.validate_credentials(work.ctx)
        except MarketplaceAuthError as exc:
            status = ValidationStatus.INVALID if exc.needs_reconnect else ValidationStatus.ERROR
            outcome = ValidationOutcome(status, exc.http_status, exc.code, str(exc))
        except MarketplaceError as exc:
            outcome = ValidationOutcome(ValidationStatus.ERROR, exc.http_status, exc.code, str(exc))
    record_validation(rt, account_id, outcome)  # after the journal is closed, as its own transaction
    return outcome


def record_validation(rt: Runtime, account_id: int, outcome: ValidationOutcome) -> None:
    now = rt.clock.now()
    with rt.session() as s:
        account = s.get(MarketplaceAccount, account_id)
        assert account is not None
        account.last_validated_at = now
        account.last_validation_status = outcome.status
        if outcome.status is not ValidationStatus.ERROR:  # an outage says nothing about the credentials
            account.needs_reconnect = outcome.needs_reconnect
        account.updated_at = now
        s.add(
            MarketplaceCredentialEvent(
                seller_id=account.seller_id,
                marketplace_account_id=account.id,
                occurred_at=now,
                kind="VALIDATED" if outcome.status is ValidationStatus.VALID else "VALIDATION_FAILED",
                http_status=outcome.http_status,
                code=outcome.code,
                message=redact(outcome.message)[:500] if outcome.message else None,
            )
        )


def record_auth_failure(rt: Runtime, account_id: int, exc: MarketplaceAuthError) -> None:
    """An auth failure during a sync: an event, and reconnect only when the marketplace says so."""
    now = rt.clock.now()
    with rt.session() as s:
        account = s.get(MarketplaceAccount, account_id)
        assert account is not None
        if exc.needs_reconnect:
            account.needs_reconnect = True
            account.last_validation_status = ValidationStatus.INVALID
            account.updated_at = now
        s.add(
            MarketplaceCredentialEvent(
                seller_id=account.seller_id,
                marketplace_account_id=account.id,
                occurred_at=now,
                kind="AUTH_FAILED",
                http_status=exc.http_status,
                code=exc.code,
                message=redact(str(exc))[:500],
            )
        )
