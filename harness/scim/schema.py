"""RFC 7643 attribute definitions: User (§4.1), Group (§4.2), EnterpriseUser (§4.3).

The characteristics of every attribute (type, multiValued, caseExact,
mutability, returned, uniqueness, canonicalValues, sub-attributes, RFC 7643
§2.2 and §7) are held here as data. Filters, PATCH, projection and validation
read them from this one registry, so a rule such as "userName compares
case-insensitively" (§4.1.1, caseExact false) is stated exactly once.

Resources are held in memory as JSON objects whose keys use the canonical
spelling of this registry (``userName``, never ``USERNAME``); extension
attributes sit under their schema URN key (RFC 7643 §3). Attribute *names*
coming from clients are matched case-insensitively (RFC 7643 §2.1).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SCHEMA_URN = "urn:ietf:params:scim:schemas:core:2.0:Schema"
RESOURCE_TYPE_URN = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SPC_URN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
LIST_RESPONSE_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST_URN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
BULK_REQUEST_URN = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE_URN = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"

# RFC 7643 §2.3 data types, spelled as the RFC spells them.
STRING = "string"
BOOLEAN = "boolean"
DECIMAL = "decimal"
INTEGER = "integer"
DATETIME = "dateTime"
BINARY = "binary"
REFERENCE = "reference"
COMPLEX = "complex"

# RFC 7643 §7 mutability / returned / uniqueness values.
READ_ONLY = "readOnly"
READ_WRITE = "readWrite"
IMMUTABLE = "immutable"
WRITE_ONLY = "writeOnly"
ALWAYS = "always"
NEVER = "never"
DEFAULT = "default"
REQUEST = "request"


@dataclass(frozen=True)
class Attribute:
    """One attribute definition with its RFC 7643 §7 characteristics."""

    name: str
    type: str = STRING
    multi_valued: bool = False
    required: bool = False
    case_exact: bool = False
    mutability: str = READ_WRITE
    returned: str = DEFAULT
    uniqueness: str = "none"
    canonical_values: tuple[str, ...] = ()
    reference_types: tuple[str, ...] = ()
    sub_attributes: tuple[Attribute, ...] = ()
    description: str = ""

    def sub(self, name: str) -> Attribute | None:
        """The sub-attribute called ``name`` (case-insensitive, RFC 7643 §2.1)."""
        folded = name.casefold()
        for sub in self.sub_attributes:
            if sub.name.casefold() == folded:
                return sub
        return None

    @property
    def is_complex(self) -> bool:
        return self.type == COMPLEX

    def to_scim(self) -> dict[str, Any]:
        """The attribute as it appears in a ``/Schemas`` resource (RFC 7643 §7)."""
        body: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "multiValued": self.multi_valued,
            "description": self.description or self.name,
            "required": self.required,
        }
        if self.type in (STRING, REFERENCE, BINARY):
            body["caseExact"] = self.case_exact
        if self.canonical_values:
            body["canonicalValues"] = list(self.canonical_values)
        if self.reference_types:
            body["referenceTypes"] = list(self.reference_types)
        body["mutability"] = self.mutability
        body["returned"] = self.returned
        if self.type != COMPLEX:
            body["uniqueness"] = self.uniqueness
        if self.sub_attributes:
            body["subAttributes"] = [sub.to_scim() for sub in self.sub_attributes]
        return body


@dataclass(frozen=True)
class Schema:
    """A schema (RFC 7643 §7): its URN and top-level attributes."""

    id: str
    name: str
    description: str
    attributes: tuple[Attribute, ...]

    def get(self, name: str) -> Attribute | None:
        folded = name.casefold()
        for attribute in self.attributes:
            if attribute.name.casefold() == folded:
                return attribute
        return None

    def to_scim(self, base_url: str = "") -> dict[str, Any]:
        return {
            "schemas": [SCHEMA_URN],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": [attribute.to_scim() for attribute in self.attributes],
            "meta": {"resourceType": "Schema", "location": f"{base_url}/Schemas/{self.id}"},
        }


def _multi(
    name: str,
    *,
    value_type: str = STRING,
    value_case_exact: bool = False,
    types: tuple[str, ...] = (),
    reference_types: tuple[str, ...] = (),
    description: str = "",
) -> Attribute:
    """The value/display/type/primary shape shared by emails, phoneNumbers, … (RFC 7643 §2.4)."""
    return Attribute(
        name,
        COMPLEX,
        multi_valued=True,
        description=description,
        sub_attributes=(
            Attribute(
                "value",
                value_type,
                case_exact=value_case_exact,
                reference_types=reference_types,
            ),
            Attribute("display", STRING),
            Attribute("type", STRING, canonical_values=types),
            Attribute("primary", BOOLEAN),
        ),
    )


# RFC 7643 §3.1: common attributes, present on every resource and not part of
# any schema's attribute list. ``schemas`` (§3) is listed so filters such as
# ``schemas eq "urn:…"`` (RFC 7644 §3.4.2.2, Figure 2) resolve.
COMMON_ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute(
        "id", STRING, case_exact=True, mutability=READ_ONLY, returned=ALWAYS, uniqueness="server"
    ),
    Attribute("externalId", STRING, case_exact=True),
    Attribute(
        "meta",
        COMPLEX,
        mutability=READ_ONLY,
        sub_attributes=(
            Attribute("resourceType", STRING, case_exact=True, mutability=READ_ONLY),
            Attribute("created", DATETIME, mutability=READ_ONLY),
            Attribute("lastModified", DATETIME, mutability=READ_ONLY),
            Attribute(
                "location",
                REFERENCE,
                case_exact=True,
                mutability=READ_ONLY,
                reference_types=("uri",),
            ),
            Attribute("version", STRING, case_exact=True, mutability=READ_ONLY),
        ),
    ),
    Attribute(
        "schemas",
        REFERENCE,
        multi_valued=True,
        required=True,
        case_exact=True,
        returned=ALWAYS,
        reference_types=("uri",),
    ),
)

USER_SCHEMA = Schema(
    USER_URN,
    "User",
    "User Account",
    (
        # §4.1.1: unique across the service provider, compared case-insensitively.
        Attribute("userName", STRING, required=True, uniqueness="server"),
        Attribute(
            "name",
            COMPLEX,
            sub_attributes=tuple(
                Attribute(n, STRING)
                for n in (
                    "formatted",
                    "familyName",
                    "givenName",
                    "middleName",
                    "honorificPrefix",
                    "honorificSuffix",
                )
            ),
        ),
        Attribute("displayName", STRING),
        Attribute("nickName", STRING),
        Attribute("profileUrl", REFERENCE, reference_types=("external",)),
        Attribute("title", STRING),
        Attribute("userType", STRING),
        Attribute("preferredLanguage", STRING),
        Attribute("locale", STRING),
        Attribute("timezone", STRING),
        Attribute("active", BOOLEAN),
        # §4.1.1: never returned in any form, writeOnly.
        Attribute("password", STRING, mutability=WRITE_ONLY, returned=NEVER),
        _multi("emails", types=("work", "home", "other")),
        _multi("phoneNumbers", types=("work", "home", "mobile", "fax", "pager", "other")),
        _multi("ims", types=("aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo")),
        _multi(
            "photos",
            value_type=REFERENCE,
            value_case_exact=True,
            types=("photo", "thumbnail"),
            reference_types=("external",),
        ),
        # §4.1.2: addresses have no "value" sub-attribute.
        Attribute(
            "addresses",
            COMPLEX,
            multi_valued=True,
            sub_attributes=(
                Attribute("formatted", STRING),
                Attribute("streetAddress", STRING),
                Attribute("locality", STRING),
                Attribute("region", STRING),
                Attribute("postalCode", STRING),
                Attribute("country", STRING),
                Attribute("type", STRING, canonical_values=("work", "home", "other")),
                Attribute("primary", BOOLEAN),
            ),
        ),
        # §4.1.2: groups is derived from Group.members and is readOnly.
        Attribute(
            "groups",
            COMPLEX,
            multi_valued=True,
            mutability=READ_ONLY,
            sub_attributes=(
                Attribute("value", STRING, mutability=READ_ONLY),
                Attribute(
                    "$ref",
                    REFERENCE,
                    mutability=READ_ONLY,
                    reference_types=("User", "Group"),
                ),
                Attribute("display", STRING, mutability=READ_ONLY),
                Attribute(
                    "type", STRING, mutability=READ_ONLY, canonical_values=("direct", "indirect")
                ),
            ),
        ),
        _multi("entitlements"),
        _multi("roles"),
        _multi("x509Certificates", value_type=BINARY, value_case_exact=True),
    ),
)

GROUP_SCHEMA = Schema(
    GROUP_URN,
    "Group",
    "Group",
    (
        # §4.2 says displayName is REQUIRED (the §8.7.1 listing says false; the prose wins).
        Attribute("displayName", STRING, required=True),
        # §4.2 / §8.7.1: members' sub-attributes are immutable — members are
        # added and removed, never edited in place. ``display`` is not in
        # §8.7.1 but appears in §8.4 examples and Okta sends it.
        Attribute(
            "members",
            COMPLEX,
            multi_valued=True,
            sub_attributes=(
                Attribute("value", STRING, case_exact=True, mutability=IMMUTABLE),
                Attribute(
                    "$ref",
                    REFERENCE,
                    case_exact=True,
                    mutability=IMMUTABLE,
                    reference_types=("User", "Group"),
                ),
                Attribute("type", STRING, mutability=IMMUTABLE, canonical_values=("User", "Group")),
                Attribute("display", STRING, mutability=IMMUTABLE),
            ),
        ),
    ),
)

ENTERPRISE_USER_SCHEMA = Schema(
    ENTERPRISE_USER_URN,
    "EnterpriseUser",
    "Enterprise User",
    (
        Attribute("employeeNumber", STRING),
        Attribute("costCenter", STRING),
        Attribute("organization", STRING),
        Attribute("division", STRING),
        Attribute("department", STRING),
        Attribute(
            "manager",
            COMPLEX,
            sub_attributes=(
                Attribute("value", STRING),
                Attribute("$ref", REFERENCE, reference_types=("User",)),
                Attribute("displayName", STRING, mutability=READ_ONLY),
            ),
        ),
    ),
)


@dataclass(frozen=True)
class AttributeRef:
    """An attribute path resolved against a resource type (RFC 7644 §3.10).

    ``container`` is the top-level JSON key the attribute lives under: ``None``
    for core and common attributes, the extension URN for extension ones.
    """

    schema_urn: str
    attribute: Attribute
    sub_attribute: Attribute | None = None
    container: str | None = None

    @property
    def target(self) -> Attribute:
        """The attribute whose value the path finally designates."""
        return self.sub_attribute or self.attribute

    @property
    def dotted(self) -> str:
        """Canonical spelling, URN-qualified for extensions: ``urn:…:User:manager.value``."""
        name = self.attribute.name
        if self.sub_attribute is not None:
            name = f"{name}.{self.sub_attribute.name}"
        return f"{self.container}:{name}" if self.container else name


@dataclass(frozen=True)
class ResourceType:
    """A resource type (RFC 7643 §6): endpoint, core schema and extensions."""

    id: str
    name: str
    endpoint: str
    description: str
    schema: Schema
    extensions: tuple[tuple[Schema, bool], ...] = field(default=())

    @property
    def schema_urns(self) -> tuple[str, ...]:
        return (self.schema.id, *(ext.id for ext, _ in self.extensions))

    def extension(self, urn: str) -> Schema | None:
        folded = urn.casefold()
        for ext, _required in self.extensions:
            if ext.id.casefold() == folded:
                return ext
        return None

    def top_level(self, name: str) -> Attribute | None:
        """A common or core attribute by name (case-insensitive)."""
        folded = name.casefold()
        for attribute in COMMON_ATTRIBUTES:
            if attribute.name.casefold() == folded:
                return attribute
        return self.schema.get(name)

    def all_attributes(self) -> Iterator[tuple[str | None, Attribute]]:
        """Every top-level attribute with its container key (None = core)."""
        for attribute in COMMON_ATTRIBUTES:
            yield None, attribute
        for attribute in self.schema.attributes:
            yield None, attribute
        for ext, _required in self.extensions:
            for attribute in ext.attributes:
                yield ext.id, attribute

    def resolve(self, urn: str | None, name: str, sub: str | None = None) -> AttributeRef | None:
        """Resolve ``[urn:]name[.sub]`` to its definitions, or None if unknown.

        A URN equal to the core schema's designates a core attribute (RFC 7644
        §3.10: "urn:ietf:params:scim:schemas:core:2.0:User:userName" is legal).
        """
        container: str | None
        if urn is None and self.top_level(name) is None:
            urn = self._sole_extension_with(name)
        if urn is None or urn.casefold() == self.schema.id.casefold():
            attribute = self.top_level(name)
            schema_urn, container = self.schema.id, None
        else:
            ext = self.extension(urn)
            if ext is None:
                return None
            attribute = ext.get(name)
            schema_urn, container = ext.id, ext.id
        if attribute is None:
            return None
        sub_attribute = None
        if sub is not None:
            sub_attribute = attribute.sub(sub)
            if sub_attribute is None:
                return None
        return AttributeRef(schema_urn, attribute, sub_attribute, container)

    def _sole_extension_with(self, name: str) -> str | None:
        """The URN of the one extension declaring ``name``, if exactly one does.

        Entra uses bare extension names: ``manager`` as a PATCH path and in
        its manager filter (entra-provisioning.md §2, §3). RFC 7644 §3.10 asks
        for the URN, but where one extension alone owns the name the bare form
        is unambiguous, so every rule (filters, PATCH, sort, projection) reads
        it the same way.
        """
        owners = [ext.id for ext, _required in self.extensions if ext.get(name) is not None]
        return owners[0] if len(owners) == 1 else None

    def to_scim(self, base_url: str = "") -> dict[str, Any]:
        return {
            "schemas": [RESOURCE_TYPE_URN],
            "id": self.id,
            "name": self.name,
            "endpoint": self.endpoint,
            "description": self.description,
            "schema": self.schema.id,
            "schemaExtensions": [
                {"schema": ext.id, "required": required} for ext, required in self.extensions
            ],
            "meta": {
                "resourceType": "ResourceType",
                "location": f"{base_url}/ResourceTypes/{self.id}",
            },
        }


USER = ResourceType(
    "User",
    "User",
    "/Users",
    "User Account",
    USER_SCHEMA,
    ((ENTERPRISE_USER_SCHEMA, False),),
)
GROUP = ResourceType("Group", "Group", "/Groups", "Group", GROUP_SCHEMA)

RESOURCE_TYPES: tuple[ResourceType, ...] = (USER, GROUP)
SCHEMAS: tuple[Schema, ...] = (USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA)


def resource_type_named(name: str) -> ResourceType:
    """The registered resource type called ``name`` ("User" or "Group")."""
    for resource_type in RESOURCE_TYPES:
        if resource_type.name == name:
            return resource_type
    raise KeyError(name)


def split_urn_path(text: str) -> tuple[str | None, str]:
    """Split ``urn:…:Schema:attr.sub`` into (URN, ``attr.sub``) (RFC 7644 §3.10).

    The attribute name is what follows the last ``:``; names never contain a
    colon (ATTRNAME = ALPHA *(nameChar)), so the split is unambiguous.
    """
    if not text.lower().startswith("urn:"):
        return None, text
    urn, _, rest = text.rpartition(":")
    return urn, rest
