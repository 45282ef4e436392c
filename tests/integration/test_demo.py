"""The README's main command: `robnu demo --no-serve` on the embedded SQLite default, sandboxes in-process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL


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
    for code in ("AJIO", "MEESHO", "AMAZON_IN", "FLIPKART"):
        assert f"{code}" in out
    assert out.count("VALID") >= 4
    assert out.count("succeeded") == 12  # orders, returns and payouts on each of the four
    assert "batch(es) closed" in out and "listings" in out
    assert any((tmp_path / "data" / "documents").rglob("*.pdf")), "no document written to disk"
