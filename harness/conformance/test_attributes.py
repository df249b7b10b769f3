"""Attribute by attribute: does the target honour what its ``/Schemas`` declares?

One set of checks per attribute of the RFC 7643 core User (§4.1), the
EnterpriseUser extension (§4.3), the Group (§4.2) and the common attributes
(§3.1), generated at import time from the schema registry
(:mod:`harness.scim.schema`) so the ids are stable: ``attr.<resource>.<attribute>
[.<sub>].<kind>``, e.g. ``attr.user.nickname.replace``. The kinds, chosen from
the attribute's characteristics (RFC 7643 §2.2, §7):

* ``roundtrip`` — a POST carrying a realistic value (Faker, seeded per check)
  answers 201 and both the 201 body and a later GET return it as sent
  (RFC 7644 §3.3; RFC 7643 §7 ``returned``); ``returned: never`` (password)
  must not come back at all;
* ``replace`` — PATCH ``replace`` by path sets the new value (RFC 7644
  §3.5.2.3); ``remove`` — PATCH ``remove`` leaves it unassigned (§3.5.2.2;
  RFC 7643 §2.5: absent, null or ``[]`` — never ``""``);
* ``put-clears`` — a PUT omitting a readWrite attribute does not keep the old
  value (RFC 7644 §3.5.1: cleared, or a server default);
* ``ignored-on-create`` / ``ignored-on-put`` — readOnly ``id``, ``meta``,
  ``groups`` sent by the client are ignored (RFC 7644 §3.3, §3.5.1);
* ``immutable-change`` — changing an immutable sub-attribute that has a value
  is refused (RFC 7644 §3.5.2, §3.12 ``mutability``).

At run time the target's own ``/Schemas`` and ``/ResourceTypes`` are read once
(``target.shared``). An attribute the target does not declare is skipped with
that reason (RFC 7643 §7: a service provider serves the attributes it
supports); where the target declares a characteristic differently from the
RFC (readOnly, required, ``returned``, ``caseExact``, sub-attributes,
canonical ``type`` values) its declaration is what the check holds it to —
except where the RFC fixes the characteristic itself: the common attributes
of §3.1 (``id``, ``externalId``, ``meta``) are checked with the RFC's own
definition whether or not, and however, ``/Schemas`` lists them,
``password`` is never returned and ``userName`` is readWrite (§4.1.1: the
IdPs rename users).

Comparison follows the RFC, not string identity: caseExact false values
compare case-insensitively (§2.2: the server MAY alter their case), dateTimes
as instants, binary as decoded bytes, phone numbers without RFC 3966 visual
separators (§4.1.2: the server SHOULD canonicalise them), multi-valued
attributes as multisets (§2.4: order is not significant). A server may add
``display`` and ``$ref`` (server-set, §2.4), a sub-attribute it declares
readOnly, and ``primary: false`` (§2.4: an unspecified primary SHALL be
assumed false) — any other value it adds is a failure.

Levels: under ``rfc`` every check is ``must`` (characteristics are normative
once declared). Under ``okta`` and ``entra`` the level table
(:mod:`harness.conformance.levels`) makes a check ``must`` when the IdP sends
the attribute in that kind of request (Okta's create body and full PUT; Entra's
default mappings, sent by POST and PATCH replace), ``should`` otherwise.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from harness.client import ScimResponse
from harness.conformance.bodies import operation, patch_body
from harness.conformance.discovery import NO_ENTERPRISE, Declared, declarations
from harness.conformance.expect import (
    ensure,
    expect_error,
    expect_resource,
    expect_status,
    fail,
    precondition,
)
from harness.conformance.registry import Check, case, check_table
from harness.conformance.support import expect_patch_success, expect_scim_type_or_none
from harness.conformance.target import Target
from harness.reports.model import Comparison
from harness.scim.resources import parse_date_time
from harness.scim.schema import (
    BINARY,
    BOOLEAN,
    COMMON_ATTRIBUTES,
    COMPLEX,
    DATETIME,
    DECIMAL,
    ENTERPRISE_USER_SCHEMA,
    ENTERPRISE_USER_URN,
    GROUP_SCHEMA,
    GROUP_URN,
    IMMUTABLE,
    INTEGER,
    NEVER,
    READ_ONLY,
    READ_WRITE,
    REFERENCE,
    REQUEST,
    STRING,
    USER_SCHEMA,
    USER_URN,
    Attribute,
)

if TYPE_CHECKING:
    from faker import Faker

EXT = ENTERPRISE_USER_URN
ALL_REPLACED = "; without a filter all values are replaced"

# --------------------------------------------------------------------------
# The generated table
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """One attribute (or a sub-attribute of ``name``) of one resource type."""

    #: Id segment: ``user`` (core and common), ``enterprise`` or ``group``.
    resource: str
    schema_urn: str
    attribute: Attribute
    sub: Attribute | None = None
    #: An RFC 7643 §3.1 common attribute (``id``, ``externalId``, ``meta``).
    common: bool = False

    @property
    def endpoint(self) -> str:
        return "/Groups" if self.resource == "group" else "/Users"

    @property
    def container(self) -> str | None:
        """The extension URN key the attribute sits under (RFC 7643 §3), if any."""
        return EXT if self.resource == "enterprise" else None

    @property
    def dotted(self) -> str:
        return f"{self.attribute.name}.{self.sub.name}" if self.sub else self.attribute.name

    @property
    def key(self) -> str:
        """``user.name.givenname`` — the id stem and the IdP mapping key."""
        return f"{self.resource}.{self.dotted.lower()}"

    @property
    def label(self) -> str:
        """``User.nickName``, ``EnterpriseUser.department``, ``Group.members``."""
        owner = {"user": "User", "enterprise": "EnterpriseUser", "group": "Group"}[self.resource]
        return f"{owner}.{self.dotted}"

    @property
    def path(self) -> str:
        """The PATCH path / ``attributes`` name (RFC 7644 §3.10: URN-qualified extensions)."""
        return f"{EXT}:{self.dotted}" if self.container else self.dotted

    @property
    def section(self) -> str:
        if self.common:
            return "RFC 7643 §3.1"
        if self.resource == "group":
            return "RFC 7643 §4.2"
        if self.resource == "enterprise":
            return "RFC 7643 §4.3"
        return "RFC 7643 §4.1.2" if self.attribute.multi_valued else "RFC 7643 §4.1.1"


KIND_RULE = {
    "roundtrip": "RFC 7644 §3.3; RFC 7643 §2.2, §7 (characteristics declared in /Schemas)",
    "replace": "RFC 7644 §3.5.2.3",
    "remove": "RFC 7644 §3.5.2.2; RFC 7643 §2.5 (unassigned)",
    "put-clears": "RFC 7644 §3.5.1 (readWrite values not asserted are cleared or defaulted)",
    "ignored-on-create": "RFC 7644 §3.3 (readOnly attributes in the request body SHALL be ignored)",
    "ignored-on-put": "RFC 7644 §3.5.1 (readOnly: any values provided SHALL be ignored)",
    "immutable-change": "RFC 7644 §3.5.2, §3.12 Table 9 mutability; RFC 7643 §2.2 immutable",
}


def _kinds(subject: Subject) -> tuple[str, ...]:
    """The kinds that make sense for an attribute, from its RFC characteristics."""
    attribute = subject.sub or subject.attribute
    if subject.sub is not None:
        return ("replace",)
    if attribute.mutability == READ_ONLY:
        # The Group's PUT of readOnly values is the same rule and code path as
        # the User's; one POST check per readOnly Group attribute is enough.
        if subject.resource == "group":
            return ("ignored-on-create",)
        return ("ignored-on-create", "ignored-on-put")
    if attribute.returned == NEVER or attribute.required or attribute.type == BOOLEAN:
        # Not observable once removed (never), refused by design (required),
        # or meaning left to the server when unassigned (active, §4.1.1).
        return ("roundtrip", "replace")
    kinds = ["roundtrip", "replace", "remove", "put-clears"]
    if any(sub.mutability == IMMUTABLE for sub in attribute.sub_attributes):
        kinds.append("immutable-change")
    return tuple(kinds)


def _title(subject: Subject, kind: str) -> str:
    label, path = subject.label, subject.path
    if subject.attribute.returned == NEVER:
        if kind == "roundtrip":
            return f"{label} sent in a POST is accepted and never returned (201 body, GET)"
        return f"PATCH replace of {path} is accepted and the value is never returned"
    return {
        "roundtrip": f"{label} sent in a POST comes back as sent in the 201 body and a later GET",
        "replace": f"PATCH replace of {path} sets the new value, as a following GET shows",
        "remove": f'PATCH remove of {path} leaves it unassigned (absent or null, never "")',
        "put-clears": f"a PUT that omits {label} does not keep its previous value",
        "ignored-on-create": f"a client-supplied {label} in a POST is ignored (readOnly)",
        "ignored-on-put": f"a client-supplied {label} in a PUT is ignored (readOnly)",
        "immutable-change": f"changing an immutable sub-attribute of an existing {label} value "
        "is refused with 400 and changes nothing",
    }[kind]


def _needs(subject: Subject, kind: str) -> tuple[str, ...]:
    needs: list[str] = []
    if kind in ("replace", "remove", "immutable-change"):
        needs.append("patch")
    if subject.resource == "group" or subject.key == "user.groups":
        needs.append("Groups")
    if subject.attribute.name == "password" and kind == "replace":
        needs.append("changePassword")
    return tuple(needs)


def _subjects() -> Iterator[Subject]:
    common = [a for a in COMMON_ATTRIBUTES if a.name != "schemas"]
    for attribute in common:
        yield Subject("user", USER_URN, attribute, common=True)
    for attribute in USER_SCHEMA.attributes:
        yield Subject("user", USER_URN, attribute)
        if attribute.name == "name":
            for sub in attribute.sub_attributes:
                yield Subject("user", USER_URN, attribute, sub)
    for attribute in ENTERPRISE_USER_SCHEMA.attributes:
        yield Subject("enterprise", EXT, attribute)
    for attribute in common:
        yield Subject("group", GROUP_URN, attribute, common=True)
    for attribute in GROUP_SCHEMA.attributes:
        yield Subject("group", GROUP_URN, attribute)


def _cases() -> list[Check]:
    cases = []
    for subject in _subjects():
        for kind in _kinds(subject):
            rule = f"{KIND_RULE[kind]}; {subject.section}"
            if subject.attribute.returned == NEVER:
                rule += f" ({subject.attribute.name}: writeOnly, returned never)"
            cases.append(
                case(
                    f"attr.{subject.key}.{kind}",
                    rule,
                    _title(subject, kind),
                    needs=_needs(subject, kind),
                    mutating=True,
                    subject=subject,
                    kind=kind,
                )
            )
    return cases


# --------------------------------------------------------------------------
# What the target declares (read once per run)
# --------------------------------------------------------------------------


#: Mutability the RFC fixes whatever ``/Schemas`` declares, with why. RFC 7643 §4.1.1
#: defines userName readWrite, and the IdPs rename users (Okta sends the new login in
#: its PUT, Entra a PATCH Replace of userName): a target that declares it immutable and
#: refuses renames fails ``attr.user.username.replace`` — the one check of that rule;
#: the checks that need a rename first are blocked by it (support.renamed).
RFC_FIXED_MUTABILITY = {"user.username": READ_WRITE}
_FIXED_NOTE = {
    "user.username": " — userName is readWrite (RFC 7643 §4.1.1) whatever /Schemas declares: "
    "Okta and Entra rename users"
}


def _declared(target: Target, subject: Subject) -> tuple[Declared, Declared]:
    """(the attribute, the one checked — the sub-attribute for ``name.x``) or skip."""
    discovery = declarations(target)
    if (
        subject.container
        and discovery.user_extensions is not None
        and EXT.casefold() not in discovery.user_extensions
    ):
        pytest.skip(NO_ENTERPRISE)
    schema = (discovery.schemas or {}).get(subject.schema_urn.casefold())
    body = (schema or {}).get(subject.attribute.name.casefold())
    if subject.common:
        # RFC 7643 §3.1 fixes id (readOnly, caseExact, returned always), externalId
        # (readWrite, caseExact) and meta (readOnly) for every resource: a server's
        # /Schemas cannot declare them otherwise (Okta and Entra both send externalId
        # and read it back), so the RFC's values are what the check holds it to.
        declared = Declared.of(subject.attribute)
    elif body is not None:
        declared = Declared.parse(body)
    elif discovery.schemas is None:
        pytest.skip(
            f"the target's /Schemas could not be read ({discovery.problem}); attribute checks "
            "test what a target declares (RFC 7643 §7)"
        )
    elif schema is None:
        pytest.skip(f"the target's /Schemas has no {subject.schema_urn} schema (RFC 7643 §7)")
    else:
        pytest.skip(f"the target's /Schemas does not declare {subject.label} (RFC 7643 §7)")
    expected = subject.attribute
    if declared.multi_valued != expected.multi_valued or (
        (declared.type == COMPLEX) != (expected.type == COMPLEX)
    ):
        pytest.skip(
            f"the target declares {subject.label} as {_shape(declared)}, where {subject.section} "
            f"has {_shape(Declared.of(expected))}; these values would not fit it"
        )
    if _json_kind(declared.type) != _json_kind(expected.type):
        pytest.skip(
            f"the target declares {subject.label} of type {declared.type}, where "
            f"{subject.section} has {expected.type}; these values would not fit it"
        )
    fixed = RFC_FIXED_MUTABILITY.get(subject.key)
    if fixed is not None:
        declared = dataclasses.replace(declared, mutability=fixed)
    if expected.returned == NEVER:
        # RFC 7643 §4.1.1: password MUST NOT be returned, whatever /Schemas says.
        declared = dataclasses.replace(declared, returned=NEVER)
    phone_value = declared.sub("value") if subject.attribute.name == "phoneNumbers" else None
    if phone_value is not None:
        tel = dataclasses.replace(phone_value, rule="tel")
        declared = dataclasses.replace(declared, subs={**declared.subs, "value": tel})
    if subject.sub is None:
        return declared, declared
    sub = declared.sub(subject.sub.name)
    if sub is None:
        pytest.skip(f"the target's /Schemas does not declare {subject.label} (RFC 7643 §7)")
    return declared, sub


def _json_kind(kind: str) -> str:
    """How a value of an RFC 7643 §2.3 type is written in JSON."""
    if kind in (BOOLEAN, COMPLEX):
        return kind
    return "number" if kind in (INTEGER, DECIMAL) else "string"


def _shape(declared: Declared) -> str:
    many = "multi-valued" if declared.multi_valued else "single-valued"
    return f"a {many} {declared.type}"


def _require(condition: bool, reason: str) -> None:
    if not condition:
        pytest.skip(reason)


# --------------------------------------------------------------------------
# Values: realistic, reproducible (Faker seeded per attribute and variant)
# --------------------------------------------------------------------------

_FAKER: list[Faker] = []


def _faker(seed: str) -> Faker:
    if not _FAKER:
        from faker import Faker

        _FAKER.append(Faker("en_US"))
    fake = _FAKER[0]
    fake.seed_instance(zlib.crc32(seed.encode()))
    return fake


@dataclass
class Gen:
    target: Target
    subject: Subject
    declared: Declared
    variant: int
    fake: Faker

    def pick(self, options: tuple[str, ...]) -> str:
        """A different option for each variant (so a replace really changes it)."""
        start = zlib.crc32(self.subject.key.encode())
        return options[(start + self.variant) % len(options)]

    def types(self, preferred: tuple[str, str]) -> tuple[str, str]:
        """Two ``type`` values, canonical for the target where it declares a list."""
        type_sub = self.declared.sub("type")
        canonical = type_sub.canonical_values if type_sub else ()
        if not canonical or all(t in canonical for t in preferred):
            return preferred
        if len(canonical) >= 2:
            return canonical[0], canonical[1]
        return preferred

    def email(self) -> str:
        return f"{self.target.unique(self.fake.first_name().lower())}@example.com"


def _multi(
    gen: Gen, preferred: tuple[str, str], make: Callable[[int], dict[str, Any]]
) -> list[dict[str, Any]]:
    """Two values of a multi-valued attribute: a primary and a second, typed (§2.4)."""
    first, second = gen.types(preferred)
    return [
        {**make(0), "type": first, "primary": True},
        {**make(1), "type": second},
    ]


def _name(gen: Gen) -> dict[str, Any]:
    fake = gen.fake
    given, middle, family = fake.first_name(), fake.first_name(), fake.last_name()
    prefix, suffix = gen.pick(("Ms.", "Dr.", "Mr.", "Mx.")), gen.pick(("III", "Jr.", "PhD"))
    return {
        "formatted": f"{prefix} {given} {middle[0]}. {family}, {suffix}",
        "familyName": family,
        "givenName": given,
        "middleName": middle,
        "honorificPrefix": prefix,
        "honorificSuffix": suffix,
    }


def _name_sub(gen: Gen, sub: Attribute) -> str:
    """A value for one ``name`` sub-attribute, distinct per variant."""
    return str(_name(gen)[sub.name])


def _phone(gen: Gen, index: int) -> dict[str, Any]:
    """An RFC 3966 number in the 555-01xx range reserved for fiction."""
    number = gen.fake.random_number(digits=2)
    return {"value": f"tel:+1-201-555-01{(number + index) % 100:02d}"}


def _address(gen: Gen, index: int) -> dict[str, Any]:
    fake = gen.fake
    street, city, region = fake.street_address(), fake.city(), fake.state_abbr()
    postal = fake.postcode()
    return {
        "streetAddress": street,
        "locality": city,
        "region": region,
        "postalCode": postal,
        "country": "US",
        "formatted": f"{street}\n{city}, {region} {postal}\nUSA",
    }


def _certificate(gen: Gen, index: int) -> dict[str, Any]:
    """A base64 DER-shaped blob (binary, RFC 7643 §2.3.6)."""
    seed = f"{gen.target.prefix}{gen.subject.key}{gen.variant}{index}".encode()
    der = b"\x30\x82\x01\x0a" + hashlib.sha256(seed).digest() * 4
    return {"value": base64.b64encode(der).decode()}


def _users(target: Target) -> list[str]:
    """Four users that ``members`` and ``manager`` values point at (built once)."""

    def build(t: Target) -> list[str]:
        return [str(t.create_user("attr-ref")["id"]) for _ in range(4)]

    return target.shared("attr.users", build)


def _external_id(gen: Gen) -> str:
    """Okta-shaped (``00u…``) and unique per run (externalId is often unique)."""
    return "00u" + hashlib.sha1(gen.target.unique("ext").encode()).hexdigest()[:17]


GENERATORS: dict[str, Callable[[Gen], Any]] = {
    "user.externalid": _external_id,
    "group.externalid": _external_id,
    "user.username": lambda g: g.target.user_name(g.fake.first_name().lower()),
    "user.name": _name,
    "user.displayname": lambda g: g.fake.name(),
    "user.nickname": lambda g: g.fake.first_name(),
    "user.profileurl": lambda g: f"https://profiles.example.com/{g.fake.user_name()}",
    "user.title": lambda g: f"{g.fake.job()} {g.pick(('I', 'II', 'III'))}",
    "user.usertype": lambda g: g.pick(("Employee", "Contractor", "Intern", "Vendor")),
    "user.preferredlanguage": lambda g: g.pick(("fr-CA", "de-DE", "en-GB", "es-MX")),
    "user.locale": lambda g: g.pick(("fr-CA", "de-DE", "en-GB", "ja-JP")),
    "user.timezone": lambda g: g.pick(
        ("Europe/Paris", "America/Chicago", "Asia/Tokyo", "Australia/Sydney")
    ),
    "user.active": lambda g: g.variant % 2 == 1,
    "user.password": lambda g: g.fake.password(length=16) + "!7a",
    "user.emails": lambda g: _multi(g, ("work", "home"), lambda i: {"value": g.email()}),
    "user.phonenumbers": lambda g: _multi(g, ("work", "mobile"), lambda i: _phone(g, i)),
    "user.ims": lambda g: _multi(
        g, ("xmpp", "skype"), lambda i: {"value": f"{g.fake.user_name()}{i}@im.example.org"}
    ),
    "user.photos": lambda g: _multi(
        g,
        ("photo", "thumbnail"),
        lambda i: {
            "value": f"https://photos.example.com/{g.fake.uuid4()}/{('full', 'thumb')[i]}.jpg"
        },
    ),
    "user.addresses": lambda g: _multi(g, ("work", "home"), lambda i: _address(g, i)),
    "user.entitlements": lambda g: [
        {"value": f"{g.fake.word()}:{verb}"}
        for verb in (("read", "admin"), ("write", "audit"))[g.variant % 2]
    ],
    "user.roles": lambda g: [
        {"value": role}
        for role in (("Administrator", "Auditor"), ("Developer", "Approver"))[g.variant % 2]
    ],
    "user.x509certificates": lambda g: [_certificate(g, 0), _certificate(g, 1)],
    "enterprise.employeenumber": lambda g: str(g.fake.random_number(digits=6, fix_len=True)),
    "enterprise.costcenter": lambda g: f"CC-{g.fake.random_number(digits=4, fix_len=True)}",
    "enterprise.organization": lambda g: g.fake.company(),
    "enterprise.division": lambda g: g.pick(("Research", "Sales", "Operations", "Finance")),
    "enterprise.department": lambda g: g.pick(("Engineering", "Marketing", "Legal", "Support")),
    "enterprise.manager": lambda g: {"value": _users(g.target)[g.variant % 2]},
    "group.displayname": lambda g: g.target.unique(g.fake.word()),
    "group.members": lambda g: [
        {"value": member} for member in _users(g.target)[2 * (g.variant % 2) :][:2]
    ],
}


def _value(target: Target, subject: Subject, declared: Declared, variant: int) -> Any:
    """A value for ``subject`` fitted to what the target declares (writable subs only)."""
    gen = Gen(target, subject, declared, variant, _faker(f"{subject.key}:{variant}"))
    if subject.sub is not None:
        return _name_sub(gen, subject.sub)
    value = GENERATORS[subject.key](gen)
    if subject.attribute.name == "password":
        # A credential, even a made-up one (RFC 7643 §4.1.1): no report shows it.
        target.client.add_secret(value)
    if declared.type == COMPLEX:
        value = _fit(subject, declared, value)
    return value


def _fit(subject: Subject, declared: Declared, value: Any) -> Any:
    """Keep only the sub-attributes the target declares and lets a client write."""

    def one(item: dict[str, Any]) -> dict[str, Any]:
        kept = {}
        for key, sub_value in item.items():
            sub = declared.sub(key)
            if sub is not None and sub.mutability != READ_ONLY:
                kept[key] = sub_value
        _require(
            bool(kept),
            f"the target declares no writable sub-attribute of {subject.label} that this "
            f"check sets ({', '.join(item)})",
        )
        return kept

    if isinstance(value, list):
        return [one(item) for item in value]
    return one(value)


# --------------------------------------------------------------------------
# Reading and comparing values (RFC 7643 §2.1-§2.5)
# --------------------------------------------------------------------------


def _member(holder: Any, name: str) -> Any:
    """``holder[name]`` with the name matched case-insensitively (RFC 7643 §2.1)."""
    if not isinstance(holder, Mapping):
        return None
    folded = name.casefold()
    for key, value in holder.items():
        if key.casefold() == folded:
            return value
    return None


def _value_of(resource: Mapping[str, Any], subject: Subject) -> Any:
    holder = _member(resource, subject.container) if subject.container else resource
    value = _member(holder, subject.attribute.name)
    return _member(value, subject.sub.name) if subject.sub else value


def _compared(subject: Subject, what: str, sent: Any, resource: Any) -> Comparison:
    """The subject attribute as it should be vs as ``resource`` holds it, in the
    resource's own shape (``{"name": {"givenName": …}}``, the extension under its
    URN) so that a diff points at the attribute; ``None`` stands for unassigned."""

    def placed(value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if subject.sub is not None:
            value = {subject.sub.name: value}
        node = {subject.attribute.name: value}
        return {subject.container: node} if subject.container else node

    return Comparison(
        f"{subject.label} {what}", placed(sent), placed(_value_of(resource or {}, subject))
    )


def _unassigned(value: Any) -> bool:
    """Absent, null, ``[]`` or an object of only such (RFC 7643 §2.5); ``""`` is a value."""
    if value is None:
        return True
    if isinstance(value, list):
        return all(_unassigned(item) for item in value)
    if isinstance(value, Mapping):
        return all(_unassigned(item) for item in value.values())
    return False


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 300 else text[:297] + "..."


def _tel(text: str) -> str:
    """RFC 3966 without visual separators: ``tel:+1-201-555-0123`` ≡ ``+12015550123``."""
    folded = text.strip().casefold().removeprefix("tel:")
    return "".join(ch for ch in folded if ch not in "-.() ")


def _simple_equal(declared: Declared, sent: Any, got: Any) -> bool:
    kind = declared.type
    if kind == BOOLEAN:
        return isinstance(got, bool) and got == sent
    if kind in (INTEGER, DECIMAL):
        return isinstance(got, int | float) and not isinstance(got, bool) and got == sent
    if not isinstance(got, str) or not isinstance(sent, str):
        return False
    if kind == DATETIME:
        left, right = parse_date_time(sent), parse_date_time(got)
        return left is not None and left == right
    if kind == BINARY:
        try:
            return base64.b64decode(sent) == base64.b64decode(got)
        except (binascii.Error, ValueError):
            return sent == got
    if declared.rule == "tel":
        return _tel(sent) == _tel(got)
    return sent == got if declared.case_exact else sent.casefold() == got.casefold()


#: Sub-attributes a server may set itself: ``display`` (READ-ONLY in RFC 7643
#: §2.4) and ``$ref`` (the URI of the referenced resource, §2.4, §4.2).
SERVER_SET = frozenset({"display", "$ref"})


def _server_added(declared: Declared, key: str, value: Any, implied: Mapping[str, Any]) -> bool:
    """Whether a sub-attribute the client did not send may appear anyway."""
    folded = key.casefold()
    sub = declared.sub(key)
    if folded in SERVER_SET or (sub is not None and sub.mutability == READ_ONLY):
        return True
    if folded == "primary" and value is False:
        return True  # RFC 7643 §2.4: an unspecified primary SHALL be assumed false
    return folded in implied and value == implied[folded]


def _diff(
    declared: Declared, sent: Any, got: Any, implied: Mapping[str, Any] | None = None
) -> str | None:
    """None when ``got`` is ``sent`` under the declared rules; else what differs."""
    implied = implied or {}
    if declared.multi_valued:
        return _diff_multi(declared, sent, got, implied)
    if _unassigned(got):
        return _absent(got)
    if declared.type != COMPLEX:
        return None if _simple_equal(declared, sent, got) else f"= {_show(got)}"
    if not isinstance(got, Mapping):
        return f"= {_show(got)} (not an object)"
    problems = _problems(declared, sent, got, implied)
    return f"= {_show(got)}: " + "; ".join(problems) if problems else None


def _problems(
    declared: Declared, sent: Mapping[str, Any], got: Mapping[str, Any], implied: Mapping[str, Any]
) -> list[str]:
    """How a complex value differs from the one sent, sub-attribute by sub-attribute."""
    problems = []
    remaining = {k.casefold(): (k, v) for k, v in got.items() if v is not None}
    for key, value in sent.items():
        found = remaining.pop(key.casefold(), None)
        sub = declared.sub(key) or Declared(key)
        if found is None:
            problems.append(f"{key} missing")
        elif _diff(sub, value, found[1]) is not None:
            problems.append(f"{key} = {_show(found[1])}")
    for key, value in remaining.values():
        if not _server_added(declared, key, value, implied):
            problems.append(f"{key} = {_show(value)} added, not sent")
    return problems


def _absent(got: Any) -> str:
    return "is absent" if got is None else f"is unassigned ({_show(got)})"


def _diff_multi(
    declared: Declared, sent: list[Any], got: Any, implied: Mapping[str, Any]
) -> str | None:
    """Multisets of values: order is not significant (RFC 7643 §2.4)."""
    if _unassigned(got):
        return _absent(got)
    if not isinstance(got, list):
        return f"= {_show(got)} (not an array: {declared.name} is multi-valued, RFC 7643 §2.4)"
    element = declared.element
    missing = list(sent)
    unexpected = []
    for item in got:
        if item is None:
            continue
        index = next(
            (i for i, s in enumerate(missing) if _diff(element, s, item, implied) is None), None
        )
        if index is None:
            unexpected.append(item)
        else:
            missing.pop(index)
    if not missing and not unexpected:
        return None
    parts = []
    for item in unexpected:
        partner = _partner(element, missing, item)
        if partner is None:
            parts.append(f"{_show(item)} not sent")
            continue
        missing.remove(partner)
        problems = (
            _problems(element, partner, item, implied)
            if element.type == COMPLEX and isinstance(item, Mapping)
            else [f"{_show(item)} for {_show(partner)}"]
        )
        parts.append(f"{_show(_member(partner, 'value') or partner)}: " + ", ".join(problems))
    parts.extend(f"{_show(item)} missing" for item in missing)
    return "has " + "; ".join(parts) + f" — all values: {_show(got)}"


def _partner(element: Declared, candidates: list[Any], item: Any) -> Any:
    """The sent value ``item`` most likely stands for (same ``value``), if any."""
    if element.type != COMPLEX or not isinstance(item, Mapping):
        return candidates[0] if candidates else None
    value_sub = element.sub("value") or Declared("value")
    for candidate in candidates:
        value = _member(candidate, "value")
        if value is not None and _diff(value_sub, value, _member(item, "value")) is None:
            return candidate
    return candidates[0] if len(candidates) == 1 else None


def _shares(declared: Declared, old: Any, got: Any) -> bool:
    """Whether ``got`` still holds any of the old value (a merge, not a replace)."""
    if _unassigned(got):
        return False
    if declared.multi_valued and isinstance(old, list) and isinstance(got, list):
        return any(_diff(declared.element, o, g) is None for o in old for g in got)
    if declared.type == COMPLEX and isinstance(old, Mapping) and isinstance(got, Mapping):
        return any(
            _member(got, key) is not None
            and _diff(declared.sub(key) or Declared(key), value, _member(got, key)) is None
            for key, value in old.items()
        )
    return _diff(declared, old, got) is None


def _characteristics(declared: Declared) -> str:
    parts = [declared.mutability, f"returned {declared.returned}"]
    if declared.type in (STRING, REFERENCE) and not declared.subs:
        parts.append(f"caseExact {str(declared.case_exact).lower()}")
    return ", ".join(parts)


# --------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------


def _body(target: Target, subject: Subject, value: Any) -> dict[str, Any]:
    """A full resource for POST carrying ``value`` at the subject's place."""
    body = target.group_body("attr") if subject.resource == "group" else target.user_body("attr")
    if value is None:
        return body
    if subject.container:
        body["schemas"] = [*body["schemas"], EXT]
        body[EXT] = {subject.attribute.name: value}
    elif subject.sub:
        body["name"] = {**body.get("name", {}), subject.sub.name: value}
    else:
        body[subject.attribute.name] = value
    return body


