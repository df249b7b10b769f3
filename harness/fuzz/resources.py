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
  sweeps by ``userName sw prefix``), followed by a drawn token; distinct
  draws give distinct names. ``externalId`` (unique per resource type on the
  reference server) reuses the token;
* the enterprise extension (RFC 7643 §4.3) sometimes, under its URN key
  with the URN listed in ``schemas`` (RFC 7643 §3).

Values are realistic (faker, several locales) or adversarial
(:mod:`harness.fuzz.values`); every body is one the reference server
accepts with 201 (tests/fuzz/test_strategies.py checks it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from harness.fuzz.values import (
    LOCALES,
    adversarial_values,
    binaries,
    fake,
    realistic_values,
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

#: Faker-backed values for attributes whose meaning is known, keyed by the
#: dotted attribute name; other attributes get their type's generic values.
REALISTIC: dict[str, st.SearchStrategy[Any]] = {
    "externalId": fake("uuid4"),
    "name.formatted": fake("name"),
    "name.familyName": fake("last_name"),
    "name.givenName": fake("first_name"),
    "name.middleName": fake("first_name"),
    "name.honorificPrefix": fake("prefix"),
    "name.honorificSuffix": fake("suffix"),
    "displayName": fake("name"),
    "nickName": fake("first_name"),
    "profileUrl": fake("url"),
    "title": fake("job"),
    "userType": st.sampled_from(["Employee", "Contractor", "Intern", "Temp", "External"]),
    # RFC 7643 §4.1.1: preferredLanguage is an Accept-Language value, locale a tag.
    "preferredLanguage": st.sampled_from(
        [*_LANGUAGE_TAGS, "de-CH, de;q=0.9, en;q=0.8", "ja-JP;q=1.0, en;q=0.5"]
    ),
    "locale": st.sampled_from(_LANGUAGE_TAGS),
    "timezone": fake("timezone"),
    "password": fake("password"),
    "emails.value": fake("email"),
    "emails.display": fake("name"),
    "phoneNumbers.value": fake("phone_number"),
    "ims.value": fake("user_name"),
    "photos.value": fake("image_url"),
    "addresses.formatted": fake("address"),
    "addresses.streetAddress": fake("street_address"),
    "addresses.locality": fake("city"),
    "addresses.region": fake("administrative_unit"),
    "addresses.postalCode": fake("postcode"),
    "addresses.country": fake("country_code"),
    "entitlements.value": st.sampled_from(["Admin", "Reader", "license:E3", "vpn"]),
    "roles.value": st.sampled_from(["Developer", "Manager", "Auditor", "Sales"]),
    "x509Certificates.value": binaries(),
    "employeeNumber": st.integers(min_value=1, max_value=999_999).map(str),
    "costCenter": st.sampled_from(["4130", "CC-0001", "R&D"]),
    "organization": fake("company"),
    "division": st.sampled_from(["Cloud", "Consumer", "Operations"]),
    "department": fake("job"),
}


def writable(attribute: Attribute) -> bool:
    """Whether a client may send ``attribute`` on create (RFC 7643 §2.2, §7)."""
    return attribute.mutability != READ_ONLY


def _leaf_values(dotted: str, attribute: Attribute) -> st.SearchStrategy[Any]:
    """Realistic first (shrinks there), then adversarial values of the type."""
    realistic = REALISTIC.get(dotted)
    if realistic is None:
        realistic = realistic_values(attribute.type)
    if attribute.type == BINARY:  # base64 either way; adversarial bytes are drawn already
        return realistic
    return st.one_of(realistic, adversarial_values(attribute.type))


def _element(dotted: str, attribute: Attribute) -> st.SearchStrategy[dict[str, Any]]:
    """One value of a complex attribute: some of its writable sub-attributes.

    ``primary`` is left out here; :func:`_multi_values` sets it on one value
    at most. ``type`` takes the canonical values (RFC 7643 §2.3.1) or, now
    and then, a custom one.
    """
    optional: dict[str, st.SearchStrategy[Any]] = {}
    required: dict[str, st.SearchStrategy[Any]] = {}
    for sub in attribute.sub_attributes:
        if not writable(sub) or sub.name == "primary":
            continue
        where = f"{dotted}.{sub.name}"
        if sub.name == "type" and sub.canonical_values:
            values: st.SearchStrategy[Any] = st.one_of(
                st.sampled_from(sub.canonical_values), st.just("custom")
            )
        else:
            values = _leaf_values(where, sub)
        # A multi-valued attribute's values are identified by ``value`` (RFC 7643 §2.4).
        if sub.name == "value" and attribute.multi_valued:
            required[sub.name] = values
        else:
            optional[sub.name] = values
    return st.fixed_dictionaries(required, optional=optional)


def _identity(element: dict[str, Any]) -> str:
    """Two values are duplicates when equal apart from ``primary`` (RFC 7643 §2.4)."""
    return json.dumps({k: v for k, v in element.items() if k != "primary"}, sort_keys=True)


def _multi_values(dotted: str, attribute: Attribute) -> st.SearchStrategy[list[Any]]:
    """Distinct values, at most one of them ``primary: true`` (RFC 7643 §2.4)."""
    elements = st.lists(_element(dotted, attribute), min_size=1, max_size=3, unique_by=_identity)
    return _with_primary(elements, attribute.sub("primary") is not None)


@st.composite
def _with_primary(
    draw: st.DrawFn, elements: st.SearchStrategy[list[Any]], has_primary: bool
) -> list[Any]:
    items = draw(elements)
    if has_primary:
        primary = draw(st.none() | st.integers(min_value=0, max_value=len(items) - 1))
        for index, item in enumerate(items):
            if index == primary:
                item["primary"] = True
            elif draw(st.integers(0, 3)) == 0:
                item["primary"] = False
    return items


def attribute_values(dotted: str, attribute: Attribute) -> st.SearchStrategy[Any]:
    """Values for one attribute in its RFC 7643 shape (single, complex, multi-valued)."""
    if attribute.multi_valued and attribute.is_complex:
        return _multi_values(dotted, attribute)
    if attribute.is_complex:
        return _element(dotted, attribute).filter(bool)
    if attribute.multi_valued:
        return st.lists(_leaf_values(dotted, attribute), min_size=1, max_size=3, unique=True)
    return _leaf_values(dotted, attribute)


def _optional_attributes(
    attributes: Sequence[Attribute], skip: frozenset[str] = frozenset()
) -> dict[str, st.SearchStrategy[Any]]:
    return {
        attribute.name: attribute_values(attribute.name, attribute)
        for attribute in attributes
        if writable(attribute) and attribute.name not in skip
    }


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


def name_tokens() -> st.SearchStrategy[str]:
    """A short base-36 token that tells resources of one run apart."""
    return st.integers(min_value=0, max_value=36**8 - 1).map(_base36)


#: How a ``userName`` goes on after the prefix and token: a login, an
#: e-mail (Okta's usual form), or an adversarial tail (RFC 7643 §4.1.1 sets
#: no alphabet). Drawn as (form, text) pairs so a shrunk example says which.
_USER_NAME_FORMS = st.one_of(
    st.tuples(st.just("login"), fake("user_name")),
    st.tuples(st.just("email"), fake("free_email_domain")),
    st.tuples(st.just("tail"), adversarial_values("string")),
)


def _user_name(prefix: str, token: str, form: tuple[str, str]) -> str:
    kind, text = form
    if kind == "login":
        return f"{prefix}{text}-{token}"
    if kind == "email":
        return f"{prefix}{token}@{text}"
    return f"{prefix}{token}-{text}"


def _extension(managers: Sequence[str]) -> st.SearchStrategy[dict[str, Any]]:
    """The enterprise extension (RFC 7643 §4.3); ``manager`` only with known ids.

    ``manager.value`` is "the id of the SCIM resource representing the
    User's manager": a made-up id would be a dangling reference on a real
    tenant, so it is drawn from ``managers`` and omitted when there are none.
    """
    optional = _optional_attributes(ENTERPRISE_USER_SCHEMA.attributes, frozenset({"manager"}))
    if managers:
        optional["manager"] = st.sampled_from(list(managers)).map(lambda mid: {"value": mid})
    return st.fixed_dictionaries({}, optional=optional).filter(bool)


#: Built once: hypothesis validates a strategy on first use, which is costly
#: for these nested dictionaries if repeated on every draw.
_USER_ATTRIBUTES = st.fixed_dictionaries(
    {},
    optional={
        **_optional_attributes(USER_SCHEMA.attributes, frozenset({"userName"})),
        "externalId": st.just(True),  # replaced by the token-derived value
    },
)


@st.composite
def _user_body(
    draw: st.DrawFn,
    prefix: str,
    extension: st.SearchStrategy[dict[str, Any]],
) -> dict[str, Any]:
    token = draw(name_tokens())
    user_name = _user_name(prefix, token, draw(_USER_NAME_FORMS))
    body: dict[str, Any] = {"schemas": [USER_URN], "userName": user_name}
    body.update(draw(_USER_ATTRIBUTES))
    if "externalId" in body:
        body["externalId"] = f"ext-{token}"
    if draw(st.booleans()):
        body["schemas"].append(ENTERPRISE_USER_URN)
        body[ENTERPRISE_USER_URN] = draw(extension)
    return body


def user_bodies(prefix: str, managers: Sequence[str] = ()) -> st.SearchStrategy[dict[str, Any]]:
    """Valid User create bodies (RFC 7644 §3.3) whose ``userName`` starts with ``prefix``.

    ``managers``: ids of existing Users the enterprise ``manager`` may name.
    """
    return _user_body(prefix, _extension(tuple(managers)))


_GROUP_LABELS = st.one_of(fake("company"), fake("job"), adversarial_values("string"))


@st.composite
def _group_body(draw: st.DrawFn, prefix: str) -> dict[str, Any]:
    token = draw(name_tokens())
    label = draw(_GROUP_LABELS)
    body: dict[str, Any] = {"schemas": [GROUP_URN], "displayName": f"{prefix}{token}-{label}"}
    if draw(st.booleans()):
        body["externalId"] = f"ext-{token}"
    return body


def group_bodies(prefix: str) -> st.SearchStrategy[dict[str, Any]]:
    """Valid Group create bodies (RFC 7643 §4.2): ``displayName`` starts with
    ``prefix``; no ``members`` — membership is the caller's to set."""
    return _group_body(prefix)
