"""With the S3 backend configured, `robnu demo --no-serve` writes every document and the raw-payload journal
to the local S3 server (moto), nothing to the data directory, and each object hashes to its row."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from robnu.storage import open_store
from tests.conftest import PG_URL
from tests.s3_server import bucket_url


@pytest.mark.skipif(bool(PG_URL), reason="the demo runs on the embedded SQLite default; covered by the SQLite run")
def test_the_demo_on_s3_keeps_every_object_in_the_bucket(tmp_path: Path, s3_endpoint: str) -> None:
    url = bucket_url(s3_endpoint)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROBNU_")}
    env.update(ROBNU_DATA_DIR=str(tmp_path / "data"), ROBNU_STORAGE_URL=url, COLUMNS="200")
    result = subprocess.run(
        [sys.executable, "-m", "robnu.cli.main", "demo", "--no-serve", "--orders", "40"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    store = open_store(url, tmp_path)
    assert f"in {store.ident}" in result.stdout

    db = sqlite3.connect(tmp_path / "data" / "robnu.sqlite3")
    rows = db.execute("SELECT key, sha256, size, backend FROM storage_objects").fetchall()
    documents = db.execute("SELECT storage_key, sha256 FROM documents").fetchall()
    db.close()
    keys = {key for key, *_ in rows}
    assert {key for key, _ in documents} <= keys and len(documents) >= 4
    assert any(k.startswith("raw-payloads/") for k in keys), "the syncs' pages were journaled"
    codes = {k.split("/")[2] for k in keys if k.startswith("raw-payloads/")}
    assert codes == {"AJIO", "MEESHO", "AMAZON_IN", "FLIPKART"}
    assert {backend for *_, backend in rows} == {store.ident}
    in_bucket = set(store.keys(""))
    assert keys == in_bucket
    for key, sha, size, _ in rows:
        content = store.get(key)
        assert (hashlib.sha256(content).hexdigest(), len(content)) == (sha, size), key
    local = tmp_path / "data"
    assert not (local / "documents").exists() and not (local / "raw-payloads").exists()
