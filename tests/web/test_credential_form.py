"""The connect form generated from each adapter's credential model: every field gets an input, a filled-in
form parses back into a credential set the model accepts, and a refused form keeps everything but secrets."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from robnu.adapters.credentials_base import parse_credentials
from robnu.adapters.registry import registry
from robnu.domain.errors import InvalidInput
from robnu.web.credential_form import form_groups, kept_values, parse_form
from tests.factories import ALL_CODES, credentials


def _as_form(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """What a browser submits for ``data``: dotted names, lists comma-joined, checked boxes as "on"."""
    out: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_as_form(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            out[f"{prefix}{key}"] = ", ".join(value)
        elif isinstance(value, bool):
            if value:
                out[f"{prefix}{key}"] = "on"
        else:
            out[f"{prefix}{key}"] = str(value)
    return out


@pytest.mark.parametrize("code", ALL_CODES)
def test_a_filled_form_parses_to_the_credentials_it_was_filled_with(code: str) -> None:
    model = registry.get(code).satellite.credentials
    given = credentials(code)
    parsed = parse_credentials(model, parse_form(model, _as_form(given)))
    assert parsed == parse_credentials(model, given)
    names = {f.name for g in form_groups(model) for f in g.fields}
    assert set(_as_form(given)) <= names  # every submitted value has an input


@pytest.mark.parametrize("code", ALL_CODES)
def test_secret_fields_are_password_inputs_without_a_default(code: str) -> None:
    model = registry.get(code).satellite.credentials
    for group in form_groups(model):
        for f in group.fields:
            annotation = model.model_fields[f.name].annotation if group.name is None else None
            if annotation is SecretStr:
                assert f.kind == "secret" and f.default is None


def test_a_refused_form_names_the_nested_field_and_keeps_all_but_the_secrets() -> None:
    model = registry.get("AJIO").satellite.credentials
    form = _as_form(credentials("AJIO", secret="hunter2-hunter2"))
    form["store.ship_from_pincode"] = "12"
    with pytest.raises(InvalidInput) as bad:
        parse_credentials(model, parse_form(model, form))
    assert bad.value.field == "store.ship_from_pincode"
    kept = kept_values(model, {**form, "csrf_token": "t"})
    assert kept["store.ship_from_pincode"] == "12" and kept["pob_id"] == form["pob_id"]
    assert "api_password" not in kept and "csrf_token" not in kept
    assert "hunter2-hunter2" not in str(kept)


def test_an_empty_optional_field_is_left_to_its_default() -> None:
    model = registry.get("AMAZON_IN").satellite.credentials
    form = _as_form(credentials("AMAZON_IN"))
    form["region"] = "  "
    assert "region" not in parse_form(model, form)
