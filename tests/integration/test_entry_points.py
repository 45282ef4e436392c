"""A third party adds a marketplace through the `robnu.adapters` entry point, as an installed package would."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from robnu.adapters.registry import AdapterRegistry


def test_adapter_registered_through_an_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dist = tmp_path / "robnu_kirana_hub-1.0.dist-info"  # what pip writes for an installed plugin
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: robnu-kirana-hub\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[robnu.adapters]\nkirana_hub = tests.fifth_marketplace.adapter:KiranaHubAdapter\n"
    )
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    registry = AdapterRegistry()
    adapter = registry.get("KIRANA_HUB")
    assert adapter.display_name == "Kirana Hub"
