"""Resources: validate and normalise client bodies, PUT rules, projection, meta, ETag.

A resource arrives from a client as loosely spelled JSON (``USERNAME``,
``"active": "True"``, explicit ``null``s, an undeclared Microsoft URN in
``schemas``) and is held internally in the registry's canonical spelling with
unassigned attributes absent (RFC 7643 §2.5). Everything that decides what a
stored resource *is* lives here, read from the attribute characteristics in
:mod:`harness.scim.schema`: the data types (RFC 7643 §2.3), ``required``,
``mutability`` and ``returned`` (§2.2, §7), the PUT replacement rules
(RFC 7644 §3.5.1) and the ``attributes``/``excludedAttributes`` projection
(RFC 7644 §3.4.2.5, §3.9).
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from harness.scim import errors
from harness.scim.compat import Compat
from harness.scim.schema import (
    ALWAYS,
    BINARY,
    BOOLEAN,
    COMPLEX,
    DATETIME,
    DECIMAL,
    IMMUTABLE,
    INTEGER,
    NEVER,
    READ_ONLY,
    REFERENCE,
    REQUEST,
    STRING,
    WRITE_ONLY,
    Attribute,
    AttributeRef,
    ResourceType,
    Schema,
    split_urn_path,
)

JsonDict = dict[str, Any]

# --------------------------------------------------------------------------
# Case folding and dateTime: shared by equality, sorting and (if it wants) filters
# --------------------------------------------------------------------------


def fold(attribute: Attribute, text: str) -> str:
    """The comparison form of a string value of ``attribute``.

    RFC 7643 §2.2 ``caseExact`` decides whether case matters when values are
    compared (filters, RFC 7644 §3.4.2.2), sorted ("case-insensitive Unicode
    alphabetic sort order with no specific locale implied", §3.4.2.3) or
    de-duplicated (PATCH add, §3.5.2.1). Unicode case folding is the
    locale-free form of "case-insensitive" (pitfalls §4).
    """
    return text if attribute.case_exact else text.casefold()


# xsd:dateTime (XML Schema Part 2 §3.2.7), which RFC 7643 §2.3.5 requires:
# date and time both present, optional fraction, optional zone ``Z``/±hh:mm.
_DATETIME_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"T(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})(?P<fraction>\.\d+)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?",
    re.ASCII,
)


def parse_date_time(text: str) -> datetime | None:
    """The instant an xsd:dateTime denotes (aware), or None if ``text`` is not one.

    RFC 7643 §2.3.5 makes dateTime an xsd:dateTime; comparisons must be
    chronological, not lexical (RFC 7644 §3.4.2.2, pitfalls §5: ``+02:00``
    against ``Z``, ``.5`` against no fraction). A value without a zone is
    read as UTC (our policy; xsd leaves it "local"). Limits of this reading:
    years 0001–9999 only and no ``24:00:00`` (xsd allows both).
    """
    match = _DATETIME_RE.fullmatch(text)
    if match is None:
        return None
    zone = match["zone"]
    tz = UTC
    if zone and zone != "Z":
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 14 or minutes > 59 or (hours == 14 and minutes):
            return None
        sign = -1 if zone[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    fraction = match["fraction"] or ".0"
    try:
        moment = datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"]),
            tzinfo=tz,
        )
        return moment + timedelta(seconds=float("0" + fraction))
    except (ValueError, OverflowError):
        return None


def format_timestamp(moment: datetime) -> str:
    """``moment`` in UTC with millisecond precision and ``Z`` (pitfalls §5)."""
    utc = moment.astimezone(UTC)
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_timestamp() -> str:
    """The current time for ``meta.created``/``lastModified`` (RFC 7643 §3.1).

    Millisecond precision in UTC ``Z`` form keeps the values comparable as
    strings by naive clients as well as chronologically (pitfalls §5).
    """
    return format_timestamp(datetime.now(UTC))


# --------------------------------------------------------------------------
# Data types (RFC 7643 §2.3)
# --------------------------------------------------------------------------


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for error details."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{json_type(value)} {text}"


def _wrong_type(where: str, expected: str, value: Any) -> errors.ScimError:
    return errors.invalid_value(f"attribute '{where}' must be {expected}, got {_shown(value)}")


_STRING_BOOLEANS = {"true": True, "false": False}


def _as_string(value: Any, where: str, compat: Compat) -> Any:
    if not isinstance(value, str):
        raise _wrong_type(where, "a string", value)
    return value


def _as_boolean(value: Any, where: str, compat: Compat) -> Any:
    """RFC 7643 §2.3.2: JSON ``true``/``false``.

    Entra's legacy PATCH and some of its bodies send ``"True"``/``"False"``
    (Microsoft "Known issues … SCIM 2.0 protocol compliance"); accepted in any
    case only while ``compat.string_booleans`` is on (pitfalls §14).
    """
    if isinstance(value, bool):
        return value
    if compat.string_booleans and isinstance(value, str):
        parsed = _STRING_BOOLEANS.get(value.strip().casefold())
        if parsed is not None:
            return parsed
    raise _wrong_type(where, "a boolean", value)


def _as_integer(value: Any, where: str, compat: Compat) -> Any:
    """RFC 7643 §2.3.4: a whole number with no fractional part (``true`` is not 1)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(where, "an integer", value)
    return value


def _as_decimal(value: Any, where: str, compat: Compat) -> Any:
    """RFC 7643 §2.3.3: a real number; an integral JSON number is one too."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong_type(where, "a decimal number", value)
    if isinstance(value, float) and not math.isfinite(value):
        raise _wrong_type(where, "a finite decimal number", value)
    return value


def _as_date_time(value: Any, where: str, compat: Compat) -> Any:
    """RFC 7643 §2.3.5: an xsd:dateTime with date and time; kept as sent."""
    if not isinstance(value, str) or parse_date_time(value) is None:
        raise _wrong_type(where, "an xsd:dateTime such as 2008-01-23T04:56:22Z", value)
    return value


def _as_binary(value: Any, where: str, compat: Compat) -> Any:
    """RFC 7643 §2.3.6: base64 (RFC 4648 §4, padded); kept as sent."""
    if isinstance(value, str):
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            pass
        else:
            return value
    raise _wrong_type(where, "base64-encoded binary data", value)


def _as_reference(value: Any, where: str, compat: Compat) -> Any:
    """RFC 7643 §2.3.7: a URI string; relative ones (``../Groups/…``, §8.3) are fine."""
    if not isinstance(value, str):
        raise _wrong_type(where, "a URI reference string", value)
    return value


_Coercer = Callable[[Any, str, Compat], Any]

# RFC 7643 §2.3: simple data type -> the check that canonicalises a value of it.
_SIMPLE_TYPES: dict[str, _Coercer] = {
    STRING: _as_string,
    BOOLEAN: _as_boolean,
    INTEGER: _as_integer,
    DECIMAL: _as_decimal,
    DATETIME: _as_date_time,
    BINARY: _as_binary,
    REFERENCE: _as_reference,
}


def coerce_value(attribute: Attribute, value: Any, where: str, compat: Compat) -> Any:
    """Type-check ``value`` for ``attribute`` (RFC 7643 §2.3) and canonicalise it.

    Returns None when the value is unassigned: JSON null, ``[]`` and a complex
    value with nothing in it are all "no value" (RFC 7643 §2.5). A single
    value for a multi-valued attribute is refused here (RFC 7643 §2.4 makes
    it an array); PATCH, which receives such values from Entra, wraps them
    before calling. ``canonicalValues`` are *not* enforced: RFC 7643 §2.3.1
    lets a service provider accept other values ("MAY"), and IdPs send
    ``type`` values outside the lists (Entra's ``"mobile"`` address types,
    custom email types).
    """
    return _coerce(attribute, value, where, compat, drop_read_only=False)


def _coerce(
    attribute: Attribute, value: Any, where: str, compat: Compat, *, drop_read_only: bool
) -> Any:
    if value is None:
        return None
    if not attribute.multi_valued:
        return _coerce_one(attribute, value, where, compat, drop_read_only=drop_read_only)
    if not isinstance(value, list):
        raise _wrong_type(where, f"an array of {_type_phrase(attribute)}", value)
    items = []
    for index, item in enumerate(value):
        coerced = _coerce_one(
            attribute, item, f"{where}[{index}]", compat, drop_read_only=drop_read_only
        )
        if coerced is not None:
            items.append(coerced)
    return items or None


def _type_phrase(attribute: Attribute) -> str:
    return "objects" if attribute.is_complex else f"{attribute.type} values"


def _coerce_one(
    attribute: Attribute, value: Any, where: str, compat: Compat, *, drop_read_only: bool
) -> Any:
    if value is None:
        return None
    if attribute.type == COMPLEX:
        return _coerce_complex(attribute, value, where, compat, drop_read_only=drop_read_only)
    return _SIMPLE_TYPES[attribute.type](value, where, compat)


def _coerce_complex(
    attribute: Attribute, value: Any, where: str, compat: Compat, *, drop_read_only: bool
) -> JsonDict | None:
    """A complex value (RFC 7643 §2.3.8): sub-attribute names matched case-insensitively."""
    if not isinstance(value, dict):
        raise _wrong_type(where, "an object", value)
    out: JsonDict = {}
    for key, sub_value in _assigned_items(value, where):
        sub = attribute.sub(key)
        if sub is None and _is_empty(sub_value):
            continue
        if sub is None:
            raise errors.invalid_value(
                f"unknown sub-attribute '{key}' in '{where}'; "
                f"'{attribute.name}' has {_names(attribute.sub_attributes)}"
            )
        if drop_read_only and sub.mutability == READ_ONLY:
            continue
        coerced = _coerce(
            sub, sub_value, f"{where}.{sub.name}", compat, drop_read_only=drop_read_only
        )
        if coerced is not None:
            out[sub.name] = coerced
    return out or None


def _names(attributes: Iterable[Attribute]) -> str:
    return ", ".join(a.name for a in attributes)


def _assigned_items(obj: JsonDict, where: str) -> Iterator[tuple[str, Any]]:
    """The keys of a JSON object that carry a value, refusing case-duplicates.

    Names are case-insensitive (RFC 7643 §2.1), so ``userName`` and
    ``USERNAME`` in one object name one attribute twice; which one to keep
    would be a guess, so it is refused. A null is no value (§2.5) and is
    skipped before the check.
    """
    seen: dict[str, str] = {}
    for key, value in obj.items():
        if value is None:
            continue
        folded = key.casefold()
        if folded in seen:
            place = f" in '{where}'" if where else ""
            raise errors.invalid_value(
                f"'{seen[folded]}' and '{key}'{place} name the same attribute "
                "(attribute names are case-insensitive, RFC 7643 §2.1)"
            )
        seen[folded] = key
        yield key, value


def _is_empty(value: Any) -> bool:
    """No data at all: null, ``[]``, ``{}``, or containers of only such (RFC 7643 §2.5)."""
    if value is None:
        return True
    if isinstance(value, list):
        return all(_is_empty(item) for item in value)
    if isinstance(value, dict):
        return all(_is_empty(item) for item in value.values())
    return False


# --------------------------------------------------------------------------
# Normalising a client-sent resource (POST/PUT bodies)
# --------------------------------------------------------------------------


def normalise_resource(
    body: Any, resource_type: ResourceType, compat: Compat, *, keep_read_only: bool = True
) -> JsonDict:
    """A client-sent resource in the internal representation.

    * The body is a JSON object carrying ``schemas`` (RFC 7643 §3), which must
      include the resource type's core schema URN; otherwise the body does
      "not conform to the request schema": 400 ``invalidSyntax`` (RFC 7644
      §3.12 Table 9, pitfalls §21). ``compat.lenient_schemas`` infers it.
    * URNs in ``schemas`` that the resource type does not declare and that
      carry no data are ignored: Entra's group create lists a Microsoft URN
      (pitfalls §22). An undeclared URN *key with data* cannot be stored and
      is 400 ``invalidValue``, as is any unknown attribute name.
    * Names match case-insensitively (RFC 7643 §2.1) and are rewritten in
      canonical spelling; nulls, ``[]`` and empty objects are unassigned and
      dropped (§2.5) — even under an unknown name, because Entra's create
      example sends ``"department": null`` at the top level.
    * Output ``schemas``: the core URN, then each declared extension that has
      data or that the client listed.

    ``keep_read_only=False`` drops readOnly attributes and sub-attributes
    *before* checking them, because a client's ``id``/``meta``/``groups`` are
    to be ignored, not judged (RFC 7643 §3.1 "SHALL be ignored when provided
    by clients"; RFC 7644 §3.5.1). The default keeps and checks them, which
    is what a canonical comparison of a whole resource needs.
    """
    if not isinstance(body, dict):
        raise errors.invalid_syntax(
            f"a {resource_type.name} resource must be a JSON object, got {json_type(body)}"
        )
    listed = _listed_schemas(body, resource_type, compat)
    out: JsonDict = {}
    for key, value in _assigned_items(body, ""):
        if key.casefold() == "schemas":
            continue
        extension = resource_type.extension(key)
        if extension is not None:
            data = _normalise_extension(extension, value, compat, keep_read_only)
            if data:
                out[extension.id] = data
            continue
        attribute = resource_type.top_level(key)
        if attribute is None:
            if _is_empty(value):
                continue
            raise _unknown_key(key, resource_type)
        _put_coerced(out, attribute, value, attribute.name, compat, keep_read_only)
    return {"schemas": _output_schemas(out, listed, resource_type), **out}


def _put_coerced(
    out: JsonDict, attribute: Attribute, value: Any, where: str, compat: Compat, keep: bool
) -> None:
    """Store ``value`` under the canonical name, unless ignored (readOnly) or unassigned."""
    if not keep and attribute.mutability == READ_ONLY:
        return
    coerced = _coerce(attribute, value, where, compat, drop_read_only=not keep)
    if coerced is not None:
        out[attribute.name] = coerced


def _unknown_key(key: str, resource_type: ResourceType) -> errors.ScimError:
    if ":" in key:
        declared = ", ".join(ext.id for ext, _ in resource_type.extensions) or "none"
        return errors.invalid_value(
            f"'{key}' is not a schema extension of resource type {resource_type.name} "
            f"(declared: {declared}); its data cannot be stored"
        )
    return errors.invalid_value(f"unknown attribute '{key}' for resource type {resource_type.name}")


def _listed_schemas(body: JsonDict, resource_type: ResourceType, compat: Compat) -> set[str]:
    """The declared schema URNs the body's ``schemas`` lists (case-insensitive match)."""
    raw = next((v for k, v in body.items() if k.casefold() == "schemas"), None)
    core = resource_type.schema.id
    if raw is None:
        if compat.lenient_schemas:
            return {core}
        raise errors.invalid_syntax(
            f"the request body has no 'schemas'; a {resource_type.name} must list '{core}' "
            "(RFC 7643 §3)"
        )
    if not isinstance(raw, list) or not all(isinstance(urn, str) for urn in raw):
        raise errors.invalid_syntax(f"'schemas' must be an array of URN strings, got {_shown(raw)}")
    declared = {urn.casefold(): urn for urn in resource_type.schema_urns}
    listed = {declared[urn.casefold()] for urn in raw if urn.casefold() in declared}
    if core not in listed:
        if not compat.lenient_schemas:
            raise errors.invalid_syntax(
                f"'schemas' must include '{core}' for a {resource_type.name} (RFC 7643 §3), "
                f"got {_shown(raw)}"
            )
        listed.add(core)
    return listed


def _normalise_extension(
    extension: Schema, value: Any, compat: Compat, keep_read_only: bool
) -> JsonDict:
    """An extension's attributes sit in an object under its URN key (RFC 7643 §3)."""
    if not isinstance(value, dict):
        raise _wrong_type(extension.id, "an object of extension attributes", value)
    out: JsonDict = {}
    for key, sub_value in _assigned_items(value, extension.id):
        attribute = extension.get(key)
        if attribute is None:
            if _is_empty(sub_value):
                continue
            raise errors.invalid_value(
                f"unknown attribute '{key}' in schema extension {extension.id}"
            )
        where = f"{extension.id}:{attribute.name}"
        _put_coerced(out, attribute, sub_value, where, compat, keep_read_only)
    return out


def _output_schemas(resource: JsonDict, listed: set[str], resource_type: ResourceType) -> list[str]:
    """Core URN first, then declared extensions with data or listed by the client.

    RFC 7643 §3: ``schemas`` names the schemas whose attributes are present
    and only those the resource type defines; order carries no meaning, so
    the registry's order is used to keep the output deterministic.
    """
    urns = [resource_type.schema.id]
    for extension, _required in resource_type.extensions:
        if extension.id in resource or extension.id in listed:
            urns.append(extension.id)
    return urns


# --------------------------------------------------------------------------
# Whole-resource invariants
# --------------------------------------------------------------------------


def validate_resource(resource: JsonDict, resource_type: ResourceType) -> None:
    """Invariants every stored resource keeps, checked after any write.

    * ``required`` attributes (RFC 7643 §2.2) are present — ``userName`` for a
      User, which must also be non-empty (§4.1.1), ``displayName`` for a Group
      (§4.2) — including required sub-attributes of complex values and, for a
      required extension, the extension itself (§6 ``schemaExtensions``).
      readOnly attributes are the service provider's to assign and are not
      asked of the client. A missing one is 400 ``invalidValue`` ("a required
      value was missing", RFC 7644 §3.12).
    * At most one value of a multi-valued attribute has ``primary: true``
      (RFC 7643 §2.4); POST/PUT with two is the client's mistake (pitfalls
      §12). PATCH settles primaries itself before calling this.
    """
    _check_required(resource, resource_type.schema.attributes, resource_type.name)
    for extension, required in resource_type.extensions:
        data = resource.get(extension.id)
        if data is None:
            if required:
                raise errors.invalid_value(
                    f"schema extension {extension.id} is required for resource type "
                    f"{resource_type.name} (RFC 7643 §6)"
                )
            continue
        _check_required(data, extension.attributes, extension.id)
    for container, attribute in resource_type.all_attributes():
        holder = resource if container is None else resource.get(container)
        if isinstance(holder, dict) and attribute.multi_valued:
            _check_single_primary(attribute, holder.get(attribute.name))


def _check_required(holder: JsonDict, attributes: Iterable[Attribute], where: str) -> None:
    for attribute in attributes:
        value = holder.get(attribute.name)
        if attribute.required and attribute.mutability != READ_ONLY and _missing(value):
            raise errors.invalid_value(
                f"'{attribute.name}' is required for {where} and has no value (RFC 7643 §2.2)"
            )
        if attribute.is_complex and value is not None:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    _check_required(item, attribute.sub_attributes, f"{where}.{attribute.name}")


def _missing(value: Any) -> bool:
    """Unassigned, or an empty string: a required string must be non-empty (RFC 7643 §4.1.1)."""
    return _is_empty(value) or value == ""


def _check_single_primary(attribute: Attribute, values: Any) -> None:
    if attribute.sub("primary") is None or not isinstance(values, list):
        return
    primaries = sum(1 for item in values if isinstance(item, dict) and item.get("primary") is True)
    if primaries > 1:
        raise errors.invalid_value(
            f"'{attribute.name}' has {primaries} values with primary true; at most one "
            "value may be primary (RFC 7643 §2.4)"
        )


# --------------------------------------------------------------------------
# POST and PUT
# --------------------------------------------------------------------------


def prepare_create(body: Any, resource_type: ResourceType, compat: Compat) -> JsonDict:
    """The resource to store for a POST (RFC 7644 §3.3).

    readOnly values (``id``, ``meta``, User ``groups``, enterprise
    ``manager.displayName``) are dropped: the service provider "MAY ignore"
    POSTed content it assigns itself (§3.3), and Entra sends
    ``meta.resourceType`` and Okta ``groups: []`` on every create (pitfalls §19).
    """
    resource = normalise_resource(body, resource_type, compat, keep_read_only=False)
    validate_resource(resource, resource_type)
    return resource


def prepare_replace(
    existing: JsonDict, body: Any, resource_type: ResourceType, compat: Compat
) -> JsonDict:
    """The resource to store for a PUT (RFC 7644 §3.5.1), given the stored one.

    * readOnly: values in the body "SHALL be ignored"; ``id``, ``meta`` and
      ``groups`` are carried over from ``existing``, so a body ``id`` that
      differs from the stored one is ignored too (pitfalls §19).
    * readWrite: the body replaces; an omitted attribute is cleared (the RFC
      lets the server "assume that any existing values are to be cleared").
    * immutable: a value already set must be matched by the input, else 400
      ``mutability``; one not yet set may be given. An immutable value the
      body omits is kept — clearing it would be an update, which RFC 7643
      §2.2 forbids ("SHALL NOT be updated"). Sub-attributes of *multi-valued*
      complex attributes (Group ``members.value``) are not compared: a PUT
      replaces whole values, i.e. removes some and adds others, which
      immutability allows; comparing them would forbid every membership
      change by PUT, which Okta's custom apps make.
    * writeOnly (``password``): a value in the body replaces; an omitted one
      is kept. §3.5.1 speaks of clearing only omitted *readWrite* attributes,
      and Okta's full PUT omits ``password`` whenever it is not syncing it.
    """
    replacement = normalise_resource(body, resource_type, compat, keep_read_only=False)
    for container, attribute in resource_type.all_attributes():
        _carry_over(existing, replacement, container, attribute)
    listed = set(replacement["schemas"])
    replacement["schemas"] = _output_schemas(replacement, listed, resource_type)
    validate_resource(replacement, resource_type)
    return replacement


def _carry_over(
    existing: JsonDict, replacement: JsonDict, container: str | None, attribute: Attribute
) -> None:
    """Apply one attribute's §3.5.1 mutability rule to the replacement."""
    if attribute.name == "schemas":
        return
    old = _get(existing, container, attribute.name)
    if old is None:
        return
    new = _get(replacement, container, attribute.name)
    rule = attribute.mutability
    if rule == READ_ONLY or (new is None and rule in (WRITE_ONLY, IMMUTABLE)):
        _set(replacement, container, attribute.name, copy.deepcopy(old))
        return
    where = _dotted(container, attribute.name)
    if rule == IMMUTABLE and not values_equal(attribute, old, new):
        raise errors.mutability(
            f"'{where}' is immutable and already set; a PUT must repeat its value (RFC 7644 §3.5.1)"
        )
    if attribute.is_complex and not attribute.multi_valued and isinstance(new, dict):
        _check_immutable_subs(attribute, old, new, where)


def _check_immutable_subs(attribute: Attribute, old: Any, new: JsonDict, where: str) -> None:
    """Immutable sub-attributes of a singular complex attribute (RFC 7644 §3.5.1)."""
    if not isinstance(old, dict):
        return
    for sub in attribute.sub_attributes:
        if sub.mutability != IMMUTABLE or sub.name not in old:
            continue
        if sub.name not in new:
            new[sub.name] = copy.deepcopy(old[sub.name])
        elif not values_equal(sub, old[sub.name], new[sub.name]):
            raise errors.mutability(
                f"'{where}.{sub.name}' is immutable and already set; a PUT must repeat its value"
            )


def _dotted(container: str | None, name: str) -> str:
    return f"{container}:{name}" if container else name


def _get(resource: JsonDict, container: str | None, name: str) -> Any:
    holder = resource if container is None else resource.get(container)
    return holder.get(name) if isinstance(holder, dict) else None


def _set(resource: JsonDict, container: str | None, name: str, value: Any) -> None:
    if container is None:
        resource[name] = value
    else:
        resource.setdefault(container, {})[name] = value


# --------------------------------------------------------------------------
# Equality
# --------------------------------------------------------------------------


def values_equal(attribute: Attribute, a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` are the same value of ``attribute``.

    Strings compare by ``caseExact`` (RFC 7643 §2.2), dateTimes as instants
    (§2.3.5), complex values sub-attribute by sub-attribute with absent equal
    to null (§2.5), booleans never equal to numbers. Given two arrays of a
    multi-valued attribute, they are equal when they hold the same values in
    any order (§2.4: order carries no meaning). PATCH ``add`` uses this to
    avoid duplicates (RFC 7644 §3.5.2.1, pitfalls §11).
    """
    if isinstance(a, list) and isinstance(b, list) and attribute.multi_valued:
        return _same_multiset(attribute, a, b)
    if a is None or b is None:
        return a is None and b is None
    if attribute.is_complex:
        return _complex_equal(attribute, a, b)
    return _simple_equal(attribute, a, b)


def _same_multiset(attribute: Attribute, a: list[Any], b: list[Any]) -> bool:
    if len(a) != len(b):
        return False
    unmatched = list(b)
    for item in a:
        for index, candidate in enumerate(unmatched):
            if values_equal(attribute, item, candidate):
                del unmatched[index]
                break
        else:
            return False
    return True


def _complex_equal(attribute: Attribute, a: Any, b: Any) -> bool:
    if not isinstance(a, dict) or not isinstance(b, dict):
        return bool(a == b)
    for key in {*a, *b}:
        sub = attribute.sub(key)
        left, right = a.get(key), b.get(key)
        same = values_equal(sub, left, right) if sub is not None else left == right
        if not same:
            return False
    return True


def _simple_equal(attribute: Attribute, a: Any, b: Any) -> bool:
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    if isinstance(a, str) and isinstance(b, str):
        if attribute.type == DATETIME:
            left, right = parse_date_time(a), parse_date_time(b)
            if left is not None and right is not None:
                return left == right
        return fold(attribute, a) == fold(attribute, b)
    return bool(a == b)


# --------------------------------------------------------------------------
# Projection: attributes / excludedAttributes and `returned` (RFC 7644 §3.4.2.5, §3.9)
# --------------------------------------------------------------------------


def parse_attribute_list(text: str | None) -> list[str] | None:
    """``"userName, name.givenName,emails"`` -> its names; blank means "not given".

    RFC 7644 §3.9: "a comma-separated list of resource attribute names in
    standard attribute notation". Spaces around names are tolerated.
    """
    if text is None:
        return None
    names = [name.strip() for name in text.split(",")]
    names = [name for name in names if name]
    return names or None


_Key = tuple[str | None, str]  # (container URN or None, canonical attribute name)


@dataclass
class _Names:
    """Attribute names from a request, resolved to whole attributes and sub-attributes."""

    whole: set[_Key] = field(default_factory=set)
    subs: dict[_Key, set[str]] = field(default_factory=dict)

    @classmethod
    def resolve(cls, names: Iterable[str], resource_type: ResourceType) -> _Names:
        """Names that designate nothing are ignored: RFC 7644 is silent and a
        client asking for an attribute the server lacks gets what exists."""
        resolved = cls()
        for name in names:
            resolved._add(name.strip(), resource_type)
        return resolved

    def _add(self, name: str, resource_type: ResourceType) -> None:
        schema = _schema_named(name, resource_type)
        if schema is not None:
            container = None if schema is resource_type.schema else schema.id
            self.whole.update((container, a.name) for a in schema.attributes)
            return
        ref = resolve_name(name, resource_type)
        if ref is None:
            return
        key = (ref.container, ref.attribute.name)
        if ref.sub_attribute is None:
            self.whole.add(key)
        else:
            self.subs.setdefault(key, set()).add(ref.sub_attribute.name)

    def covers(self, key: _Key) -> bool:
        return key in self.whole or key in self.subs


def _schema_named(name: str, resource_type: ResourceType) -> Schema | None:
    """A whole schema URN names all its attributes (RFC 7644 §3.10 allows URN-qualified names)."""
    if name.casefold() == resource_type.schema.id.casefold():
        return resource_type.schema
    return resource_type.extension(name)


def resolve_name(name: str, resource_type: ResourceType) -> AttributeRef | None:
    """``[urn:]attr[.sub]`` (RFC 7644 §3.10) resolved case-insensitively, or None."""
    urn, rest = split_urn_path(name)
    attr, _, sub = rest.partition(".")
    return resource_type.resolve(urn, attr, sub or None)


def project(
    resource: JsonDict,
    resource_type: ResourceType,
    attributes: Sequence[str] | None = None,
    excluded: Sequence[str] | None = None,
) -> JsonDict:
    """The representation of ``resource`` to return, as RFC 7643 §2.2 ``returned`` rules.

    * ``never`` (``password``) is never returned in any form (§4.1.1).
    * ``always`` (``id``, ``schemas``) is always returned; ``excludedAttributes``
      "SHALL have no effect" on it (RFC 7644 §3.4.2.5). ``meta`` is
      ``default``: RFC 7643 §3.1 gives its sub-attributes "a returned
      characteristic of default", so ``attributes=userName`` omits it.
    * ``default`` is returned unless ``attributes`` is given without it, or
      ``excludedAttributes`` names it. ``request`` only when named in
      ``attributes`` (the PUT/POST/PATCH echo of §2.2 is the caller's to ask
      for by naming it).
    * Names are case-insensitive, may name a sub-attribute (``name.givenName``),
      carry a URN prefix (``urn:…:enterprise:2.0:User:department``) or be a
      whole schema URN (the whole extension). Unknown names are ignored.
      An empty ``attributes`` list asks for the always-returned set only.
      Given both, ``attributes`` selects and ``excludedAttributes`` then removes.
    * An extension object left empty is dropped; ``schemas`` stays as stored,
      describing the resource rather than the projection.

    Returns a new dict; ``resource`` is not modified.
    """
    wanted = None if attributes is None else _Names.resolve(attributes, resource_type)
    unwanted = _Names.resolve(excluded or (), resource_type)
    out: JsonDict = {}
    for key, value in resource.items():
        extension = resource_type.extension(key)
        if extension is not None and isinstance(value, dict):
            data = _project_object(value, extension.get, extension.id, wanted, unwanted)
            if data:
                out[key] = data
        else:
            out.update(
                _project_object({key: value}, resource_type.top_level, None, wanted, unwanted)
            )
    return out


def _project_object(
    obj: JsonDict,
    lookup: Callable[[str], Attribute | None],
    container: str | None,
    wanted: _Names | None,
    unwanted: _Names,
) -> JsonDict:
    """Project the attributes of one object: the resource's top level or an extension's."""
    out: JsonDict = {}
    for name, value in obj.items():
        attribute = lookup(name)
        key = (container, attribute.name if attribute else name)
        projected = _project_top(attribute, key, value, wanted, unwanted)
        if projected is not _OMIT:
            out[name] = projected
    return out


_OMIT = object()


def _project_top(
    attribute: Attribute | None, key: _Key, value: Any, wanted: _Names | None, unwanted: _Names
) -> Any:
    if attribute is None:  # not in the registry: returned by default
        return _OMIT if wanted is not None else copy.deepcopy(value)
    if attribute.returned == NEVER:
        return _OMIT
    if attribute.returned == ALWAYS:
        return copy.deepcopy(value)
    if wanted is not None and not wanted.covers(key):
        return _OMIT
    if wanted is None and attribute.returned == REQUEST:
        return _OMIT
    if key in unwanted.whole:
        return _OMIT
    if not attribute.is_complex:
        return copy.deepcopy(value)
    named = None if wanted is None or key in wanted.whole else wanted.subs.get(key, set())
    return _project_complex(attribute, value, named, unwanted.subs.get(key, set()))


def _project_complex(
    attribute: Attribute, value: Any, named: set[str] | None, excluded: set[str]
) -> Any:
    """Sub-attribute projection, applied to each value of a multi-valued attribute."""

    def one(item: Any) -> Any:
        if not isinstance(item, dict):
            return copy.deepcopy(item)
        kept = {
            name: copy.deepcopy(sub_value)
            for name, sub_value in item.items()
            if _sub_returned(attribute.sub(name), name, named, excluded)
        }
        return kept or None

    if isinstance(value, list):
        items = [projected for item in value if (projected := one(item)) is not None]
        return items or _OMIT
    projected = one(value)
    return _OMIT if projected is None else projected


def _sub_returned(
    sub: Attribute | None, name: str, named: set[str] | None, excluded: set[str]
) -> bool:
    if sub is None:
        return named is None and name not in excluded
    if sub.returned == NEVER:
        return False
    if sub.returned == ALWAYS:
        return True
    if sub.name in excluded:
        return False
    if named is not None:
        return sub.name in named
    return sub.returned != REQUEST


# --------------------------------------------------------------------------
# meta and versions (RFC 7643 §3.1, RFC 7644 §3.14)
# --------------------------------------------------------------------------


def resource_version(resource: JsonDict) -> str:
    """A weak entity-tag ``W/"…"`` for the resource's current state.

    RFC 7643 §3.1 ``meta.version`` must equal the ETag header, and a tag that
    does not meet RFC 7232 §2.3's strong requirements is marked weak with
    ``W/``. The hash covers the stored JSON except ``meta`` (which carries the
    version itself and timestamps), with sorted keys, so equal states give
    equal tags on any process and any change to an attribute gives a new one.
    """
    state = {key: value for key, value in resource.items() if key != "meta"}
    text = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
    return f'W/"{digest}"'


def stamp_meta(
    resource: JsonDict,
    resource_type: ResourceType,
    location: str,
    created: str,
    last_modified: str,
) -> JsonDict:
    """A copy of ``resource`` with its ``meta`` (RFC 7643 §3.1) set by the service provider."""
    stamped = copy.deepcopy(resource)
    stamped["meta"] = {
        "resourceType": resource_type.name,
        "created": created,
        "lastModified": last_modified,
        "location": location,
        "version": resource_version(resource),
    }
    return stamped