def _create(
    target: Target, subject: Subject, value: Any, what: str, body: dict[str, Any] | None = None
) -> tuple[dict[str, Any], str, ScimResponse]:
    """POST a resource carrying ``value`` (or ``body``); 201 with the resource."""
    response = target.post(subject.endpoint, body or _body(target, subject, value))
    created = expect_resource(response, 201, 200, what=what)
    return created, f"{subject.endpoint}/{created['id']}", response


def _implied(subject: Subject) -> dict[str, Any]:
    """Sub-attribute values a server may fill in because they follow from the data:
    the ``type`` of a Group member that is a User (RFC 7643 §4.2)."""
    return {"type": "User"} if subject.key == "group.members" else {}


def _roundtrip_id(subject: Subject) -> str:
    """The check that proves a POSTed value is stored (the parent's, for ``name.x``)."""
    return f"attr.{subject.key.rsplit('.', 1)[0] if subject.sub else subject.key}.roundtrip"


def _setup(subject: Subject) -> str:
    """The precondition step of a check that needs the attribute stored first."""
    return f"a POST of a resource carrying {subject.label} (judged by {_roundtrip_id(subject)})"


def _read(
    target: Target, path: str, subject: Subject, declared: Declared
) -> tuple[dict[str, Any], ScimResponse]:
    """The resource by GET; ``returned: request`` attributes are asked for by name."""
    params = {"attributes": subject.path} if declared.returned == REQUEST else None
    response = target.get(path, params=params)
    return expect_resource(response, 200, what="GET of the resource"), response


