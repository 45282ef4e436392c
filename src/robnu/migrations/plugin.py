"""What a third-party marketplace's migration calls: its registry row and its satellite table.

A plugin ships its own Alembic version directory (entry point ``robnu.migrations``) with one branch::

    revision = "kirana_hub_0001"
    down_revision = None
    branch_labels = ("kirana_hub",)
    depends_on = PLUGIN_DEPENDS_ON

    def upgrade() -> None:
        create_satellite("kirana_hub_account_details", sa.Column("shop_id", sa.String(20), nullable=False), ...)
        add_marketplace("KIRANA_HUB", "Kirana Hub", status=MarketplaceStatus.BETA)

    def downgrade() -> None:
        remove_marketplace("KIRANA_HUB")
        drop_satellite("kirana_hub_account_details")

The registry row is keyed by ``code``: the database assigns its id, so no two plugins can choose the same.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic import op

from robnu.db.types import BigId, UTCDateTime
from robnu.domain.statuses import MarketplaceStatus

# The core revision a plugin's branch depends on: the registry assigns ids by itself from here on, and every
# table a satellite references (sellers, marketplace_accounts with its (id, seller_id) key) exists.
PLUGIN_DEPENDS_ON = "0017_registry"

CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")  # fits marketplaces.code (32); upper-case like the built-ins
TABLE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,23}_account_details$")  # short enough for every key name

_marketplaces = sa.table(
    "marketplaces",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("display_name", sa.String),
    sa.column("status", sa.String),
)


def check_code(code: str) -> str:
    if not CODE_PATTERN.match(code):
        raise ValueError(f"marketplace code {code!r}: must be 2-32 characters, A-Z, 0-9 and _, starting with a letter")
    return code


def add_marketplace(code: str, display_name: str, *, status: MarketplaceStatus | str = MarketplaceStatus.BETA) -> None:
    """Insert the registry row of ``code`` (the database assigns its id)."""
    check_code(code)
    if not 0 < len(display_name) <= 100:
        raise ValueError(f"display_name of {code}: 1-100 characters, got {len(display_name)}")
    try:
        state = MarketplaceStatus(status)
    except ValueError:
        allowed = ", ".join(s.value for s in MarketplaceStatus)
        raise ValueError(f"status of {code}: {status!r} is not one of {allowed}") from None
    op.execute(_marketplaces.insert().values(code=code, display_name=display_name, status=state.value))


def remove_marketplace(code: str) -> None:
    """Delete the registry row of ``code``; refused while accounts on that marketplace are connected."""
    bind = op.get_bind()
    connected = bind.execute(
        sa.text(
            "SELECT count(*) FROM marketplace_accounts a JOIN marketplaces m ON m.id = a.marketplace_id "
            "WHERE m.code = :code"
        ),
        {"code": code},
    ).scalar_one()
    if connected:
        raise RuntimeError(f"{connected} account(s) of {code} are still connected: remove them before downgrading")
    op.execute(_marketplaces.delete().where(_marketplaces.c.code == code))


def create_satellite(table: str, *columns: sa.Column[Any]) -> None:
    """The 1:1 satellite ``table``: Robnu's required columns (``marketplace_account_id`` primary key,
    ``seller_id``, ``updated_at``), their foreign keys (the composite ``(marketplace_account_id, seller_id)``
    one included) and the ``seller_id`` index, plus the marketplace's own ``columns``: identity in clear,
    one ``Text`` column per secret."""
    if not TABLE_PATTERN.match(table):
        raise ValueError(
            f"satellite table {table!r}: must be lower-case, at most 40 characters, ending in '_account_details'"
        )
    op.create_table(
        table,
        sa.Column("marketplace_account_id", BigId, nullable=False),
        sa.Column("seller_id", BigId, nullable=False),
        *columns,
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id"],
            ["marketplace_accounts.id"],
            name=op.f(f"fk_{table}_marketplace_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f(f"fk_{table}_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["marketplace_account_id", "seller_id"],
            ["marketplace_accounts.id", "marketplace_accounts.seller_id"],
            name=op.f(f"fk_{table}_account_seller"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("marketplace_account_id", name=op.f(f"pk_{table}")),
    )
    op.create_index(op.f(f"ix_{table}_seller_id"), table, ["seller_id"], unique=False)


def drop_satellite(table: str) -> None:
    op.drop_index(op.f(f"ix_{table}_seller_id"), table_name=table)
    op.drop_table(table)
