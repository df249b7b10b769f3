"""Create bodies for Users and Groups, drawn from the schema registry.

Which attributes a body may carry and in which shape is read from
:mod:`harness.scim.schema` (RFC 7643 §4.1, §4.2, §4.3), not restated:

* only attributes a client may write on create — readWrite, immutable and
  writeOnly (RFC 7643 §2.2 / §7 ``mutability``); readOnly ones (``id``,
  ``meta``, User ``groups``, ``manager.displayName``) are the service
  provider's to assign and are left out;
* multi-valued complex attributes (``emails``, ``phoneNumbers``, ``ims``,
  ``photos``, ``addresses``, ``entitlements``, ``roles``,
  ``x509Certificates``) as arrays of distinct objects with canonical
  ``type`` values (plus a custom one now and then: §2.3.1 lets a provider
  accept others) and at most one ``primary: true`` (RFC 7643 §2.4);
* ``userName`` is required, unique and compared case-insensitively
  (RFC 7643 §4.1.1); a Group's ``displayName`` is required (§4.2). Both start
  with the run's ``prefix`` so that resources stay inside the run's
  namespace (the conformance :class:`~harness.conformance.target.Target`
  sweeps for the prefix), followed by a drawn token; distinct
  draws give distinct names. ``externalId`` (unique per resource type on the
  reference server) reuses prefix and token: a replay under a fresh prefix,
  or another run on the same tenant, never collides with it;
* the enterprise extension (RFC 7643 §4.3) sometimes, under its URN key
  with the URN listed in ``schemas`` (RFC 7643 §3).

Values are realistic (faker, several locales) or adversarial
(:mod:`harness.fuzz.values`); every body is one the reference server
accepts with 201 (tests/fuzz/test_strategies.py checks it). Member order
varies, as JSON allows. A body costs hypothesis few choices (about 20 for a
User, against 85 with ``fixed_dictionaries`` and ``one_of``): campaigns draw
thousands, and each choice costs the engine bookkeeping.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

from hypothesis import strategies as st

from harness.fuzz.values import (
    LOCALES,
    Faked,
    Pick,
    Source,
    adversarial_string_sources,
    binaries,
    fake,
    leaf_pick,
)
from harness.scim.schema import (
    BINARY,
    ENTERPRISE_USER_SCHEMA,
    ENTERPRISE_USER_URN,
    GROUP_URN,
    READ_ONLY,
    USER_SCHEMA,
    USER_URN,
    Attribute,
)

__all__ = [
    "REALISTIC",
    "REALISTIC_SOURCES",
    "attribute_values",
    "group_bodies",
    "name_tokens",
    "user_bodies",
    "writable",
]

# --------------------------------------------------------------------------
# Realistic values per attribute (RFC 7643 §4.1.1 / §4.1.2 / §4.3 descriptions)
# --------------------------------------------------------------------------

_LANGUAGE_TAGS = tuple(locale.replace("_", "-") for locale in LOCALES)

#: Realistic sources for attributes whose meaning is known, keyed by the
#: dotted attribute name: faker pools (:class:`~harness.fuzz.values.Faked`),
#: literal values, or a strategy. Other attributes get their type's generic values.
REALISTIC_SOURCES: dict[str, Source] = {
    "externalId": Faked("uuid4"),
    "name.formatted": Faked("name"),
    "name.familyName": Faked("last_name"),
    "name.givenName": Faked("first_name"),
    "name.middleName": Faked("first_name"),
    "name.honorificPrefix": Faked("prefix"),
    "name.honorificSuffix": Faked("suffix"),
    "displayName": Faked("name"),
    "nickName": Faked("first_name"),
    "profileUrl": Faked("url"),
    "title": Faked("job"),
    "userType": ("Employee", "Contractor", "Intern", "Temp", "External"),
    # RFC 7643 §4.1.1: preferredLanguage is an Accept-Language value, locale a tag.
    "preferredLanguage": (*_LANGUAGE_TAGS, "de-CH, de;q=0.9, en;q=0.8", "ja-JP;q=1.0, en;q=0.5"),
    "locale": _LANGUAGE_TAGS,
    "timezone": Faked("timezone"),
    "password": Faked("password"),
    "emails.value": Faked("email"),
    "emails.display": Faked("name"),
    "phoneNumbers.value": Faked("phone_number"),
    "ims.value": Faked("user_name"),
    "photos.value": Faked("image_url"),
    "addresses.formatted": Faked("address"),
    "addresses.streetAddress": Faked("street_address"),
    "addresses.locality": Faked("city"),
    "addresses.region": Faked("administrative_unit"),
    "addresses.postalCode": Faked("postcode"),
    "addresses.country": Faked("country_code"),
    "entitlements.value": ("Admin", "Reader", "license:E3", "vpn"),
    "roles.value": ("Developer", "Manager", "Auditor", "Sales"),
    "x509Certificates.value": binaries(),
    "employeeNumber": st.integers(min_value=1, max_value=999_999).map(str),
    "costCenter": ("4130", "CC-0001", "R&D"),
    "organization": Faked("company"),
    "division": ("Cloud", "Consumer", "Operations"),
    "department": Faked("job"),
}


def _as_strategy(source: Source) -> st.SearchStrategy[Any]:
    if isinstance(source, Faked):
        return fake(source.method)
    if isinstance(source, st.SearchStrategy):
        return source
    return st.sampled_from(source)


#: The realistic values of :data:`REALISTIC_SOURCES` as strategies.
REALISTIC: dict[str, st.SearchStrategy[Any]] = {
    dotted: _as_strategy(source) for dotted, source in REALISTIC_SOURCES.items()
}


def writable(attribute: Attribute) -> bool:
    """Whether a client may send ``attribute`` on create (RFC 7643 §2.2, §7)."""
    return attribute.mutability != READ_ONLY


@cache
def _leaf(dotted: str, attribute: Attribute) -> Pick:
    """Realistic first (shrinks there), then adversarial values of the type."""
    realistic = REALISTIC_SOURCES.get(dotted)
    if attribute.type == BINARY:  # base64 either way; adversarial bytes are drawn already
        return Pick(realistic if realistic is not None else binaries())
    return leaf_pick(attribute.type, realistic)


# --------------------------------------------------------------------------
# Objects with optional members, cheaply
# --------------------------------------------------------------------------
#
# Each hypothesis choice costs the engine a span, a data-tree node and a
# mutator entry, so a body's price is about its number of choices.
# ``st.fixed_dictionaries(optional=…)`` spends per present key a "one more"
# boolean and a key index, then shuffles the pairs (one integer per pair);
# ``st.lists(unique_by=…)`` filters each element; ``one_of`` leaves cost two
# or three choices. Here the shape of an object — how full, which members,
# in which order, and which entry each literal member is — is one choice (a
# byte string, see :func:`_object`), the shape of a list of values one more
# (:func:`_multi_values`); a leaf drawn from a strategy (random text, a long
# string's size) one more (:class:`~harness.fuzz.values.Pick`).

#: An object's members: key and values, a :class:`Pick` (drawn inline) or a strategy.
Members = tuple[tuple[str, Pick | st.SearchStrategy[Any]], ...]

#: How full an object is, from its first shape byte: none, an eighth, a
#: quarter, half or all of its optional members, so bodies range from
#: minimal to complete. The mean, 3/8 (some eight of a User's 22 optional
#: members), is near what ``fixed_dictionaries`` gave under hypothesis'
#: engine and what IdPs send (Okta: userName, name, emails, displayName,
#: locale, active…). A member is present when its byte is at least
#: ``256 - level``, so a zero byte is absent at every level: shrinking a
#: member's byte removes it whatever the level byte (were "all" to mean
#: every byte, the shrinker would zero the bytes first and be stuck there).
_LEVELS = (0, 32, 64, 128, 255)
#: Shape bytes that seed member order (:func:`_shuffled`) where an object has them.
_ORDER_BYTES = 2


@cache
def _shape(count: int) -> st.SearchStrategy[bytes]:
    """``count`` bytes in one choice (hypothesis draws fixed-size bytes uniformly).

    Cached, as :func:`_below`: a new strategy object is validated on its first draw.
    """
    return st.binary(min_size=count, max_size=count)


@cache
def _below(count: int) -> st.SearchStrategy[int]:
    """An index in ``range(count)``."""
    return st.integers(min_value=0, max_value=count - 1)


def _scaled(byte: int, count: int) -> int:
    """A shape byte as an index in ``range(count)`` (0 stays 0: shrinks to the first)."""
    return byte * count // 256


#: Shape bytes per member for its :class:`Pick` index (see :func:`_object`).
_PICK_BYTES = 2


@st.composite
def _object(
    draw: st.DrawFn,
    required: Members,
    optional: Members,
    at_least_one: bool = False,
    ordered: bool = False,
) -> dict[str, Any]:
    """``required`` members and a drawn subset of ``optional`` ones.

    One shape choice: a level byte, one presence byte per optional member,
    :data:`_ORDER_BYTES` when ``ordered`` (they shuffle the members of the
    object and of every object inside it; otherwise members keep schema
    order), then :data:`_PICK_BYTES` per member that a :class:`Pick` member
    takes as its index, so that a literal value costs no choice of its own.
    ``at_least_one``: an object with no member at all gets one drawn
    optional member instead (no ``.filter``, which would reject the draw).
    """
    members = required + optional
    extra = _ORDER_BYTES if ordered else 0
    head = 1 + len(optional) + extra
    shape = draw(_shape(head + _PICK_BYTES * len(members)))
    level = _LEVELS[_scaled(shape[0], len(_LEVELS))]
    chosen = [len(required) + i for i in range(len(optional)) if shape[1 + i] >= 256 - level]
    if at_least_one and not chosen and not required and optional:
        chosen = [draw(_below(len(optional)))]
    body: dict[str, Any] = {}
    for index in [*range(len(required)), *chosen]:
        key, values = members[index]
        if isinstance(values, Pick):
            start = head + _PICK_BYTES * index
            body[key] = values.draw(draw, shape[start : start + _PICK_BYTES])
        else:
            body[key] = draw(values)
    order = int.from_bytes(shape[1 + len(optional) : head], "big")
    return _shuffled(body, random.Random(order)) if order else body


def _shuffled(value: Any, rng: random.Random) -> Any:
    """``value`` with the members of each object, at any depth, in shuffled order.

    JSON object members are unordered (RFC 8259 §4) and RFC 7643 fixes no
    order; a server that depends on one is found by varying it. One seed
    per body instead of one choice per member, as ``fixed_dictionaries`` had.
    """
    if isinstance(value, dict):
        pairs = [(key, _shuffled(item, rng)) for key, item in value.items()]
        rng.shuffle(pairs)
        return dict(pairs)
    if isinstance(value, list):
        return [_shuffled(item, rng) for item in value]
    return value


def _members(dotted: str, attribute: Attribute) -> tuple[Members, Members]:
    """The writable sub-attributes of a complex attribute, as (required, optional).

    ``primary`` is left out here; :func:`_multi_values` sets it on one value
    at most. ``type`` takes the canonical values (RFC 7643 §2.3.1) or, as
    often, a custom one (§2.3.1 lets a provider accept others).
    """
    optional: list[tuple[str, Pick | st.SearchStrategy[Any]]] = []
    required: list[tuple[str, Pick | st.SearchStrategy[Any]]] = []
    for sub in attribute.sub_attributes:
        if not writable(sub) or sub.name == "primary":
            continue
        where = f"{dotted}.{sub.name}"
        if sub.name == "type" and sub.canonical_values:
            values = Pick(sub.canonical_values, ("custom",))
        else:
            values = _leaf(where, sub)
        # A multi-valued attribute's values are identified by ``value`` (RFC 7643 §2.4).
        if sub.name == "value" and attribute.multi_valued:
            required.append((sub.name, values))
        else:
            optional.append((sub.name, values))
    return tuple(required), tuple(optional)


def _element(dotted: str, attribute: Attribute, ordered: bool) -> st.SearchStrategy[dict[str, Any]]:
    """One value of a complex attribute; a singular one is never empty."""
    required, optional = _members(dotted, attribute)
    return _object(required, optional, at_least_one=not attribute.multi_valued, ordered=ordered)


def _identity(element: dict[str, Any]) -> str:
    """Two values are duplicates when equal apart from ``primary`` (RFC 7643 §2.4)."""
    return json.dumps({k: v for k, v in element.items() if k != "primary"}, sort_keys=True)


#: At most this many values per multi-valued attribute.
_MOST_VALUES = 3


@st.composite
def _multi_values(draw: st.DrawFn, element: st.SearchStrategy[Any], has_primary: bool) -> list[Any]:
    """1–3 distinct values, at most one of them ``primary: true`` (RFC 7643 §2.4).

    One shape choice: a count byte, a primary byte (0: none) and one byte
    per value for an explicit ``primary: false`` (a quarter of the others,
    as IdPs often send). Duplicates are dropped after drawing rather than
    filtered while drawing: no rejected draws, and the list is never empty.
    """
    shape = draw(_shape(2 + _MOST_VALUES))
    items: list[Any] = []
    seen: set[str] = set()
    for _ in range(1 + _scaled(shape[0], _MOST_VALUES)):
        item = draw(element)
        if (identity := _identity(item)) not in seen:
            seen.add(identity)
            items.append(item)
    if has_primary:
        primary = _scaled(shape[1], len(items) + 1) - 1
        for index, item in enumerate(items):
            if index == primary:
                item["primary"] = True
            elif shape[2 + index] >= 192:
                item["primary"] = False
    return items


def _values_of(
    dotted: str, attribute: Attribute, ordered: bool = False
) -> Pick | st.SearchStrategy[Any]:
    """Values for one attribute; ``ordered``: complex values draw their member order."""
    if attribute.multi_valued and attribute.is_complex:
        element = _element(dotted, attribute, ordered)
        return _multi_values(element, attribute.sub("primary") is not None)
    if attribute.is_complex:
        return _element(dotted, attribute, ordered)
    if attribute.multi_valued:
        return st.lists(_leaf(dotted, attribute).strategy, min_size=1, max_size=3, unique=True)
    return _leaf(dotted, attribute)


@cache
def attribute_values(dotted: str, attribute: Attribute) -> st.SearchStrategy[Any]:
    """Values for one attribute in its RFC 7643 shape (single, complex, multi-valued).

    Cached per attribute: a strategy is validated on its first draw, which
    is costly for nested objects if callers rebuild it per draw.
    """
    values = _values_of(dotted, attribute, ordered=True)
    return values.strategy if isinstance(values, Pick) else values


def _optional_attributes(
    attributes: Sequence[Attribute], skip: frozenset[str] = frozenset()
) -> Members:
    return tuple(
        (attribute.name, _values_of(attribute.name, attribute))
        for attribute in attributes
        if writable(attribute) and attribute.name not in skip
    )


# --------------------------------------------------------------------------
# Names inside the run's namespace
# --------------------------------------------------------------------------


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


_TOKEN_NUMBERS = st.integers(min_value=0, max_value=36**8 - 1)
#: One strategy for all callers (rebuilding it per draw costs a validation).
_NAME_TOKENS = _TOKEN_NUMBERS.map(_base36)


def name_tokens() -> st.SearchStrategy[str]:
    """A short base-36 token that tells resources of one run apart."""
    return _NAME_TOKENS


#: How a ``userName`` goes on after the prefix and token: a login, an
#: e-mail (Okta's usual form), or an adversarial tail (RFC 7643 §4.1.1 sets
#: no alphabet). The form is drawn first, so a shrunk example says which.
_USER_NAME_FORMS = st.sampled_from(("login", "email", "tail"))
_USER_NAME_TEXTS = {
    "login": Pick(Faked("user_name")),
    "email": Pick(Faked("free_email_domain")),
    "tail": Pick(*adversarial_string_sources()),
}


def _user_name(prefix: str, token: str, kind: str, text: str) -> str:
    if kind == "login":
        return f"{prefix}{text}-{token}"
    if kind == "email":
        return f"{prefix}{token}@{text}"
    return f"{prefix}{token}-{text}"


def _external_id(prefix: str, token: str) -> str:
    """Inside the run's namespace, like the name: replays rename the prefix (a fresh
    one per replay), which must leave no unique value equal to a live resource's."""
    return f"{prefix}ext-{token}"


