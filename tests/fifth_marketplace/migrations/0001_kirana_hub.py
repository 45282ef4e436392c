"""Kirana Hub, a marketplace that does not ship with Robnu: its registry row and its satellite.

This is the whole schema change a new marketplace needs. It branches from Robnu's core (depending on the
revision plugins build on) and touches no leaf table; the database assigns the registry row's id.

Revision ID: kh_0001
"""

from __future__ import annotations

import sqlalchemy as sa

from robnu.domain.statuses import MarketplaceStatus
from robnu.migrations.plugin import (
    PLUGIN_DEPENDS_ON,
    add_marketplace,
    create_satellite,
    drop_satellite,
    remove_marketplace,
)

revision = "kh_0001"
down_revision = None
branch_labels = ("kirana_hub",)
depends_on = PLUGIN_DEPENDS_ON


def upgrade() -> None:
    create_satellite(
        "kirana_hub_account_details",
        sa.Column("shop_id", sa.String(20), nullable=False),
        sa.Column("api_token_ciphertext", sa.Text(), nullable=False),
    )
    add_marketplace("KIRANA_HUB", "Kirana Hub", status=MarketplaceStatus.BETA)


def downgrade() -> None:
    remove_marketplace("KIRANA_HUB")
    drop_satellite("kirana_hub_account_details")
