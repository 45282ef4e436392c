"""A connect/reconnect form generated from an adapter's typed credential model: one input per field (nested
models become fieldsets, lists a comma-separated field), secrets as password inputs that are never filled
back in, and the submitted form turned back into the model's shape."""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo


@dataclass(frozen=True)
class FormField:
    name: str  # dotted path: the form input's name and the field InvalidInput names
    label: str
    kind: str  # text, secret, checkbox, list
    required: bool
    hint: str | None
    default: str | None  # never for a secret


@dataclass(frozen=True)
class FormGroup:
    name: str | None  # None: the model's own fields
    label: str
    fields: list[FormField] = field(default_factory=list)


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``| None``, and whether None was allowed."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return (args[0] if len(args) == 1 else annotation), len(args) < len(get_args(annotation))
    return annotation, False


def _label(name: str) -> str:
    text = name.replace("_", " ")
    for short in ("id", "api", "pob", "gstin", "lwa", "gsp"):
        text = " ".join(w.upper() if w == short else w for w in text.split())
    return text[0].upper() + text[1:]


def _hint(info: FieldInfo) -> str | None:
    if info.description:
        return info.description
    for meta in info.metadata:
        pattern = getattr(meta, "pattern", None)
        if pattern:
            return f"format: {pattern}"
    return None


def _field(prefix: str, name: str, info: FieldInfo) -> FormField | FormGroup:
    annotation, optional = _unwrap(info.annotation)
    path = f"{prefix}{name}"
    required = info.is_required() and not optional
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        group = FormGroup(path, _label(name))
        for sub, sub_info in annotation.model_fields.items():
            child = _field(f"{path}.", sub, sub_info)
            if isinstance(child, FormField):
                group.fields.append(child)
        return group
    default = None
    plain_default = not info.is_required() and info.default_factory is None  # a required field's default is a marker
    if plain_default and info.default is not None and not isinstance(info.default, BaseModel):
        default = str(info.default)
    if annotation is SecretStr:
        return FormField(path, _label(name), "secret", required, _hint(info), None)
    if annotation is bool:
        return FormField(path, _label(name), "checkbox", False, _hint(info), "on" if info.default is True else None)
    if get_origin(annotation) is list:
        return FormField(path, _label(name), "list", required, "comma-separated", None)
    return FormField(path, _label(name), "text", required, _hint(info), default)


def form_groups(model: type[BaseModel]) -> list[FormGroup]:
    top = FormGroup(None, "Account")
    groups = [top]
    for name, info in model.model_fields.items():
        made = _field("", name, info)
        if isinstance(made, FormGroup):
            groups.append(made)
        else:
            top.fields.append(made)
    return groups


def parse_form(model: type[BaseModel], form: dict[str, str]) -> dict[str, Any]:
    """The submitted form as the model's input: empty optional fields left out (their defaults apply),
    checkboxes as booleans, lists split on commas, nested groups as dicts."""
    data: dict[str, Any] = {}
    for group in form_groups(model):
        target = data if group.name is None else data.setdefault(group.name, {})
        for f in group.fields:
            key = f.name.rsplit(".", 1)[-1]
            raw = form.get(f.name)
            if f.kind == "checkbox":
                target[key] = raw is not None
            elif raw is None or raw.strip() == "":
                continue
            elif f.kind == "list":
                target[key] = [part.strip() for part in raw.split(",") if part.strip()]
            else:
                target[key] = raw
    return data


def kept_values(model: type[BaseModel], form: dict[str, str]) -> dict[str, str]:
    """What to fill back in after a refused submission: every non-secret value, never a secret."""
    secret = {f.name for g in form_groups(model) for f in g.fields if f.kind == "secret"}
    return {k: v for k, v in form.items() if k not in secret and k != "csrf_token"}
