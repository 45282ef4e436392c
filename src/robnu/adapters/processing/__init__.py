"""Full processing as an adapter describes it: the flow (stages bound to handlers), the store port its
stages use, and the checks every flow shares. The engine that runs flows is in the service layer."""

from robnu.adapters.processing.flow import (
    TAX_INVOICE,
    VENDOR_INVOICE,
    BatchHandler,
    BatchResult,
    FlowRun,
    OrderHandler,
    ProcessingFlow,
    ProcessingStatus,
    Scope,
    StageSpec,
    StepResult,
    may_close_manifest,
)
from robnu.adapters.processing.port import (
    FlowBatch,
    FlowDocument,
    FlowItem,
    FlowOrder,
    FlowShipment,
    NewShipment,
    ProcessingStore,
)

__all__ = [
    "TAX_INVOICE",
    "VENDOR_INVOICE",
    "BatchHandler",
    "BatchResult",
    "FlowBatch",
    "FlowDocument",
    "FlowItem",
    "FlowOrder",
    "FlowRun",
    "FlowShipment",
    "NewShipment",
    "OrderHandler",
    "ProcessingFlow",
    "ProcessingStatus",
    "ProcessingStore",
    "Scope",
    "StageSpec",
    "StepResult",
    "may_close_manifest",
]
