"""The key that signs access tokens: ``ROBNU_JWT_SIGNING_KEY`` when set, otherwise a random key generated
once into the data directory (``jwt.key``, mode 0600) like the master key file. Never logged; rotating it
(replace the file or the variable) signs every user out within an access token's lifetime."""

from __future__ import annotations

import base64
import os
import secrets
import stat
from pathlib import Path

from robnu.domain.errors import KeyRingError

KEY_BYTES = 32


def load_or_create(path: Path, configured: str | None = None) -> bytes:
    if configured:
        raw = configured.encode()
        if len(raw) < KEY_BYTES:
            raise KeyRingError(f"ROBNU_JWT_SIGNING_KEY must be at least {KEY_BYTES} characters")
        return raw
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode())
    try:
        os.link(tmp, path)  # atomic and never replaces: if another process won, its key is the key
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> bytes:
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise KeyRingError(f"signing key {path} is not a regular file")
    if info.st_mode & 0o077:
        raise KeyRingError(f"signing key {path} must not be readable by group or others: run `chmod 600 {path}`")
    try:
        key = base64.b64decode(path.read_text().strip(), validate=True)
    except ValueError:
        raise KeyRingError(f"signing key {path} is damaged (not base64); delete it to sign everyone out") from None
    if len(key) < KEY_BYTES:
        raise KeyRingError(f"signing key {path} is damaged (shorter than {KEY_BYTES} bytes)")
    return key