def _state_with_value(
    target: Target, subject: Subject, declared: Declared
) -> tuple[dict[str, Any], str, Any]:
    """A resource whose subject attribute is assigned, as GET shows it."""
    value = _value(target, subject, declared, 0)
    with precondition(_setup(subject)):
        _, path, _ = _create(target, subject, value, f"POST {subject.endpoint}")
        state, response = _read(target, path, subject, declared)
        ensure(
            not _unassigned(_value_of(state, subject)),
            f"{subject.label} sent in the POST to be stored, so that clearing it is observable",
            f"GET shows {subject.label} {_absent(_value_of(state, subject))}",
            response,
        )
    return state, path, value


def _without(resource: Mapping[str, Any], subject: Subject | None = None) -> dict[str, Any]:
    """A PUT body from a GET: ``meta`` dropped, and the subject attribute left out."""
    body = {k: v for k, v in resource.items() if k.casefold() != "meta"}
    if subject is None:
        return body
    name = subject.attribute.name.casefold()
    if subject.container:
        holder = _member(body, subject.container)
        if isinstance(holder, Mapping):
            rest = {k: v for k, v in holder.items() if k.casefold() != name}
            key = next(k for k in body if k.casefold() == subject.container.casefold())
            if rest:
                body[key] = rest
            else:
                del body[key]
        return body
    return {k: v for k, v in body.items() if k.casefold() != name}


