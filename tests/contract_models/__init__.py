"""The official API models the contract tests validate the sandboxes against, kept in the repository.

``amazon-sp-api/``: Amazon's Selling Partner API models (Apache-2.0, see NOTICE and LICENSE there).
``flipkart/``: Flipkart's published Seller API operations as one OpenAPI 3.0 document (see README there).
A missing file is an error, never a skipped test: the contract tests must run from a plain clone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
AMAZON_MODELS = HERE / "amazon-sp-api"
FLIPKART_OPENAPI = HERE / "flipkart" / "openapi.json"


def require(path: Path) -> Path:
    """``path`` if it exists; otherwise a FileNotFoundError that says what is missing and why it matters."""
    if not path.exists():
        raise FileNotFoundError(f"contract model {path} is missing: the contract tests read only tests/contract_models")
    return path


def load_json(path: Path) -> dict[str, Any]:
    value = json.loads(require(path).read_text(encoding="utf-8"))
    assert isinstance(value, dict), f"{path} does not hold a JSON object"
    return value
