"""The CLI on the test database, as a user runs it (settings from the environment)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from robnu.cli import common
from robnu.cli.main import app
from robnu.config import Settings, get_settings
from robnu.services.runtime import Runtime


@pytest.fixture
def cli(settings: Settings, rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("ROBNU_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ROBNU_DATABASE_URL", str(settings.database_url))
    monkeypatch.delenv("ROBNU_MASTER_KEYS", raising=False)
    monkeypatch.delenv("ROBNU_KEY_FILE", raising=False)
    monkeypatch.setattr(common.console, "width", 200)
    monkeypatch.setattr(common.err_console, "width", 200)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.fixture
def cli_env(ajio: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The CLI's settings pointed at the ``ajio`` fixture's database, key file and served sandbox."""
    for name, value in ajio.child_env().items():
        if name.startswith("ROBNU_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setattr(common.console, "width", 200)
    monkeypatch.setattr(common.err_console, "width", 200)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def invoke(runner: CliRunner, *args: str, input: str | None = None) -> Result:
    result = runner.invoke(app, list(args), input=input)
    # Whatever happened, it ended in a clean exit: never an escaped exception or a traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output, result.output
    return result