def _expect_never(resource: Any, subject: Subject, response: ScimResponse, where: str) -> None:
    ensure(
        isinstance(resource, Mapping) and _unassigned(_value_of(resource, subject)),
        f"no {subject.label} in {where} (returned never: not returned in any form, "
        "RFC 7643 §2.2, §7)",
        f"{subject.attribute.name} = {_show(_value_of(resource or {}, subject))}",
        response,
    )


# --------------------------------------------------------------------------
# The kinds
# --------------------------------------------------------------------------


def _roundtrip(target: Target, subject: Subject, declared: Declared, _other: Declared) -> None:
    _require(
        declared.mutability not in (READ_ONLY,),
        f"the target declares {subject.label} readOnly: a client cannot set it (RFC 7643 §2.2)",
    )
    value = _value(target, subject, declared, 0)
    created, path, response = _create(
        target, subject, value, f"POST of a resource carrying {subject.label}"
    )
    if declared.returned == NEVER:
        _expect_never(created, subject, response, "the 201 body")
        state, got = _read(target, path, subject, declared)
        _expect_never(state, subject, got, "a GET")
        asked = target.get(path, params={"attributes": subject.path})
        if asked.status == 200:
            _expect_never(asked.body, subject, asked, "a GET with ?attributes=" + subject.path)
        return
    rules = _characteristics(declared)
    if declared.returned != REQUEST:
        difference = _diff(declared, value, _value_of(created, subject), _implied(subject))
        ensure(
            difference is None,
            f"the 201 body to return {subject.label} as sent: {_show(value)} ({rules}; "
            "RFC 7643 §7 returned)",
            f"{subject.label} {difference}",
            response,
            _compared(subject, "as sent in the POST vs the 201 body", value, created),
        )
    state, got = _read(target, path, subject, declared)
    difference = _diff(declared, value, _value_of(state, subject), _implied(subject))
    ensure(
        difference is None,
        f"GET to return {subject.label} as sent in the POST: {_show(value)} ({rules})",
        f"{subject.label} {difference}",
        got,
        _compared(subject, "as sent in the POST vs a GET", value, state),
    )


