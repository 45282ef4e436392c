"""``adapter_session``: the opening and closing every adapter-facing service shares. The journal is closed after
the work's session, so work that leaves a write uncommitted (or raises with one open) never has the journal's
writer wait on it; errors on the way in surface as raised, with nothing journaled."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from robnu.adapters.ajio.satellite import AjioAccountDetails
from robnu.adapters.registry import AdapterRegistry
from robnu.config import Settings
from robnu.db import engine as db_engine
from robnu.db.models import MarketplaceAccount
from robnu.db.storage_models import StorageObject
from robnu.domain.errors import DecryptionFailed, NotFound, UnknownMarketplace
from robnu.domain.statuses import ValidationStatus
from robnu.services import journal
from robnu.services.accounts import create_seller
from robnu.services.adapter_session import adapter_session
from robnu.services.runtime import Runtime
from tests.conftest import FIXED_NOW
from tests.sandbox_wiring import connect_sandbox_account, wired_runtime


class WorkFailed(Exception):
    pass


def _journal_keys(rt: Runtime) -> list[str]:
    with rt.sessions() as s:
        return list(s.scalars(select(StorageObject.key).where(StorageObject.key.startswith(journal.PREFIX))))


@pytest.mark.parametrize("raises", [False, True], ids=["returns", "raises"])
def test_work_left_uncommitted_is_rolled_back_before_the_journal_is_closed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, raises: bool
) -> None:
    # Closing the journal inside the work's write transaction would have its writer wait on SQLite's lock for
    # the busy timeout (made short here) and the pages be lost.
    monkeypatch.setattr(db_engine, "SQLITE_BUSY_TIMEOUT_MS", 2_000)
    with wired_runtime(settings, ("AJIO",)) as (world, rt):
        seller = create_seller(rt, "Jaipur Prints")
        account_id, _ = connect_sandbox_account(rt, world, "AJIO", seller)
        with rt.sessions() as s:
            before = s.get(MarketplaceAccount, account_id).updated_at  # type: ignore[union-attr]
        try:
            with adapter_session(rt, account_id, journal.VALIDATION, purpose="test") as work:
                opened = work.journal
                assert opened is not None and work.account.id == account_id
                assert work.adapter.validate_credentials(work.ctx).status is ValidationStatus.VALID
                work.account.updated_at = before + timedelta(days=1)
                work.session.flush()  # a write transaction, left open
                if raises:
                    raise WorkFailed
        except WorkFailed:
            assert raises

        assert opened.pages > 0 and not opened.failed
        pages = list(
            journal.read_pages(
                rt,
                seller_id=seller,
                code="AJIO",
                account_id=account_id,
                start=FIXED_NOW - timedelta(hours=1),
                end=FIXED_NOW + timedelta(hours=1),
            )
        )
        assert len(pages) == opened.pages and {p.kind for p in pages} == {journal.VALIDATION}
        with rt.sessions() as s:
            assert s.get(MarketplaceAccount, account_id).updated_at == before  # type: ignore[union-attr]


def test_errors_on_the_way_in_surface_as_raised_and_nothing_is_journaled(settings: Settings) -> None:
    with wired_runtime(settings, ("AJIO",)) as (world, rt):
        seller = create_seller(rt, "Jaipur Prints")
        account_id, _ = connect_sandbox_account(rt, world, "AJIO", seller)

        with (
            pytest.raises(NotFound, match="account 999 does not exist"),
            adapter_session(rt, 999, journal.VALIDATION, purpose="test"),
        ):
            pytest.fail("no work without an account")

        without_ajio = dataclasses.replace(rt, registry=AdapterRegistry())  # the built-ins register globally
        with (
            pytest.raises(UnknownMarketplace, match="AJIO"),
            adapter_session(without_ajio, account_id, journal.VALIDATION, purpose="test"),
        ):
            pytest.fail("no work without an adapter")

        with rt.session() as s:  # a sealed column copied onto another: it no longer opens
            row = s.get(AjioAccountDetails, account_id)
            assert row is not None
            row.einvoice_ciphertext = row.api_password_ciphertext
        with pytest.raises(DecryptionFailed), adapter_session(rt, account_id, journal.VALIDATION, purpose="test"):
            pytest.fail("no work with credentials that do not open")

        assert _journal_keys(rt) == []
