"""`robnu sellers create --owner-email`, `robnu users …` and `robnu serve` end to end: the one-time password
printed once signs in over real HTTP."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from typer.testing import CliRunner

from robnu.cli import common
from robnu.cli.main import app
from robnu.config import Settings, get_settings
from robnu.sandbox.server import free_port
from robnu.services.runtime import Runtime

PASSWORD_LINE = re.compile(r"one-time password for (\S+) .*: (\S+)")


@pytest.fixture
def cli(settings: Settings, rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("ROBNU_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ROBNU_DATABASE_URL", str(settings.database_url))
    monkeypatch.setattr(common.console, "width", 200)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _run(runner: CliRunner, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_users_commands_and_serve(cli: CliRunner, settings: Settings) -> None:
    out = _run(cli, "sellers", "create", "Jaipur Prints", "--owner-email", "Owner@Jaipur.in")
    email, password = PASSWORD_LINE.search(out).groups()  # type: ignore[union-attr]
    assert email == "owner@jaipur.in"
    out = _run(cli, "users", "add", "1", "packer@jaipur.in", "--role", "operator")
    assert "OPERATOR" in out and PASSWORD_LINE.search(out)
    _run(cli, "users", "role", "1", "packer@jaipur.in", "VIEWER")
    listed = _run(cli, "users", "list", "1")
    assert "owner@jaipur.in" in listed and "VIEWER" in listed
    assert "last OWNER" in _run(cli, "users", "remove", "1", "owner@jaipur.in", code=2)
    assert "role" in _run(cli, "users", "add", "1", "x@jaipur.in", "--role", "boss", code=2)
    assert "does not exist" in _run(cli, "users", "list", "99", code=3)
    _run(cli, "users", "remove", "1", "packer@jaipur.in")
    assert "packer@jaipur.in" not in _run(cli, "users", "list", "1")

    port = free_port()
    env = {**os.environ, "ROBNU_DATA_DIR": str(settings.data_dir), "ROBNU_DATABASE_URL": str(settings.database_url)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "robnu.cli.main", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/v1/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "robnu serve did not come up"
            time.sleep(0.3)
        login = httpx.post(f"{base}/v1/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        me = httpx.get(f"{base}/v1/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
        assert (me.json()["role"], me.json()["seller_id"]) == ("OWNER", 1)
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert password not in out  # the password is never logged by the server
