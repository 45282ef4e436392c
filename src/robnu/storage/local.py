"""The local-directory backend: one file per key under a root, written atomically (temp file + rename)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from robnu.storage.port import CHUNK, ObjectNotFound, StorageError, check_key


class LocalObjectStore:
    ident = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"LocalObjectStore({self.root})"

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise StorageError(f"key: {key!r} leaves the storage directory")
        return path

    def put(self, key: str, content: bytes, *, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(content)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(f"{key} is not in {self.ident} storage") from None

    def open(self, key: str) -> Iterator[bytes]:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(f"{key} is not in {self.ident} storage")
        return self._chunks(path)

    @staticmethod
    def _chunks(path: Path) -> Iterator[bytes]:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str) -> Iterator[str]:
        base = self.root / prefix.rstrip("/") if prefix else self.root
        if not base.is_dir():
            return iter(())
        root = self.root.resolve()
        found = (
            p.resolve().relative_to(root).as_posix() for p in base.rglob("*") if p.is_file() and p.suffix != ".tmp"
        )
        return iter(sorted(found))
