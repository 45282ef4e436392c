"""Checks every CLI input passes before a command does any work: sizes, ranges, encodings, existence of
files. Each failure is an ``InvalidInput`` naming the option or argument and the reason.

Kept light on purpose (typer and the domain's errors only): every command module imports it at start-up,
and ``robnu --help`` must stay fast."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from robnu.domain.errors import InvalidInput

# Database ids are 64-bit (PostgreSQL BIGINT); counts and quantities are 32-bit INTEGER columns.
MAX_ID = 2**63 - 1
MAX_INT32 = 2**31 - 1
MAX_NAME = 200  # sellers.name, marketplace_accounts.display_name
MAX_CREDENTIALS_FILE = 64 * 1024  # the largest credential set (AJIO's four blobs) is under 2 KiB


def id_argument(help: str) -> Any:
    """A positional database id: a whole number from 1 to 2^63-1 (click names the argument when refused)."""
    return typer.Argument(min=1, max=MAX_ID, help=help, show_default=False)


def id_option(help: str) -> Any:
    return typer.Option(min=1, max=MAX_ID, help=help, show_default=False)


def control_characters(value: str) -> bool:
    """NUL and other control characters (tabs and newlines included): never part of a name or an id."""
    return any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value)


def text(field: str, value: str, *, max_length: int = MAX_NAME, allow_empty: bool = False) -> str:
    """A single-line text: stripped, printable, at most ``max_length`` characters."""
    value = value.strip()
    if not value and not allow_empty:
        raise InvalidInput(field, "must not be empty")
    if control_characters(value):
        raise InvalidInput(field, "must not contain control characters (NUL, newlines, tabs …)")
    if len(value) > max_length:
        raise InvalidInput(field, f"is {len(value)} characters long; at most {max_length} are allowed")
    return value


def choice(field: str, value: str, allowed: tuple[str, ...]) -> str:
    """One of ``allowed`` (case-insensitive), returned as spelled there."""
    wanted = value.strip().upper()
    for option in allowed:
        if option.upper() == wanted:
            return option
    shown = value if len(value) <= 40 and not control_characters(value) else "that value"
    raise InvalidInput(field, f"must be one of {', '.join(allowed)} (got {shown!r})")


def code(field: str, value: str) -> str:
    """A marketplace code: letters, digits and underscores, upper-cased (AJIO, AMAZON_IN …)."""
    value = value.strip().upper()
    if not value or len(value) > 32 or not all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in value):
        raise InvalidInput(field, "must be a marketplace code such as AJIO, MEESHO, AMAZON_IN or FLIPKART")
    return value


def email(field: str, value: str) -> str:
    value = text(field, value, max_length=320)
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or " " in value:
        raise InvalidInput(field, "is not an email address")
    return value


def int_range(field: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidInput(field, f"must be between {low} and {high} (got {value})")
    return value


def port_range(field: str, first: int, count: int) -> int:
    """``first`` and the ``count - 1`` ports after it must all be valid TCP ports."""
    if not 1 <= first <= 65535 - (count - 1):
        raise InvalidInput(field, f"must be between 1 and {65535 - (count - 1)} ({count} ports from it are used)")
    return first


def iso_datetime(field: str, value: str, *, now: datetime) -> datetime:
    """An ISO date or date-time (UTC when no offset is given), not in the future."""
    raw = value.strip()
    if len(raw) > 40 or control_characters(raw):
        raise InvalidInput(field, "must be an ISO date or date-time, e.g. 2026-11-01")
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(field, "must be an ISO date or date-time, e.g. 2026-11-01") from None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if parsed > now:
        raise InvalidInput(field, f"{parsed:%Y-%m-%d %H:%M} UTC is in the future")
    return parsed


def json_object_file(field: str, path: Path, *, max_bytes: int = MAX_CREDENTIALS_FILE) -> dict[str, Any]:
    """A UTF-8 JSON object from ``path`` ('-' reads standard input), refused cleanly when the file is missing,
    a directory, unreadable, too large, binary or not a JSON object."""
    if str(path) == "-":
        raw = typer.get_binary_stream("stdin").read(max_bytes + 1)
        where = "standard input"
    else:
        where = str(path)
        if not path.exists():
            raise InvalidInput(field, f"{where} does not exist")
        if not path.is_file():
            raise InvalidInput(field, f"{where} is not a regular file")
        try:
            with path.open("rb") as fh:
                raw = fh.read(max_bytes + 1)
        except OSError as exc:
            raise InvalidInput(field, f"cannot read {where}: {exc.strerror or type(exc).__name__}") from None
    if len(raw) > max_bytes:
        raise InvalidInput(field, f"{where} is larger than {max_bytes // 1024} KiB; a credential set is far smaller")
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(field, f"{where} is not UTF-8 text") from None
    if "\x00" in decoded:
        raise InvalidInput(field, f"{where} holds NUL bytes (a binary file?)")
    try:
        data = json.loads(decoded)
    except json.JSONDecodeError as exc:
        raise InvalidInput(field, f"{where} is not valid JSON (line {exc.lineno})") from None
    except RecursionError:
        raise InvalidInput(field, f"{where} is nested too deeply") from None
    if not isinstance(data, dict):
        raise InvalidInput(field, f"{where} must hold a JSON object")
    return data
