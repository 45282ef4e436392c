"""Where documents (packing slips, invoices, labels, manifests) are kept: a storage interface with a
local-directory default, and a row per file (type, order/shipment, sha256, size) indexed by shipment."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from robnu.db.stock_models import Document
from robnu.domain.errors import InvalidInput


class DocumentStorage(Protocol):
    def put(self, key: str, content: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...


class LocalStorage:
    """Files under one directory, written atomically (temp file + rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise InvalidInput("key", "must stay inside the storage directory")
        return path

    def put(self, key: str, content: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(content)
        os.replace(tmp, path)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()


def store_document(
    session: Session,
    storage: DocumentStorage,
    *,
    seller_id: int,
    account_id: int,
    doc_type: str,
    content: bytes,
    now: datetime,
    order_id: int | None = None,
    shipment_id: int | None = None,
    external_ref: str | None = None,
    content_type: str = "application/pdf",
) -> Document:
    digest = hashlib.sha256(content).hexdigest()
    extension = {"application/pdf": ".pdf", "application/zip": ".zip"}.get(content_type, ".bin")
    key = f"seller-{seller_id}/account-{account_id}/{doc_type.lower()}/{external_ref or digest[:16]}{extension}"
    storage.put(key, content)
    row = Document(
        seller_id=seller_id,
        marketplace_account_id=account_id,
        order_id=order_id,
        shipment_id=shipment_id,
        doc_type=doc_type,
        external_ref=external_ref,
        storage_key=key,
        sha256=digest,
        size_bytes=len(content),
        content_type=content_type,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row