def _replace(target: Target, subject: Subject, parent: Declared, declared: Declared) -> None:
    _require(
        declared.mutability not in (READ_ONLY, IMMUTABLE) and parent.mutability != READ_ONLY,
        f"the target declares {subject.label} {declared.mutability}: PATCH replace is refused "
        "by design (RFC 7644 §3.5.2)",
    )
    first, second = (1, 0) if declared.type == BOOLEAN else (0, 1)
    old = _value(target, subject, parent if subject.sub else declared, first)
    new = _value(target, subject, parent if subject.sub else declared, second)
    if _diff(declared, old, new) is None:
        new = _value(target, subject, declared, 2)
    body = _body(target, subject, old)
    with precondition(_setup(subject)):
        created, path, _ = _create(target, subject, old, f"POST {subject.endpoint}", body)
    response = target.patch(path, patch_body(operation("replace", subject.path, new)))
    expect_patch_success(response, _FIXED_NOTE.get(subject.key, ""))
    if declared.returned == NEVER:
        if response.status == 200:
            _expect_never(response.body, subject, response, "the PATCH 200 body")
        state, got = _read(target, path, subject, declared)
        _expect_never(state, subject, got, "a GET after the PATCH")
        return
    state, _ = _read(target, path, subject, declared)
    difference = _diff(declared, new, _value_of(state, subject), _implied(subject))
    ensure(
        difference is None,
        f"GET after replacing {subject.path} to show the new value {_show(new)} in place of "
        f"{_show(old)} (RFC 7644 §3.5.2.3{ALL_REPLACED if declared.multi_valued else ''})",
        f"{subject.label} {difference}",
        response,
        _compared(subject, "as the replace sent it vs a GET after the PATCH", new, state),
    )
    if subject.sub is not None:
        # §3.5.2.3: a sub-attribute replace leaves the other sub-attributes alone —
        # as the target stored them (one that dropped some on create is judged by
        # the roundtrip check, not here).
        stored = _member(created, "name") or {}
        siblings = {
            k: v
            for k, v in stored.items()
            if k != subject.sub.name and parent.sub(k) and v is not None
        }
        name = _member(state, "name") or {}
        changed = [
            f"{key}: {_show(_member(name, key))}"
            for key, value in siblings.items()
            if _diff(parent.sub(key) or Declared(key), value, _member(name, key)) is not None
        ]
        ensure(
            not changed,
            f"the other name sub-attributes unchanged by replacing {subject.path} "
            f"(RFC 7644 §3.5.2.3): {_show(siblings)}",
            "GET shows " + "; ".join(changed),
            response,
        )


