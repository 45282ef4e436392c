"""Shared parameter bounds. Ids stop at 2^53-1: a JSON client in JavaScript holds integers exactly only up
to there, and Robnu's sequences never get near it."""

from __future__ import annotations

from typing import Any

from fastapi import Path

MAX_ID = 2**53 - 1
# A one-line name: no control characters (C0 and C1), not starting or ending with a space (what the services accept).
NAME_PATTERN = r"^[^\s\x00-\x1f\x7f-\x9f](?:[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f])?$"
# Free text: no control characters (a NUL PostgreSQL refuses), as the services check.
TEXT_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"


def id_path() -> Any:
    return Path(ge=1, le=MAX_ID)
