"""Statement models: how each marketplace settles an order, one module per marketplace."""

from __future__ import annotations

from robnu.domain.errors import UnsupportedTarget
from robnu.services.reconciliation.expected.ajio import AjioModel
from robnu.services.reconciliation.expected.amazon_in import AmazonModel
from robnu.services.reconciliation.expected.common import StatementModel
from robnu.services.reconciliation.expected.flipkart import FlipkartModel
from robnu.services.reconciliation.expected.meesho import MeeshoModel

MODELS: dict[str, StatementModel] = {m.code: m for m in (AjioModel(), MeeshoModel(), FlipkartModel(), AmazonModel())}


def model_for(code: str) -> StatementModel:
    model = MODELS.get(code)
    if model is None:
        known = ", ".join(sorted(MODELS))
        raise UnsupportedTarget(f"reconciliation has no statement model for {code} (known: {known})")
    return model
