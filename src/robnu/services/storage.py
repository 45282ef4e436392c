"""Stored objects as Robnu knows them: every object written through the storage port gets a
``storage_objects`` row (key, type, size, sha256, owner, backend), and every read goes through that row —
the seller's own objects only, from whichever backend holds each one, its checksum verified."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.storage_models import StorageObject
from robnu.domain.errors import NotFound
from robnu.storage import ObjectStore, StorageError, open_store
from robnu.storage.local import LocalObjectStore


class ChecksumMismatch(StorageError):
    """The bytes a backend returned are not the bytes that were stored."""

    def __init__(self, key: str, backend: str, expected: str, got: str) -> None:
        super().__init__(
            f"{key} in {backend}: stored sha256 {expected[:16]}…, read {got[:16]}… — the object was altered, "
            "truncated or replaced outside Robnu; it was not used"
        )
        self.key = key


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    mime: str
    size: int
    sha256: str
    backend: str


class Storage:
    """The configured backend (``primary``, where new objects go) plus the local directory, from which
    objects written before a move to object storage are still read."""

    def __init__(self, primary: ObjectStore, local: ObjectStore) -> None:
        self.primary = primary
        self.local = local

    @classmethod
    def from_url(cls, url: str | None, data_dir: Path) -> Storage:
        local = LocalObjectStore(data_dir)
        return cls(open_store(url, data_dir) if url else local, local)

    def __repr__(self) -> str:
        return f"Storage(primary={self.primary.ident})"

    def backend(self, ident: str) -> ObjectStore:
        if ident == self.primary.ident:
            return self.primary
        if ident == self.local.ident:
            return self.local
        raise StorageError(f"objects in {ident} cannot be read: that backend is not configured (storage_url)")

    # ------------------------------------------------------------------ writing
    def put(
        self,
        session: Session,
        key: str,
        content: bytes,
        *,
        mime: str,
        seller_id: int,
        now: datetime,
        account_id: int | None = None,
    ) -> StorageObject:
        """Write the object to the primary backend, then record (or update) its row in ``session``."""
        self.primary.put(key, content, content_type=mime)
        digest = hashlib.sha256(content).hexdigest()
        row = session.scalar(select(StorageObject).where(StorageObject.key == key))
        if row is None:
            row = StorageObject(key=key, seller_id=seller_id, marketplace_account_id=account_id, created_at=now)
            session.add(row)
        elif row.seller_id != seller_id:
            raise StorageError(f"{key} belongs to another seller; it was not overwritten")
        row.mime, row.size, row.sha256, row.backend, row.updated_at = (
            mime,
            len(content),
            digest,
            self.primary.ident,
            now,
        )
        session.flush()
        return row

    def delete(self, session: Session, key: str, *, seller_id: int) -> None:
        row = self.row(session, key, seller_id=seller_id)
        self.backend(row.backend).delete(key)
        session.delete(row)
        session.flush()

    # ------------------------------------------------------------------ reading
    def row(self, session: Session, key: str, *, seller_id: int) -> StorageObject:
        row = session.scalar(
            select(StorageObject).where(StorageObject.key == key, StorageObject.seller_id == seller_id)
        )
        if row is None:  # another seller's object reads exactly like a missing one
            raise NotFound(f"no stored object {key}")
        return row

    def read(self, session: Session, key: str, *, seller_id: int) -> bytes:
        """The object's bytes, checked against its row's sha256."""
        row = self.row(session, key, seller_id=seller_id)
        content = self.backend(row.backend).get(key)
        got = hashlib.sha256(content).hexdigest()
        if got != row.sha256 or len(content) != row.size:
            raise ChecksumMismatch(key, row.backend, row.sha256, got)
        return content

    def open(self, session: Session, key: str, *, seller_id: int) -> tuple[ObjectInfo, Iterator[bytes]]:
        """The object's row and its bytes as a stream; the stream raises ``ChecksumMismatch`` at its end when
        what it read does not hash to the row (a server streaming it then aborts the response)."""
        row = self.row(session, key, seller_id=seller_id)
        info = ObjectInfo(row.key, row.mime, row.size, row.sha256, row.backend)
        return info, verified(info, self.backend(row.backend).open(key))


def verified(info: ObjectInfo, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Pass ``chunks`` on, holding the last one back until the whole object hashed right: a reader never gets
    a complete-looking copy of a damaged object."""
    digest = hashlib.sha256()
    size = 0
    held: bytes | None = None
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
        if held is not None:
            yield held
        held = chunk
    if digest.hexdigest() != info.sha256 or size != info.size:
        raise ChecksumMismatch(info.key, info.backend, info.sha256, digest.hexdigest())
    if held is not None:
        yield held
