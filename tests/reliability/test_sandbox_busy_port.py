"""``robnu sandbox serve`` on a taken port names the port and prints no credentials (it used to print
them and then die with ``OSError: address already in use``)."""

from __future__ import annotations

import socket

from typer.testing import CliRunner

from robnu.cli.main import app


def test_a_taken_port_is_named_before_anything_is_printed() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        first = taken - 2  # the taken port is the third app's (AMAZON_IN api)
        result = CliRunner().invoke(app, ["sandbox", "serve", "--port", str(first), "--orders", "1"])
    assert result.exit_code == 2, result.output
    assert f"{taken} (AMAZON_IN api)" in result.output
    assert "credentials" not in result.output and "api_password" not in result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output


def test_a_port_range_past_65535_is_refused() -> None:
    result = CliRunner().invoke(app, ["sandbox", "serve", "--port", "65534"])
    assert result.exit_code == 2 and "port" in result.output and "65531" in result.output
