"""Where an order or a batch stands in its marketplace's processing flow, for the progress the pages draw: the
flow's stages come from the adapter registry, the position from the read models."""

from __future__ import annotations

from dataclasses import dataclass

from robnu.adapters.processing.flow import ProcessingFlow
from robnu.adapters.registry import AdapterRegistry
from robnu.domain.errors import UnknownMarketplace

STUCK = ("HELD", "HELD_QUOTA", "FAILED")


@dataclass(frozen=True)
class StageView:
    number: int
    name: str
    phase: str
    state: str  # done, current, held, to do


def _flow(registry: AdapterRegistry, code: str) -> ProcessingFlow | None:
    try:
        return registry.get(code).flow
    except UnknownMarketplace:
        return None


def flow_stages(registry: AdapterRegistry, code: str, status: str | None, stage: int | None) -> list[StageView]:
    """The marketplace's processing stages with where an order (``status``, last completed ``stage``) stands."""
    flow = _flow(registry, code)
    if flow is None or status is None or stage is None:
        return []
    out = []
    for spec in flow.stages:
        if spec.number <= stage or status == "DONE":
            state = "done"
        elif spec.number == stage + 1:
            state = "held" if status in STUCK else "current"
        else:
            state = "to do"
        out.append(StageView(spec.number, spec.name, spec.phase, state))
    return out


def stage_count(registry: AdapterRegistry, code: str) -> int:
    """How many stages the marketplace's flow has (0: it has none)."""
    flow = _flow(registry, code)
    return 0 if flow is None else flow.last