def _clearable(subject: Subject, declared: Declared, how: str) -> None:
    _require(
        declared.mutability not in (READ_ONLY, IMMUTABLE),
        f"the target declares {subject.label} {declared.mutability}: {how} is refused by design",
    )
    _require(
        not declared.required,
        f"the target declares {subject.label} required: {how} is refused by design "
        "(RFC 7644 §3.5.1, §3.5.2.2)",
    )
    _require(
        declared.returned != NEVER,
        f"the target declares {subject.label} returned never: clearing it is not observable",
    )


def _remove(target: Target, subject: Subject, declared: Declared, _other: Declared) -> None:
    _clearable(subject, declared, "removing it")
    _, path, _old = _state_with_value(target, subject, declared)
    response = target.patch(path, patch_body(operation("remove", subject.path)))
    expect_patch_success(response)
    state, _ = _read(target, path, subject, declared)
    got = _value_of(state, subject)
    ensure(
        _unassigned(got),
        f"{subject.label} unassigned after 'remove' — absent, null or [] (RFC 7644 §3.5.2.2; "
        'RFC 7643 §2.5), not "" or the old value',
        f"GET shows {subject.label} = {_show(got)}",
        response,
        _compared(subject, "unassigned vs a GET after the remove", None, state),
    )


def _put_clears(target: Target, subject: Subject, declared: Declared, _other: Declared) -> None:
    _clearable(subject, declared, "clearing it")
    state, path, _old = _state_with_value(target, subject, declared)
    if declared.returned == REQUEST:
        # The PUT body is the resource as a plain GET shows it (Okta's GET + PUT).
        full = target.get(path)
        response = target.put(path, _without(expect_resource(full, 200, what="GET"), subject))
    else:
        response = target.put(path, _without(state, subject))
    expect_status(response, 200, what="PUT of the resource without the attribute (RFC 7644 §3.5.1)")
    after, _ = _read(target, path, subject, declared)
    got = _value_of(after, subject)
    ensure(
        not _shares(declared, _value_of(state, subject), got),
        f"{subject.label}, omitted from the PUT, to be cleared or set to a server default "
        "(RFC 7644 §3.5.1: PUT replaces; readWrite values not asserted are cleared or "
        "defaulted) — not kept",
        f"GET after the PUT still shows {subject.label} = {_show(got)}",
        response,
        _compared(subject, "left out of the PUT vs a GET after it", None, after),
    )


