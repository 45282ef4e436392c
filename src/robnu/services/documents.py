"""Documents (packing slips, invoices, labels, manifests, evidence packets): the bytes go through the storage
port (``services.storage``), a ``documents`` row says what the file is (type, order/shipment, reference)
and points at its stored object.

Keys: ``documents/{seller}/{account}/orders/{order}/{type}/{file}`` for an order's documents and
``documents/{seller}/{account}/{type}/{file}`` for an account's (manifests); the file name carries the
reference and a prefix of the content's sha256, so a re-issued document never overwrites the old one."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.stock_models import Document
from robnu.domain.errors import NotFound
from robnu.services.storage import Storage

EXTENSIONS = {"application/pdf": ".pdf", "application/zip": ".zip", "text/csv": ".csv"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def document_key(
    *, seller_id: int, account_id: int, order_id: int | None, doc_type: str, name: str, extension: str
) -> str:
    kind = _UNSAFE.sub("_", doc_type.lower())
    file = _UNSAFE.sub("_", name).strip("._") or "document"
    where = f"documents/{seller_id}/{account_id}"
    if order_id is not None:
        where += f"/orders/{order_id}"
    return f"{where}/{kind}/{file}{extension}"


def store_document(
    session: Session,
    storage: Storage,
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
    name = f"{external_ref}-{digest[:12]}" if external_ref else digest[:16]
    key = document_key(
        seller_id=seller_id,
        account_id=account_id,
        order_id=order_id,
        doc_type=doc_type,
        name=name,
        extension=EXTENSIONS.get(content_type, ".bin"),
    )
    storage.put(session, key, content, mime=content_type, seller_id=seller_id, account_id=account_id, now=now)
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


def read_document(session: Session, storage: Storage, doc: Document) -> bytes:
    """The document's bytes from whichever backend holds them, checksum verified."""
    return storage.read(session, doc.storage_key, seller_id=doc.seller_id)


@dataclass(frozen=True)
class DocumentStream:
    """What an HTTP response needs to stream a document: its metadata and its bytes, read as they are sent.
    ``chunks`` raises ``ChecksumMismatch`` instead of yielding the last chunk of a damaged object."""

    document_id: int
    doc_type: str
    filename: str
    content_type: str
    size: int
    sha256: str
    backend: str
    chunks: Iterator[bytes]


def open_document(session: Session, storage: Storage, *, seller_id: int, document_id: int) -> DocumentStream:
    """One of ``seller_id``'s documents as a stream. Another seller's document is ``NotFound``, exactly like
    a missing one (the caller has already checked the user may read this seller's documents)."""
    doc = session.scalar(select(Document).where(Document.id == document_id, Document.seller_id == seller_id))
    if doc is None:
        raise NotFound(f"document {document_id} does not exist")
    info, chunks = storage.open(session, doc.storage_key, seller_id=seller_id)
    return DocumentStream(
        document_id=doc.id,
        doc_type=doc.doc_type,
        filename=doc.storage_key.rsplit("/", 1)[-1],
        content_type=info.mime,
        size=info.size,
        sha256=info.sha256,
        backend=info.backend,
        chunks=chunks,
    )
