"""Code -> adapter. Built-in adapters register on import of their package's ``adapter`` module;
third parties add theirs through the ``robnu.adapters`` entry-point group (value: ``package.module:Class``,
an ``Adapter`` subclass, or ``package.module``, a module defining exactly one; anything else is a
``PluginError`` naming the entry point), or by calling ``register`` directly."""

from __future__ import annotations

import importlib
import threading
from importlib.metadata import EntryPoint
from types import ModuleType

from robnu import plugins
from robnu.adapters.base import Adapter, MarketplaceAdapter
from robnu.domain.errors import InvalidInput, PluginError, UnknownMarketplace

BUILTIN_MODULES = (
    "robnu.adapters.ajio.adapter",
    "robnu.adapters.meesho.adapter",
    "robnu.adapters.amazon_in.adapter",
    "robnu.adapters.flipkart.adapter",
)
ENTRY_POINT_GROUP = plugins.ADAPTERS


def adapter_of(ep: EntryPoint) -> MarketplaceAdapter | type[MarketplaceAdapter]:
    """What an entry point of ``robnu.adapters`` holds, in one of its documented forms."""
    value = plugins.load(ep)
    if isinstance(value, Adapter) or (isinstance(value, type) and issubclass(value, Adapter)):
        return value
    if isinstance(value, ModuleType):
        found = [
            v
            for v in vars(value).values()
            if isinstance(v, type) and issubclass(v, Adapter) and v.__module__ == value.__name__ and "code" in vars(v)
        ]
        if len(found) == 1:
            return found[0]
        names = ", ".join(sorted(v.__name__ for v in found)) or "none"
        raise PluginError(
            f"{plugins.describe(ep)}: module {value.__name__} defines {len(found)} adapter classes ({names}); "
            f"name one: '{value.__name__}:ClassName'"
        )
    raise PluginError(
        f"{plugins.describe(ep)} gives a {type(value).__name__}; expected an Adapter subclass "
        "('package.module:ClassName') or a module defining exactly one ('package.module')"
    )


class AdapterRegistry:
    def __init__(self) -> None:
        self._adapters: dict[str, MarketplaceAdapter] = {}
        self._lock = threading.Lock()
        # Loading imports modules that call ``register`` (which takes ``_lock``), so it has its own lock;
        # re-entrant because an adapter module may look the registry up while it is being imported.
        self._load_lock = threading.RLock()
        self._loaded = False
        self._loading = False

    def register(self, adapter: MarketplaceAdapter | type[MarketplaceAdapter]) -> MarketplaceAdapter:
        instance = adapter() if isinstance(adapter, type) else adapter
        code = getattr(instance, "code", None)
        if not code or not isinstance(code, str):
            raise InvalidInput("code", f"{type(instance).__name__} declares no marketplace code")
        with self._lock:
            existing = self._adapters.get(code)
            if existing is not None and type(existing) is not type(instance):
                raise InvalidInput("code", f"{code} is already registered by {type(existing).__name__}")
            self._adapters[code] = instance
        return instance

    def unregister(self, code: str) -> None:
        with self._lock:
            self._adapters.pop(code, None)

    def get(self, code: str) -> MarketplaceAdapter:
        self._ensure_loaded()
        try:
            return self._adapters[code]
        except KeyError:
            raise UnknownMarketplace(code, list(self._adapters)) from None

    def all(self) -> list[MarketplaceAdapter]:
        self._ensure_loaded()
        return [self._adapters[c] for c in sorted(self._adapters)]

    def _ensure_loaded(self) -> None:
        """Import the built-in adapters and the entry points once, completely, before any lookup answers.

        Every thread waits on the lock until loading has finished; ``_loaded`` is set only at the end, so no
        thread ever sees a half-filled registry (a lookup that raced the first import used to fail with
        "known: " and nothing after it). A failed load is tried again by the next lookup."""
        if self._loaded:
            return
        with self._load_lock:
            if self._loaded or self._loading:  # done by another thread, or re-entered from an import below
                return
            self._loading = True
            try:
                for module in BUILTIN_MODULES:
                    importlib.import_module(module)
                for ep in plugins.group(ENTRY_POINT_GROUP):
                    self.register(adapter_of(ep))
                self._loaded = True
            finally:
                self._loading = False


registry = AdapterRegistry()


def register(adapter: MarketplaceAdapter | type[MarketplaceAdapter]) -> MarketplaceAdapter:
    return registry.register(adapter)
