"""The Amazon India adapter: registered under AMAZON_IN. Sync targets arrive with the live client (issue 4)."""

from __future__ import annotations

from robnu.adapters.amazon_in.satellite import SATELLITE
from robnu.adapters.base import MarketplaceAdapter
from robnu.adapters.registry import register


class AmazonInAdapter(MarketplaceAdapter):
    code = "AMAZON_IN"
    display_name = "Amazon India"
    satellite = SATELLITE


register(AmazonInAdapter)
