"""Standing test: canary secrets in every marketplace's credentials, nested ones included, go through a whole
working session of ``robnu`` commands — connect, validate, show, sync, reconcile, push, process (documents),
rotate keys, refused input, revoked credentials — at DEBUG, as separate processes against the sandboxes over
real HTTP. Then the captured logs and output, every file Robnu wrote (documents, key file) and a dump of the
database are scanned: no canary, whole or in part, appears anywhere."""

from __future__ import annotations

import gzip
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from robnu.config import Settings
from robnu.sandbox.server import endpoints_of, serving
from robnu.sandbox.world import SandboxWorld
from robnu.services.runtime import Runtime
from tests.reliability.slow_ajio import ROOT

pytestmark = pytest.mark.slow
CODES = ("AJIO", "MEESHO", "AMAZON_IN", "FLIPKART")


def _canary() -> str:
    return "CNRY" + secrets.token_hex(12)


@pytest.fixture
def session_env(settings: Settings, rt: Runtime, tmp_path: Path) -> Iterator[tuple[dict[str, str], SandboxWorld]]:
    world = SandboxWorld(rate_scale=1000.0)
    try:
        with serving(world) as served:
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "ROBNU_DATABASE_URL": str(settings.database_url),
                "ROBNU_DATA_DIR": str(settings.data_dir),
                "ROBNU_ENDPOINTS": json.dumps(endpoints_of(served)),
                "ROBNU_LOG_LEVEL": "DEBUG",
                "ROBNU_HTTP_BACKOFF_BASE_SECONDS": "0.01",
                "ROBNU_HTTP_MAX_RETRIES": "1",
                "COLUMNS": "200",
            }
            yield env, world
    finally:
        world.close()


def _sandbox_accounts(world: SandboxWorld, canaries: list[str]) -> dict[str, dict[str, Any]]:
    """One sandbox account per marketplace whose every secret is a fresh canary."""

    def c() -> str:
        value = _canary()
        canaries.append(value)
        return value

    made = {
        "AJIO": world["AJIO"].create_account(
            api_password=c(),
            einvoice={"enabled": True, "password": c(), "client_secret": c()},
        ),
        "MEESHO": world["MEESHO"].create_account(api_key="mk_" + c(), api_secret="msk_" + c()),
        "AMAZON_IN": world["AMAZON_IN"].create_account(
            lwa_client_id="amzn1.application-oa2-client." + c(), lwa_client_secret=c(), refresh_token="Atzr|" + c()
        ),
        "FLIPKART": world["FLIPKART"].create_account(app_id=c(), app_secret=c()),
    }
    for code, creds in made.items():
        world[code].generate_orders(creds["account_key"], 10, days=5)
    return made


def _robnu(env: dict[str, str], transcript: list[str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "robnu.cli.main", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    transcript.append(f"$ robnu {' '.join(args)}\n{done.stdout}\n{done.stderr}")
    if ok:
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done


def _database_dump(url: str) -> str:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return "\n".join(db.iterdump())
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed to dump the PostgreSQL database"
    return subprocess.run([pg_dump, "--data-only", url], capture_output=True, text=True, check=True).stdout


def test_no_canary_secret_appears_in_logs_output_files_or_the_database(
    session_env: tuple[dict[str, str], SandboxWorld], settings: Settings, tmp_path: Path
) -> None:
    env, world = session_env
    canaries: list[str] = []
    accounts = _sandbox_accounts(world, canaries)
    transcript: list[str] = []
    _robnu(env, transcript, "sellers", "create", "Canary Traders", "--owner-email", "owner@canary.example")
    model_fields = {
        "AJIO": ("pob_id", "api_password", "store", "einvoice"),
        "MEESHO": ("supplier_id", "api_key", "api_secret", "warehouse_ids"),
        "AMAZON_IN": ("selling_partner_id", "marketplace_id", "lwa_client_id", "lwa_client_secret", "refresh_token"),
        "FLIPKART": ("seller_id", "location_id", "app_id", "app_secret"),
    }
    for n, code in enumerate(CODES, start=1):
        path = tmp_path / f"{code}.json"
        path.write_text(json.dumps({k: v for k, v in accounts[code].items() if k in model_fields[code]}))
        _robnu(env, transcript, "accounts", "add", "1", code, "--credentials-file", str(path), "--validate")
        _robnu(env, transcript, "accounts", "show", str(n))
        _robnu(env, transcript, "sync", str(n))
        _robnu(env, transcript, "reconcile", str(n))
        _robnu(env, transcript, "push", str(n))
        _robnu(env, transcript, "process", str(n))
    _robnu(env, transcript, "accounts", "list")
    _robnu(env, transcript, "keys", "rotate")
    _robnu(env, transcript, "keys", "status")
    _robnu(env, transcript, "sla")
    # Refused input that carries a canary: the error names the field, never the value.
    bad = tmp_path / "bad.json"
    refused = _canary()
    canaries.append(refused)
    bad.write_text(
        json.dumps({**{k: accounts["AMAZON_IN"][k] for k in model_fields["AMAZON_IN"]}, "refresh_token": refused})
    )
    assert (
        _robnu(
            env, transcript, "accounts", "add", "1", "AMAZON_IN", "--credentials-file", str(bad), ok=False
        ).returncode
        == 2
    )
    # Revoked credentials: failures are recorded (credential events, run errors) without the secret.
    world["FLIPKART"].revoke(accounts["FLIPKART"]["account_key"])
    assert _robnu(env, transcript, "sync", "4", "--target", "ORDERS", ok=False).returncode == 6
    _robnu(env, transcript, "accounts", "validate", "4")
    _robnu(env, transcript, "accounts", "show", "4")

    scanned: dict[str, str] = {
        "output and logs": "\n".join(transcript),
        "database dump": _database_dump(str(settings.database_url)),
    }
    files = [p for p in Path(settings.data_dir).rglob("*") if p.is_file()]
    assert any(p.suffix == ".pdf" for p in files), "processing wrote no document: the scan would prove little"
    assert any(p.name.endswith(".jsonl.gz") for p in files), "no raw-payload journal written"
    for path in files:
        content = path.read_bytes()
        if path.suffix == ".gz":  # the raw-payload journal: read as stored, once unzipped
            content = gzip.decompress(content)
        scanned[str(path)] = content.decode("latin-1")
    assert "DEBUG" in scanned["output and logs"], "DEBUG logs were not captured"
    assert len(canaries) == 11
    # Any 12 consecutive characters of a canary's random part count: a secret cut short or a mask that shows
    # its end is a leak too (12 random hex characters do not turn up by chance in a few megabytes).
    hits = [
        (canary[:8] + "…", where)
        for canary in canaries
        for where, text in scanned.items()
        if any(canary[i : i + 12] in text for i in range(4, len(canary) - 11))
    ]
    assert not hits, f"canary secrets leaked: {hits}"
