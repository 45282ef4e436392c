"""The credential vault: seals and opens one secret bound to (seller, table, row, column)."""

from __future__ import annotations

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
    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring

    def __repr__(self) -> str:
        return f"CredentialVault(active_kid={self.ring.active_kid!r})"

    def seal(self, plaintext: str, binding: Binding) -> str:
        return envelope.encrypt(self.ring, plaintext.encode(), binding.aad())

    def open(self, token: str, binding: Binding) -> str:
        value = envelope.decrypt(self.ring, token, binding.aad()).decode()
        register_secret(value)
        return value

    def rewrap(self, token: str, binding: Binding) -> str:
        return envelope.rewrap(self.ring, token, binding.aad())
