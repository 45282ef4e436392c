"""The Meesho adapter: registered under MEESHO. Sync targets arrive with the live client (issue 4)."""

from __future__ import annotations

from robnu.adapters.base import MarketplaceAdapter
from robnu.adapters.meesho.satellite import SATELLITE
from robnu.adapters.registry import register


class MeeshoAdapter(MarketplaceAdapter):
    code = "MEESHO"
    display_name = "Meesho"
    satellite = SATELLITE


register(MeeshoAdapter)
