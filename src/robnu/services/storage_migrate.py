"""Move stored objects to another backend (``robnu storage migrate --to s3://…``): each object is read from the
backend its row names (checksum verified), written to the target, read back from the target and hashed again,
and only then is its row switched to the target. Idempotent: objects already on the target are re-verified,
not copied; a run stopped half-way resumes where it stopped."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select, update

from robnu.db.storage_models import StorageObject
from robnu.services.runtime import Runtime
from robnu.services.storage import ChecksumMismatch, Storage
from robnu.storage import ObjectStore, open_store


@dataclass
class MigrationReport:
    target: str
    copied: int = 0
    already_there: int = 0
    failed: list[str] = field(default_factory=list)  # "key: reason"

    @property
    def ok(self) -> bool:
        return not self.failed


def migrate_objects(rt: Runtime, target_url: str, *, prefix: str = "") -> MigrationReport:
    target = open_store(target_url, rt.settings.data_dir)
    ensure = getattr(target, "ensure_bucket", None)
    if ensure is not None:
        ensure()
    source = Storage(rt.storage.primary, rt.storage.local)
    report = MigrationReport(target.ident)
    with rt.sessions() as s:
        rows = s.execute(
            select(StorageObject.id, StorageObject.key, StorageObject.backend, StorageObject.sha256)
            .where(StorageObject.key.startswith(prefix))
            .order_by(StorageObject.id)
        ).all()
    for row_id, key, backend, sha in rows:
        try:
            if backend == target.ident:
                _verify(target, key, sha)
                report.already_there += 1
                continue
            content = source.backend(backend).get(key)
            if hashlib.sha256(content).hexdigest() != sha:
                raise ChecksumMismatch(key, backend, sha, hashlib.sha256(content).hexdigest())
            with rt.sessions() as s:
                mime = s.execute(select(StorageObject.mime).where(StorageObject.id == row_id)).scalar_one()
            target.put(key, content, content_type=mime)
            _verify(target, key, sha)
            with rt.session() as s:  # the row moves only once the copy is proven
                s.execute(update(StorageObject).where(StorageObject.id == row_id).values(backend=target.ident))
            report.copied += 1
        except Exception as exc:
            report.failed.append(f"{key}: {type(exc).__name__}: {exc}")
    return report


def _verify(store: ObjectStore, key: str, sha: str) -> None:
    got = hashlib.sha256(store.get(key)).hexdigest()
    if got != sha:
        raise ChecksumMismatch(key, store.ident, sha, got)
