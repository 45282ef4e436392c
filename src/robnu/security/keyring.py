"""Master keys: named by a key id; one active (encrypts), all present ones decrypt.

Keys come from a ``KeyProvider``. Two are built in: the environment (``ROBNU_MASTER_KEYS`` +
``ROBNU_ACTIVE_KEY_ID``, what a secret manager or KMS agent injects in production) and a key file (JSON,
mode 0600: the embedded default). Others (a cloud KMS, HashiCorp Vault …) plug in through the
``robnu.key_providers`` entry-point group and ``ROBNU_KEY_PROVIDER=<name>``.

A provider never invents keys on its own: ``load`` answers None when no ring exists yet, and whether a new
one may be created is decided by the caller (only for a database that holds no sealed secret, or on an
explicit ``robnu keys init``). Every problem with a ring is a ``KeyRingError`` that names where the keys
were looked for and what to do.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol

from robnu.config import Settings
from robnu.domain.errors import InvalidInput, KeyNotFound, KeyRingError

KEY_BYTES = 32  # AES-256
PROVIDER_ENTRY_POINTS = "robnu.key_providers"
_CHECK_LABEL = b"robnu master key check v1"


@dataclass(frozen=True)
class MasterKey:
    kid: str
    material: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"MasterKey(kid={self.kid!r})"

    def check_value(self) -> str:
        """A fingerprint of the key (HMAC of a fixed label): tells the right key from a wrong one with the same
        id, and reveals nothing of the key itself."""
        return hmac.new(self.material, _CHECK_LABEL, hashlib.sha256).hexdigest()


class KeyProvider(Protocol):
    """Where master keys come from. ``describe`` is shown in errors and ``robnu keys status``."""

    @property
    def description(self) -> str: ...

    @property
    def writable(self) -> bool:
        """Whether Robnu may add and remove keys itself (a key file) or an operator does (configuration, KMS)."""
        ...

    def load(self) -> KeyRing | None:
        """The ring, or None when none exists yet. Raise ``KeyRingError`` for anything unusable."""
        ...

    def create(self) -> KeyRing:
        """A new ring with one fresh key (writable providers only); never replaces an existing ring."""
        ...

    def save(self, ring: KeyRing) -> None: ...


@dataclass
class KeyRing:
    keys: dict[str, MasterKey]
    active_kid: str
    provider: KeyProvider | None = None

    @property
    def writable(self) -> bool:
        return self.provider is not None and self.provider.writable

    @property
    def description(self) -> str:
        return self.provider.description if self.provider is not None else "keys given in code"

    def active(self) -> MasterKey:
        return self.get(self.active_kid)

    def get(self, kid: str) -> MasterKey:
        try:
            return self.keys[kid]
        except KeyError:
            raise KeyNotFound(
                f"master key {kid!r} is not in the key ring ({self.description}): restore the keys that include "
                "it, or reconnect the accounts sealed under it (`robnu keys status` lists them)"
            ) from None

    def add_new_key(self) -> MasterKey:
        """Generate a key, make it active and persist the ring (writable providers only)."""
        if self.provider is None or not self.provider.writable:
            raise InvalidInput(
                "ROBNU_MASTER_KEYS",
                f"keys come from {self.description}: add the new key there and set ROBNU_ACTIVE_KEY_ID",
            )
        key = new_key()
        self.keys[key.kid] = key
        self.active_kid = key.kid
        self.provider.save(self)
        return key

    def retire(self, kid: str) -> None:
        if kid == self.active_kid:
            raise InvalidInput("kid", "the active key cannot be retired; rotate first")
        if self.provider is None or not self.provider.writable:
            raise InvalidInput("ROBNU_MASTER_KEYS", f"remove the key from {self.description} to retire it")
        self.get(kid)
        del self.keys[kid]
        self.provider.save(self)


def new_key() -> MasterKey:
    kid = "k" + datetime.now(UTC).strftime("%Y%m%d%H%M%S") + secrets.token_hex(4)
    return MasterKey(kid, secrets.token_bytes(KEY_BYTES))


# ----------------------------------------------------------------------------------------- environment


class EnvironmentKeyProvider:
    """``ROBNU_MASTER_KEYS=kid1:base64key,kid2:base64key`` and ``ROBNU_ACTIVE_KEY_ID`` (default: the first)."""

    description = "ROBNU_MASTER_KEYS"
    writable = False

    def __init__(self, spec: str, active: str | None) -> None:
        self._spec = spec
        self._active = active

    def __repr__(self) -> str:
        return "EnvironmentKeyProvider()"

    def load(self) -> KeyRing:
        keys: dict[str, MasterKey] = {}
        for part in filter(None, (p.strip() for p in self._spec.split(","))):
            kid, sep, b64 = part.partition(":")
            if not sep or not kid:
                raise InvalidInput("ROBNU_MASTER_KEYS", "each entry must be 'key-id:base64-key'")
            keys[kid] = MasterKey(
                kid, _decode_key(b64, lambda why, k=kid: InvalidInput(self.description, f"key {k!r} {why}"))
            )
        if not keys:
            raise InvalidInput("ROBNU_MASTER_KEYS", "no key configured")
        active = self._active or next(iter(keys))
        if active not in keys:
            raise InvalidInput("ROBNU_ACTIVE_KEY_ID", f"{active!r} is not among ROBNU_MASTER_KEYS")
        return KeyRing(keys, active, provider=self)

    def create(self) -> KeyRing:
        raise InvalidInput("ROBNU_MASTER_KEYS", "keys come from configuration: generate one with your secret manager")

    def save(self, ring: KeyRing) -> None:
        raise InvalidInput("ROBNU_MASTER_KEYS", "keys come from configuration; change them there")


# ----------------------------------------------------------------------------------------------- file


class FileKeyProvider:
    """A JSON key file ``{"active": kid, "keys": {kid: base64}}``, mode 0600 (the embedded default)."""

    writable = True

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"FileKeyProvider({self.path})"

    @property
    def description(self) -> str:
        return f"key file {self.path}"

    def _damaged(self, why: str) -> KeyRingError:
        return KeyRingError(
            f"key file {self.path} is damaged ({why}). Restore it from your backup (it is backed up with the "
            "database); without it the stored credentials cannot be read."
        )

    def load(self) -> KeyRing | None:
        path = self.path
        try:
            info = path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise KeyRingError(f"key file {path} cannot be read: {exc.strerror}") from None
        if not stat.S_ISREG(info.st_mode):
            raise KeyRingError(f"key file {path} is not a regular file; point ROBNU_KEY_FILE at the key file")
        if info.st_mode & 0o077:
            raise KeyRingError(f"key file {path} must not be readable by group or others: run `chmod 600 {path}`")
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise KeyRingError(f"key file {path} cannot be read: {exc.strerror}") from None
        if len(raw) > 1024 * 1024:
            raise self._damaged("larger than any key ring")
        try:
            data: Any = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise self._damaged("not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("keys"), dict) or not data["keys"]:
            raise self._damaged('no "keys" object')
        active = data.get("active")
        keys = {}
        for kid, b64 in data["keys"].items():
            keys[kid] = MasterKey(kid, _decode_key(b64, lambda why, k=kid: self._damaged(f"key {k!r} {why}")))
        if not isinstance(active, str) or active not in keys:
            raise self._damaged(f'the "active" key {active!r} is not among its keys')
        return KeyRing(keys, active, provider=self)

    def create(self) -> KeyRing:
        """Write a new ring with one key; if another process created the file first, that ring wins."""
        key = new_key()
        ring = KeyRing({key.kid: key}, key.kid, provider=self)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._write_tmp(ring)
        try:
            os.link(tmp, self.path)  # atomic, and fails if the file exists: never replaces a ring
        except FileExistsError:
            existing = self.load()
            assert existing is not None
            return existing
        finally:
            tmp.unlink(missing_ok=True)
        return ring

    def save(self, ring: KeyRing) -> None:
        tmp = self._write_tmp(ring)
        os.replace(tmp, self.path)

    def _write_tmp(self, ring: KeyRing) -> Path:
        data = {
            "active": ring.active_kid,
            "keys": {k.kid: base64.b64encode(k.material).decode() for k in ring.keys.values()},
        }
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh)
            fh.flush()
            with contextlib.suppress(OSError):
                os.fsync(fh.fileno())
        return tmp


def _decode_key(b64: object, error: Any) -> bytes:
    if not isinstance(b64, str):
        raise error("is not a base64 string")
    try:
        material = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise error("is not valid base64") from None
    if len(material) != KEY_BYTES:
        raise error(f"must be {KEY_BYTES} bytes (AES-256), not {len(material)}")
    return material


# ------------------------------------------------------------------------------------------ choosing


def key_provider(settings: Settings) -> KeyProvider:
    """The configured provider: ``ROBNU_KEY_PROVIDER`` (an entry point of ``robnu.key_providers``, called
    with the settings), else the environment when ``ROBNU_MASTER_KEYS`` is set, else the key file."""
    if settings.key_provider:
        found = [ep for ep in entry_points(group=PROVIDER_ENTRY_POINTS) if ep.name == settings.key_provider]
        if not found:
            known = sorted(ep.name for ep in entry_points(group=PROVIDER_ENTRY_POINTS))
            raise InvalidInput(
                "ROBNU_KEY_PROVIDER", f"no key provider {settings.key_provider!r} is installed (known: {known})"
            )
        provider: KeyProvider = found[0].load()(settings)
        return provider
    if settings.master_keys is not None:
        return EnvironmentKeyProvider(settings.master_keys.get_secret_value(), settings.active_key_id)
    return FileKeyProvider(settings.resolved_key_file())


def load_keyring(settings: Settings, *, create: bool = False) -> KeyRing:
    """The configured ring; with ``create``, a new one when none exists (else a ``KeyRingError``)."""
    provider = key_provider(settings)
    ring = provider.load()
    if ring is not None:
        return ring
    if create:
        return provider.create()
    raise KeyRingError(f"no master keys: {provider.description} does not exist")
