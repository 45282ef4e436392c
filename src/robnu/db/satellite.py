"""How a marketplace's 1:1 satellite table maps its typed credentials to columns.

Identity fields are stored in clear (they name the account: POB id, supplier id, selling-partner id);
each secret field has its own encrypted column. Declared by each adapter package next to its model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel

from robnu.db.models import Base


@dataclass(frozen=True)
class SatelliteSpec:
    model: type[Base]  # primary key marketplace_account_id, plus seller_id
    credentials: type[BaseModel]
    identity: Mapping[str, str]  # credential field -> clear column
    secrets: Mapping[str, str]  # credential field -> ciphertext column
    external_account_field: str  # the credential field that names the account on the marketplace

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)
