"""What every command shares: the runtime, the console, and turning every error into a clean exit whose
status says what happened (``exits.ExitCode``)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from robnu.cli.exits import ExitCode, Terminated
from robnu.domain.errors import (
    DecryptionFailed,
    InvalidInput,
    KeyNotFound,
    KeyRingError,
    NotFound,
    RobnuError,
    UnknownMarketplace,
    UnsupportedTarget,
)
from robnu.security.redaction import redact

if TYPE_CHECKING:
    from robnu.services.runtime import Runtime

console = Console()
err_console = Console(stderr=True)
log = logging.getLogger("robnu.cli")
F = TypeVar("F", bound=Callable[..., Any])

# Most specific first: a subclass listed after its base would never be reached.
_EXITS: tuple[tuple[type[RobnuError], ExitCode], ...] = (
    (KeyRingError, ExitCode.KEYS),
    (KeyNotFound, ExitCode.KEYS),
    (DecryptionFailed, ExitCode.KEYS),
    (NotFound, ExitCode.NOT_FOUND),
    (InvalidInput, ExitCode.BAD_INPUT),
    (UnknownMarketplace, ExitCode.BAD_INPUT),
    (UnsupportedTarget, ExitCode.BAD_INPUT),
)
_opened: list[Runtime] = []  # runtimes of the command running now; their engines are disposed at its end


def runtime(*, upgrade: bool = False, long_running: bool = False) -> Runtime:
    """The command's runtime. ``long_running``: a command that goes on to sync, process or serve settles the
    heap first (``settle_heap``); its collection pass costs ~70 ms, too much for a command that only looks up
    a few rows."""
    # Imported here, not at the top: `robnu --help` must not pay for SQLAlchemy, pydantic-settings and the adapters.
    from robnu.config import get_settings
    from robnu.security.redaction import configure_logging
    from robnu.services.heap import settle_heap
    from robnu.services.runtime import Runtime

    settings = get_settings()
    configure_logging(settings.log_level)
    rt = Runtime.create(settings)
    _opened.append(rt)
    if upgrade:
        rt.upgrade_database()
    if long_running:
        settle_heap()
    return rt


def exit_code_for(exc: BaseException) -> ExitCode:
    for kind, code in _EXITS:
        if isinstance(exc, kind):
            return code
    if isinstance(exc, RobnuError):
        name = type(exc).__name__
        if name == "TransientMarketplaceError":
            return ExitCode.UNAVAILABLE
        return ExitCode.RUN_FAILED if name.startswith("Marketplace") else ExitCode.BAD_INPUT
    if _unreachable_database(exc):
        return ExitCode.UNAVAILABLE
    return ExitCode.INTERNAL


def _unreachable_database(exc: BaseException) -> bool:
    if not type(exc).__module__.startswith("sqlalchemy"):
        return False
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError)


def _terminate(signum: int, _frame: object) -> None:
    raise Terminated


@contextmanager
def sigterm_like_sigint() -> Iterator[None]:
    """While a command runs, SIGTERM (what `timeout`, systemd and container runtimes send) stops it the way
    Ctrl-C does. Commands with their own handling (``robnu run``, ``robnu worker``) install theirs inside."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def clean_errors() -> Iterator[None]:
    """Every error ends as one redacted line on stderr and an exit status; never a traceback (that goes to the
    log at DEBUG, for a bug report)."""
    try:
        with sigterm_like_sigint():
            yield
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        err_console.print("terminated" if terminated else "interrupted", highlight=False)
        raise typer.Exit(ExitCode.TERMINATED if terminated else ExitCode.INTERRUPTED) from None
    except Exception as exc:
        code = exit_code_for(exc)
        message = redact(str(exc)) if isinstance(exc, RobnuError) else redact(f"{type(exc).__name__}: {exc}")
        if code is ExitCode.UNAVAILABLE and not isinstance(exc, RobnuError):
            message = "the database cannot be reached: " + message.splitlines()[0][:300]
        elif code is ExitCode.INTERNAL:
            log.debug("unexpected error", exc_info=True)
            message = f"unexpected error, please report it: {message.splitlines()[0][:300]}"
        err_console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)  # copyable paths
        raise typer.Exit(code) from None
    finally:
        while _opened:
            _opened.pop().engine.dispose()


def handles_errors(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with clean_errors():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
