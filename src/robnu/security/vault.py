"""The credential vault: seals and opens one secret bound to (seller, table, row, column)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from robnu.security import envelope
from robnu.security.keyring import KeyRing
from robnu.security.redaction import register_secret


@dataclass(frozen=True, slots=True)
class Binding:
    """Where a ciphertext lives. It is the AES-GCM associated data: a copy elsewhere will not open."""

    seller_id: int
    table: str
    row_id: int
    column: str

    def aad(self) -> bytes:
        return f"robnu|seller={self.seller_id}|table={self.table}|row={self.row_id}|column={self.column}".encode()


class CredentialVault:
    """Seals and opens secrets with a key ring. The ring may be given as a loader: it is then opened on first
    use, so commands that never touch a secret never need (or create) keys."""

    def __init__(self, ring: KeyRing | Callable[[], KeyRing]) -> None:
        self._ring: KeyRing | None = ring if isinstance(ring, KeyRing) else None
        self._load = None if isinstance(ring, KeyRing) else ring
        self._lock = threading.Lock()

    @property
    def ring(self) -> KeyRing:
        if self._ring is None:
            with self._lock:
                if self._ring is None:
                    assert self._load is not None
                    self._ring = self._load()
        return self._ring

    @property
    def opened(self) -> bool:
        return self._ring is not None

    def __repr__(self) -> str:
        kid = repr(self._ring.active_kid) if self._ring is not None else "not opened yet"
        return f"CredentialVault(active_kid={kid})"

    def seal(self, plaintext: str, binding: Binding) -> str:
        return envelope.encrypt(self.ring, plaintext.encode(), binding.aad())

    def open(self, token: str, binding: Binding) -> str:
        value = envelope.decrypt(self.ring, token, binding.aad()).decode()
        register_secret(value)
        return value

    def rewrap(self, token: str, binding: Binding) -> str:
        return envelope.rewrap(self.ring, token, binding.aad())
