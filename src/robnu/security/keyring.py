"""Master keys: named by a key id; one active (encrypts), all present ones decrypt.

Sources, in order: ROBNU_MASTER_KEYS (+ ROBNU_ACTIVE_KEY_ID) from configuration, else a key file
(JSON) created with mode 0600 on first use — the embedded default.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from robnu.config import Settings
from robnu.domain.errors import InvalidInput, KeyNotFound


@dataclass(frozen=True)
class MasterKey:
    kid: str
    material: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"MasterKey(kid={self.kid!r})"


@dataclass
class KeyRing:
    keys: dict[str, MasterKey]
    active_kid: str
    source: Path | None = None  # the key file, when keys live in one

    def active(self) -> MasterKey:
        return self.get(self.active_kid)

    def get(self, kid: str) -> MasterKey:
        try:
            return self.keys[kid]
        except KeyError:
            raise KeyNotFound(f"master key {kid!r} is not configured (it may have been retired)") from None

    def add_new_key(self) -> MasterKey:
        """Generate a key, make it active and persist the ring (key-file rings only)."""
        if self.source is None:
            raise InvalidInput(
                "ROBNU_MASTER_KEYS",
                "keys come from configuration: add the new key there and set ROBNU_ACTIVE_KEY_ID",
            )
        kid = "k" + datetime.now(UTC).strftime("%Y%m%d%H%M%S") + secrets.token_hex(2)
        key = MasterKey(kid, secrets.token_bytes(32))
        self.keys[kid] = key
        self.active_kid = kid
        self.save()
        return key

    def retire(self, kid: str) -> None:
        if kid == self.active_kid:
            raise InvalidInput("kid", "the active key cannot be retired; rotate first")
        if self.source is None:
            raise InvalidInput("ROBNU_MASTER_KEYS", "remove the key from configuration to retire it")
        self.get(kid)
        del self.keys[kid]
        self.save()

    def save(self) -> None:
        assert self.source is not None
        data = {
            "active": self.active_kid,
            "keys": {k.kid: base64.b64encode(k.material).decode() for k in self.keys.values()},
        }
        tmp = self.source.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh)
        os.replace(tmp, self.source)


def _parse_configured(spec: str) -> dict[str, MasterKey]:
    keys: dict[str, MasterKey] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kid, sep, b64 = part.partition(":")
        if not sep or not kid:
            raise InvalidInput("ROBNU_MASTER_KEYS", "each entry must be 'key-id:base64-key'")
        try:
            material = base64.b64decode(b64, validate=True)
        except ValueError:
            raise InvalidInput("ROBNU_MASTER_KEYS", f"key {kid!r} is not valid base64") from None
        if len(material) != 32:
            raise InvalidInput("ROBNU_MASTER_KEYS", f"key {kid!r} must be 32 bytes (AES-256)")
        keys[kid] = MasterKey(kid, material)
    return keys


def load_keyring(settings: Settings) -> KeyRing:
    if settings.master_keys is not None:
        keys = _parse_configured(settings.master_keys.get_secret_value())
        if not keys:
            raise InvalidInput("ROBNU_MASTER_KEYS", "no key configured")
        active = settings.active_key_id or next(iter(keys))
        if active not in keys:
            raise InvalidInput("ROBNU_ACTIVE_KEY_ID", f"{active!r} is not among ROBNU_MASTER_KEYS")
        return KeyRing(keys, active)
    path = settings.resolved_key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        ring = KeyRing({}, "", source=path)
        ring.add_new_key()
        return ring
    if path.stat().st_mode & 0o077:
        raise InvalidInput(str(path), "key file must not be readable by group or others (chmod 600)")
    data = json.loads(path.read_text())
    keys = {kid: MasterKey(kid, base64.b64decode(b64)) for kid, b64 in data["keys"].items()}
    return KeyRing(keys, data["active"], source=path)
