"""A marketplace's 1:1 satellite table and how it maps the typed credentials to columns.

Identity fields are stored in clear (they name the account: POB id, supplier id, selling-partner id);
each secret field has its own encrypted column. Declared by each adapter package next to its model.

The satellite contract (third-party marketplaces included):

* the model is a class of Robnu's declarative ``Base`` (``robnu.db.models.Base``), so it joins the one
  metadata the migrations are checked against; ``AccountSatellite`` gives it the required columns:
  ``marketplace_account_id`` (primary key, FK to ``marketplace_accounts``), ``seller_id`` (FK to
  ``sellers``, indexed; ``Base`` adds the composite ``(marketplace_account_id, seller_id)`` key) and
  ``updated_at``;
* ``identity`` maps credential fields to clear columns (a field that is not a ``str`` is stored as JSON text),
  ``secrets`` maps each secret field to its own ``Text`` column holding the sealed value;
* ``external_account_field`` is the identity field that names the account on the marketplace.

``SatelliteSpec`` checks all of this when it is written, naming what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import ForeignKey, Table
from sqlalchemy.orm import Mapped, mapped_column

from robnu.db.models import Base
from robnu.db.types import UTCDateTime

REQUIRED_COLUMNS = ("marketplace_account_id", "seller_id", "updated_at")


class AccountSatellite(Base):
    """Base of a satellite model: the columns every satellite has. Subclass it with ``__tablename__`` and the
    marketplace's identity and ciphertext columns."""

    __abstract__ = True
    marketplace_account_id: Mapped[int] = mapped_column(
        ForeignKey("marketplace_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class SatelliteSpec:
    model: type[Base]  # primary key marketplace_account_id, plus seller_id and updated_at
    credentials: type[BaseModel]
    identity: Mapping[str, str]  # credential field -> clear column
    secrets: Mapping[str, str]  # credential field -> ciphertext column
    external_account_field: str  # the credential field that names the account on the marketplace

    def __post_init__(self) -> None:
        problems = satellite_problems(self)
        if problems:
            name = getattr(self.model, "__name__", repr(self.model))
            raise TypeError(f"satellite {name}: " + "; ".join(problems))

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)


def satellite_problems(spec: SatelliteSpec) -> list[str]:
    """What breaks the satellite contract (see the module doc), in words; empty when nothing does."""
    if not (isinstance(spec.model, type) and issubclass(spec.model, Base)):
        return ["the model must be a class of robnu.db.models.Base (subclass robnu.db.satellite.AccountSatellite)"]
    table = spec.model.__dict__.get("__table__")
    if not isinstance(table, Table):
        return ["the model has no table (declare __tablename__)"]
    problems = []
    columns = set(table.c.keys())
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        problems.append(f"missing required column(s) {missing} (subclass AccountSatellite)")
    if [c.name for c in table.primary_key.columns] != ["marketplace_account_id"]:
        problems.append("the primary key must be marketplace_account_id alone (1:1 with the account)")
    fields = set(spec.credentials.model_fields)
    for kind, mapping in (("identity", spec.identity), ("secrets", spec.secrets)):
        for field, column in mapping.items():
            if field not in fields:
                problems.append(f"{kind} names {field!r}, which {spec.credentials.__name__} does not have")
            if column not in columns:
                problems.append(f"{kind} maps {field!r} to column {column!r}, which the table does not have")
    both = set(spec.identity) & set(spec.secrets)
    if both:
        problems.append(f"field(s) {sorted(both)} are both identity and secret")
    unmapped = fields - set(spec.identity) - set(spec.secrets)
    if unmapped:
        problems.append(f"credential field(s) {sorted(unmapped)} are stored nowhere (map them in identity or secrets)")
    if spec.external_account_field not in spec.identity:
        problems.append(f"external_account_field {spec.external_account_field!r} must be an identity field")
    return problems
