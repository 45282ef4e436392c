"""`robnu marketplaces scaffold` writes a whole plug-in package or nothing (CI installs one and runs its tests
and Robnu's suite with it: .ci/run)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from robnu.cli.main import app
from robnu.domain.errors import InvalidInput
from robnu.scaffold import scaffold


def test_the_package_has_every_part_and_every_placeholder_filled(tmp_path: Path) -> None:
    target = tmp_path / "plugin"
    result = CliRunner().invoke(
        app, ["marketplaces", "scaffold", "CORNER_MART", "--name", "Corner Mart", "--package", str(target)]
    )
    assert result.exit_code == 0, result.output
    pkg = target / "src" / "robnu_corner_mart"
    for part in ("adapter", "client", "credentials", "satellite", "sandbox", "testing", "migrations/0001_corner_mart"):
        assert (pkg / f"{part}.py").is_file(), part
    for path in target.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert "{{" not in text and "}}" not in text, path
            if path.suffix == ".py":
                compile(text, str(path), "exec")
    project = tomllib.loads((target / "pyproject.toml").read_text())
    eps = project["project"]["entry-points"]
    assert eps["robnu.adapters"] == {"corner_mart": "robnu_corner_mart.adapter:CornerMartAdapter"}
    assert eps["robnu.migrations"] == {"corner_mart": "robnu_corner_mart.migrations"}
    assert eps["robnu.sandboxes"] == {"corner_mart": "robnu_corner_mart.sandbox:SANDBOX"}
    assert eps["robnu.conformance"] == {"corner_mart": "robnu_corner_mart.testing:PROFILE"}
    assert 'add_marketplace("CORNER_MART", "Corner Mart"' in (pkg / "migrations" / "0001_corner_mart.py").read_text()
    assert (target / "tests" / "test_conformance.py").read_text().endswith('conformance_suite("CORNER_MART")\n')


@pytest.mark.parametrize(
    ("code", "name", "field"),
    [
        ("corner", "Corner", "code"),
        ("AJIO", "Another AJIO", "code"),
        ("C", "Corner", "code"),
        ("CORNER", 'Corner "Mart"', "name"),
        ("CORNER", "", "name"),
    ],
)
def test_bad_code_or_name_is_refused_naming_the_field(tmp_path: Path, code: str, name: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        scaffold(code, name, tmp_path / "plugin")
    assert caught.value.field == field
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_an_existing_directory_with_files_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(InvalidInput, match="not an empty directory"):
        scaffold("CORNER_MART", "Corner Mart", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert scaffold("CORNER_MART", "Corner Mart", empty)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "keep.txt"]  # no staging directory left
