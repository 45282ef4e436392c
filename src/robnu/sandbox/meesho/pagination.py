"""Opaque cursors: base64url JSON with the position, a fingerprint of the filters and a 24 h expiry."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from robnu.sandbox.meesho.errors import fail

CURSOR_TTL = 24 * 3600  # a cursor lives 24 h


def fingerprint(params: dict[str, str]) -> str:
    stable = sorted((k, v) for k, v in params.items() if k not in ("cursor", "limit"))
    return hashlib.sha256(json.dumps(stable).encode()).hexdigest()[:16]


def encode(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str, params: dict[str, str], now: float) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        state = json.loads(raw)
        if not isinstance(state, dict):
            raise ValueError("cursor is not an object")
    except ValueError:
        raise fail(400, "INVALID_CURSOR", {"reason": "malformed"}) from None
    if state.get("f") != fingerprint(params):
        raise fail(400, "INVALID_CURSOR", {"reason": "filters changed; pass the same filters with a cursor"})
    if float(state.get("x", 0)) < now:
        raise fail(400, "INVALID_CURSOR", {"reason": "expired"})
    return state


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return 50
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise fail(400, "VALIDATION_ERROR", {"fields": [{"field": "limit", "issue": "must be an integer 1-100"}]})
    return int(raw)
