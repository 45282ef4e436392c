"""Shared pieces of the typed credential models: strict parsing with errors that name the field."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from robnu.domain.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


class CredentialModel(BaseModel):
    """Base of every marketplace's credentials: unknown keys are refused, secrets are SecretStr."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    def secret_values(self) -> list[str]:
        """Every secret of this credential set, nested ones too: what must never reach an error text."""
        return [v for v in _secrets(self) if v]


def parse_credentials(model: type[M], data: dict[str, Any]) -> M:
    """Validate ``data`` as ``model``; on failure raise InvalidInput naming every bad field (never a value)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_input=False, include_url=False):
            field = ".".join(str(p) for p in err["loc"]) or "credentials"
            problems.append((field, err["msg"]))
        field, reason = problems[0]
        if len(problems) > 1:
            reason += "; also " + "; ".join(f"{f}: {r}" for f, r in problems[1:])
        raise InvalidInput(field, reason) from None


def reveal(value: Any) -> Any:
    """Plain JSON-able data with secrets in clear, for sealing into the vault only."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, BaseModel):
        return {name: reveal(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, list | tuple):
        return [reveal(v) for v in value]
    return value


def _secrets(value: Any) -> list[str]:
    if isinstance(value, SecretStr):
        return [value.get_secret_value()]
    if isinstance(value, BaseModel):
        return [s for name in type(value).model_fields for s in _secrets(getattr(value, name))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _secrets(v)]
    return []
