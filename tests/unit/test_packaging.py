"""What a user installs with `pip install .` is enough to run Robnu, and the CLI starts without importing
what only some commands need.

The first test would have caught `robnu demo` dying on a fresh machine with `No module named 'pypdf'` (a
runtime import declared only in the test extra); CI also runs the README's first command in a venv made
with `pip install -e .` alone (.ci/run)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "robnu"


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _runtime_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {_normalise(re.split(r"[\s<>=!~\[;]", spec, maxsplit=1)[0]) for spec in project["dependencies"]}


def _third_party_imports() -> dict[str, set[str]]:
    """Top-level module -> the files importing it, for every absolute import anywhere in src/robnu
    (function-level imports included: a lazy import is still a run-time import)."""
    found: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in {"robnu", "__future__"} or top in sys.stdlib_module_names:
                    continue
                found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_third_party_import_is_a_runtime_dependency() -> None:
    declared = _runtime_dependencies()
    distributions = packages_distributions()
    undeclared = {}
    for module, files in sorted(_third_party_imports().items()):
        provided_by = {_normalise(d) for d in distributions.get(module, [])}
        if not provided_by & declared:
            undeclared[module] = sorted(files)[:3]
    assert not undeclared, f"imported at run time but not in [project] dependencies: {undeclared}"


def test_the_cli_entry_point_imports_no_heavy_module() -> None:
    """`robnu --help` stays fast because commands import the database, the web framework, the adapters
    and the sandboxes only when they run (docs/benchmarks.md has the measured start-up time)."""
    probe = (
        "import sys, robnu.cli.main\n"
        "heavy = ('sqlalchemy', 'fastapi', 'pydantic_settings', 'alembic', 'httpx', 'robnu.services',\n"
        "         'robnu.adapters', 'robnu.sandbox', 'robnu.db')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith(heavy)))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout
