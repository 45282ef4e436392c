"""The AJIO adapter: registered under AJIO. Sync targets arrive with the live client (issue 4)."""

from __future__ import annotations

from robnu.adapters.ajio.satellite import SATELLITE
from robnu.adapters.base import MarketplaceAdapter
from robnu.adapters.registry import register


class AjioAdapter(MarketplaceAdapter):
    code = "AJIO"
    display_name = "AJIO"
    satellite = SATELLITE


register(AjioAdapter)
