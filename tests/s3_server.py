"""A real S3-compatible server for tests: moto in server mode, in its own process on a free local port (never
the internet). ``s3_server()`` starts one and yields its endpoint; ``bucket_url`` names a fresh bucket on it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

# moto accepts any credentials; boto3 insists on having some. Never real ones: set only when unset.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
REGION = "ap-south-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def s3_server() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(endpoint + "/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the moto S3 server did not start") from None
                time.sleep(0.1)
        for name, value in FAKE_CREDENTIALS.items():
            os.environ.setdefault(name, value)
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def bucket_url(endpoint: str, **options: str) -> str:
    """A new, empty bucket's storage URL (created on first use by the backend's ``ensure_bucket``)."""
    query = "&".join(f"{k}={v}" for k, v in {"endpoint": endpoint, "region": REGION, **options}.items())
    return f"s3://robnu-{uuid.uuid4().hex[:12]}?{query}"
