"""Passwords: Argon2id (argon2-cffi, its RFC 9106 low-memory profile), never logged, never compared by hand."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from robnu.domain.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 256  # Argon2 takes any length; a bound keeps a request from costing the server a megabyte hash

_hasher = PasswordHasher()  # Argon2id, t=3, m=64 MiB, p=4


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so a miss costs what a hit costs (no enumeration by time)."""
    return _hasher.hash(secrets.token_urlsafe(16))


def check_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(field, f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(field, f"must be at most {MAX_LENGTH} characters")
    if not password.isprintable():
        raise InvalidInput(field, "must be printable characters")


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; a missing or damaged hash never matches (and costs the same)."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def one_time_password() -> str:
    """A password for a new user, printed once: 20 URL-safe characters (~120 bits)."""
    return secrets.token_urlsafe(15)
