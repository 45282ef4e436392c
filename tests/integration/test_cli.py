"""The CLI end to end, with a canary secret that must appear in no output, log or stored plaintext."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from robnu.cli import common
from robnu.cli.main import app
from robnu.config import Settings, get_settings
from robnu.services.runtime import Runtime
from tests.factories import CANARY, credentials


@pytest.fixture
def cli(settings: Settings, rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("ROBNU_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ROBNU_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("ROBNU_LOG_LEVEL", "DEBUG")
    monkeypatch.setattr(common.console, "width", 200)  # tables are not cut in a narrow test terminal
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _ok(runner: CliRunner, *args: str, input: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def test_canary_secret_never_leaks(
    cli: CliRunner, rt: Runtime, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    outputs = [_ok(cli, "sellers", "create", "Canary Traders", "--owner-email", "o@canary.in")]
    creds_file = tmp_path / "fk.json"
    creds_file.write_text(json.dumps(credentials("FLIPKART", secret=CANARY)))
    outputs.append(_ok(cli, "accounts", "add", "1", "flipkart", "--credentials-file", str(creds_file)))
    outputs.append(_ok(cli, "accounts", "add", "1", "MEESHO", input="123456\nmk_canary_key\n" + CANARY + "\n\n"))
    outputs += [
        _ok(cli, "accounts", "show", "1"),
        _ok(cli, "accounts", "list"),
        _ok(cli, "marketplaces"),
        _ok(cli, "keys", "rotate"),
        _ok(cli, "keys", "status"),
        _ok(cli, "accounts", "show", "2"),
    ]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**credentials("AMAZON_IN", secret=CANARY), "refresh_token": CANARY}))
    result = cli.invoke(app, ["accounts", "add", "1", "AMAZON_IN", "--credentials-file", str(bad)])
    assert result.exit_code == 2 and "refresh_token" in result.output
    outputs.append(result.output)

    everything = "\n".join(outputs) + caplog.text
    assert CANARY not in everything
    assert "****" in outputs[3] and "3ff3e289367b4201" in outputs[3]
    assert "FLIPKART" in outputs[5] and "flipkart_account_details" in outputs[5]
    with rt.engine.connect() as c:  # nothing stored in clear
        for table in (
            "flipkart_account_details",
            "meesho_account_details",
            "marketplace_accounts",
            "marketplace_credential_events",
        ):
            for row in c.execute(text(f"SELECT * FROM {table}")):
                assert CANARY not in " ".join(map(str, row))
        assert c.execute(text("SELECT count(*) FROM amazon_account_details")).scalar_one() == 0


def test_cli_errors_are_clean(cli: CliRunner) -> None:
    result = cli.invoke(
        app, ["accounts", "add", "99", "MEESHO", "--credentials-file", "-"], input=json.dumps(credentials("MEESHO"))
    )
    assert result.exit_code == 2
    assert "seller_id: seller 99 does not exist" in result.output
    assert "Traceback" not in result.output
    result = cli.invoke(app, ["accounts", "add", "1", "NOPE", "--credentials-file", "-"], input="{}")
    assert result.exit_code == 2 and "no registered adapter" in result.output
