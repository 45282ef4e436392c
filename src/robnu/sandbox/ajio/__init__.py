"""The AJIO Dropship/VMS seller API sandbox. AJIO publishes no open API reference: the token call, paging and batch
shapes follow integrators' published material and the rest is modelled (docs/sandbox/ajio.md says which is which).

``build_sandbox`` gives an ``AjioSandbox`` whose ``apps["api"]`` serves the seller API (one ``*_api`` module per
resource) and the control API under ``/_sandbox``.
"""

from robnu.sandbox.ajio.constants import OPERATIONS, RATE_LIMITS
from robnu.sandbox.ajio.sandbox import AjioSandbox, build_sandbox

__all__ = ["OPERATIONS", "RATE_LIMITS", "AjioSandbox", "build_sandbox"]
