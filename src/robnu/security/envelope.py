"""Envelope encryption with AES-256-GCM.

Each secret gets a fresh 256-bit data key (DEK). The DEK encrypts the secret; the active master key
wraps the DEK. Both steps use the same associated data, which names seller, table, row and column,
so a ciphertext (or a wrapped DEK) copied to another row, column or seller does not open.

Stored form (ASCII, one string): ``v1$<kid>$<b64 wrapped-dek>$<b64 nonce|ciphertext>``; the wrapped DEK
is ``nonce|ciphertext`` too. Rotation re-wraps the DEK only; the secret's ciphertext is untouched.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from robnu.domain.errors import DecryptionFailed
from robnu.security.keyring import KeyRing

_VERSION = "v1"
_NONCE = 12


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, blob: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(blob[:_NONCE], blob[_NONCE:], aad)


def encrypt(ring: KeyRing, plaintext: bytes, aad: bytes) -> str:
    master = ring.active()
    dek = AESGCM.generate_key(bit_length=256)
    wrapped = _seal(master.material, dek, b"dek|" + aad)
    body = _seal(dek, plaintext, aad)
    return "$".join((_VERSION, master.kid, base64.b64encode(wrapped).decode(), base64.b64encode(body).decode()))


def _split(token: str) -> tuple[str, bytes, bytes]:
    parts = token.split("$")
    if len(parts) != 4 or parts[0] != _VERSION:
        raise DecryptionFailed("not a Robnu v1 ciphertext")
    try:
        return parts[1], base64.b64decode(parts[2], validate=True), base64.b64decode(parts[3], validate=True)
    except ValueError:
        raise DecryptionFailed("ciphertext is damaged (not valid base64)") from None


def key_id_of(token: str) -> str:
    return _split(token)[0]


def decrypt(ring: KeyRing, token: str, aad: bytes) -> bytes:
    kid, wrapped, body = _split(token)
    master = ring.get(kid)
    try:
        dek = _open(master.material, wrapped, b"dek|" + aad)
        return _open(dek, body, aad)
    except InvalidTag:
        raise DecryptionFailed("ciphertext does not belong to this seller, row and column (or was altered)") from None


def rewrap(ring: KeyRing, token: str, aad: bytes) -> str:
    """The same secret, its DEK wrapped by the active master key."""
    kid, wrapped, body = _split(token)
    if kid == ring.active_kid:
        return token
    try:
        dek = _open(ring.get(kid).material, wrapped, b"dek|" + aad)
    except InvalidTag:
        raise DecryptionFailed("wrapped data key does not match its binding") from None
    master = ring.active()
    new_wrapped = _seal(master.material, dek, b"dek|" + aad)
    return "$".join((_VERSION, master.kid, base64.b64encode(new_wrapped).decode(), base64.b64encode(body).decode()))
