"""Documents through the storage port, the same suite on the local directory and on S3 (a moto server):
layout, a storage_objects row per object, reads verified by checksum, streaming, tenant isolation."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from robnu.config import Settings
from robnu.db.stock_models import Document
from robnu.db.storage_models import StorageObject
from robnu.domain.errors import NotFound
from robnu.domain.permissions import Role
from robnu.services.accounts import connect_account, create_seller
from robnu.services.documents import document_key, open_document, read_document, store_document
from robnu.services.runtime import Runtime
from robnu.services.storage import ChecksumMismatch
from robnu.storage import ObjectNotFound, StorageError, open_store
from robnu.storage.s3 import S3ObjectStore
from tests.conftest import _empty_tables
from tests.factories import credentials
from tests.s3_server import bucket_url

PDF = b"%PDF-1.4\n" + b"label body " * 40_000 + b"\n%%EOF\n"  # > one 256 KiB chunk: streaming is exercised


@pytest.fixture
def srt(settings: Settings, storage_url: str | None) -> Iterator[Runtime]:
    runtime = Runtime.create(settings.model_copy(update={"storage_url": storage_url}))
    _empty_tables(runtime.engine)
    yield runtime
    runtime.engine.dispose()


def _account(rt: Runtime, name: str) -> tuple[int, int]:
    seller = create_seller(rt, name)
    return seller, connect_account(rt, seller, "AJIO", credentials("AJIO", seller))


def _store(rt: Runtime, seller: int, account: int, content: bytes = PDF, ref: str = "INV/26-27/0001") -> int:
    with rt.session() as s:
        return store_document(
            s,
            rt.storage,
            seller_id=seller,
            account_id=account,
            doc_type="CUSTOMER_INVOICE",
            content=content,
            now=rt.clock.now(),
            order_id=None,
            external_ref=ref,
        ).id


def test_a_document_is_stored_under_the_layout_with_a_row_and_read_back_verified(srt: Runtime) -> None:
    seller, account = _account(srt, "Jaipur Prints")
    doc_id = _store(srt, seller, account)
    with srt.sessions() as s:
        obj = s.execute(select(StorageObject)).scalar_one()
        assert obj.key.startswith(f"documents/{seller}/{account}/customer_invoice/INV_26-27_0001-")
        assert obj.key.endswith(".pdf")
        assert (obj.mime, obj.size, obj.sha256) == ("application/pdf", len(PDF), hashlib.sha256(PDF).hexdigest())
        assert (obj.seller_id, obj.marketplace_account_id) == (seller, account)
        assert obj.backend == srt.storage.primary.ident
        assert obj.backend == ("local" if srt.settings.storage_url is None else srt.storage.primary.ident)
        # The bytes really are in the configured backend, and only there.
        assert srt.storage.primary.get(obj.key) == PDF
        on_disk = Path(srt.settings.data_dir / obj.key)
        assert on_disk.is_file() == (srt.settings.storage_url is None)
        doc = s.get(Document, doc_id)
        assert doc is not None and read_document(s, srt.storage, doc) == PDF


def test_an_order_document_goes_under_the_order(srt: Runtime) -> None:
    seller, account = _account(srt, "Jaipur Prints")
    key = document_key(
        seller_id=seller, account_id=account, order_id=77, doc_type="LABEL", name="AWB1", extension=".pdf"
    )
    assert key == f"documents/{seller}/{account}/orders/77/label/AWB1.pdf"


def test_open_document_streams_the_bytes_with_metadata(srt: Runtime) -> None:
    seller, account = _account(srt, "Jaipur Prints")
    doc_id = _store(srt, seller, account)
    with srt.sessions() as s:
        stream = open_document(s, srt.storage, seller_id=seller, document_id=doc_id)
        assert (stream.content_type, stream.size, stream.doc_type) == ("application/pdf", len(PDF), "CUSTOMER_INVOICE")
        assert stream.filename.endswith(".pdf") and stream.backend == srt.storage.primary.ident
        chunks = list(stream.chunks)
    assert len(chunks) > 1 and b"".join(chunks) == PDF


def test_another_seller_sees_nothing(srt: Runtime) -> None:
    seller, account = _account(srt, "Jaipur Prints")
    other, _ = _account(srt, "Other Seller")
    doc_id = _store(srt, seller, account)
    with srt.sessions() as s:
        with pytest.raises(NotFound):
            open_document(s, srt.storage, seller_id=other, document_id=doc_id)
        key = s.execute(select(StorageObject.key)).scalar_one()
        with pytest.raises(NotFound):
            srt.storage.read(s, key, seller_id=other)


def test_an_altered_object_is_refused_on_read_and_on_stream(srt: Runtime) -> None:
    seller, account = _account(srt, "Jaipur Prints")
    doc_id = _store(srt, seller, account)
    with srt.sessions() as s:
        key = s.execute(select(StorageObject.key)).scalar_one()
        tampered = PDF.replace(b"label body", b"label BODY", 1)
        srt.storage.primary.put(key, tampered, content_type="application/pdf")  # behind Robnu's back
        doc = s.get(Document, doc_id)
        assert doc is not None
        with pytest.raises(ChecksumMismatch, match="sha256"):
            read_document(s, srt.storage, doc)
        stream = open_document(s, srt.storage, seller_id=seller, document_id=doc_id)
        received = b""
        with pytest.raises(ChecksumMismatch):
            for chunk in stream.chunks:
                received += chunk
        assert len(received) < len(PDF)  # the last chunk was held back: never a complete-looking copy


def test_a_missing_object_is_a_clear_error(srt: Runtime) -> None:
    seller, account = _account(srt, "Jaipur Prints")
    _store(srt, seller, account)
    with srt.sessions() as s:
        key = s.execute(select(StorageObject.key)).scalar_one()
        srt.storage.primary.delete(key)
        with pytest.raises(ObjectNotFound, match=key.replace(".", r"\.")):
            srt.storage.read(s, key, seller_id=seller)


def test_the_same_content_twice_is_one_object_and_new_content_a_new_one(srt: Runtime) -> None:
    seller, account = _account(srt, "Jaipur Prints")
    _store(srt, seller, account)
    _store(srt, seller, account)
    _store(srt, seller, account, content=PDF + b"re-issued")
    with srt.sessions() as s:
        assert len(s.execute(select(StorageObject)).scalars().all()) == 2
    assert len(list(srt.storage.primary.keys("documents"))) == 2


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://host/x", "scheme 'ftp' is not supported"),
        ("s3://", "needs a bucket name"),
        ("s3://user:pw@bucket", "credentials do not belong in the URL"),
        ("s3://bucket?colour=red", "unknown option(s) colour"),
        ("s3://bucket?sse=rot13", "sse must be one of"),
    ],
)
def test_a_bad_storage_url_names_the_setting(url: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="storage_url") as caught:
        open_store(url, tmp_path)
    assert message in str(caught.value) and "pw" not in str(caught.value)


def test_keys_must_be_plain_relative_paths(srt: Runtime) -> None:
    for bad in ("../escape", "/abs", "a//b", "a/./b", ""):
        with pytest.raises(StorageError, match="key"):
            srt.storage.primary.put(bad, b"x", content_type="text/plain")


def test_server_side_encryption_is_asked_for_on_every_put(s3_endpoint: str, tmp_path: Path) -> None:
    url = bucket_url(s3_endpoint, sse="AES256")
    store = open_store(url, tmp_path)
    assert isinstance(store, S3ObjectStore)
    store.ensure_bucket()
    store.put("documents/1/2/label/x.pdf", PDF, content_type="application/pdf")
    head = store.client.head_object(Bucket=store.bucket, Key="documents/1/2/label/x.pdf")
    assert head["ServerSideEncryption"] == "AES256" and head["ContentType"] == "application/pdf"


def test_the_api_streams_a_document_from_the_backend_that_holds_it(srt: Runtime) -> None:
    from fastapi.testclient import TestClient

    from robnu.api.app import create_app
    from tests.api.conftest import bearer, make_shop

    shop, other = make_shop(srt, "alpha"), make_shop(srt, "beta")
    account = connect_account(srt, shop.seller_id, "AJIO", credentials("AJIO", 1))
    doc_id = _store(srt, shop.seller_id, account)
    with TestClient(create_app(srt), base_url="http://testserver") as client:
        mine = bearer(client, shop.email(Role.ADMIN))
        r = client.get(f"/v1/documents/{doc_id}", headers=mine)
        assert r.status_code == 200 and r.content == PDF and r.headers["content-type"] == "application/pdf"
        assert r.headers["content-length"] == str(len(PDF))
        theirs = bearer(client, other.email(Role.ADMIN))
        assert client.get(f"/v1/documents/{doc_id}", headers=theirs).status_code == 404

        # A damaged object: a small one fails cleanly before the response starts…
        small = b"%PDF-1.4 a small slip %%EOF"
        small_id = _store(srt, shop.seller_id, account, content=small, ref="SLIP-1")
        with srt.sessions() as s:
            small_key = s.execute(select(Document.storage_key).where(Document.id == small_id)).scalar_one()
            big_key = s.execute(select(Document.storage_key).where(Document.id == doc_id)).scalar_one()
        srt.storage.primary.put(small_key, small.replace(b"small", b"SMALL"), content_type="application/pdf")
        r = client.get(f"/v1/documents/{small_id}", headers=mine)
        assert r.status_code == 503 and b"PDF" not in r.content
        # … and a large one is cut off before its last chunk (the response had started).
        srt.storage.primary.put(big_key, PDF[:-1] + b"!", content_type="application/pdf")
        with pytest.raises((ChecksumMismatch, RuntimeError)):
            client.get(f"/v1/documents/{doc_id}", headers=mine)