def _manager(manager_id: str) -> dict[str, Any]:
    return {"value": manager_id}


def _extension(managers: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """The enterprise extension (RFC 7643 §4.3); ``manager`` only with known ids.

    ``manager.value`` is "the id of the SCIM resource representing the
    User's manager": a made-up id would be a dangling reference on a real
    tenant, so it is drawn from ``managers`` and omitted when there are none.
    Never empty (an extension object without members says nothing).
    """
    optional = _optional_attributes(ENTERPRISE_USER_SCHEMA.attributes, frozenset({"manager"}))
    if managers:
        optional += (("manager", st.sampled_from(managers).map(_manager)),)
    return _object((), optional, at_least_one=True)


@lru_cache(maxsize=64)
def _user_attributes(managers: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Everything of a User body but ``schemas`` and ``userName``, member order drawn.

    The enterprise extension is one more optional member, under its URN.
    ``externalId`` is a placeholder the body replaces with a token-derived value.
    Cached: hypothesis validates a strategy on first use, which is costly for
    these nested objects if repeated on every draw.
    """
    optional = (
        *_optional_attributes(USER_SCHEMA.attributes, frozenset({"userName"})),
        ("externalId", st.just(True)),
        (ENTERPRISE_USER_URN, _extension(managers)),
    )
    return _object((), optional, ordered=True)


@st.composite
def _user_body(
    draw: st.DrawFn, prefix: str, attributes: st.SearchStrategy[dict[str, Any]]
) -> dict[str, Any]:
    token = _base36(draw(_TOKEN_NUMBERS))
    kind = draw(_USER_NAME_FORMS)
    user_name = _user_name(prefix, token, kind, _USER_NAME_TEXTS[kind].draw(draw))
    # ``schemas`` and ``userName`` first, the drawn attributes in their drawn order.
    body: dict[str, Any] = {"schemas": [USER_URN], "userName": user_name, **draw(attributes)}
    if "externalId" in body:
        body["externalId"] = _external_id(prefix, token)
    if ENTERPRISE_USER_URN in body:  # RFC 7643 §3: an extension's URN is in ``schemas``
        body["schemas"].append(ENTERPRISE_USER_URN)
    return body


def user_bodies(prefix: str, managers: Sequence[str] = ()) -> st.SearchStrategy[dict[str, Any]]:
    """Valid User create bodies (RFC 7644 §3.3) whose ``userName`` starts with ``prefix``.

    ``managers``: ids of existing Users the enterprise ``manager`` may name.
    """
    return _user_bodies(prefix, tuple(managers))


@lru_cache(maxsize=256)
def _user_bodies(prefix: str, managers: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Cached: stateful rules ask for ``user_bodies(prefix)`` on every step."""
    return _user_body(prefix, _user_attributes(managers))


#: A Group's name after prefix and token: a company, a job, or adversarial text.
_GROUP_LABELS = Pick(Faked("company"), Faked("job"), *adversarial_string_sources())


@st.composite
def _group_body(draw: st.DrawFn, prefix: str) -> dict[str, Any]:
    token = _base36(draw(_TOKEN_NUMBERS))
    label = _GROUP_LABELS.draw(draw)
    body: dict[str, Any] = {"schemas": [GROUP_URN], "displayName": f"{prefix}{token}-{label}"}
    if draw(st.booleans()):
        body["externalId"] = _external_id(prefix, token)
    return body


@lru_cache(maxsize=256)
def group_bodies(prefix: str) -> st.SearchStrategy[dict[str, Any]]:
    """Valid Group create bodies (RFC 7643 §4.2): ``displayName`` starts with
    ``prefix``; no ``members`` — membership is the caller's to set."""
    return _group_body(prefix)
