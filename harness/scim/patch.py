"""PATCH: apply a SCIM PatchOp to a resource, atomically (RFC 7644 §3.5.2).

The RFC's rules for ``add`` (§3.5.2.1), ``remove`` (§3.5.2.2) and ``replace``
(§3.5.2.3) are stated per *shape of target*: a whole attribute, a
sub-attribute of a singular complex attribute, or the values of a
multi-valued attribute selected by a value filter (``valuePath``), with or
without a sub-attribute after ``]``. This module keeps that structure: a
request becomes a list of :class:`PatchOperation`; each operation is routed
by ``(op, shape)`` through :data:`_HANDLERS` to one small function per RFC
rule. Every write goes through one gate (:func:`_guard`) that applies the
mutability rules of RFC 7643 §2.2 and RFC 7644 §3.5.2 / §3.5.2.2.

Real IdPs send shapes the RFC does not (``shared/reference/entra-provisioning.md``,
``okta-provisioning.md``, pitfalls §9–§17); the tolerated ones are:

* ``op`` in any case (Entra's ``Add``/``Replace``/``Remove``, pitfalls §14);
* path-less values whose keys are paths (``"name.givenName"``,
  ``"urn:…:enterprise:2.0:User:employeeNumber"``), Entra compliant mode
  (pitfalls §13);
* ``remove`` of ``members`` *with* a value list: only the listed values go
  (Entra legacy; checks-catalog vendor bug 16);
* the enterprise ``manager`` as a bare ``manager`` path, a one-element array
  or a bare id string (Entra tutorial example 5, entra-provisioning.md §3);
* ``"$ref": null`` in member items and string booleans (through
  :func:`harness.scim.resources.coerce_value` and ``Compat.string_booleans``);
* ``replace`` with a ``type eq "…"`` filter that matches nothing creates the
  element, only under ``Compat.replace_creates`` (pitfalls §10);
* a value-filtered ``remove`` that matches nothing is a no-op only under
  ``Compat.lenient_remove`` (pitfalls §9).

Where the RFC itself leaves a choice, ``Compat`` names it too: bare
extension attribute names (``bare_extension_paths``, §3.10), ``add`` on a
value filter matching nothing (``filtered_add_creates``, §3.12 Table 9) and
merge vs whole-record ``replace attr[filter]`` (``replace_merges_selected``,
§3.5.2.3).

Atomicity (§3.5.2: "A PATCH request, regardless of the number of operations,
SHALL be treated as atomic"): :func:`apply_patch` works on a deep copy and
never touches its input, so a caller that gets a :class:`ScimError` still
holds the original resource.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from harness.scim import errors, filters, paths
from harness.scim.compat import Compat
from harness.scim.errors import ScimError
from harness.scim.expr import AttrPath, Compare, Filter, PatchPath
from harness.scim.resources import coerce_value, values_equal
from harness.scim.schema import (
    IMMUTABLE,
    PATCH_OP_URN,
    READ_ONLY,
    Attribute,
    AttributeRef,
    ResourceType,
)

JsonDict = dict[str, Any]

ADD = "add"
REMOVE = "remove"
REPLACE = "replace"
#: RFC 7644 §3.5.2: "op" … MAY be one of "add", "remove", or "replace".
PATCH_OPS = (ADD, REMOVE, REPLACE)
#: Operations whose "value" is required (§3.5.2.1 "The operation MUST contain a
#: 'value' member"; §3.5.2.3 likewise). For "remove" it is optional.
_VALUE_REQUIRED = frozenset({ADD, REPLACE})

_MISSING = object()


@dataclass(frozen=True)
class PatchOperation:
    """One element of ``Operations`` (RFC 7644 §3.5.2), validated and parsed.

    ``op`` is lower-cased; ``path`` is the parsed ``path`` or None when the
    operation targets the resource itself; ``raw_path`` keeps the client's
    text for error details; ``value`` is the decoded JSON value (None for a
    ``remove`` without one).
    """

    op: str
    path: PatchPath | None
    value: Any = None
    raw_path: str | None = None


# --------------------------------------------------------------------------
# Parsing the request body
# --------------------------------------------------------------------------


def parse_patch_request(body: Any, compat: Compat) -> list[PatchOperation]:
    """The operations of a PatchOp request body (RFC 7644 §3.5.2).

    * The body is a JSON object whose ``schemas`` contains the PatchOp URN
      ("The body of each request MUST contain the 'schemas' attribute with
      the URI value of urn:ietf:params:scim:api:messages:2.0:PatchOp");
      missing or wrong → 400 ``invalidSyntax`` (pitfalls §21) unless
      ``compat.lenient_schemas``. Other URNs beside it are tolerated.
    * ``Operations`` is "an array of one or more PATCH operations"; anything
      else → 400 ``invalidSyntax``. Member names (``Operations``, ``op``,
      ``path``, ``value``) match case-insensitively: RFC 7643 §2.1 makes
      attribute names case-insensitive and Entra asks servers not to
      require a case-sensitive match on structural elements.
    * ``op`` must be add/remove/replace in any case (Entra sends ``Add``,
      pitfalls §14); another name → 400 ``invalidSyntax``.
    * ``path`` is parsed by :func:`harness.scim.paths.parse_path`; a
      malformed one, or a non-string, → 400 ``invalidPath`` (§3.12 Table 9
      "The 'path' attribute was invalid or malformed").
    * ``value`` missing on add/replace → 400 ``invalidValue``: §3.5.2.1 says
      the operation "MUST contain a 'value' member" and Table 9 defines
      ``invalidValue`` as "A required value was missing" — a closer fit than
      ``invalidSyntax``, which is about the request's form.
    """
    if not isinstance(body, dict):
        raise errors.invalid_syntax("a PATCH body must be a JSON object (RFC 7644 §3.5.2)")
    members = _members(body, "the PATCH body")
    _check_patch_schemas(members.get("schemas", _MISSING), compat)
    operations = members.get("operations", _MISSING)
    if not isinstance(operations, list) or not operations:
        raise errors.invalid_syntax(
            "a PATCH body must carry 'Operations', an array of one or more operations "
            "(RFC 7644 §3.5.2)"
        )
    return [_parse_operation(item, index) for index, item in enumerate(operations)]


def _members(obj: JsonDict, where: str) -> dict[str, Any]:
    """An object's members keyed by case-folded name; a name given twice is refused."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        folded = key.casefold()
        if folded in out:
            raise errors.invalid_syntax(
                f"'{key}' appears twice in {where} (names are case-insensitive, RFC 7643 §2.1)"
            )
        out[folded] = value
    return out


def _check_patch_schemas(schemas: Any, compat: Compat) -> None:
    """The PatchOp URN must be listed; ``compat.lenient_schemas`` infers it
    when ``schemas`` is missing or lacks it (as resources do, pitfalls §21)."""
    if schemas is _MISSING and compat.lenient_schemas:
        return
    if isinstance(schemas, list):
        folded = {urn.casefold() for urn in schemas if isinstance(urn, str)}
        if PATCH_OP_URN.casefold() in folded or compat.lenient_schemas:
            return
    raise errors.invalid_syntax(
        f'a PATCH body must have "schemas": ["{PATCH_OP_URN}"] (RFC 7644 §3.5.2)'
    )


def _parse_operation(item: Any, index: int) -> PatchOperation:
    where = f"Operations[{index}]"
    if not isinstance(item, dict):
        raise errors.invalid_syntax(f"{where} must be an object with 'op' (RFC 7644 §3.5.2)")
    members = _members(item, where)
    op = members.get("op")
    if not isinstance(op, str) or op.casefold() not in PATCH_OPS:
        raise errors.invalid_syntax(
            f"{where}: 'op' must be one of add, remove, replace (RFC 7644 §3.5.2), got {op!r}"
        )
    op = op.casefold()
    raw_path = members.get("path")
    path = _parse_op_path(raw_path, where)
    value = members.get("value", _MISSING)
    if value is _MISSING:
        if op in _VALUE_REQUIRED:
            raise errors.invalid_value(
                f"{where}: '{op}' requires a 'value' (RFC 7644 §3.5.2.1, §3.5.2.3)"
            )
        value = None
    return PatchOperation(op, path, value, raw_path if path is not None else None)


def _parse_op_path(raw_path: Any, where: str) -> PatchPath | None:
    if raw_path is None:
        return None
    if not isinstance(raw_path, str) or not raw_path.strip():
        raise errors.invalid_path(f"{where}: 'path' must be a non-empty string, got {raw_path!r}")
    return paths.parse_path(raw_path)


# --------------------------------------------------------------------------
# Applying operations
# --------------------------------------------------------------------------


def apply_patch(
    resource: JsonDict,
    operations: list[PatchOperation],
    resource_type: ResourceType,
    compat: Compat,
) -> tuple[JsonDict, bool]:
    """``resource`` with ``operations`` applied in order, and whether anything changed.

    RFC 7644 §3.5.2: operations apply in sequence and the request is atomic
    — on the first failing operation a :class:`ScimError` is raised and
    ``resource``, which is never mutated, is the state to keep. ``changed``
    is False when the result equals the input, so that a caller does not
    bump ``meta.lastModified`` for an add of a value already present
    (§3.5.2.1: "SHALL NOT change the modify timestamp").

    Whole-resource invariants that are not PATCH rules (required attributes
    present, uniqueness, member ids existing) are left to the caller
    (``resources.validate_resource`` and the store).
    """
    patched = copy.deepcopy(resource)
    for index, operation in enumerate(operations):
        try:
            _apply_operation(patched, operation, resource_type, compat)
        except ScimError as error:
            raise _located(error, index, operation) from None
    _settle_schemas(patched, resource_type)
    return patched, patched != resource


def _located(error: ScimError, index: int, operation: PatchOperation) -> ScimError:
    """The same error, its detail prefixed with the operation it came from."""
    target = f" {operation.raw_path}" if operation.raw_path else ""
    detail = f"Operations[{index}] ({operation.op}{target}): {error.detail}"
    return ScimError(error.status, error.scim_type, detail)


def _apply_operation(
    resource: JsonDict, operation: PatchOperation, resource_type: ResourceType, compat: Compat
) -> None:
    op = operation.op.casefold()
    if op not in PATCH_OPS:
        raise errors.invalid_syntax(f"'op' must be one of add, remove, replace, got {op!r}")
    extension = _whole_extension(operation.path, resource_type)
    if extension is not None:
        _apply_to_extension(resource, operation, extension, resource_type, compat)
        return
    if operation.path is not None:
        ref = _resolve(operation.path, resource_type, compat)
        where = operation.raw_path or str(operation.path)
        _dispatch(
            _Site(resource, operation.path, ref, where, resource_type, compat), op, operation.value
        )
        return
    if op == REMOVE:
        # §3.5.2.2: "If 'path' is unspecified, the operation fails with HTTP
        # status code 400 and a 'scimType' error code of 'noTarget'."
        raise errors.no_target("'remove' needs a 'path' (RFC 7644 §3.5.2.2)")
    for path, ref, where, value in _pathless_targets(operation.value, resource_type, compat):
        _dispatch(_Site(resource, path, ref, where, resource_type, compat), op, value)


def _resolve(path: PatchPath, resource_type: ResourceType, compat: Compat) -> AttributeRef:
    """The attribute ``path`` designates (:func:`harness.scim.paths.resolve_path`).

    RFC 7644 §3.10: clients "SHOULD fully qualify extended attributes with
    the associated schema extension URN to avoid naming conflicts", so a
    server may refuse ``employeeNumber`` for the enterprise attribute; it is
    resolved only under ``compat.bare_extension_paths`` (Entra's bare
    ``manager``, entra-provisioning.md §3), else 400 ``invalidPath``.
    """
    ref = paths.resolve_path(path, resource_type, compat)
    if path.attr.urn is None and ref.container is not None and not compat.bare_extension_paths:
        raise errors.invalid_path(
            f"'{path}' names an attribute of {ref.container} without its URN "
            "(RFC 7644 §3.10: extension attributes are qualified with the extension URN)"
        )
    return ref


def _whole_extension(path: PatchPath | None, resource_type: ResourceType) -> str | None:
    """The extension URN when ``path`` is that URN alone, else None.

    ``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`` as a path
    designates the extension's whole object (the key it sits under, RFC 7643
    §3); RFC 7644 §3.10 lets a schema URN stand for all of its attributes.
    The §3.5.2 ABNF lexes it as attribute ``User`` of URN ``…:2.0``, so it
    is recognised here, before attribute resolution.
    """
    if path is None or path.attr.urn is None or path.value_filter is not None:
        return None
    if path.attr.sub_attr is not None or path.sub_attr is not None:
        return None
    extension = resource_type.extension(f"{path.attr.urn}:{path.attr.attr}")
    return None if extension is None else extension.id


def _apply_to_extension(
    resource: JsonDict,
    operation: PatchOperation,
    urn: str,
    resource_type: ResourceType,
    compat: Compat,
) -> None:
    """Apply an op whose path is a whole extension, attribute by attribute.

    Each attribute goes through the same rules as a path naming it, so
    mutability and required-ness are enforced once, in ``_dispatch``.
    """
    op = operation.op.casefold()
    if op == REMOVE:
        present = resource.get(urn)
        for name in list(present) if isinstance(present, dict) else []:
            path = PatchPath(AttrPath(urn, name))
            ref = paths.resolve_path(path, resource_type, compat)
            _dispatch(_Site(resource, path, ref, str(path), resource_type, compat), op, None)
        resource.pop(urn, None)
        return
    value = operation.value
    if isinstance(value, dict):
        # scim2-models serialises an extension object with its own
        # ``"schemas": [urn]``; RFC 7643 §3 gives extension objects no such
        # member, but one naming exactly this extension says nothing new.
        value = {
            key: item
            for key, item in value.items()
            if not (key.casefold() == "schemas" and _names_only(item, urn))
        }
    for path, ref, where, item in _pathless_targets({urn: value}, resource_type, compat):
        _dispatch(_Site(resource, path, ref, where, resource_type, compat), op, item)


def _names_only(schemas: Any, urn: str) -> bool:
    return isinstance(schemas, list) and [str(u).casefold() for u in schemas] == [urn.casefold()]


def _pathless_targets(
    value: Any, resource_type: ResourceType, compat: Compat
) -> Iterator[tuple[PatchPath, AttributeRef, str, Any]]:
    """The (path, attribute, key, value) a path-less add/replace stands for, per key.

    §3.5.2.1/§3.5.2.3: with no path "the target location is assumed to be
    the resource itself" and the value holds the attributes to add or
    replace; extension attributes sit in an object under the extension's
    URN (RFC 7643 §3). Entra's compliant mode also sends keys that are
    paths — ``"name.givenName"``, ``"urn:…:enterprise:2.0:User:employeeNumber"``
    — so every key is parsed as a path (RFC 7644 §3.10 attribute notation)
    and applied as its own operation (pitfalls §13). An unknown key is
    400 ``invalidValue``: there is no "path" to call invalid, and Table 9's
    ``invalidValue`` covers a value "not compatible with the operation".
    """
    if not isinstance(value, dict):
        raise errors.invalid_value(
            "an add/replace without 'path' needs an object of attributes as its value "
            "(RFC 7644 §3.5.2.1, §3.5.2.3)"
        )
    schema_urns = {urn.casefold(): urn for urn in resource_type.schema_urns}
    for key, item in _members_for_value(value).items():
        urn = schema_urns.get(key.casefold())
        if urn is None:
            yield _key_target(key, key, item, resource_type, compat)
            continue
        if not isinstance(item, dict):
            raise errors.invalid_value(f"'{key}' must be an object of that schema's attributes")
        for sub_key, sub_item in _members_for_value(item).items():
            yield _key_target(f"{urn}:{sub_key}", sub_key, sub_item, resource_type, compat)


def _members_for_value(obj: JsonDict) -> JsonDict:
    """``obj`` itself, once no two of its keys name one attribute (RFC 7643 §2.1)."""
    try:
        _members(obj, "the value")
    except ScimError as error:
        raise errors.invalid_value(error.detail) from None
    return obj


def _key_target(
    text: str, key: str, item: Any, resource_type: ResourceType, compat: Compat
) -> tuple[PatchPath, AttributeRef, str, Any]:
    try:
        path = paths.parse_path(text)
        ref = _resolve(path, resource_type, compat)
    except ScimError as error:
        raise errors.invalid_value(
            f"'{key}' in the value is not an attribute of {resource_type.name}: {error.detail}"
        ) from None
    return path, ref, text, item


# --------------------------------------------------------------------------
# The target of one operation
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Site:
    """Where one operation writes: the resource, the parsed path and its attribute."""

    resource: JsonDict
    path: PatchPath
    ref: AttributeRef
    where: str
    resource_type: ResourceType
    compat: Compat

    @property
    def attribute(self) -> Attribute:
        return self.ref.attribute

    @property
    def sub(self) -> Attribute | None:
        """The sub-attribute named after the attribute or after ``]``."""
        return self.ref.sub_attribute

    @property
    def parent(self) -> AttributeRef:
        """The multi-valued attribute a value filter is evaluated against."""
        return AttributeRef(self.ref.schema_urn, self.attribute, None, self.ref.container)

    def _holder(self) -> JsonDict | None:
        container = self.ref.container
        if container is None:
            return self.resource
        holder = self.resource.get(container)
        return holder if isinstance(holder, dict) else None

    def current(self) -> Any:
        """A private copy of the attribute's value (None when unassigned, RFC 7643 §2.5)."""
        holder = self._holder()
        return copy.deepcopy(holder.get(self.attribute.name)) if holder is not None else None

    def assign(self, new: Any) -> None:
        """Store ``new`` as the attribute's value; None, ``[]`` and ``{}`` unassign it.

        RFC 7643 §2.5: unassigned attributes are absent — never null, never
        ``[]`` (so a removal never stores ``""`` or an empty list, pitfalls §3).
        An extension left with no attributes disappears with its last one.
        """
        if new == [] or new == {}:
            new = None
        _guard(self.attribute, self.current(), new, self.where)
        name, container = self.attribute.name, self.ref.container
        holder = self._holder()
        if new is None:
            if holder is not None:
                holder.pop(name, None)
                if container is not None and not holder:
                    del self.resource[container]
            return
        if holder is None:
            assert container is not None  # the resource itself is always there
            holder = self.resource[container] = {}
        holder[name] = new

    def coerce(self, attribute: Attribute, value: Any, *, shape: bool = True) -> Any:
        """``value`` checked and canonicalised for ``attribute`` (RFC 7643 §2.3).

        ``shape`` applies the tolerated IdP shapes of :func:`_shaped`; they
        concern attributes, not one value of a multi-valued attribute.
        """
        if shape:
            value = _shaped(attribute, value)
        return coerce_value(attribute, value, self.where, self.compat)

    def matches(self, element: Any) -> bool:
        """Whether one value satisfies the path's value filter (RFC 7644 §3.5.2 valuePath)."""
        expr = self.path.value_filter
        assert expr is not None
        return bool(filters.matches_value(expr, element, self.parent, self.resource_type))


def _shaped(attribute: Attribute, value: Any) -> Any:
    """Tolerated value shapes, rewritten to the one RFC 7643 prescribes.

    * A single value for a multi-valued attribute is wrapped in an array
      (RFC 7644 §3.5.2.1: a multi-valued target gets "a new value"; Entra
      and Okta send single member objects).
    * A singular complex attribute with a ``value`` sub-attribute (the
      enterprise ``manager``) accepted as a one-element array or as a bare
      id string: Entra's manager PATCH sends ``[{"$ref": …, "value": id}]``
      and its schema example ``"manager": "123456"``
      (entra-provisioning.md §3).
    """
    if attribute.multi_valued:
        return value if value is None or isinstance(value, list) else [value]
    if attribute.is_complex and attribute.sub("value") is not None:
        if isinstance(value, list) and len(value) == 1:
            return value[0]
        if isinstance(value, str):
            return {"value": value}
    return value


@lru_cache(maxsize=64)
def _element_attribute(attribute: Attribute) -> Attribute:
    """The definition of *one* value of a multi-valued attribute."""
    return dataclasses.replace(attribute, multi_valued=False)


def _guard(attribute: Attribute, old: Any, new: Any, where: str) -> None:
    """The mutability gate every write passes (RFC 7644 §3.5.2, RFC 7643 §2.2).

    * readOnly: "a client MUST NOT modify an attribute that has mutability
      'readOnly'" → 400 ``mutability``. Writing the value it already has is
      no modification, which is what lets Okta's group rename carry the
      group's own ``id`` (okta-provisioning.md, push groups).
    * immutable: same, except "a client MAY 'add' a value to an 'immutable'
      attribute if the attribute had no previous value".
    * required: §3.5.2.2 "If an attribute is removed or becomes unassigned
      and is defined as a required attribute … 'mutability'" (pitfalls §16).

    "Modify" is judged on the stored JSON: a readOnly value respelt in
    another case is a modification even where the attribute compares
    case-insensitively.
    """
    if old == new:
        return
    if attribute.mutability == READ_ONLY:
        raise errors.mutability(
            f"'{where}' is readOnly (RFC 7643 §2.2) and cannot be modified (RFC 7644 §3.5.2)"
        )
    if attribute.mutability == IMMUTABLE and old is not None:
        raise errors.mutability(
            f"'{where}' is immutable and already has a value (RFC 7643 §2.2, RFC 7644 §3.5.2)"
        )
    if new is None and attribute.required:
        raise errors.mutability(f"'{where}' is required and cannot be removed (RFC 7644 §3.5.2.2)")


# --------------------------------------------------------------------------
# Multi-valued helpers: identity, primary
# --------------------------------------------------------------------------


def _same_value(attribute: Attribute, a: Any, b: Any) -> bool:
    """Whether two values of a multi-valued attribute are the same value.

    RFC 7643 §2.4 forbids duplicate values and §3.5.2.1 makes an add of a
    value already present a no-op. Values compare sub-attribute by
    sub-attribute, caseExact-aware (pitfalls §11) — except when the
    ``value`` sub-attribute is immutable (Group ``members``, RFC 7643 §4.2):
    such values are "added and removed, never edited", so ``value`` alone
    names one; the other sub-attributes (``$ref``, ``type``, ``display``) are
    the server's to derive, and Okta's ``display`` need not match ours.
    """
    value_sub = attribute.sub("value")
    if value_sub is not None and value_sub.mutability == IMMUTABLE and _both_dicts(a, b):
        return values_equal(value_sub, a.get("value"), b.get("value"))
    return values_equal(_element_attribute(attribute), a, b)


def _both_dicts(a: Any, b: Any) -> bool:
    return isinstance(a, dict) and isinstance(b, dict)


def _settle_primary(
    attribute: Attribute, values: list[Any], written: list[Any], where: str
) -> None:
    """The newly set ``primary: true`` wins (RFC 7644 §3.5.2, RFC 7643 §2.4).

    §3.5.2: "a PATCH operation that sets a value's 'primary' sub-attribute
    to 'true' SHALL cause the server to automatically set 'primary' to
    'false' for any other values in the array". Only values that were
    ``true`` become ``false``; values without ``primary`` are already not
    primary and stay as they are. One operation that itself writes two
    primaries contradicts itself → 400 ``invalidValue`` (pitfalls §12).
    """
    if attribute.sub("primary") is None:
        return
    winners = [v for v in written if isinstance(v, dict) and v.get("primary") is True]
    if len(winners) > 1:
        raise errors.invalid_value(
            f"'{where}' would have {len(winners)} values with primary true; at most one "
            "value may be primary (RFC 7643 §2.4)"
        )
    if not winners:
        return
    for value in values:
        if value is not winners[0] and isinstance(value, dict) and value.get("primary") is True:
            value["primary"] = False


def _append_new(attribute: Attribute, existing: list[Any], items: list[Any]) -> list[Any]:
    """The ``items`` not already among ``existing`` (nor repeated among themselves)."""
    fresh: list[Any] = []
    for item in items:
        if not any(_same_value(attribute, item, seen) for seen in (*existing, *fresh)):
            fresh.append(item)
    return fresh


# --------------------------------------------------------------------------
# Whole attribute: path names an attribute, no filter, no sub-attribute
# --------------------------------------------------------------------------


def _add_attribute(site: _Site, value: Any) -> None:
    """§3.5.2.1 add: multi-valued → new values appended, equal ones not repeated;
    singular → set (an existing value is replaced); complex → sub-attributes merged."""
    if site.attribute.multi_valued:
        items = site.coerce(site.attribute, value) or []
        existing = site.current() or []
        fresh = _append_new(site.attribute, existing, items)
        if not fresh:
            return  # §3.5.2.1: the value is already there, no change
        values = existing + fresh
        _settle_primary(site.attribute, values, fresh, site.where)
        site.assign(values)
        return
    _set_singular(site, value)


def _replace_attribute(site: _Site, value: Any) -> None:
    """§3.5.2.3 replace: multi-valued → "the attribute and all values are replaced";
    singular → replaced; complex → merged ("Sub-attributes that are not specified
    in the 'value' parameter are left unchanged", checks-catalog
    patch.replace.complex-partial); absent → treated as an add."""
    if site.attribute.multi_valued:
        items = site.coerce(site.attribute, value) or []
        _settle_primary(site.attribute, items, items, site.where)
        site.assign(items)
        return
    _set_singular(site, value)


def _set_singular(site: _Site, value: Any) -> None:
    """Set a singular attribute; a complex one is merged sub-attribute by sub-attribute.

    RFC 7643 §2.5: a null value unassigns the attribute (which the required
    check of :func:`_guard` may refuse).
    """
    attribute = site.attribute
    new = site.coerce(attribute, value)
    old = site.current()
    if attribute.is_complex and isinstance(new, dict):
        kept = old if isinstance(old, dict) else {}
        for name, sub_value in new.items():
            sub = attribute.sub(name)
            assert sub is not None  # coerce_value spells only known sub-attributes
            _guard(sub, kept.get(name), sub_value, f"{site.where}.{name}")
        new = {**kept, **new}
    site.assign(new)


def _remove_attribute(site: _Site, value: Any) -> None:
    """§3.5.2.2 remove: the attribute and all its values become unassigned.

    An attribute that has no value: success, no change (pitfalls §9). With a
    value list on a multi-valued attribute — Entra's legacy member removal
    ``{"op":"Remove","path":"members","value":[{"value":"<id>"}]}`` — only
    the listed values are removed, never all (entra-provisioning.md §4–§5,
    checks-catalog vendor bug 16).
    """
    if site.attribute.multi_valued and value is not None:
        _remove_listed(site, value)
        return
    site.assign(None)


def _remove_listed(site: _Site, value: Any) -> None:
    """Remove the listed values; an item with ``value`` matches by that sub-attribute.

    Listed values that are not present are ignored: the request names what
    must not remain, and Entra retries a failed removal every cycle.
    """
    attribute = site.attribute
    listed = site.coerce(attribute, value) or []
    existing = site.current()
    if not existing:
        return
    kept = [item for item in existing if not any(_listed(attribute, item, x) for x in listed)]
    if len(kept) != len(existing):
        site.assign(kept)


def _listed(attribute: Attribute, item: Any, listed: Any) -> bool:
    value_sub = attribute.sub("value")
    if value_sub is not None and isinstance(listed, dict) and "value" in listed:
        return isinstance(item, dict) and values_equal(
            value_sub, item.get("value"), listed["value"]
        )
    return _same_value(attribute, item, listed)


# --------------------------------------------------------------------------
# Sub-attribute without a filter: ``name.givenName``, ``emails.value``
# --------------------------------------------------------------------------


def _write_sub(site: _Site, value: Any, op: str) -> None:
    """Set (add/replace) or unset (remove) one sub-attribute, RFC 7644 §3.5.2.x.

    Of a singular complex attribute: the other sub-attributes are left as
    they are; the attribute is created by add/replace if absent (§3.5.2.3
    "treat the operation as an 'add'") and unassigned when its last
    sub-attribute goes. Of a multi-valued attribute without a filter
    (``emails.type``): every value is targeted, as if by a filter matching
    all; with no values, add/replace creates one.
    """
    if site.attribute.multi_valued:
        _write_filtered(site, value, op, select_all=True)
        return
    sub = site.sub
    assert sub is not None
    new_sub = None if op == REMOVE else site.coerce(sub, value)
    old = site.current()
    merged = dict(old) if isinstance(old, dict) else {}
    _guard(sub, merged.get(sub.name), new_sub, site.where)
    _put(merged, sub.name, new_sub)
    site.assign(merged or None)


def _put(obj: JsonDict, name: str, value: Any) -> None:
    if value is None:
        obj.pop(name, None)
    else:
        obj[name] = value


# --------------------------------------------------------------------------
# Value filter: ``emails[type eq "work"]`` and ``emails[type eq "work"].value``
# --------------------------------------------------------------------------


def _write_filtered(site: _Site, value: Any, op: str, *, select_all: bool = False) -> None:
    """Apply ``op`` to the values the filter selects (RFC 7644 §3.5.2.x valuePath rules).

    Nothing selected: see :func:`_no_match`. Otherwise the rule for
    ``(op, sub-attribute or not)`` in :data:`_ON_SELECTED` rewrites each
    selected value (None removes it); the values are evaluated against the
    filter one at a time (RFC 7644 §3.4.2.2 "valuePath" semantics).
    """
    attribute = site.attribute  # multi-valued: paths.resolve_path refuses a filter otherwise
    values = site.current() or []
    chosen = [i for i, v in enumerate(values) if select_all or site.matches(v)]
    if not chosen:
        _no_match(site, value, op, select_all)
        return
    prepare, rewrite = _ON_SELECTED[(op, site.sub is not None)]
    new = prepare(site, value)
    rewritten = {i: rewrite(site, values[i], new) for i in chosen}
    result = [rewritten.get(i, v) for i, v in enumerate(values)]
    written = [] if op == REMOVE else [v for v in rewritten.values() if v is not None]
    kept = [v for v in result if v is not None]
    _settle_primary(attribute, kept, written, site.where)
    site.assign(_deduplicated(attribute, kept))


def _deduplicated(attribute: Attribute, values: list[Any]) -> list[Any]:
    """Values rewritten to equal ones collapse to one (RFC 7643 §2.4: no duplicates)."""
    return _append_new(attribute, [], values)


def _no_match(site: _Site, value: Any, op: str, select_all: bool) -> None:
    """A filter that selects nothing.

    * remove: 400 ``noTarget`` (§3.12 "The specified path did not yield an
      attribute or attribute value that could be operated on"; pitfalls §9),
      a no-op under ``compat.lenient_remove``; with no filter (``emails.type``
      on an attribute with no values) there is simply nothing to remove.
    * replace: §3.5.2.3 "no record match was made … 'noTarget'" — unless
      ``compat.replace_creates`` and the filter is ``type eq "…"``: Entra
      replaces ``emails[type eq "work"].value`` for users without a work
      email (pitfalls §10), so the value ``{type, sub-attribute: value}``
      is created.
    * add: §3.5.2.1 "If the target location does not exist, the attribute
      and value are added", and Entra uses ``Add`` precisely for values that
      do not exist yet (entra-provisioning.md §4); a ``type eq "…"`` filter
      says what to create, so the value is created (our reading, under
      ``compat.filtered_add_creates``). Table 9 lets a server answer
      ``noTarget`` instead ("the specified path value contains a filter that
      yields no match"), which the strict reading does. Any other filter
      cannot describe the new value → ``noTarget``.
    * no filter (``emails.value`` with no emails): add/replace create
      ``{sub-attribute: value}`` (§3.5.2.3 "treat the operation as an 'add'").
    """
    if op == REMOVE:
        if select_all or site.compat.lenient_remove:
            return
        raise errors.no_target(f"'{site.where}' matches no value (RFC 7644 §3.5.2.2)")
    seed = {} if select_all else _seed_from_filter(site.path.value_filter, site.attribute)
    compat = site.compat
    creates = select_all or (compat.filtered_add_creates if op == ADD else compat.replace_creates)
    if seed is None or not creates:
        raise errors.no_target(f"'{site.where}' matches no value (RFC 7644 §3.5.2.3)")
    if site.sub is not None:
        element: Any = {**seed, site.sub.name: value}
    elif isinstance(value, dict):
        element = {**value, **seed}
    else:
        element = value
    new = site.coerce(_element_attribute(site.attribute), element, shape=False)
    if new is None:
        return
    values = [*(site.current() or []), new]
    _settle_primary(site.attribute, values, [new], site.where)
    site.assign(_deduplicated(site.attribute, values))


def _seed_from_filter(expr: Filter | None, attribute: Attribute) -> dict[str, Any] | None:
    """``{"type": "work"}`` for the filter ``type eq "work"``; None for any other filter."""
    if not isinstance(expr, Compare) or expr.op.casefold() != "eq":
        return None
    if expr.path.urn is not None or expr.path.sub_attr is not None:
        return None
    sub = attribute.sub(expr.path.attr)
    if sub is None or sub.name != "type" or not isinstance(expr.value, str):
        return None
    return {"type": expr.value}


def _new_sub_value(site: _Site, value: Any) -> Any:
    sub = site.sub
    assert sub is not None
    return site.coerce(sub, value)


def _no_value(site: _Site, value: Any) -> Any:
    return None


def _new_element(site: _Site, value: Any) -> Any:
    return site.coerce(_element_attribute(site.attribute), value, shape=False)


def _set_sub_on(site: _Site, element: Any, new: Any) -> Any:
    """add/replace ``attr[filter].sub``: "the matching sub-attribute of all matching
    records is replaced" (§3.5.2.3); add likewise sets it (§3.5.2.1, a singular
    target is replaced). A null value unassigns it (RFC 7643 §2.5); an
    immutable sub-attribute (``members.value``) may only be set where it has
    no value yet (§3.5.2), a readOnly one never. remove ``attr[filter].sub``
    is the same with no value: "Sub-attributes whose values have been
    removed SHALL be considered unassigned" (§3.5.2.2). A value left with
    no sub-attribute at all is removed (RFC 7643 §2.5)."""
    sub = site.sub
    assert sub is not None
    if not isinstance(element, dict):
        raise errors.invalid_path(f"'{site.where}': the selected values have no sub-attributes")
    _guard(sub, element.get(sub.name), new, site.where)
    _put(element, sub.name, copy.deepcopy(new))
    return element or None


def _drop_selected(site: _Site, element: Any, new: Any) -> Any:
    """remove ``attr[filter]``: "the values matched by the filter are removed" (§3.5.2.2)."""
    return None


def _replace_selected(site: _Site, element: Any, new: Any) -> Any:
    """replace ``attr[filter]``: "all matching record values SHALL be replaced" (§3.5.2.3).

    Each selected value is replaced whole by the new one (a record, not a
    merge: the merge rule of §3.5.2.3 is for a complex *attribute*); several
    selected values thus become equal and collapse to one. Immutable
    sub-attributes (``members.value``) are not consulted: a value is
    removed and another added, which immutability allows — the reasoning
    ``resources.prepare_replace`` applies to PUT.

    §3.5.2.3 also says of a complex target "Sub-attributes that are not
    specified in the 'value' parameter are left unchanged"; under
    ``compat.replace_merges_selected`` that reading is taken and an object is
    merged into each selected record (as :func:`_merge_into_selected`).
    """
    if site.compat.replace_merges_selected and isinstance(new, dict):
        return _merge_into_selected(site, element, new)
    return copy.deepcopy(new)


def _merge_into_selected(site: _Site, element: Any, new: Any) -> Any:
    """add ``attr[filter]`` with an object: its sub-attributes are set on each
    selected value (§3.5.2.1: a complex target takes "a set of sub-attributes";
    those given replace, the others are kept)."""
    if not isinstance(element, dict) or not isinstance(new, dict):
        return element
    for name, sub_value in new.items():
        sub = site.attribute.sub(name)
        assert sub is not None  # coerce_value spells only known sub-attributes
        _guard(sub, element.get(name), sub_value, f"{site.where}.{name}")
        element[name] = copy.deepcopy(sub_value)
    return element


_Prepare = Callable[[_Site, Any], Any]
_Rewrite = Callable[[_Site, Any, Any], Any]

# (op, sub-attribute after "]"?) -> (the new data from the op's value,
# what becomes of each selected value; None removes it).
_ON_SELECTED: dict[tuple[str, bool], tuple[_Prepare, _Rewrite]] = {
    (ADD, True): (_new_sub_value, _set_sub_on),
    (REPLACE, True): (_new_sub_value, _set_sub_on),
    (REMOVE, True): (_no_value, _set_sub_on),
    (ADD, False): (_new_element, _merge_into_selected),
    (REPLACE, False): (_new_element, _replace_selected),
    (REMOVE, False): (_no_value, _drop_selected),
}


# --------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------

_Handler = Callable[[_Site, Any], None]

WHOLE, SUB, FILTERED = "attribute", "sub-attribute", "value filter"

# (op, shape of the target) -> the RFC 7644 §3.5.2.x rule that applies.
_HANDLERS: dict[tuple[str, str], _Handler] = {
    (ADD, WHOLE): _add_attribute,
    (REPLACE, WHOLE): _replace_attribute,
    (REMOVE, WHOLE): _remove_attribute,
    (ADD, SUB): lambda site, value: _write_sub(site, value, ADD),
    (REPLACE, SUB): lambda site, value: _write_sub(site, value, REPLACE),
    (REMOVE, SUB): lambda site, value: _write_sub(site, value, REMOVE),
    (ADD, FILTERED): lambda site, value: _write_filtered(site, value, ADD),
    (REPLACE, FILTERED): lambda site, value: _write_filtered(site, value, REPLACE),
    (REMOVE, FILTERED): lambda site, value: _write_filtered(site, value, REMOVE),
}


def _shape(site: _Site) -> str:
    if site.path.value_filter is not None:
        return FILTERED
    return SUB if site.sub is not None else WHOLE


def _dispatch(site: _Site, op: str, value: Any) -> None:
    _HANDLERS[(op, _shape(site))](site, value)


# --------------------------------------------------------------------------
# schemas
# --------------------------------------------------------------------------


def _settle_schemas(resource: JsonDict, resource_type: ResourceType) -> None:
    """Keep ``schemas`` describing the patched resource (RFC 7643 §3).

    ``schemas`` names "the namespaces of the SCIM schemas that define the
    attributes present". Our reading for PATCH: a client may add to or
    replace it with URNs the resource type declares (spelt canonically;
    another URN → 400 ``invalidValue``, pitfalls §22), but the core URN and
    the URN of every extension holding data are always kept — adding
    enterprise data implies the enterprise URN. Removing ``schemas`` itself
    is refused by the required-attribute rule (§3.5.2.2). An extension URN
    whose data has all been removed stays listed, as on create.
    """
    listed = resource.get("schemas")
    if not isinstance(listed, list):
        return
    declared = {urn.casefold(): urn for urn in resource_type.schema_urns}
    settled: list[str] = []
    for urn in listed:
        canonical = declared.get(urn.casefold()) if isinstance(urn, str) else None
        if canonical is None:
            raise errors.invalid_value(
                f"'schemas' may only list schemas of resource type {resource_type.name}, "
                f"got {urn!r}"
            )
        if canonical not in settled:
            settled.append(canonical)
    if resource_type.schema.id not in settled:
        settled.insert(0, resource_type.schema.id)
    for extension, _required in resource_type.extensions:
        if extension.id in resource and extension.id not in settled:
            settled.append(extension.id)
    if settled != listed:
        resource["schemas"] = settled
