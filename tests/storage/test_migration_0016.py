"""Migration 0016_storage's backfill, on SQLite and PostgreSQL: documents written before it (keys relative to
<data dir>/documents, no storage_objects rows) get the "documents/" key of the local backend and one row per
object, described by the newest document of the key; each is then read back through the storage port, its
checksum verified. A downgrade gives the documents their old keys back."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from robnu import migrations
from robnu.db.engine import make_engine
from robnu.services.storage import Storage
from tests.conftest import create_database, drop_database

BEFORE = "0015_read_indexes"
T0 = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
FIRST_LABEL = b"%PDF-1.4 first label %%EOF"
LABEL = b"%PDF-1.4 the label as reprinted %%EOF"  # the old writer overwrote the file: this is what is on disk
INVOICE = b"%PDF-1.4 invoice INV/26-27/0001 %%EOF"
SLIP = b"%PDF-1.4 another seller's slip %%EOF"


def _insert(engine: Engine, table: str, **values: Any) -> None:
    names = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    with engine.begin() as c:
        c.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)


def _seller_and_account(engine: Engine, seller_id: int, account_id: int) -> None:
    _insert(engine, "sellers", id=seller_id, name=f"Seller {seller_id}", plan="GROWTH", created_at=T0)
    _insert(
        engine,
        "marketplace_accounts",
        id=account_id,
        seller_id=seller_id,
        marketplace_id=1,
        external_account_id=f"ext-{account_id}",
        display_name=f"Account {account_id}",
        last_validation_status="OK",
        needs_reconnect=False,
        created_at=T0,
        updated_at=T0,
    )


def _old_document(
    engine: Engine, data_dir: Path, doc_id: int, seller: int, account: int, key: str, content: bytes, at: datetime
) -> None:
    """A document as the writer before 0016 left it: the file at <data dir>/documents/<key>, overwritten by
    a later document of the same key, and no storage_objects row."""
    path = data_dir / "documents" / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    _insert(
        engine,
        "documents",
        id=doc_id,
        seller_id=seller,
        marketplace_account_id=account,
        doc_type="LABEL" if "label" in key else "CUSTOMER_INVOICE",
        storage_key=key,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
        content_type="application/pdf",
        created_at=at,
    )


def _as_utc(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def test_documents_stored_before_0016_get_their_rows_and_read_back_verified(tmp_path: Path) -> None:
    url = create_database(tmp_path, "mig16")
    engine = make_engine(url)
    data_dir = tmp_path / "data"
    try:
        migrations.upgrade(engine, BEFORE)
        _seller_and_account(engine, 1, 10)
        _seller_and_account(engine, 2, 20)
        label_key, invoice_key, slip_key = "1/10/orders/5/label/AWB1.pdf", "1/10/invoices/INV-1.pdf", "2/20/slip.pdf"
        _old_document(engine, data_dir, 1, 1, 10, label_key, FIRST_LABEL, T0)
        _old_document(engine, data_dir, 2, 1, 10, invoice_key, INVOICE, T0 + timedelta(minutes=1))
        _old_document(engine, data_dir, 3, 1, 10, label_key, LABEL, T0 + timedelta(minutes=2))  # the reprint
        _old_document(engine, data_dir, 4, 2, 20, slip_key, SLIP, T0 + timedelta(minutes=3))

        migrations.upgrade(engine)

        with engine.connect() as c:
            keys = dict(c.execute(text("SELECT id, storage_key FROM documents")).tuples().all())
            rows = {
                r["key"]: r
                for r in c.execute(
                    text(
                        "SELECT key, seller_id, marketplace_account_id, mime, size, sha256, backend, created_at, "
                        "updated_at FROM storage_objects"
                    )
                ).mappings()
            }
        assert keys == {
            1: "documents/" + label_key,
            2: "documents/" + invoice_key,
            3: "documents/" + label_key,
            4: "documents/" + slip_key,
        }
        expected = {
            "documents/" + label_key: (1, 10, LABEL, T0 + timedelta(minutes=2)),  # the newest document of the key
            "documents/" + invoice_key: (1, 10, INVOICE, T0 + timedelta(minutes=1)),
            "documents/" + slip_key: (2, 20, SLIP, T0 + timedelta(minutes=3)),
        }
        assert rows.keys() == expected.keys()
        for key, (seller, account, content, at) in expected.items():
            row = rows[key]
            assert (row["seller_id"], row["marketplace_account_id"], row["mime"], row["backend"]) == (
                seller,
                account,
                "application/pdf",
                "local",
            )
            assert (row["size"], row["sha256"]) == (len(content), hashlib.sha256(content).hexdigest())
            assert _as_utc(row["created_at"]) == _as_utc(row["updated_at"]) == at

        # The backfilled rows describe the files where the local backend looks for them: read through the port.
        storage = Storage.from_url(None, data_dir)
        with Session(engine) as s:
            for key, (seller, _account, content, _at) in expected.items():
                assert storage.read(s, key, seller_id=seller) == content

        migrations.downgrade(engine, BEFORE)
        with engine.connect() as c:
            assert dict(c.execute(text("SELECT id, storage_key FROM documents")).tuples().all()) == {
                1: label_key,
                2: invoice_key,
                3: label_key,
                4: slip_key,
            }
    finally:
        engine.dispose()
        drop_database(url)