# -- readOnly attributes ----------------------------------------------------

FAKE_CREATED = "2001-01-01T00:00:00Z"


def _fake_meta(subject: Subject) -> dict[str, Any]:
    other = "Group" if subject.resource == "user" else "User"
    return {
        "resourceType": other,
        "created": FAKE_CREATED,
        "lastModified": FAKE_CREATED,
        "location": f"https://attacker.example.com{subject.endpoint}/client-chosen",
        "version": 'W/"client-chosen"',
    }


def _expect_meta_ours(
    resource: Mapping[str, Any], subject: Subject, response: ScimResponse, where: str
) -> None:
    meta = _member(resource, "meta")
    if not isinstance(meta, Mapping):
        fail(
            f"{where}: a 'meta' object assigned by the service provider (RFC 7643 §3.1)",
            f"meta = {_show(meta)}",
            response,
        )
    fake = _fake_meta(subject)
    kept = [
        f"{key} = {_show(_member(meta, key))}"
        for key in ("location", "version")
        if _member(meta, key) == fake[key]
    ]
    resource_type = _member(meta, "resourceType")
    if resource_type is not None and resource_type != subject.label.split(".")[0]:
        kept.append(f"resourceType = {_show(resource_type)}")
    fake_instant = parse_date_time(FAKE_CREATED)
    for key in ("created", "lastModified"):
        value = _member(meta, key)
        if isinstance(value, str) and parse_date_time(value) == fake_instant:
            kept.append(f"{key} = {_show(value)}")
    ensure(
        not kept,
        f"{where}: the client's meta ignored — meta is assigned by the service provider and "
        "'SHALL be ignored when provided by clients' (RFC 7643 §3.1)",
        "the client's values kept: " + "; ".join(kept),
        response,
    )


def _group_members(target: Target, group_id: str) -> tuple[list[str], ScimResponse]:
    response = target.get(f"/Groups/{group_id}")
    group = expect_resource(response, 200, what="GET of the Group")
    members = [str(m.get("value")) for m in group.get("members") or [] if isinstance(m, Mapping)]
    return members, response


def _group_ids(resource: Mapping[str, Any]) -> list[str]:
    return [
        str(g.get("value")) for g in _member(resource, "groups") or [] if isinstance(g, Mapping)
    ]


def _readonly(subject: Subject, declared: Declared) -> None:
    _require(
        declared.mutability == READ_ONLY,
        f"the target declares {subject.label} {declared.mutability}, not readOnly",
    )


def _ignored_on_create(
    target: Target, subject: Subject, declared: Declared, _other: Declared
) -> None:
    _readonly(subject, declared)
    name = subject.attribute.name
    body = _body(target, subject, None)
    if name == "id":
        client_id = target.absent_id()
        body["id"] = client_id
        response = target.post(subject.endpoint, body)
        created = expect_resource(
            response, 201, 200, what="a client's id in a POST SHALL be ignored (RFC 7644 §3.3)"
        )
        ensure(
            created["id"] != client_id,
            "an id issued by the service provider, not the client's (RFC 7643 §3.1: 'always "
            "issued by the service provider')",
            f"id = {created['id']!r}, the value the client sent",
            response,
        )
        return
    if name == "meta":
        body["meta"] = _fake_meta(subject)
        response = target.post(subject.endpoint, body)
        created = expect_resource(
            response, 201, 200, what="a client's meta in a POST SHALL be ignored (RFC 7644 §3.3)"
        )
        _expect_meta_ours(created, subject, response, "the 201 body")
        state, got = _read(target, f"{subject.endpoint}/{created['id']}", subject, declared)
        _expect_meta_ours(state, subject, got, "a GET")
        return
    # User.groups (RFC 7643 §4.1.2: readOnly, derived from Group membership).
    group = target.create_group("attr-groups")
    body["groups"] = [{"value": group["id"], "display": group.get("displayName")}]
    response = target.post(subject.endpoint, body)
    created = expect_resource(
        response, 201, 200, what="a client's groups in a POST SHALL be ignored (RFC 7644 §3.3)"
    )
    members, got = _group_members(target, group["id"])
    ensure(
        created["id"] not in members,
        "the Group's members unchanged: User.groups is readOnly, membership is changed on the "
        "Group (RFC 7643 §4.1.2; RFC 7644 §3.3)",
        f"the new user {created['id']} is a member of the Group named in its POSTed groups",
        got,
    )
    state, got = _read(target, f"/Users/{created['id']}", subject, declared)
    ensure(
        group["id"] not in _group_ids(state),
        "User.groups not to list a Group the user is not a member of (RFC 7643 §4.1.2)",
        f"groups = {_show(_member(state, 'groups'))}",
        got,
    )


