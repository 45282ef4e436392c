"""Reading Robnu's entry-point groups, one documented form each, with a clear error for anything else.

* ``robnu.adapters``: ``name = "package.module:AdapterClass"`` (an ``Adapter`` subclass, registered by its
  ``code``), or ``name = "package.module"`` (a module that defines exactly one adapter class);
* ``robnu.migrations``: ``name = "package.migrations"`` (a package whose directory holds the Alembic version
  files of the plug-in's branch), or ``name = "package.module:VERSIONS"`` (a ``str`` or ``Path`` of that
  directory);
* ``robnu.sandboxes``: ``name = "package.sandbox:SANDBOX"`` (a ``robnu.sandbox.world.SandboxSpec``), used by
  the sandbox world and the conformance kit (``robnu.testing``).
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

from robnu.domain.errors import PluginError

ADAPTERS = "robnu.adapters"
MIGRATIONS = "robnu.migrations"
SANDBOXES = "robnu.sandboxes"


def describe(ep: EntryPoint) -> str:
    """``entry point robnu.adapters 'kirana = pkg.adapter:KiranaAdapter' (robnu-kirana 0.1.0)``."""
    dist = f" ({ep.dist.name} {ep.dist.version})" if ep.dist is not None else ""
    return f"entry point {ep.group} '{ep.name} = {ep.value}'{dist}"


def load(ep: EntryPoint) -> Any:
    try:
        return ep.load()
    except Exception as exc:  # an import error deep in the plug-in: say which plug-in
        raise PluginError(f"{describe(ep)} does not load: {type(exc).__name__}: {exc}") from exc


def group(name: str) -> list[EntryPoint]:
    return sorted(entry_points(group=name), key=lambda ep: (ep.name, ep.value))


def migration_location(ep: EntryPoint) -> str:
    """The version directory an entry point of ``robnu.migrations`` names."""
    value = load(ep)
    if isinstance(value, ModuleType):
        if value.__file__ is not None:
            path = Path(value.__file__).parent
        else:  # a directory without __init__.py: a namespace package, fine if it is one directory
            dirs = list(getattr(value, "__path__", []))
            if len(dirs) != 1:
                raise PluginError(f"{describe(ep)} names a namespace package spread over {dirs}")
            path = Path(dirs[0])
    elif isinstance(value, str | Path):
        path = Path(value)
    else:
        raise PluginError(
            f"{describe(ep)} gives a {type(value).__name__}; expected a package whose directory holds the version "
            "files ('package.migrations') or the directory's path ('package.module:VERSIONS')"
        )
    if not path.is_dir() or not any(path.glob("*.py")):
        raise PluginError(f"{describe(ep)} names {path}, which is not a directory of Alembic version files")
    return str(path)
