"""The storage port: put / get / open (a stream) / exists / delete / list by key, and the URL that picks a
backend (``None`` or ``file:///dir`` is the local directory, ``s3://bucket?...`` S3-compatible storage)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from robnu.domain.errors import RobnuError

CHUNK = 256 * 1024


class StorageError(RobnuError):
    """An object could not be stored or read (backend unreachable, refused, or damaged)."""


class ObjectNotFound(StorageError):
    pass


class ObjectStore(Protocol):
    @property
    def ident(self) -> str:
        """Which backend holds an object, as recorded on its row: ``local`` or ``s3://bucket[/prefix]``."""

    def put(self, key: str, content: bytes, *, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def open(self, key: str) -> Iterator[bytes]:
        """The object's bytes in chunks, read as they are consumed."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the object; removing one that is not there is not an error."""

    def keys(self, prefix: str) -> Iterator[str]:
        """Every key under ``prefix``, sorted."""


def check_key(key: str) -> str:
    """Keys are relative, slash-separated paths without empty, '.' or '..' parts: the same on every backend."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in key:
        raise StorageError(f"key: {key!r} is not a relative path of plain parts")
    return key


def open_store(url: str | None, data_dir: Path) -> ObjectStore:
    """The backend a storage URL names. ``None``: the local directory ``data_dir`` (zero configuration)."""
    from robnu.storage.local import LocalObjectStore

    if not url:
        return LocalObjectStore(data_dir)
    scheme = urlsplit(url).scheme
    if scheme == "file":
        return LocalObjectStore(Path(urlsplit(url).path))
    if scheme == "s3":
        from robnu.storage.s3 import S3ObjectStore

        return S3ObjectStore.from_url(url)
    raise StorageError(f"storage_url: scheme {scheme or '(none)'!r} is not supported (use file:// or s3://)")
