"""Shared pieces of the typed credential models: strict parsing with errors that name the field."""

from __future__ import annotations

import unicodedata
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError, field_validator

from robnu.domain.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)

# The longest real credential value (an LWA refresh token) is under 1,000 characters; lists are short.
MAX_VALUE_CHARS = 4096
MAX_LIST_ITEMS = 100


def _text_problem(value: str) -> str | None:
    if len(value) > MAX_VALUE_CHARS:
        return f"is {len(value)} characters long; at most {MAX_VALUE_CHARS} are allowed"
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        return "must not contain control characters (NUL, newlines …)"
    return None


class CredentialModel(BaseModel):
    """Base of every marketplace's credentials: unknown keys are refused, secrets are SecretStr, and every
    text value (secret or not, nested or not) is bounded in length and free of control characters."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _bounded_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            problem = _text_problem(value)
            if problem:
                raise ValueError(problem)
        elif isinstance(value, list):
            if len(value) > MAX_LIST_ITEMS:
                raise ValueError(f"has {len(value)} items; at most {MAX_LIST_ITEMS} are allowed")
            for item in value:
                if isinstance(item, str) and (problem := _text_problem(item)):
                    raise ValueError(f"an item {problem}")
        return value

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
