"""One shared log filter that masks secrets: registered values and token-shaped strings."""

from __future__ import annotations

import logging
import re
import sys
import threading

MASK = "***"
# Bearer tokens, LWA tokens (Atza|/Atzr|), Basic auth, and common secret-bearing query/JSON keys.
_PATTERNS = [
    re.compile(r"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=|-]+"),
    re.compile(r"Atz[ar]\|[A-Za-z0-9._~+/=|-]+"),
    re.compile(
        r"(?i)((?:refresh_token|access_token|client_secret|api_secret|password|app_secret|x-amz-access-token)"
        r"[\"']?\s*[:=]\s*[\"']?)[^\"'&\s,}]+"
    ),
]


class _Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()

    def add(self, value: str) -> None:
        if len(value) >= 4:
            with self._lock:
                self._values.add(value)

    def values(self) -> list[str]:
        with self._lock:
            return sorted(self._values, key=len, reverse=True)


_registry = _Registry()


def register_secret(value: str) -> None:
    """Every decrypted secret is registered, so no log line can carry it even by accident."""
    _registry.add(value)


def redact(text: str) -> str:
    for value in _registry.values():
        if value in text:
            text = text.replace(value, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) + MASK) if m.lastindex else MASK, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    for noisy in ("alembic", "httpx", "httpcore"):  # Robnu logs its own requests (redacted) at DEBUG
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    root.setLevel(level.upper())
