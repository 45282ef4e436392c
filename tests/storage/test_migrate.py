"""``robnu storage migrate --to s3://…`` copies the local objects to S3, verifies each copy, switches the rows,
is idempotent, and the documents are then read from S3."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from robnu.cli.main import app
from robnu.config import Settings, get_settings
from robnu.db.stock_models import Document
from robnu.db.storage_models import StorageObject
from robnu.services.accounts import connect_account, create_seller
from robnu.services.documents import read_document, store_document
from robnu.services.runtime import Runtime
from robnu.services.storage_migrate import migrate_objects
from robnu.storage import open_store
from tests.factories import credentials


@pytest.fixture
def cli(settings: Settings, rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("ROBNU_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ROBNU_DATABASE_URL", str(settings.database_url))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _documents(rt: Runtime, n: int) -> dict[str, bytes]:
    seller = create_seller(rt, "Jaipur Prints")
    account = connect_account(rt, seller, "AJIO", credentials("AJIO"))
    stored = {}
    with rt.session() as s:
        for i in range(n):
            content = b"%%PDF-1.4 label %d" % i
            doc = store_document(
                s,
                rt.storage,
                seller_id=seller,
                account_id=account,
                doc_type="LABEL",
                content=content,
                now=rt.clock.now(),
                external_ref=f"AWB{i}",
            )
            stored[doc.storage_key] = content
    return stored


def test_migrate_copies_verifies_and_is_idempotent(cli: CliRunner, rt: Runtime, s3_url: str) -> None:
    stored = _documents(rt, 5)
    first = cli.invoke(app, ["storage", "migrate", "--to", s3_url])
    assert first.exit_code == 0, first.output
    assert "5 copied, 0 already there" in first.output
    again = cli.invoke(app, ["storage", "migrate", "--to", s3_url])
    assert again.exit_code == 0 and "0 copied, 5 already there (verified)" in again.output

    target = open_store(s3_url, rt.settings.data_dir)
    assert {k: target.get(k) for k in target.keys("documents")} == stored
    s3_rt = Runtime.create(rt.settings.model_copy(update={"storage_url": s3_url}))
    with s3_rt.sessions() as s:
        assert {o.backend for o in s.execute(select(StorageObject)).scalars()} == {target.ident}
        for doc in s.execute(select(Document)).scalars():
            Path(rt.settings.data_dir / doc.storage_key).unlink()  # the local copy is gone: S3 must serve it
            assert read_document(s, s3_rt.storage, doc) == stored[doc.storage_key]
    s3_rt.engine.dispose()


def test_a_damaged_local_object_is_not_copied_and_its_row_stays(rt: Runtime, s3_url: str) -> None:
    stored = _documents(rt, 2)
    bad_key = sorted(stored)[0]
    (rt.settings.data_dir / bad_key).write_bytes(b"scribbled over")
    report = migrate_objects(rt, s3_url)
    assert report.copied == 1 and len(report.failed) == 1 and bad_key in report.failed[0]
    assert "sha256" in report.failed[0]
    with rt.sessions() as s:
        backends = dict(s.execute(select(StorageObject.key, StorageObject.backend)).tuples().all())
    assert backends[bad_key] == "local" and hashlib.sha256(stored[bad_key]).hexdigest()
    assert not open_store(s3_url, rt.settings.data_dir).exists(bad_key)
