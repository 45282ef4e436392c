"""``robnu marketplaces scaffold``: a ready-to-edit marketplace plug-in package, from templates shipped with
Robnu (``templates/``, package data). The package installs (``pip install -e PATH``) and passes its own tests,
Robnu's conformance suite included, before any edit: its sandbox is a small fake marketplace.

Templates are plain files ending in ``.tmpl`` whose ``{{token}}`` placeholders are filled from the code and the
name; ``src/package`` becomes the package directory and ``slug`` in a file name the code in lower case.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from robnu.domain.errors import InvalidInput
from robnu.domain.marketplace import MarketplaceCode

CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]{1,23}$")  # its satellite table name must stay short (see migrations)
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .&'-]{0,99}$")
TOKEN = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class Names:
    """Every spelling of the marketplace a template needs."""

    code: str  # KIRANA_HUB
    name: str  # Kirana Hub

    @property
    def tokens(self) -> dict[str, str]:
        slug = self.code.lower()
        return {
            "CODE": self.code,
            "slug": slug,
            "host_slug": slug.replace("_", "-"),
            "Class": "".join(part.capitalize() for part in slug.split("_")),
            "name": self.name,
            "name_literal": json.dumps(self.name),
            "package": f"robnu_{slug}",
            "dist": "robnu-" + slug.replace("_", "-"),
        }


def check(code: str, name: str) -> Names:
    if not CODE_PATTERN.match(code):
        raise InvalidInput("code", "2-24 characters: A-Z, 0-9 and _, starting with a letter (e.g. KIRANA_HUB)")
    if code in set(MarketplaceCode):
        raise InvalidInput("code", f"{code} is a marketplace built into Robnu")
    if not NAME_PATTERN.match(name):
        raise InvalidInput("name", '1-100 characters: letters, digits, spaces and . & \' - (e.g. "Kirana Hub")')
    return Names(code, name)


def _render(text: str, tokens: dict[str, str], where: str) -> str:
    def fill(match: re.Match[str]) -> str:
        if match.group(1) not in tokens:
            raise KeyError(f"template {where}: unknown placeholder {match.group(0)}")
        return tokens[match.group(1)]

    return TOKEN.sub(fill, text)


def _templates(root: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    found = []
    for entry in root.iterdir():
        rel = f"{prefix}{entry.name}"
        if entry.is_dir():
            found += _templates(entry, rel + "/")
        elif entry.name.endswith(".tmpl"):
            found.append((rel.removesuffix(".tmpl"), entry))
    return sorted(found, key=lambda item: item[0])


def scaffold(code: str, name: str, target: Path) -> list[Path]:
    """Write the plug-in package for ``code`` into ``target`` (which must not exist, or be empty); returns the
    files written. Written to a temporary directory first and moved in whole: never half a package."""
    names = check(code, name)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InvalidInput("package", f"{target} exists and is not an empty directory")
    tokens = names.tokens
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    written = []
    try:
        for rel, source in _templates(files("robnu.scaffold") / "templates"):
            out = rel.replace("src/package/", f"src/{tokens['package']}/").replace("_slug.py", f"_{tokens['slug']}.py")
            path = staging / out
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_render(source.read_text(encoding="utf-8"), tokens, rel), encoding="utf-8")
            written.append(target / out)
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written
