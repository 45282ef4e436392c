"""What every command shares: the runtime, the console, and turning Robnu errors into clean exits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

from robnu.domain.errors import RobnuError
from robnu.security.redaction import redact

if TYPE_CHECKING:
    from robnu.services.runtime import Runtime

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def runtime(*, upgrade: bool = False) -> Runtime:
    # Imported here, not at the top: `robnu --help` must not pay for SQLAlchemy, pydantic-settings and the adapters.
    from robnu.config import get_settings
    from robnu.security.redaction import configure_logging
    from robnu.services.runtime import Runtime

    settings = get_settings()
    configure_logging(settings.log_level)
    rt = Runtime.create(settings)
    if upgrade:
        rt.upgrade_database()
    return rt


@contextmanager
def clean_errors() -> Iterator[None]:
    try:
        yield
    except RobnuError as exc:
        err_console.print(f"[red]error:[/red] {redact(str(exc))}", highlight=False)
        raise typer.Exit(2) from None


def handles_errors(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with clean_errors():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