def _ignored_on_put(target: Target, subject: Subject, declared: Declared, _other: Declared) -> None:
    """Okta's update is a GET then a full PUT of what it read, ``id``, ``meta``
    and ``groups`` included; a server that writes them breaks. An ``id`` in
    the body that differs from the URL's may also be refused with a 400
    (the body contradicts the URL, and RFC 7643 §3.1 says a client MUST NOT
    specify ids); what must never happen is the resource taking that id."""
    _readonly(subject, declared)
    name = subject.attribute.name
    with precondition("creating a User for this check"):
        created, path, _ = _create(target, subject, None, "POST /Users")
    group = target.create_group("attr-groups", members=[created["id"]]) if name == "groups" else {}
    before, _ = _read(target, path, subject, declared)
    body = _without(before)
    if name == "id":
        body["id"] = target.absent_id()
        response = target.put(path, body)
        if response.status == 400:
            # The body contradicts the URL; refusing it changes nothing either.
            expect_error(response, 400)
        else:
            answer = expect_resource(response, 200, what="PUT with a different id in the body")
            ensure(
                answer["id"] == created["id"],
                f"the resource's own id {created['id']!r}: a client's id SHALL be ignored "
                "(RFC 7644 §3.5.1), or the PUT refused with 400",
                f"id = {answer['id']!r}",
                response,
            )
        state, got = _read(target, path, subject, declared)
        ensure(
            state["id"] == created["id"],
            f"GET {path} to still answer with id {created['id']!r}",
            f"id = {state['id']!r}",
            got,
        )
        return
    if name == "meta":
        body["meta"] = _fake_meta(subject)
        response = target.put(path, body)
        expect_resource(response, 200, what="PUT with the client's meta (RFC 7644 §3.5.1)")
        state, got = _read(target, path, subject, declared)
        _expect_meta_ours(state, subject, got, "a GET after the PUT")
        created_at = _member(_member(before, "meta"), "created")
        now_at = _member(_member(state, "meta"), "created")
        ensure(
            not isinstance(created_at, str)
            or (isinstance(now_at, str) and parse_date_time(now_at) == parse_date_time(created_at)),
            f"meta.created unchanged by a PUT ({created_at!r}, RFC 7643 §3.1)",
            f"meta.created = {now_at!r}",
            got,
        )
        return
    # The membership must exist before the PUT, or the check would blame the PUT
    # for a Group POST that dropped its members (groups.* judge that).
    with precondition("a Group created with the user as a member, listing it"):
        members, got = _group_members(target, group["id"])
        ensure(
            created["id"] in members,
            f"the Group POSTed with member {created['id']!r} to list it",
            f"Group members {members!r}",
            got,
        )
    body["groups"] = []
    response = target.put(path, body)
    expect_resource(response, 200, what="PUT with 'groups': [] (RFC 7644 §3.5.1)")
    members, got = _group_members(target, group["id"])
    ensure(
        created["id"] in members,
        "the user still a member of its Group: 'groups': [] in a PUT SHALL be ignored, "
        "User.groups being readOnly (RFC 7644 §3.5.1; RFC 7643 §4.1.2)",
        f"Group members now {members!r}",
        got,
    )
    if group["id"] in _group_ids(before):
        state, got = _read(target, path, subject, declared)
        ensure(
            group["id"] in _group_ids(state),
            f"User.groups to still list {group['id']} after the PUT (readOnly, ignored)",
            f"groups = {_show(_member(state, 'groups'))}",
            got,
        )


def _immutable_change(
    target: Target, subject: Subject, declared: Declared, _other: Declared
) -> None:
    """Group ``members`` sub-attributes are immutable (RFC 7643 §4.2): a member
    is added or removed, never edited in place. Each declared-immutable sub
    that has a value is changed by PATCH; each change must be refused."""
    users = _users(target)
    value = [{"value": users[0]}]
    with precondition(_setup(subject)):
        _, path, _ = _create(target, subject, value, f"POST {subject.endpoint}")
        before, got = _read(target, path, subject, declared)
        member = next(
            (
                m
                for m in _member(before, subject.attribute.name) or []
                if _member(m, "value") == users[0]
            ),
            None,
        )
        if not isinstance(member, Mapping):
            fail(
                f"the member {users[0]} sent in the POST to be listed",
                f"members = {_show(_member(before, subject.attribute.name))}",
                got,
            )
    changes = {"value": users[1], "display": "Renamed Member", "type": "Group"}
    tried = 0
    for sub_name, new in changes.items():
        sub = declared.sub(sub_name)
        if sub is None or sub.mutability != IMMUTABLE or _member(member, sub_name) is None:
            continue
        tried += 1
        response = target.patch(
            path,
            patch_body(
                operation(
                    "replace", f'{subject.attribute.name}[value eq "{users[0]}"].{sub_name}', new
                )
            ),
        )
        body = expect_error(
            response, 400, what=f"{subject.label}.{sub_name} is immutable and has a value"
        )
        expect_scim_type_or_none(
            body,
            ("mutability",),
            "scimType 'mutability' (RFC 7644 §3.12 Table 9), or none",
            response,
        )
        after, got = _read(target, path, subject, declared)
        difference = _diff(
            declared,
            _member(before, subject.attribute.name),
            _member(after, subject.attribute.name),
        )
        ensure(
            difference is None,
            f"{subject.label} unchanged after the refused PATCH of {sub_name}",
            f"{subject.label} {difference}",
            got,
        )
    _require(
        tried > 0,
        f"the target declares no immutable sub-attribute of {subject.label} that has a value",
    )


KINDS: dict[str, Callable[[Target, Subject, Declared, Declared], None]] = {
    "roundtrip": _roundtrip,
    "replace": _replace,
    "remove": _remove,
    "put-clears": _put_clears,
    "ignored-on-create": _ignored_on_create,
    "ignored-on-put": _ignored_on_put,
    "immutable-change": _immutable_change,
}


@check_table(_cases())
def test_attribute(target: Target, case: Check) -> None:
    """One attribute, one kind: see the module docstring."""
    subject: Subject = case.params["subject"]
    parent, declared = _declared(target, subject)
    if subject.sub is None:
        KINDS[case.params["kind"]](target, subject, declared, declared)
    else:
        KINDS[case.params["kind"]](target, subject, parent, declared)
