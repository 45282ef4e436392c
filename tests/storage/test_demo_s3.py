"""With the S3 backend configured, `robnu demo --no-serve` writes every document and the raw-payload journal
(every kind of work's pages) to the local S3 server (moto), nothing to the data directory, and each object
hashes to its row; then the API and the dashboard, signed in as the demo user, serve the documents from the
bucket."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from robnu.cli.demo_run import DEMO_EMAIL
from robnu.config import Settings
from robnu.services.runtime import Runtime
from robnu.storage import open_store
from robnu.web.serve import build_app
from tests.api.conftest import bearer
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
    kinds = {
        json.loads(line)["kind"]
        for key in keys
        if key.startswith("raw-payloads/")
        for line in gzip.decompress(store.get(key)).splitlines()
    }
    assert kinds == {"validation", "sync", "catalog", "inventory", "processing"}

    password = re.search(rf"sign in as {re.escape(DEMO_EMAIL)} with password (\S+)", result.stdout)
    assert password, result.stdout[-2000:]
    _served_from_the_bucket(local, url, password.group(1))


def _served_from_the_bucket(data_dir: Path, url: str, password: str) -> None:
    """The API (bearer token) and the dashboard (signed-in session, following the order page's link) stream
    every sampled document from the bucket, byte for byte what its row says."""
    db = sqlite3.connect(data_dir / "robnu.sqlite3")
    documents = db.execute("SELECT id, order_id, sha256, content_type FROM documents ORDER BY id").fetchall()
    db.close()
    settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'robnu.sqlite3'}", storage_url=url)
    rt = Runtime.create(settings)
    try:
        with TestClient(build_app(rt), base_url="http://testserver") as client:
            token = bearer(client, DEMO_EMAIL, password)
            for doc_id, _order, sha, mime in documents:
                r = client.get(f"/v1/documents/{doc_id}", headers=token)
                assert r.status_code == 200, r.text
                assert (hashlib.sha256(r.content).hexdigest(), r.headers["content-type"]) == (sha, mime)

            client.cookies.clear()
            form = {"email": DEMO_EMAIL, "password": password, "next": "/"}
            assert client.post("/login", data=form, follow_redirects=False).status_code == 303
            doc_id, order_id, sha, _mime = next(d for d in documents if d[1] is not None)
            page = client.get(f"/orders/{order_id}")
            assert page.status_code == 200 and f'href="/v1/documents/{doc_id}"' in page.text
            r = client.get(f"/v1/documents/{doc_id}")  # the link, with the dashboard's session
            assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == sha
    finally:
        rt.engine.dispose()
