"""The README's main command: `robnu demo --no-serve` on the embedded SQLite default, sandboxes in-process."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL

CODES = ("AJIO", "MEESHO", "AMAZON_IN", "FLIPKART")


@pytest.mark.skipif(bool(PG_URL), reason="the demo runs on the embedded SQLite default; covered by the SQLite run")
def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROBNU_")}
    env.update(ROBNU_DATA_DIR=str(tmp_path / "data"), COLUMNS="200")
    result = subprocess.run(
        [sys.executable, "-m", "robnu.cli.main", "demo", "--no-serve", "--orders", "60"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    for code in CODES:
        assert f"{code}" in out
    assert out.count("VALID") >= 4
    assert out.count("succeeded") == 16  # orders, returns, payouts and today's orders on each of the four
    assert "batch(es) closed" in out and "listings" in out
    assert any((tmp_path / "data" / "documents").rglob("*.pdf")), "no document written to disk"

    # The catalog step runs after the orders, so every account has listings, and today's orders move stock
    # that is pushed to every marketplace: the step table says so, and so does the database.
    for code in CODES:
        catalog = _step(out, code, "catalog")
        assert catalog and int(catalog.split()[0]) > 0, f"{code}: catalog step: {catalog!r}"
        push = _step(out, code, "stock push")
        assert push and int(push.split()[0]) > 0 and "failed" not in push, f"{code}: stock push: {push!r}"
    with sqlite3.connect(tmp_path / "data" / "robnu.sqlite3") as db:
        rows = db.execute(
            "SELECT m.code, COUNT(DISTINCT l.id), COUNT(DISTINCT t.id) FROM marketplace_accounts a"
            " JOIN marketplaces m ON m.id = a.marketplace_id"
            " LEFT JOIN listings l ON l.marketplace_account_id = a.id"
            " LEFT JOIN inventory_tasks t ON t.marketplace_account_id = a.id AND t.status = 'SENT'"
            " GROUP BY m.code"
        ).fetchall()
    stats = {code: (listings, sent) for code, listings, sent in rows}
    assert set(stats) == set(CODES)
    assert all(listings > 0 and sent > 0 for listings, sent in stats.values()), stats

    # One period reconciled per marketplace: every settlement error its sandbox seeded is found.
    assert "Reconciliation: one period per marketplace" in out
    for code in CODES:
        row = next(line for line in out.splitlines() if line.startswith(f"│ {code} ") and " / " in line)
        found, seeded = (int(x) for x in row.split("│")[6].split("/"))
        assert found == seeded, row

    # The day's AJIO batch ends in a closed manifest whose PDF is on disk.
    ajio = _step(out, "AJIO", "processing")
    assert ajio and int(ajio.split()[0]) > 0 and "0 batch(es) closed" not in ajio, ajio
    with sqlite3.connect(tmp_path / "data" / "robnu.sqlite3") as db:
        manifests = db.execute(
            "SELECT d.storage_key FROM documents d JOIN marketplace_accounts a ON a.id = d.marketplace_account_id"
            " JOIN marketplaces m ON m.id = a.marketplace_id WHERE m.code = 'AJIO' AND d.doc_type = 'MANIFEST'"
        ).fetchall()
        closed = db.execute(
            "SELECT COUNT(*) FROM processing_batches b JOIN marketplace_accounts a ON a.id = b.marketplace_account_id"
            " JOIN marketplaces m ON m.id = a.marketplace_id WHERE m.code = 'AJIO' AND b.status = 'CLOSED'"
            " AND b.manifest_ref IS NOT NULL"
        ).fetchone()[0]
    assert manifests and closed >= 1
    assert all((tmp_path / "data" / key).read_bytes().startswith(b"%PDF") for (key,) in manifests)


def _step(out: str, code: str, step: str) -> str | None:
    """The result column of one row of the demo's "What each step did" table."""
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("│") if c.strip()]
        if len(cells) == 3 and cells[0] == code and cells[1] == step:
            return cells[2]
    return None
