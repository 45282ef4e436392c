"""Bad input (issue item 6), the cases the probe found: each is refused at the edge with the field named and
an exit status that says what happened; nothing is written."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from robnu.cli.exits import ExitCode
from robnu.db.models import MarketplaceAccount, Seller
from robnu.domain.errors import InvalidInput
from robnu.services.accounts import connect_account, create_seller
from robnu.services.runtime import Runtime
from tests.factories import ALL_CODES, credentials
from tests.reliability.conftest import invoke


def _counts(rt: Runtime) -> tuple[int, int]:
    with rt.sessions() as s:
        return (
            int(s.execute(select(func.count(Seller.id))).scalar_one()),
            int(s.execute(select(func.count(MarketplaceAccount.id))).scalar_one()),
        )


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["accounts", "show", str(2**63)], "account_id"),
        (["accounts", "show", "0"], "account_id"),
        (["stock", "adjust", "1", "SKU-1", str(2**31)], "delta"),
        (["sellers", "create", "x" * 10_000], "name"),
        (["sellers", "create", "bad\x00name"], "name"),
        (["sellers", "create", "Shop", "--owner-email", "not-an-email"], "owner_email"),
        (["sync", "1", "--since", "2999-01-01"], "since"),
        (["sync", "1", "--since", "yesterday"], "since"),
        (["reports", "list", "--limit", "0"], "--limit"),
        (["run", "--concurrency", "0"], "--concurrency"),
        (["sandbox", "serve", "--port", "70000"], "port"),
        (["keys", "retire", "k" * 500], "kid"),
        (["schedules", "set", "1", "ORDERS", "--every", "9" * 5000], "every"),
    ],
)
def test_refused_at_the_edge_with_the_field_named(rt: Runtime, cli: CliRunner, argv: list[str], field: str) -> None:
    create_seller(rt, "Edge Test")
    before = _counts(rt)
    result = invoke(cli, *argv)
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert field in result.output, result.output
    assert _counts(rt) == before


@pytest.mark.parametrize("kind", ["missing", "directory", "binary", "not an object", "too large"])
def test_credential_files_that_cannot_be_read(rt: Runtime, cli: CliRunner, tmp_path: Path, kind: str) -> None:
    seller = create_seller(rt, "Files Test")
    path = tmp_path / "creds.json"
    if kind == "directory":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(os.urandom(200) + b"\x00")
    elif kind == "not an object":
        path.write_text("[1, 2, 3]")
    elif kind == "too large":
        path.write_text(json.dumps({**credentials("MEESHO"), "api_secret": "s" * 1_000_000}))
    result = invoke(cli, "accounts", "add", str(seller), "MEESHO", "--credentials-file", str(path))
    assert result.exit_code == ExitCode.BAD_INPUT and "credentials_file" in result.output, result.output
    assert _counts(rt) == (1, 0)


@pytest.mark.parametrize("code", ALL_CODES)
@pytest.mark.parametrize(
    "value", ["s" * 1_000_000, "secret\x00value-123", "line\nbreak-secret-12"], ids=["1MB", "NUL", "newline"]
)
def test_huge_or_binary_credential_values_are_refused_naming_the_field(rt: Runtime, code: str, value: str) -> None:
    seller = create_seller(rt, "Creds Test")
    valid = credentials(code)
    for field in valid:
        if not isinstance(valid[field], str):
            continue
        with pytest.raises(InvalidInput) as err:
            connect_account(rt, seller, code, {**valid, field: value})
        assert err.value.field == field, (field, str(err.value))
        assert value[:20] not in str(err.value)  # never echoes the value (it may be a secret)
    assert _counts(rt) == (1, 0)


@pytest.mark.parametrize(
    "argv",
    [
        ["accounts", "list", "--seller-id", "999"],
        ["schedules", "list", "--account", "999"],
        ["schedules", "list", "--seller", "999"],
        ["reports", "list", "--account", "999"],
        ["stock", "list", "999"],
        ["listings", "list", "999"],
        ["invoices", "list", "999"],
        ["sla", "--seller", "999"],
        ["accounts", "show", "999"],
        ["sync", "999"],
    ],
)
def test_unknown_ids_are_not_found_not_an_empty_list(rt: Runtime, cli: CliRunner, argv: list[str]) -> None:
    create_seller(rt, "Ids Test")
    result = invoke(cli, *argv)
    assert result.exit_code == ExitCode.NOT_FOUND, result.output
    assert "999 does not exist" in result.output


def _connect(rt: Runtime) -> int:
    seller = create_seller(rt, "Exit Codes")
    return connect_account(rt, seller, "MEESHO", credentials("MEESHO"))


def test_sync_exits_non_zero_when_a_target_failed(rt: Runtime, cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from robnu.config import get_settings
    from robnu.sandbox.server import free_port

    account = _connect(rt)
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: every call fails
    monkeypatch.setenv("ROBNU_ENDPOINTS", json.dumps({"MEESHO": {"api": closed}}))
    monkeypatch.setenv("ROBNU_HTTP_MAX_RETRIES", "0")
    get_settings.cache_clear()
    result = invoke(cli, "sync", str(account), "--target", "ORDERS")
    assert result.exit_code == ExitCode.RUN_FAILED, result.output
    assert "FAILED" in result.output


def test_sync_exits_non_zero_when_a_target_was_skipped(rt: Runtime, cli: CliRunner) -> None:
    from datetime import timedelta

    from robnu.services import lease

    account = _connect(rt)
    with rt.session() as s:
        acct: Any = s.get(MarketplaceAccount, account)
        lease.ensure_cursor(s, acct.seller_id, account, "ORDERS", rt.clock.now())
        assert lease.try_acquire(s, account, "ORDERS", "another-run", rt.clock.now(), timedelta(hours=1))
    result = invoke(cli, "sync", str(account), "--target", "ORDERS")
    assert result.exit_code == ExitCode.RUN_SKIPPED, result.output
    assert "SKIPPED" in result.output
