"""Request-body validation as data: each body's shape is a schema value, not code.

Why: Okta answers a malformed body with ``E0000001`` and one ``errorCauses``
entry per bad field ("login: The field cannot be left blank"), so a client
learns every mistake at once. Writing the shapes as data (the enums are
Okta's published ones, the OpenAPI spec's ``EnabledStatus``, ``SeedEnum``,
``ChangeEnum``, ``ImportUsernameObject``, ``exactMatchCriteria``) keeps one
walker for every endpoint and makes each rule reviewable against the spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

BLANK = "The field cannot be left blank"


@dataclass(frozen=True)
class Str:
    required: bool = False
    nullable: bool = False
    #: Must be an absolute http(s) URL.
    url: bool = False
    max_length: int | None = None


@dataclass(frozen=True)
class Bool:
    required: bool = False


@dataclass(frozen=True)
class Int:
    required: bool = False


@dataclass(frozen=True)
class Enum:
    values: tuple[str, ...]
    required: bool = False
    #: Spellings accepted besides ``values`` and what they mean (see the features module).
    synonyms: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Obj:
    fields: Mapping[str, Schema] = field(default_factory=dict)
    required: bool = False
    nullable: bool = False
    #: Keys not in ``fields`` are accepted (and ignored) instead of rejected.
    open: bool = False


Schema = Str | Bool | Int | Enum | Obj


def errors(schema: Schema, value: Any, path: str = "") -> list[str]:
    """Every problem of ``value`` against ``schema``, as Okta ``errorCauses`` texts."""
    name = path or "body"
    if value is None:
        if isinstance(schema, Str | Obj) and schema.nullable:
            return []
        return [f"{name}: {BLANK}"] if schema.required else []
    if isinstance(schema, Obj):
        return _object(schema, value, path)
    if isinstance(schema, Bool):
        return [] if isinstance(value, bool) else [f"{name}: must be a boolean (true or false)"]
    if isinstance(schema, Int):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{name}: must be an integer"]
    if isinstance(schema, Enum):
        if isinstance(value, str) and (value in schema.values or value in schema.synonyms):
            return []
        expected = ", ".join(schema.values)
        return [f"{name}: {value!r} is not a valid value; expected one of: {expected}"]
    return _string(schema, value, name)


def _string(schema: Str, value: Any, name: str) -> list[str]:
    if not isinstance(value, str):
        return [f"{name}: must be a string"]
    if schema.required and not value.strip():
        return [f"{name}: {BLANK}"]
    if schema.max_length is not None and len(value) > schema.max_length:
        return [f"{name}: must be at most {schema.max_length} characters"]
    if schema.url and value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return [f"{name}: must be an absolute http or https URL"]
    return []


def _object(schema: Obj, value: Any, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path or 'body'}: must be a JSON object"]
    found: list[str] = []
    for key, sub in schema.fields.items():
        found += errors(sub, value.get(key), _join(path, key))
    if not schema.open:
        found += [
            f"{_join(path, key)}: unknown property {key!r}"
            for key in value
            if key not in schema.fields
        ]
    return found


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def enum_value(schema: Enum, value: str | None, default: str) -> str:
    """The canonical value of an accepted spelling (``None`` keeps ``default``)."""
    if value is None:
        return default
    return schema.synonyms.get(value, value)
