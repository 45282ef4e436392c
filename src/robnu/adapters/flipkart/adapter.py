"""The Flipkart adapter: registered under FLIPKART. Sync targets arrive with the live client (issue 4)."""

from __future__ import annotations

from robnu.adapters.base import MarketplaceAdapter
from robnu.adapters.flipkart.satellite import SATELLITE
from robnu.adapters.registry import register


class FlipkartAdapter(MarketplaceAdapter):
    code = "FLIPKART"
    display_name = "Flipkart"
    satellite = SATELLITE


register(FlipkartAdapter)
