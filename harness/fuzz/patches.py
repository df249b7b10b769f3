"""PatchOp request bodies (RFC 7644 §3.5.2) against an existing resource, valid and invalid.

Valid bodies (:func:`patch_bodies`) are built one operation at a time
against the resource as the server returned it. Each operation is drawn
from a named :class:`OpKind` — the RFC shapes (add/replace/remove of a
simple attribute, a sub-attribute, a value-filtered element or its
sub-attribute, path-less add/replace, a URN-qualified extension path) and
the IdP shapes the core tolerates (Okta's path-less
``{"op": "replace", "value": {"active": false}}``, Entra's ``"Replace"``,
flat ``"name.givenName"`` keys and ``"False"`` strings — the last only
where ``Compat.string_booleans`` is on). Which attributes exist, which are
writable and which sub-attributes they have is read from the schema
registry; targets of value filters are taken from the current state, so a
filter selects something (§3.5.2.3 makes a replace that selects nothing a
``noTarget`` error).

The operations are drawn for shrinking (:func:`_patch_body`): a list of
candidates each drawn against the resource as returned (no operation
count, no element's meaning depending on an earlier one), so hypothesis can
delete any one; then at most one more drawn against the state they leave,
for what needs state (a value filter on an element added by the same
request). To know that state, each candidate is applied with the semantics
core (:func:`harness.scim.patch.apply_patch`, then
:func:`harness.scim.resources.validate_resource` for the whole-resource
rules a server checks after a PATCH); a candidate the core refuses — two
primaries after a type filter matched two values, say — is dropped, and so
is one that changes nothing, except in a rare body that keeps no-ops
(§3.5.2 allows them). The body is therefore valid by construction for the
core, never by a re-implementation of PATCH here.

Invalid bodies (:func:`invalid_patch_bodies`) hold one named defect —
unknown op, malformed or unknown path, remove without a path (§3.5.2.2
``noTarget``), a readOnly target, a wrong value type, a missing
``Operations`` or PatchOp URN — possibly between valid operations, so that
atomicity (§3.5.2: "SHALL be treated as atomic") is exercised too. Those
valid operations are shaped for shrinking: the defect is drawn first, the
operations before and after it are two ``st.lists`` whose elements are
drawn against the resource as returned (so deleting one leaves the others'
draws intact), and the ones that change nothing are dropped — a no-op in
front of the defect proves nothing about atomicity, and a reproducer
shrinks to one changing operation and the defect.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from harness.fuzz.resources import attribute_values, name_tokens, writable
from harness.scim.compat import DEFAULT, Compat
from harness.scim.errors import ScimError
from harness.scim.expr import AttrPath, Compare
from harness.scim.patch import apply_patch, parse_patch_request
from harness.scim.resources import validate_resource
from harness.scim.schema import (
    GROUP,
    PATCH_OP_URN,
    USER,
    Attribute,
    ResourceType,
)

__all__ = [
    "INVALID_KINDS",
    "OP_KINDS",
    "InvalidKind",
    "OpKind",
    "invalid_patch_bodies",
    "patch_bodies",
    "patch_body",
]

JsonDict = dict[str, Any]


def patch_body(operations: list[JsonDict]) -> JsonDict:
    """A PatchOp request body (RFC 7644 §3.5.2) holding ``operations``."""
    return {"schemas": [PATCH_OP_URN], "Operations": operations}


# --------------------------------------------------------------------------
# What a resource type lets a PATCH touch
# --------------------------------------------------------------------------

#: Attributes left to dedicated kinds (required names, uniqueness,
#: membership) or out of the fuzzed set: ``password`` is writeOnly and never returned (RFC 7643
#: §4.1.1), so a result oracle could not see it; ``manager`` would need the
#: id of an existing User; ``members`` needs the caller's member ids.
_SPECIAL = frozenset({"externalId", "password", "manager", "members"})


@dataclass(frozen=True)
class _Target:
    """A writable attribute: where it lives (container URN) and its definition."""

    container: str | None
    attribute: Attribute

    def path(self, sub: str | None = None, *, qualified: bool = False) -> str:
        """Its PATCH path; extension attributes always URN-qualified unless bare is asked."""
        name = self.attribute.name if sub is None else f"{self.attribute.name}.{sub}"
        return f"{self.container}:{name}" if self.container and qualified else name


def _targets(resource_type: ResourceType) -> list[_Target]:
    """Writable attributes fuzzed generically; required ones (``userName``, Group
    ``displayName``) are unique names, changed by the ``rename`` kind only."""
    return [
        _Target(container, attribute)
        for container, attribute in resource_type.all_attributes()
        if writable(attribute) and not attribute.required and attribute.name not in _SPECIAL
    ]


def _simple(rt: ResourceType) -> list[_Target]:
    return [t for t in _targets(rt) if not t.attribute.is_complex and not t.attribute.multi_valued]


def _singular_complex(rt: ResourceType) -> list[_Target]:
    return [t for t in _targets(rt) if t.attribute.is_complex and not t.attribute.multi_valued]


def _multi(rt: ResourceType) -> list[_Target]:
    return [t for t in _targets(rt) if t.attribute.multi_valued and t.attribute.is_complex]


def _writable_subs(attribute: Attribute) -> list[Attribute]:
    return [sub for sub in attribute.sub_attributes if writable(sub)]


def _current(state: JsonDict, target: _Target) -> Any:
    holder = state if target.container is None else state.get(target.container)
    return holder.get(target.attribute.name) if isinstance(holder, dict) else None


def _values(dotted: str, attribute: Attribute) -> st.SearchStrategy[Any]:
    return attribute_values(dotted, attribute)


# --------------------------------------------------------------------------
# Operation kinds
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    resource_type: ResourceType
    state: JsonDict
    compat: Compat
    member_ids: tuple[str, ...]


@dataclass(frozen=True)
class OpKind:
    """A named shape of PATCH operation and the RFC rule (or IdP habit) it exercises.

    ``build`` returns None when the shape does not apply to the current
    state (no email to filter on, a Group asked for ``active``).
    """

    name: str
    why: str
    build: Callable[[st.DrawFn, _Context], JsonDict | None]

    def __repr__(self) -> str:
        return f"OpKind({self.name!r})"


def _op_name(draw: st.DrawFn, op: str) -> str:
    """``op`` as the RFC writes it, or capitalised as Entra sends it (pitfalls §14)."""
    return draw(st.sampled_from([op, op.capitalize()]))


def _set_simple(op: str) -> Callable[[st.DrawFn, _Context], JsonDict | None]:
    def build(draw: st.DrawFn, ctx: _Context) -> JsonDict | None:
        targets = _simple(ctx.resource_type)
        if not targets:
            return None
        target = draw(st.sampled_from(targets))
        qualified = draw(st.booleans())
        path = target.path(qualified=qualified)
        if target.container is None and qualified:
            path = f"{ctx.resource_type.schema.id}:{path}"  # RFC 7644 §3.10 core URN prefix
        value = draw(_values(target.attribute.name, target.attribute))
        return {"op": _op_name(draw, op), "path": path, "value": value}

    return build


def _remove_simple(draw: st.DrawFn, ctx: _Context) -> JsonDict | None:
    targets = [t for t in _targets(ctx.resource_type) if not t.attribute.required]
    if not targets:
        return None
    target = draw(st.sampled_from(targets))
    return {"op": _op_name(draw, "remove"), "path": target.path(qualified=draw(st.booleans()))}


def _sub_attribute(op: str) -> Callable[[st.DrawFn, _Context], JsonDict | None]:
    def build(draw: st.DrawFn, ctx: _Context) -> JsonDict | None:
        targets = _singular_complex(ctx.resource_type)
        if not targets:
            return None
        target = draw(st.sampled_from(targets))
        sub = draw(st.sampled_from(_writable_subs(target.attribute)))
        operation: JsonDict = {"op": _op_name(draw, op), "path": target.path(sub.name)}
        if op != "remove":
            operation["value"] = draw(_values(f"{target.attribute.name}.{sub.name}", sub))
        return operation

    return build


def _whole_multi(op: str) -> Callable[[st.DrawFn, _Context], JsonDict | None]:
    def build(draw: st.DrawFn, ctx: _Context) -> JsonDict | None:
        targets = _multi(ctx.resource_type)
        if not targets:
            return None
        target = draw(st.sampled_from(targets))
        value = draw(_values(target.attribute.name, target.attribute))
        return {"op": _op_name(draw, op), "path": target.path(), "value": value}

    return build


def _element_filter(draw: st.DrawFn, element: Any) -> str | None:
    """A valFilter selecting ``element``: by ``type`` or by ``value`` (§3.5.2 valuePath)."""
    if not isinstance(element, dict):
        return None
    keys = [key for key in ("type", "value") if isinstance(element.get(key), str)]
    if not keys:
        return None
    key = draw(st.sampled_from(keys))
    return str(Compare(AttrPath(None, key), "eq", element[key]))


def _filtered(op: str, with_sub: bool) -> Callable[[st.DrawFn, _Context], JsonDict | None]:
    def build(draw: st.DrawFn, ctx: _Context) -> JsonDict | None:
        candidates = [t for t in _multi(ctx.resource_type) if _current(ctx.state, t)]
        if not candidates:
            return None
        target = draw(st.sampled_from(candidates))
        element = draw(st.sampled_from(_current(ctx.state, target)))
        selector = _element_filter(draw, element)
        if selector is None:
            return None
        path = f"{target.path()}[{selector}]"
        operation: JsonDict = {"op": _op_name(draw, op)}
        if with_sub:
            sub = draw(st.sampled_from(_writable_subs(target.attribute)))
            path += f".{sub.name}"
            if op != "remove":
                operation["value"] = draw(_values(f"{target.attribute.name}.{sub.name}", sub))
        elif op != "remove":
            one = draw(_values(target.attribute.name, target.attribute))
            operation["value"] = one[0]
        operation["path"] = path
        return operation

    return build


def _add_by_type(draw: st.DrawFn, ctx: _Context) -> JsonDict | None:
    """``add emails[type eq "work"].value``: creates the element when none matches
    (RFC 7644 §3.5.2.1 "If the target location does not exist …"; Entra's shape)."""
    targets = [
        t for t in _multi(ctx.resource_type) if t.attribute.sub("type") and t.attribute.sub("value")
    ]
    if not targets:
        return None
    target = draw(st.sampled_from(targets))
    type_sub, value_sub = target.attribute.sub("type"), target.attribute.sub("value")
    assert type_sub is not None and value_sub is not None
    kind = draw(st.sampled_from(type_sub.canonical_values or ("work",)))
    value = draw(_values(f"{target.attribute.name}.value", value_sub))
    path = f'{target.path()}[type eq "{kind}"].value'
    return {"op": _op_name(draw, "add"), "path": path, "value": value}


def _remove_filtered(with_sub: bool) -> Callable[[st.DrawFn, _Context], JsonDict | None]:
    return _filtered("remove", with_sub)


@st.composite
def _keyed_value(draw: st.DrawFn, targets: tuple[_Target, ...]) -> tuple[_Target, Any] | None:
    """One attribute and its value drawn together, or None (nothing) for the simplest
    first choice.

    A path-less value's members are a list of these pairs rather than a
    list of attributes followed by their values: deleting a pair leaves the
    other pairs' draws meaning what they meant. None first for the reason
    :func:`_droppable_operation` gives: an irrelevant pair shrinks to
    nothing rather than to the first attribute, so a shrunk value keeps only
    the keys a failure needs.
    """
    target = draw(st.sampled_from((None, *targets)))
    if target is None:
        return None
    return target, draw(_values(target.attribute.name, target.attribute))


@functools.lru_cache(maxsize=256)
def _keyed_lists(targets: tuple[_Target, ...], max_size: int) -> st.SearchStrategy[list[Any]]:
    """Cached: hypothesis validates a strategy on its first draw, which costs more
    than the draw when the strategy is rebuilt for every operation."""
    return st.lists(
        _keyed_value(targets),
        max_size=max_size,
        unique_by=lambda pair: None if pair is None else pair[0].path(qualified=True),
    )


def _keyed_values(
    draw: st.DrawFn, targets: Sequence[_Target], max_size: int
) -> list[tuple[_Target, Any]]:
    """Up to ``max_size`` distinct attributes with their values (see :func:`_keyed_value`)."""
    return [pair for pair in draw(_keyed_lists(tuple(targets), max_size)) if pair is not None]


def _pathless(op: str) -> Callable[[st.DrawFn, _Context], JsonDict | None]:
    """§3.5.2.1/§3.5.2.3 without ``path``: an object of attributes (extension under its URN)."""

    def build(draw: st.DrawFn, ctx: _Context) -> JsonDict | None:
        candidates = _simple(ctx.resource_type) + _singular_complex(ctx.resource_type)
        if not candidates:
            return None
        value: JsonDict = {}
        for target, item in _keyed_values(draw, candidates, 3):
            holder = value if target.container is None else value.setdefault(target.container, {})
            holder[target.attribute.name] = item
        if not value:
            return None
        return {"op": _op_name(draw, op), "value": value}

    return build


def _okta_deactivate(draw: st.DrawFn, ctx: _Context) -> JsonDict | None:
    """Okta's deprovisioning PATCH (okta-provisioning.md): path-less ``active: false``."""
    if ctx.resource_type.resolve(None, "active") is None:
        return None
    return {"op": "replace", "value": {"active": draw(st.booleans())}}


def _entra_string_boolean(draw: st.DrawFn, ctx: _Context) -> JsonDict | None:
    """Entra legacy ``"False"`` for ``active`` (pitfalls §14): only under the switch."""
    if not ctx.compat.string_booleans or ctx.resource_type.resolve(None, "active") is None:
        return None
    value = draw(st.sampled_from(["True", "False", "true", "false"]))
    return {"op": "Replace", "path": "active", "value": value}


def _entra_flat_keys(draw: st.DrawFn, ctx: _Context) -> JsonDict | None:
    """Entra compliant mode: path-less value whose keys are paths (pitfalls §13).

    Each key is drawn with its value (as :func:`_keyed_value`), so a shrunk
    value keeps only the keys a failure needs."""
    complex_targets, simple_targets = (
        _singular_complex(ctx.resource_type),
        _simple(ctx.resource_type),
    )
    if not complex_targets or not simple_targets:
        return None
    value: JsonDict = {}
    for key, item in draw(st.lists(_flat_sub_key(tuple(complex_targets)), max_size=1)):
        value[key] = item
    for target, item in _keyed_values(draw, simple_targets, 2):
        value[target.path(qualified=True)] = item
    if not value:
        return None
    return {"op": draw(st.sampled_from(["Add", "Replace"])), "value": value}


@st.composite
def _flat_sub_key(draw: st.DrawFn, targets: tuple[_Target, ...]) -> tuple[str, Any]:
    """``"name.givenName"`` and its value, drawn together (Entra, pitfalls §13)."""
    target = draw(st.sampled_from(targets))
    sub = draw(st.sampled_from(_writable_subs(target.attribute)))
    return target.path(sub.name), draw(_values(f"{target.attribute.name}.{sub.name}", sub))


def _extension_object(draw: st.DrawFn, ctx: _Context) -> JsonDict | None:
    """The extension URN alone as the path (RFC 7644 §3.10), an object as the value."""
    extensions = [ext for ext, _required in ctx.resource_type.extensions]
    if not extensions:
        return None
    extension = draw(st.sampled_from(extensions))
    simple = [
        _Target(extension.id, a)
        for a in extension.attributes
        if writable(a) and a.name not in _SPECIAL
    ]
    value = {target.attribute.name: item for target, item in _keyed_values(draw, simple, 3)}
    if not value:
        return None
    return {"op": _op_name(draw, draw(st.sampled_from(["add", "replace"]))), "path": extension.id,
            "value": value}  # fmt: skip


def _rename(draw: st.DrawFn, ctx: _Context) -> JsonDict | None:
    """``userName`` (User) or ``displayName`` (Group) extended with a token: the new
    name keeps the run's prefix and stays unique (RFC 7643 §4.1.1, pitfalls §28)."""
    name = "userName" if ctx.resource_type is USER else "displayName"
    current = ctx.state.get(name)
    if ctx.resource_type not in (USER, GROUP) or not isinstance(current, str):
        return None
    token = draw(name_tokens())
    return {"op": _op_name(draw, "replace"), "path": name, "value": f"{current[:200]}~{token}"}


def _external_id(draw: st.DrawFn, ctx: _Context) -> JsonDict | None:
    """``externalId`` (case-exact, unique per type on the reference server) from the
    resource's own name: it stays inside the run prefix, and so unique across the
    campaign (:meth:`FuzzTarget.stamp`), without the id — the state a PATCH is drawn
    against is the core's pre-image of the body sent, which has none yet."""
    op = draw(st.sampled_from(["replace", "remove"]))
    if op == "remove":
        return {"op": _op_name(draw, op), "path": "externalId"}
    name = ctx.state.get("userName", ctx.state.get("displayName", ""))
    token = draw(name_tokens())
    return {"op": _op_name(draw, op), "path": "externalId",
            "value": f"{str(name)[:200]}~ext-{token}"}  # fmt: skip


def _members(draw: st.DrawFn, ctx: _Context) -> JsonDict | None:
    """Group membership (RFC 7643 §4.2): add known ids, remove present ones by filter."""
    if ctx.resource_type.resolve(None, "members") is None:
        return None
    present = [m.get("value") for m in ctx.state.get("members") or [] if isinstance(m, dict)]
    choices: list[JsonDict] = []
    if ctx.member_ids:
        ids = draw(st.lists(st.sampled_from(ctx.member_ids), min_size=1, max_size=3, unique=True))
        choices.append({"op": _op_name(draw, "add"), "path": "members",
                        "value": [{"value": member} for member in ids]})  # fmt: skip
    if present:
        member = draw(st.sampled_from(present))
        selector = str(Compare(AttrPath(None, "value"), "eq", member))
        choices.append({"op": _op_name(draw, "remove"), "path": f"members[{selector}]"})
    if not choices:
        return None
    return draw(st.sampled_from(choices))


#: Every kind of valid operation, simplest first (shrinking goes there).
OP_KINDS: tuple[OpKind, ...] = (
    OpKind("replace-simple", "§3.5.2.3 replace a singular attribute", _set_simple("replace")),
    OpKind("add-simple", "§3.5.2.1 add to a singular attribute replaces it", _set_simple("add")),
    OpKind("remove-simple", "§3.5.2.2 remove an attribute (absent: no-op, pitfalls §9)",
           _remove_simple),
    OpKind("replace-sub", "§3.5.2.3 replace name.givenName", _sub_attribute("replace")),
    OpKind("add-sub", "§3.5.2.1 add name.givenName", _sub_attribute("add")),
    OpKind("remove-sub", "§3.5.2.2 remove name.givenName", _sub_attribute("remove")),
    OpKind("add-multi", "§3.5.2.1 add values to a multi-valued attribute", _whole_multi("add")),
    OpKind("replace-multi", "§3.5.2.3 replace all values", _whole_multi("replace")),
    OpKind("replace-filtered-sub", '§3.5.2.3 replace emails[type eq "work"].value',
           _filtered("replace", True)),
    OpKind("add-filtered-sub", "§3.5.2.1 add to a selected value's sub-attribute",
           _filtered("add", True)),
    OpKind("replace-filtered", "§3.5.2.3 replace the selected values", _filtered("replace", False)),
    OpKind("add-by-type", "§3.5.2.1 add emails[type eq \"…\"].value creates (Entra)",
           _add_by_type),
    OpKind("remove-filtered", "§3.5.2.2 remove the selected values", _remove_filtered(False)),
    OpKind("remove-filtered-sub", "§3.5.2.2 remove a selected value's sub-attribute",
           _remove_filtered(True)),
    OpKind("pathless-replace", "§3.5.2.3 no path: an object of attributes", _pathless("replace")),
    OpKind("pathless-add", "§3.5.2.1 no path: an object of attributes", _pathless("add")),
    OpKind("okta-deactivate", "Okta: {op: replace, value: {active: false}}", _okta_deactivate),
    OpKind("entra-string-boolean", 'Entra legacy "False" (Compat.string_booleans)',
           _entra_string_boolean),
    OpKind("entra-flat-keys", 'Entra: {"name.givenName": …, "urn:…:User:department": …}',
           _entra_flat_keys),
    OpKind("extension-object", "RFC 7644 §3.10: the extension URN as the path",
           _extension_object),
    OpKind("rename", "userName/displayName change within the run prefix", _rename),
    OpKind("external-id", "externalId replace/remove (RFC 7643 §3.1)", _external_id),
    OpKind("members", "Group membership add/remove (RFC 7643 §4.2)", _members),
)  # fmt: skip

_KINDS_BY_NAME = {kind.name: kind for kind in OP_KINDS}


def _applied(state: JsonDict, operation: JsonDict, ctx: _Context) -> tuple[JsonDict, bool] | None:
    """The state after ``operation`` as the core computes it and whether it changed,
    or None if the core refuses it."""
    try:
        parsed = parse_patch_request(patch_body([operation]), ctx.compat)
        patched, changed = apply_patch(state, parsed, ctx.resource_type, ctx.compat)
        validate_resource(patched, ctx.resource_type)
    except ScimError:
        return None
    return patched, changed


@st.composite
def _candidate_operation(
    draw: st.DrawFn, ctx: _Context, kinds: tuple[OpKind, ...]
) -> JsonDict | None:
    """One valid-shaped operation against ``ctx.state`` (None: the shape does not apply)."""
    return draw(st.sampled_from(kinds)).build(draw, ctx)


@functools.lru_cache(maxsize=64)
def _kind_or_nothing(kinds: tuple[OpKind, ...]) -> st.SearchStrategy[OpKind | None]:
    """None (nothing) first, then ``kinds``; cached as :func:`_keyed_lists` is."""
    return st.sampled_from((None, *kinds))


@st.composite
def _droppable_operation(
    draw: st.DrawFn, ctx: _Context, kinds: tuple[OpKind, ...], tries: int
) -> JsonDict | None:
    """One valid-shaped operation against ``ctx.state``, or None (nothing) when the
    first choice is the simplest one.

    Why None first: hypothesis deletes at most five consecutive choices in
    one step, and an operation with a faked value takes more; what it does
    to any span is set every choice in it to the simplest
    (``try_trivial_spans``). Were that an operation (``replace displayName
    "Lori Chang"``), every irrelevant operation would shrink to it and stay
    in the reproducer; as nothing, it drops out of the body.

    ``tries``: kinds drawn until one applies. A Group has few writable
    attributes (RFC 7643 §4.2), so most kinds do not apply to it; retrying
    inside the element keeps every retry deletable with the element.
    """
    for _ in range(tries):
        kind = draw(_kind_or_nothing(kinds))
        if kind is None:
            return None
        operation = kind.build(draw, ctx)
        if operation is not None:
            return operation
    return None


def _changing(
    candidates: list[JsonDict | None],
    state: JsonDict,
    ctx: _Context,
    *,
    no_ops: bool = False,
) -> tuple[list[JsonDict], JsonDict]:
    """The candidates the core accepts in sequence from ``state`` and that change it
    (with ``no_ops``, those that change nothing too), and the state after them.

    Dropping (rather than ``assume``-rejecting) the others keeps every
    sub-list of a drawn list a valid draw, so the shrinker may delete any
    element: an operation drawn against the original state that conflicts
    with an earlier one (a filter whose element was removed) is dropped
    here, and deleting the earlier one brings it back.
    """
    kept: list[JsonDict] = []
    for operation in candidates:
        applied = None if operation is None else _applied(state, operation, ctx)
        if operation is None or applied is None or not (applied[1] or no_ops):
            continue
        kept.append(operation)
        state = applied[0]
    return kept, state


#: Kinds whose draw reads the state (a value filter selects a present element,
#: a member removed is a present member): the only ones drawn again against the
#: state the deletable operations leave (see :func:`_patch_body`).
_STATE_READING = frozenset(
    {
        "replace-filtered-sub",
        "add-filtered-sub",
        "replace-filtered",
        "remove-filtered",
        "remove-filtered-sub",
        "members",
    }
)


def _rarely() -> st.SearchStrategy[bool]:
    """True one time in eight; shrinks to False."""
    return st.integers(min_value=0, max_value=7).map(lambda n: n == 7)


@st.composite
def _patch_body(
    draw: st.DrawFn,
    resource_type: ResourceType,
    resource: JsonDict,
    compat: Compat,
    member_ids: tuple[str, ...],
    kinds: tuple[OpKind, ...],
    max_operations: int,
) -> JsonDict:
    """Deletable operations, then at most one drawn against the state they leave.

    Shaped for shrinking like :func:`_invalid_body`: no operation count is
    drawn, and each element of the list is drawn against ``resource`` as
    returned, so the shrinker can delete any one operation without changing
    what the others are. The elements are then applied in order and kept
    when the core accepts them and they change the state (:func:`_changing`).

    No-ops are valid PATCH content (§3.5.2.1: an add of a value already
    present "SHALL NOT change the modify timestamp"; removing an absent
    attribute, pitfalls §9), so they are kept in one body in eight (a flag
    the shrinker lowers to "drop them" when the failure does not need
    them), and a body whose operations all change nothing is sent as drawn.

    What needs state — a value filter on an element an earlier operation
    added, removing a member just added — is the optional last operation,
    drawn against the state after the list from :data:`_STATE_READING`
    kinds only. Being last, its draws are the only ones a deletion before it
    re-interprets.
    """
    ctx = _Context(resource_type, resource, compat, member_ids)
    no_ops = draw(_rarely())
    candidates = draw(
        st.lists(_droppable_operation(ctx, kinds, 4), min_size=1, max_size=max_operations)
    )
    operations, state = _changing(candidates, resource, ctx, no_ops=no_ops)
    if not operations:
        operations, state = _changing(candidates, resource, ctx, no_ops=True)
    follow_kinds = tuple(kind for kind in kinds if kind.name in _STATE_READING)
    if follow_kinds:
        # Drawn whether or not there is room: a draw that a deletion before it
        # would start needing is a choice the shrinker cannot supply, so the
        # deletion would fail.
        after = _Context(resource_type, state, compat, member_ids)
        last = draw(st.lists(_droppable_operation(after, follow_kinds, 2), max_size=1))
        if len(operations) < max_operations:
            operations += _changing(last, state, after, no_ops=no_ops)[0]
    assume(operations)
    return patch_body(operations)


def patch_bodies(
    resource_type: ResourceType,
    resource: JsonDict,
    *,
    compat: Compat = DEFAULT,
    member_ids: Sequence[str] = (),
    kinds: Sequence[str] | None = None,
    max_operations: int = 4,
) -> st.SearchStrategy[JsonDict]:
    """Valid PatchOp bodies for ``resource`` (as the server returned it): the core's
    ``apply_patch`` under ``compat`` accepts each one.

    ``member_ids``: ids a Group's ``members`` may add. ``kinds``: names from
    :data:`OP_KINDS` to restrict the shapes (all by default).
    ``max_operations``: most operations in a body. Each operation changes the
    resource except in the rare bodies that keep no-ops (see
    :func:`_patch_body`), so a shrunk reproducer holds only the operations
    its failure needs.
    """
    chosen = tuple(_KINDS_BY_NAME[name] for name in kinds) if kinds else OP_KINDS
    return _patch_body(resource_type, resource, compat, tuple(member_ids), chosen, max_operations)


# --------------------------------------------------------------------------
# Invalid bodies
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class InvalidKind:
    """A named defect; ``build`` gives one operation (or, with ``whole``, a body)."""

    name: str
    scim_type: str
    why: str
    build: Callable[[ResourceType, JsonDict, Compat], Any]
    whole: bool = False

    def __repr__(self) -> str:
        return f"InvalidKind({self.name!r})"


def _required_name(rt: ResourceType) -> str | None:
    for attribute in rt.schema.attributes:
        if attribute.required and writable(attribute):
            return attribute.name
    return None


def _some_simple(rt: ResourceType) -> str:
    name = _required_name(rt)
    assert name is not None
    return name


def _first_multi(rt: ResourceType) -> str | None:
    targets = _multi(rt)
    return targets[0].attribute.name if targets else None


def _wrong_type(rt: ResourceType, state: JsonDict, compat: Compat) -> JsonDict:
    """A string attribute given a number (RFC 7643 §2.3.1)."""
    return {"op": "replace", "path": _some_simple(rt), "value": 42}


def _no_match_remove(rt: ResourceType, state: JsonDict, compat: Compat) -> JsonDict | None:
    """§3.5.2.2: a value filter selecting nothing is ``noTarget`` (strict compat)."""
    name = _first_multi(rt) or "members"
    if compat.lenient_remove:
        return None
    return {"op": "remove", "path": f'{name}[value eq "zz-no-such-value-9q"]'}


def _no_match_replace(rt: ResourceType, state: JsonDict, compat: Compat) -> JsonDict | None:
    """§3.5.2.3: a replace whose filter selects nothing is ``noTarget`` (unless
    ``compat.replace_creates``, pitfalls §10)."""
    targets = [t for t in _multi(rt) if t.attribute.sub("value")]
    if not targets or compat.replace_creates:
        return None
    name = targets[0].attribute.name
    return {"op": "replace", "path": f'{name}[value eq "zz-no-such-value-9q"].value', "value": "x"}


def _two_primaries(rt: ResourceType, state: JsonDict, compat: Compat) -> JsonDict | None:
    """RFC 7643 §2.4: one operation writing two primaries contradicts itself."""
    targets = [t for t in _multi(rt) if t.attribute.sub("primary") and t.attribute.sub("value")]
    if not targets:
        return None
    name = targets[0].attribute.name
    value = [{"value": "zz-a-9q", "primary": True}, {"value": "zz-b-9q", "primary": True}]
    return {"op": "add", "path": name, "value": value}


def _read_only_meta(rt: ResourceType, state: JsonDict, compat: Compat) -> JsonDict:
    return {"op": "replace", "path": "meta.created", "value": "2001-01-01T00:00:00Z"}


def _read_only_id(rt: ResourceType, state: JsonDict, compat: Compat) -> JsonDict:
    return {"op": "replace", "path": "id", "value": "zz-not-this-id-9q"}


def _read_only_groups(rt: ResourceType, state: JsonDict, compat: Compat) -> JsonDict | None:
    ref = rt.resolve(None, "groups")
    if ref is None:
        return None
    return {"op": "add", "path": "groups", "value": [{"value": "zz-group-9q"}]}


def _remove_required(rt: ResourceType, state: JsonDict, compat: Compat) -> JsonDict | None:
    name = _required_name(rt)
    return None if name is None else {"op": "remove", "path": name}


def _filter_on_singular(rt: ResourceType, state: JsonDict, compat: Compat) -> JsonDict | None:
    """§3.5.2: a valuePath selects values of a multi-valued attribute only."""
    return {"op": "replace", "path": f'{_some_simple(rt)}[value eq "x"]', "value": "x"}


#: Each defect, the scimType the core answers with, and why.
INVALID_KINDS: tuple[InvalidKind, ...] = (
    InvalidKind("unknown-op", "invalidSyntax", "§3.5.2: op is add, remove or replace",
                lambda rt, s, c: {"op": "merge", "path": _some_simple(rt), "value": "x"}),
    InvalidKind("missing-op", "invalidSyntax", "§3.5.2: each operation has an op",
                lambda rt, s, c: {"path": _some_simple(rt), "value": "x"}),
    InvalidKind("op-not-string", "invalidSyntax", "§3.5.2: op is a string",
                lambda rt, s, c: {"op": ["add"], "path": _some_simple(rt), "value": "x"}),
    InvalidKind("operation-not-object", "invalidSyntax", "§3.5.2: operations are objects",
                lambda rt, s, c: "add"),
    InvalidKind("double-dot-path", "invalidPath", "§3.5.2 PATH ABNF: subAttr is '.' ATTRNAME",
                lambda rt, s, c: {"op": "remove", "path": "name..givenName"}),
    InvalidKind("unclosed-bracket-path", "invalidPath", "§3.5.2 valuePath needs ']'",
                lambda rt, s, c: {"op": "remove", "path": 'emails[type eq "work"'}),
    InvalidKind("text-after-bracket", "invalidPath", "§3.5.2: only '.' subAttr after ']'",
                lambda rt, s, c: {"op": "remove", "path": 'emails[type eq "work"]x'}),
    InvalidKind("filter-as-path", "invalidPath", "§3.5.2: a path is not a filter",
                lambda rt, s, c: {"op": "remove", "path": f'{_some_simple(rt)} eq "x"'}),
    InvalidKind("empty-path", "invalidPath", "§3.5.2: path, when present, is a PATH",
                lambda rt, s, c: {"op": "remove", "path": ""}),
    InvalidKind("path-not-string", "invalidPath", "§3.5.2: path is a string",
                lambda rt, s, c: {"op": "remove", "path": 7}),
    InvalidKind("unknown-attribute-path", "invalidPath", "§3.12 invalidPath: names nothing",
                lambda rt, s, c: {"op": "replace", "path": "noSuchAttribute", "value": "x"}),
    InvalidKind("unknown-extension-path", "invalidPath", "URN not declared by the type",
                lambda rt, s, c: {"op": "replace",
                                  "path": "urn:example:params:scim:schemas:x:2.0:User:x",
                                  "value": "x"}),
    InvalidKind("filter-on-singular", "invalidPath", "§3.5.2 valuePath: multi-valued only",
                _filter_on_singular),
    InvalidKind("remove-without-path", "noTarget", "§3.5.2.2: remove needs a path",
                lambda rt, s, c: {"op": "remove"}),
    InvalidKind("add-without-value", "invalidValue", "§3.5.2.1: add MUST contain a value",
                lambda rt, s, c: {"op": "add", "path": _some_simple(rt)}),
    InvalidKind("replace-without-value", "invalidValue", "§3.5.2.3: replace needs a value",
                lambda rt, s, c: {"op": "Replace", "path": _some_simple(rt)}),
    InvalidKind("pathless-not-object", "invalidValue", "§3.5.2.1: no path → an object",
                lambda rt, s, c: {"op": "replace", "value": "x"}),
    InvalidKind("pathless-unknown-key", "invalidValue", "no such attribute in the value",
                lambda rt, s, c: {"op": "add", "value": {"noSuchAttribute": "x"}}),
    InvalidKind("wrong-type", "invalidValue", "RFC 7643 §2.3: string attribute, number given",
                _wrong_type),
    InvalidKind("two-primaries", "invalidValue", "RFC 7643 §2.4: at most one primary",
                _two_primaries),
    InvalidKind("read-only-id", "mutability", "RFC 7643 §3.1: id is readOnly", _read_only_id),
    InvalidKind("read-only-meta", "mutability", "RFC 7643 §3.1: meta is readOnly",
                _read_only_meta),
    InvalidKind("read-only-groups", "mutability", "RFC 7643 §4.1.2: User groups is readOnly",
                _read_only_groups),
    InvalidKind("remove-required", "mutability", "§3.5.2.2: a required attribute stays",
                _remove_required),
    InvalidKind("no-match-remove", "noTarget", "§3.5.2.2: the filter selects nothing",
                _no_match_remove),
    InvalidKind("no-match-replace", "noTarget", "§3.5.2.3: the filter selects nothing",
                _no_match_replace),
    InvalidKind("missing-operations", "invalidSyntax", "§3.5.2: Operations is required",
                lambda rt, s, c: {"schemas": [PATCH_OP_URN]}, whole=True),
    InvalidKind("empty-operations", "invalidSyntax", "§3.5.2: one or more operations",
                lambda rt, s, c: {"schemas": [PATCH_OP_URN], "Operations": []}, whole=True),
    InvalidKind("operations-not-array", "invalidSyntax", "§3.5.2: Operations is an array",
                lambda rt, s, c: {"schemas": [PATCH_OP_URN],
                                  "Operations": {"op": "remove", "path": "title"}},
                whole=True),
    InvalidKind("missing-schemas", "invalidSyntax", "§3.5.2: the body MUST carry schemas",
                lambda rt, s, c: None if c.lenient_schemas else
                {"Operations": [{"op": "remove", "path": "externalId"}]}, whole=True),
    InvalidKind("wrong-schemas", "invalidSyntax", "§3.5.2: the PatchOp URN",
                lambda rt, s, c: None if c.lenient_schemas else
                {"schemas": [rt.schema.id], "Operations": [{"op": "remove", "path": "externalId"}]},
                whole=True),
    InvalidKind("body-not-object", "invalidSyntax", "§3.5.2: the body is a JSON object",
                lambda rt, s, c: [{"op": "remove", "path": "externalId"}], whole=True),
)  # fmt: skip

_INVALID_BY_NAME = {kind.name: kind for kind in INVALID_KINDS}


@st.composite
def _invalid_body(
    draw: st.DrawFn,
    resource_type: ResourceType,
    resource: JsonDict,
    compat: Compat,
    kinds: tuple[InvalidKind, ...],
    max_around: int,
) -> Any:
    """The defect first, then the valid operations before and after it.

    Shaped for shrinking (see the module docstring): no operation count or
    insertion index is drawn — each would be a number whose meaning shifts
    when an operation goes, which the shrinker cannot lower and delete in one
    step — and each list element is drawn against ``resource``, never against
    the state an earlier element left, so deleting an element does not
    re-interpret the draws after it.
    """
    applicable = [kind for kind in kinds if kind.build(resource_type, resource, compat) is not None]
    kind = draw(st.sampled_from(applicable))
    built = kind.build(resource_type, resource, compat)
    if kind.whole:
        return built
    ctx = _Context(resource_type, resource, compat, ())
    candidates = st.lists(_candidate_operation(ctx, OP_KINDS), max_size=max_around)
    # §3.5.2 atomicity: changes made before the defect must not be kept, and
    # a server skipping the defect would show in the changes after it.
    before, state = _changing(draw(candidates), resource, ctx)
    after, _state = _changing(draw(candidates), state, ctx)
    return patch_body([*before, built, *after])


def invalid_patch_bodies(
    resource_type: ResourceType,
    resource: JsonDict,
    *,
    compat: Compat = DEFAULT,
    kinds: Sequence[str] | None = None,
    max_around: int = 2,
) -> st.SearchStrategy[Any]:
    """PatchOp bodies the core refuses with a 400 (``parse_patch_request`` or
    ``apply_patch`` raises :class:`ScimError`): one defect from
    :data:`INVALID_KINDS`, alone or among valid operations.

    ``max_around``: most valid operations drawn before the defect, and again
    after it; each one kept changes the resource (a no-op proves nothing
    about atomicity), so a shrunk reproducer is one changing operation and
    the defect.
    """
    chosen = tuple(_INVALID_BY_NAME[name] for name in kinds) if kinds else INVALID_KINDS
    return _invalid_body(resource_type, resource, compat, chosen, max_around)
