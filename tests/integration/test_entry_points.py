"""A third party adds a marketplace through the `robnu.adapters` and `robnu.migrations` entry points, as an
installed package would; an entry point holding anything but a documented form is an error naming it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from robnu import migrations, plugins
from robnu.adapters.registry import AdapterRegistry
from robnu.domain.errors import PluginError


def _install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry_points: str) -> None:
    """What pip writes for an installed plugin: a dist-info directory with its entry points, on sys.path."""
    dist = tmp_path / "robnu_kirana_hub-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: robnu-kirana-hub\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(entry_points)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])


@pytest.mark.parametrize(
    "value", ["tests.fifth_marketplace.adapter:KiranaHubAdapter", "tests.fifth_marketplace.adapter"]
)
def test_adapter_registered_through_an_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    _install(tmp_path, monkeypatch, f"[robnu.adapters]\nkirana_hub = {value}\n")
    adapter = AdapterRegistry().get("KIRANA_HUB")
    assert adapter.display_name == "Kirana Hub"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tests.fifth_marketplace.sandbox:build_orders", r"gives a function; expected an Adapter subclass"),
        ("tests.fifth_marketplace.processing", r"defines 0 adapter classes.*name one"),  # it imports, not defines
        ("tests.fifth_marketplace.no_such_module", r"does not load: ModuleNotFoundError"),
    ],
)
def test_an_adapter_entry_point_of_another_form_names_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    _install(tmp_path, monkeypatch, f"[robnu.adapters]\nkirana_hub = {value}\n")
    with pytest.raises(PluginError, match=rf"robnu.adapters 'kirana_hub = {value}' \(robnu-kirana-hub 1.0\)"):
        AdapterRegistry().get("KIRANA_HUB")
    with pytest.raises(PluginError, match=message):
        AdapterRegistry().get("KIRANA_HUB")


def test_migration_entry_point_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install(
        tmp_path,
        monkeypatch,
        "[robnu.migrations]\nkirana_hub = tests.fifth_marketplace.migrations\n"
        "not_versions = tests.fifth_marketplace.sandbox:SHOP_TOKEN\n",
    )
    found = {ep.name: ep for ep in plugins.group(plugins.MIGRATIONS)}
    expected = Path(__file__).parents[1] / "fifth_marketplace" / "migrations"
    assert Path(plugins.migration_location(found["kirana_hub"])) == expected
    with pytest.raises(PluginError, match=r"'not_versions = .*' \(robnu-kirana-hub 1.0\) names kh-token"):
        plugins.migration_location(found["not_versions"])
    with pytest.raises(PluginError, match="not_versions"):
        migrations.alembic_config(None)  # type: ignore[arg-type]
