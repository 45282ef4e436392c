"""Robnu's error taxonomy. Messages name the field and the reason; they never carry a secret."""

from __future__ import annotations


class RobnuError(Exception):
    """Base of every error Robnu raises on purpose."""


class InvalidInput(RobnuError):
    """Bad input: names the field and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class NotFound(RobnuError):
    pass


class UnknownMarketplace(RobnuError):
    def __init__(self, code: str, known: list[str]) -> None:
        super().__init__(f"marketplace {code!r} has no registered adapter (known: {', '.join(sorted(known))})")
        self.code = code


class DecryptionFailed(RobnuError):
    """A ciphertext did not open: wrong row/seller/column binding, tampering, or a retired key."""


class KeyNotFound(RobnuError):
    """A ciphertext names a master key the ring does not have."""


class KeyRingError(RobnuError):
    """The master keys cannot be used (missing, damaged, wrong for this database); says where and what to do."""


class UnsupportedTarget(RobnuError):
    pass


class Conflict(InvalidInput):
    """Well-formed input that the current state refuses: a duplicate, the last OWNER (HTTP 409)."""


class Forbidden(RobnuError):
    """Allowed to ask, not to do this: an ADMIN touching an OWNER (HTTP 403)."""


class PluginError(RobnuError):
    """An installed plug-in's entry point does not hold what its group documents: names the entry point, its
    distribution and what was expected."""
