"""`robnu sandbox serve` starts the four sandboxes on localhost and prints base URLs and credentials."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from robnu.sandbox.server import free_port


def test_sandbox_serve_over_real_http() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "robnu.cli.main", "sandbox", "serve", "--port", str(port), "--orders", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                clock = httpx.get(f"http://127.0.0.1:{port}/_sandbox/clock", timeout=1)
                if clock.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "sandbox serve did not come up"
            time.sleep(0.3)
        # The Amazon LWA app answers on its own port with the OAuth error shape.
        lwa = httpx.post(f"http://127.0.0.1:{port + 3}/auth/o2/token", data={"grant_type": "refresh_token"})
        assert lwa.status_code == 400 and lwa.json()["error"] == "invalid_request"
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    for code in ("AJIO", "MEESHO", "AMAZON_IN", "FLIPKART"):
        assert code in out
    assert "api_password" in out and "refresh_token" in out and f"http://127.0.0.1:{port}" in out
