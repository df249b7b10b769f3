"""Discovery: ServiceProviderConfig, ResourceTypes, Schemas (RFC 7644 §4; RFC 7643 §5–§7).

What a client learns before it provisions anything, and whether it can trust it:

* ``/ServiceProviderConfig`` (RFC 7643 §5): the REQUIRED feature objects and
  their limits, the authentication schemes, and that every ``supported: true``
  is backed by behaviour (``disc.spc.truthful.*`` — the suite skips what the
  SPC does not claim, so a false claim would otherwise hide behind it);
* ``/ResourceTypes`` (RFC 7643 §6) and ``/Schemas`` (RFC 7643 §7): listing,
  single retrieval, the characteristic keywords spelled as the RFC spells them
  (Entra reads ``/Schemas`` and breaks on ``ReadWrite`` or nulls), and that the
  resources the target really returns are described by its own schemas;
* the discovery endpoints' own rules (RFC 7644 §4): a ``filter`` there SHOULD
  be refused with 403, paging and sorting parameters are ignored, and they are
  read-only.

Levels: RFC MUST/SHALL/REQUIRED → ``must``; RFC SHOULD or a *policy* reading →
``should``; Entra's documented needs (entra-provisioning.md §2, "/Schemas")
are ``must`` under the ``entra`` profile.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from harness.client import ScimResponse
from harness.conformance.bodies import bulk_body, operation, patch_body
from harness.conformance.discovery import endpoint_name
from harness.conformance.expect import (
    describe,
    ensure,
    expect_error,
    expect_json,
    expect_list,
    expect_resource,
    expect_status,
    fail,
    ids_of,
    precondition,
    resources_of,
)
from harness.conformance.registry import Check, case, check, check_table
from harness.conformance.support import Levels
from harness.conformance.target import Target
from harness.scim.schema import (
    BULK_RESPONSE_URN,
    ENTERPRISE_USER_URN,
    GROUP_URN,
    RESOURCE_TYPE_URN,
    SCHEMA_URN,
    SPC_URN,
    USER_URN,
)

DISCOVERY_PATHS = ("/ServiceProviderConfig", "/ResourceTypes", "/Schemas")
#: RFC 7643 §5: the feature members that are REQUIRED complex values with a Boolean ``supported``.
SPC_FEATURES = ("patch", "bulk", "filter", "changePassword", "sort", "etag")
#: RFC 7643 §5: the REQUIRED integer limits inside those members.
SPC_LIMITS = (("bulk", "maxOperations"), ("bulk", "maxPayloadSize"), ("filter", "maxResults"))
#: RFC 7643 §7 (and §2.3 for ``type``): the keyword values, spelled exactly.
KEYWORDS: dict[str, frozenset[str]] = {
    "type": frozenset(
        {"string", "boolean", "decimal", "integer", "dateTime", "reference", "complex", "binary"}
    ),
    "mutability": frozenset({"readOnly", "readWrite", "immutable", "writeOnly"}),
    "returned": frozenset({"always", "never", "default", "request"}),
    "uniqueness": frozenset({"none", "server", "global"}),
}
#: RFC 7643 §7: attribute characteristics that are Booleans / lists when present.
BOOLEAN_CHARACTERISTICS = ("multiValued", "required", "caseExact")
LIST_CHARACTERISTICS = ("canonicalValues", "referenceTypes", "subAttributes")
#: RFC 7643 §3.1: common attributes, part of every resource but of no schema.
COMMON_ATTRIBUTES = frozenset({"schemas", "id", "externalid", "meta"})
#: RFC 7643 §2.3.5: xsd:dateTime as SCIM uses it.
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
ENTRA_MUST: Levels = {"rfc": "should", "okta": "should", "entra": "must"}


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _items(body: Any) -> list[dict[str, Any]]:
    """Resources of a discovery listing: a ListResponse, or a bare JSON array."""
    if isinstance(body, list):
        return [item for item in body if isinstance(item, dict)]
    if isinstance(body, Mapping):
        return resources_of(body)
    return []


def _listing(target: Target, path: str) -> list[dict[str, Any]]:
    """A discovery listing (ListResponse or array), read once per run."""

    def build(found: Target) -> list[dict[str, Any]]:
        with precondition(f"reading GET {path}"):
            response = expect_status(found.get(path), 200, what=f"GET {path}")
        ensure(
            isinstance(response.body, list | dict),
            f"GET {path} to answer a JSON listing (RFC 7644 §4)",
            describe(response),
            response,
        )
        return _items(response.body)

    return target.shared(f"disc.listing:{path}", build)


def _schema_by_id(target: Target) -> dict[str, dict[str, Any]]:
    """The target's schemas by lower-cased URN (URNs compare case-insensitively, RFC 8141)."""
    return {str(item.get("id", "")).lower(): item for item in _listing(target, "/Schemas")}


def _extension_urns(target: Target, endpoint: str) -> list[str]:
    for resource_type in _listing(target, "/ResourceTypes"):
        if endpoint_name(resource_type) == endpoint:
            return [
                str(ext.get("schema"))
                for ext in resource_type.get("schemaExtensions") or []
                if isinstance(ext, Mapping) and ext.get("schema")
            ]
    return []


def _walk_attributes(attributes: Any, where: str, depth: int = 0) -> Iterator[tuple[str, int, Any]]:
    """Every attribute definition (sub-attributes included): location, depth, definition."""
    if not isinstance(attributes, list):
        return
    for index, attribute in enumerate(attributes):
        name = attribute.get("name") if isinstance(attribute, Mapping) else None
        here = f"{where}/{name}" if isinstance(name, str) else f"{where}/[{index}]"
        yield here, depth, attribute
        if isinstance(attribute, Mapping):
            yield from _walk_attributes(attribute.get("subAttributes"), here, depth + 1)


def _nulls(value: Any, where: str) -> Iterator[str]:
    """JSON paths of every ``null`` inside ``value``."""
    if value is None:
        yield where
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _nulls(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nulls(item, f"{where}[{index}]")


def _discovery_user(target: Target) -> dict[str, Any]:
    """A User (with the enterprise extension when the target declares it), shared by the
    checks that compare what the target returns with what it declares."""

    def build(found: Target) -> dict[str, Any]:
        attributes: dict[str, Any] = {"nickName": "Babs", "title": "Tester"}
        if ENTERPRISE_USER_URN.lower() in {u.lower() for u in _extension_urns(found, "Users")}:
            attributes["schemas"] = [USER_URN, ENTERPRISE_USER_URN]
            attributes[ENTERPRISE_USER_URN] = {"employeeNumber": "4711", "department": "QA"}
        return found.create_user("disc", **attributes)

    return target.shared("disc.user", build)


# --------------------------------------------------------------------------
# /ServiceProviderConfig
# --------------------------------------------------------------------------


@check(
    "disc.spc.get",
    "RFC 7644 §4; RFC 7643 §5",
    "GET /ServiceProviderConfig answers 200 with a JSON object whose 'schemas' names the "
    "ServiceProviderConfig schema",
)
def test_spc_get(target: Target) -> None:
    response = expect_status(target.get("/ServiceProviderConfig"), 200)
    body = expect_json(response, "the ServiceProviderConfig as a JSON object (RFC 7643 §5)")
    ensure(
        SPC_URN in (body.get("schemas") or []),
        f"'schemas' to contain {SPC_URN} (RFC 7643 §5)",
        f"schemas = {body.get('schemas')!r}",
        response,
    )


@check(
    "disc.spc.fields",
    "RFC 7643 §5",
    "the ServiceProviderConfig has every REQUIRED feature object (patch, bulk, filter, "
    "changePassword, sort, etag) with a Boolean 'supported', and the REQUIRED integer limits",
)
def test_spc_fields(target: Target) -> None:
    response = expect_status(target.get("/ServiceProviderConfig"), 200)
    body = expect_json(response)
    for name in SPC_FEATURES:
        member = body.get(name)
        if not isinstance(member, Mapping):
            fail(
                f"'{name}' as a JSON object (REQUIRED, RFC 7643 §5)",
                f"{name} = {member!r}",
                response,
            )
        ensure(
            isinstance(member.get("supported"), bool),
            f"'{name}.supported' as a JSON Boolean (REQUIRED, RFC 7643 §5)",
            f"{name}.supported = {member.get('supported')!r}",
            response,
        )
    for section, key in SPC_LIMITS:
        value = body[section].get(key)
        ensure(
            isinstance(value, int) and not isinstance(value, bool) and value >= 0,
            f"'{section}.{key}' as a non-negative integer (REQUIRED, RFC 7643 §5)",
            f"{section}.{key} = {value!r}",
            response,
        )


@check(
    "disc.spc.auth-schemes",
    "RFC 7643 §5 (authenticationSchemes)",
    "'authenticationSchemes' is a non-empty array whose entries carry the REQUIRED string "
    "'type', 'name' and 'description'",
)
def test_spc_auth_schemes(target: Target) -> None:
    response = expect_status(target.get("/ServiceProviderConfig"), 200)
    body = expect_json(response)
    schemes = body.get("authenticationSchemes")
    if not isinstance(schemes, list) or not schemes:
        fail(
            "'authenticationSchemes' as a non-empty array (REQUIRED, RFC 7643 §5) — the "
            "target does require authentication",
            f"authenticationSchemes = {schemes!r}",
            response,
        )
    for index, scheme in enumerate(schemes):
        if not isinstance(scheme, Mapping):
            fail(
                "each authentication scheme as a JSON object",
                f"authenticationSchemes[{index}] = {scheme!r}",
                response,
            )
        for key in ("type", "name", "description"):
            value = scheme.get(key)
            ensure(
                isinstance(value, str) and value.strip(),
                f"authenticationSchemes[{index}].{key} as a non-empty string "
                "(REQUIRED, RFC 7643 §5)",
                f"{key} = {value!r}",
                response,
            )
        primary = scheme.get("primary")
        ensure(
            primary is None or isinstance(primary, bool),
            f"authenticationSchemes[{index}].primary, when present, as a Boolean",
            f"primary = {primary!r}",
            response,
        )


@check(
    "disc.spc.no-auth-ok",
    "RFC 7644 §4 (policy: discovery MAY be public)",
    "GET /ServiceProviderConfig without credentials answers either the configuration (200) "
    "or a clean refusal (401/403) — never an error page, a redirect or a 5xx",
    level="should",
)
def test_spc_no_auth(target: Target) -> None:
    """RFC 7643 §5 says the provider SHOULD make ``authenticationSchemes`` readable
    without authentication "with the appropriate security considerations"; protecting
    all of discovery is a legitimate choice too (the reference server makes it). Both
    readings are fine, but the answer must be one of them."""
    response = target.get("/ServiceProviderConfig", authenticate=False)
    expect_status(
        response,
        200,
        401,
        403,
        what="the SPC (public discovery) or 401/403 (protected discovery)",
    )
    if response.status == 200:
        body = expect_json(response, "the ServiceProviderConfig as a JSON object")
        ensure(
            SPC_URN in (body.get("schemas") or []),
            f"an unauthenticated 200 to be the real ServiceProviderConfig ({SPC_URN})",
            f"schemas = {body.get('schemas')!r}",
            response,
        )


# -- disc.spc.truthful.*: each claimed feature is backed by behaviour -------------


def _claimed(target: Target, feature: str) -> None:
    """The profile may force a feature's checks to run; truthfulness is about claims."""
    if not target.capabilities.has(feature):
        pytest.skip(
            f"the target's /ServiceProviderConfig does not claim {feature}.supported "
            "(RFC 7643 §5): no claim to verify"
        )


def _truthful_etag(target: Target) -> None:
    """RFC 7644 §3.14: when supported, ETags MUST be given as an HTTP header (and SHOULD
    also be the resource's ``meta.version``)."""
    user = _discovery_user(target)
    response = target.get(f"/Users/{user['id']}")
    body = expect_resource(response, 200)
    etag = response.headers.get("etag")
    ensure(
        etag,
        "an ETag header on GET of a resource, since etag.supported is true (RFC 7644 §3.14)",
        "no ETag header",
        response,
    )
    version = (body.get("meta") or {}).get("version")
    ensure(
        version is None or version == etag,
        "meta.version to equal the ETag header (RFC 7644 §3.14)",
        f"ETag {etag!r}, meta.version {version!r}",
        response,
    )


def _truthful_sort(target: Target) -> None:
    """RFC 7644 §3.4.2.3: a provider that claims sort accepts ``sortBy``/``sortOrder``."""
    params: dict[str, str | int] = {"sortBy": "userName", "sortOrder": "descending", "count": 2}
    if target.capabilities.has("filter"):  # a name nobody has: only eq, the list stays empty
        params["filter"] = f'userName eq "{target.unique("truthful-sort")}@example.com"'
    expect_list(
        target.get("/Users", params=params),
        what="a ListResponse for sortBy=userName, since sort.supported is true (RFC 7644 §3.4.2.3)",
    )


def _truthful_patch(target: Target) -> None:
    user = target.create_user("truthful-patch")
    path = f"/Users/{user['id']}"
    new_name = target.unique("patched")
    response = target.patch(path, patch_body(operation("replace", "displayName", new_name)))
    expect_status(
        response, 200, 204, what="PATCH success, since patch.supported is true (RFC 7644 §3.5.2)"
    )
    after = expect_resource(target.get(path), 200, what="GET after the PATCH")
    ensure(
        after.get("displayName") == new_name,
        f"the PATCH to have set displayName to {new_name!r}",
        f"displayName = {after.get('displayName')!r}",
        response,
    )


def _truthful_bulk(target: Target) -> None:
    body = bulk_body(
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": "u1",
            "data": target.user_body("truthful-bulk"),
        }
    )
    response = target.post("/Bulk", body)
    expect_status(
        response, 200, what="a BulkResponse, since bulk.supported is true (RFC 7644 §3.7)"
    )
    answer = expect_json(response, "a BulkResponse (RFC 7644 §3.7.3)")
    ensure(
        BULK_RESPONSE_URN in (answer.get("schemas") or []),
        f"'schemas' = [{BULK_RESPONSE_URN}] (RFC 7644 §3.7.3)",
        f"schemas = {answer.get('schemas')!r}",
        response,
    )
    results = answer.get("Operations") or []
    ensure(
        len(results) == 1 and str(results[0].get("status", "")).startswith("201"),
        "one operation result with status 201 for the one POST (RFC 7644 §3.7.3)",
        f"Operations = {results!r}"[:300],
        response,
    )


def _truthful_filter(target: Target) -> None:
    user = _discovery_user(target)
    target.create_user("truthful-decoy")  # a filter that is ignored would return it too
    name = user["userName"]
    response = target.get("/Users", params={"filter": f'userName eq "{name}"'})
    body = expect_list(response, what="a ListResponse for a filter, since filter.supported is true")
    ensure(
        ids_of(body) == {user["id"]},
        f'userName eq "{name}" to match exactly the user created with it (RFC 7644 §3.4.2.2)',
        f"ids {sorted(ids_of(body))[:5]}, totalResults {body.get('totalResults')}",
        response,
    )


def _truthful_change_password(target: Target) -> None:
    user = target.create_user("truthful-pw")
    path = f"/Users/{user['id']}"
    secret = f"Pw-{target.unique('x')}-9!"
    if target.capabilities.has("patch"):
        response = target.patch(path, patch_body(operation("replace", "password", secret)))
        expect_status(
            response,
            200,
            204,
            what="a password change by PATCH, since changePassword.supported is true (RFC 7643 §5)",
        )
    else:
        body = {k: v for k, v in user.items() if k not in ("meta", "id")}
        body["password"] = secret
        response = target.put(path, body)
        expect_status(
            response,
            200,
            what="a password change by PUT, since changePassword.supported is true (RFC 7643 §5)",
        )
    ensure(
        secret not in response.text,
        "the new password never returned (RFC 7643 §4.1.1: returned 'never')",
        "the password appears in the response",
        response,
    )


TRUTHFUL = {
    "etag": _truthful_etag,
    "sort": _truthful_sort,
    "patch": _truthful_patch,
    "bulk": _truthful_bulk,
    "filter": _truthful_filter,
    "changePassword": _truthful_change_password,
}


@check_table(
    [
        case(
            "disc.spc.truthful.etag",
            "RFC 7643 §5; RFC 7644 §3.14",
            "with etag.supported true, a resource GET carries an ETag header (= meta.version)",
            needs=("etag", "Users"),
            mutating=True,
            feature="etag",
        ),
        case(
            "disc.spc.truthful.sort",
            "RFC 7643 §5; RFC 7644 §3.4.2.3",
            "with sort.supported true, GET /Users?sortBy=userName&sortOrder=descending answers "
            "a ListResponse",
            needs=("sort", "Users"),
            feature="sort",
        ),
        case(
            "disc.spc.truthful.patch",
            "RFC 7643 §5; RFC 7644 §3.5.2",
            "with patch.supported true, a PATCH replace of displayName succeeds and is applied",
            needs=("patch", "Users"),
            mutating=True,
            feature="patch",
        ),
        case(
            "disc.spc.truthful.bulk",
            "RFC 7643 §5; RFC 7644 §3.7",
            "with bulk.supported true, POST /Bulk with one POST operation answers a BulkResponse",
            needs=("bulk", "Users"),
            mutating=True,
            feature="bulk",
        ),
        case(
            "disc.spc.truthful.filter",
            "RFC 7643 §5; RFC 7644 §3.4.2.2",
            "with filter.supported true, a userName eq filter returns exactly the matching user",
            needs=("filter", "Users"),
            mutating=True,
            feature="filter",
        ),
        case(
            "disc.spc.truthful.change-password",
            "RFC 7643 §5 (changePassword)",
            "with changePassword.supported true, a password change on a user succeeds",
            needs=("changePassword", "Users"),
            mutating=True,
            feature="changePassword",
        ),
    ]
)
def test_spc_truthful(target: Target, case: Check) -> None:
    """The suite trusts the SPC to decide what to run; a claim that is not backed by
    behaviour is a failure in its own right (RFC 7643 §5)."""
    feature = case.params["feature"]
    _claimed(target, feature)
    TRUTHFUL[feature](target)


# --------------------------------------------------------------------------
# /ResourceTypes
# --------------------------------------------------------------------------


@check(
    "disc.rt.list",
    "RFC 7644 §4; RFC 7643 §6",
    "GET /ResourceTypes lists resource types with the REQUIRED 'name', 'endpoint' and "
    "'schema'; /Users is the User schema and /Groups the Group schema",
)
def test_rt_list(target: Target) -> None:
    response = expect_status(target.get("/ResourceTypes"), 200)
    ensure(
        isinstance(response.body, list | dict),
        "a JSON listing of resource types (RFC 7644 §4)",
        describe(response),
        response,
    )
    items = _items(response.body)
    ensure(items, "at least one resource type (RFC 7643 §6)", "none listed", response)
    expected_schema = {"Users": USER_URN, "Groups": GROUP_URN}
    for item in items:
        label = item.get("id") or item.get("name") or "?"
        for key in ("name", "endpoint", "schema"):
            ensure(
                isinstance(item.get(key), str) and item[key],
                f"resource type {label!r}: '{key}' as a non-empty string (REQUIRED, RFC 7643 §6)",
                f"{key} = {item.get(key)!r}",
                response,
            )
        endpoint = endpoint_name(item)
        if endpoint in expected_schema:
            ensure(
                str(item["schema"]).lower() == expected_schema[endpoint].lower(),
                f"the /{endpoint} resource type's schema to be {expected_schema[endpoint]} "
                "(RFC 7643 §4)",
                f"schema = {item['schema']!r}",
                response,
            )
        extensions = item.get("schemaExtensions", [])
        ensure(
            isinstance(extensions, list),
            f"resource type {label!r}: 'schemaExtensions', when present, as an array",
            f"schemaExtensions = {extensions!r}",
            response,
        )
        for ext in extensions:
            ensure(
                isinstance(ext, Mapping)
                and isinstance(ext.get("schema"), str)
                and isinstance(ext.get("required"), bool),
                f"resource type {label!r}: each schemaExtensions entry with a string 'schema' "
                "and a Boolean 'required' (both REQUIRED, RFC 7643 §6)",
                f"{ext!r}",
                response,
            )


@check(
    "disc.rt.listresponse",
    "RFC 7644 §4; RFC 7644 §3.4.2",
    "GET /ResourceTypes answers a ListResponse (not a bare JSON array)",
    level="should",
)
def test_rt_listresponse(target: Target) -> None:
    """RFC 7643 §8.6 shows the resource types as a bare array, RFC 7644 §4 a query
    response; clients (and /Schemas, where §4 says SHALL) expect the ListResponse."""
    expect_list(target.get("/ResourceTypes"), what="a ListResponse of resource types")


@check(
    "disc.rt.byid",
    "RFC 7644 §4",
    "each listed resource type is retrievable alone at /ResourceTypes/<id> as the same resource",
)
def test_rt_byid(target: Target) -> None:
    types = _listing(target, "/ResourceTypes")
    ensure(types, "at least one resource type to retrieve", "none listed")
    for item in types:
        identifier = item.get("id") or item.get("name")
        response = target.get(f"/ResourceTypes/{identifier}")
        expect_status(response, 200, what=f"GET /ResourceTypes/{identifier} (RFC 7644 §4)")
        single = expect_json(response, "one resource type as a JSON object (RFC 7644 §4)")
        ensure(
            RESOURCE_TYPE_URN in (single.get("schemas") or []),
            f"'schemas' to contain {RESOURCE_TYPE_URN} (RFC 7643 §6)",
            f"schemas = {single.get('schemas')!r}",
            response,
        )
        for key in ("name", "endpoint", "schema"):
            ensure(
                single.get(key) == item.get(key),
                f"'{key}' = {item.get(key)!r}, as in the /ResourceTypes listing",
                f"{key} = {single.get(key)!r}",
                response,
            )


@check(
    "disc.rt.extensions",
    "RFC 7643 §6; RFC 7644 §4",
    "every schema a resource type names (core and schemaExtensions) is served by /Schemas",
)
def test_rt_extensions(target: Target) -> None:
    response = expect_status(target.get("/Schemas"), 200)
    served = {str(item.get("id", "")).lower() for item in _items(response.body)}
    for item in _listing(target, "/ResourceTypes"):
        named = [item.get("schema")] + [
            ext.get("schema")
            for ext in item.get("schemaExtensions") or []
            if isinstance(ext, Mapping)
        ]
        for urn in named:
            ensure(
                str(urn).lower() in served,
                f"schema {urn} of resource type {item.get('name')!r} to be listed by /Schemas "
                "(RFC 7644 §4: /Schemas returns all supported schemas)",
                f"/Schemas lists {sorted(served)}",
                response,
            )


# --------------------------------------------------------------------------
# /Schemas
# --------------------------------------------------------------------------


@check(
    "disc.schemas.list",
    "RFC 7644 §4; RFC 7643 §7",
    "GET /Schemas answers a ListResponse of schema resources (id, attributes) whose attribute "
    "definitions have a name, a type and well-typed characteristics",
)
def test_schemas_list(target: Target) -> None:
    """RFC 7644 §4: "/Schemas … SHALL return all supported schemas in ListResponse format";
    Entra reads it when the provisioning configuration is saved."""
    response = target.get("/Schemas")
    body = expect_list(response, what="a ListResponse of schemas (RFC 7644 §4)")
    schemas = resources_of(body)
    ensure(schemas, "at least one schema", "no Resources", response)
    for schema in schemas:
        urn = schema.get("id")
        ensure(
            isinstance(urn, str) and urn.lower().startswith("urn:"),
            "each schema's 'id' to be its URN (RFC 7643 §7)",
            f"id = {urn!r}",
            response,
        )
        ensure(
            SCHEMA_URN in (schema.get("schemas") or []),
            f"schema {urn}: 'schemas' to contain {SCHEMA_URN} (RFC 7643 §7, §8.7)",
            f"schemas = {schema.get('schemas')!r}",
            response,
        )
        ensure(
            isinstance(schema.get("attributes"), list),
            f"schema {urn}: 'attributes' as an array (RFC 7643 §7)",
            f"attributes = {schema.get('attributes')!r}"[:200],
            response,
        )
        for where, depth, attribute in _walk_attributes(schema["attributes"], str(urn)):
            _check_attribute(where, depth, attribute, response)


def _check_attribute(where: str, depth: int, attribute: Any, response: ScimResponse) -> None:
    if not isinstance(attribute, Mapping):
        fail(
            f"{where}: an attribute definition as a JSON object (RFC 7643 §7)",
            repr(attribute)[:200],
            response,
        )
    ensure(
        isinstance(attribute.get("name"), str) and attribute["name"],
        f"{where}: 'name' as a non-empty string (RFC 7643 §7)",
        f"name = {attribute.get('name')!r}",
        response,
    )
    ensure(
        isinstance(attribute.get("type"), str),
        f"{where}: 'type' as a string (RFC 7643 §7)",
        f"type = {attribute.get('type')!r}",
        response,
    )
    ensure(
        isinstance(attribute.get("multiValued"), bool),
        f"{where}: 'multiValued' as a JSON Boolean (RFC 7643 §7: REQUIRED unless otherwise "
        "specified)",
        f"multiValued = {attribute.get('multiValued')!r}",
        response,
    )
    for key in BOOLEAN_CHARACTERISTICS:
        ensure(
            key not in attribute or isinstance(attribute[key], bool),
            f"{where}: '{key}' as a JSON Boolean (RFC 7643 §7)",
            f"{key} = {attribute.get(key)!r}",
            response,
        )
    for key in LIST_CHARACTERISTICS:
        ensure(
            key not in attribute or isinstance(attribute[key], list),
            f"{where}: '{key}' as an array (RFC 7643 §7)",
            f"{key} = {attribute.get(key)!r}"[:200],
            response,
        )
    if depth > 0:
        ensure(
            str(attribute.get("type")).lower() != "complex" and not attribute.get("subAttributes"),
            f"{where}: a sub-attribute that is not itself complex (RFC 7643 §2.3.8: a complex "
            "attribute MUST NOT contain sub-attributes that have sub-attributes)",
            f"type = {attribute.get('type')!r}",
            response,
        )


@check(
    "disc.schemas.byid",
    "RFC 7644 §4",
    "each listed schema (User, Group, EnterpriseUser …) is retrievable alone at /Schemas/<URN>",
)
def test_schemas_byid(target: Target) -> None:
    schemas = _listing(target, "/Schemas")
    ensure(schemas, "at least one schema to retrieve", "none listed")
    for schema in schemas[:12]:
        urn = str(schema.get("id"))
        response = target.get(f"/Schemas/{urn}")
        expect_status(response, 200, what=f"GET /Schemas/{urn} (RFC 7644 §4)")
        single = expect_json(response, "one schema as a JSON object (RFC 7644 §4)")
        ensure(
            str(single.get("id")).lower() == urn.lower(),
            f"the schema {urn} itself",
            f"id = {single.get('id')!r}",
            response,
        )
        ensure(
            isinstance(single.get("attributes"), list),
            f"schema {urn} with its 'attributes' array (RFC 7643 §7)",
            f"attributes = {single.get('attributes')!r}"[:200],
            response,
        )


@check(
    "disc.schemas.camel",
    "RFC 7643 §7; RFC 7643 §2.2, §2.3",
    "attribute characteristics use the RFC's keywords exactly (e.g. 'readWrite', 'dateTime', "
    "not 'ReadWrite' or 'datetime')",
)
def test_schemas_camel(target: Target) -> None:
    """Entra maps attributes from /Schemas and does not recognise other spellings
    (entra-provisioning.md §2); the RFC defines the values as these exact keywords."""
    response = target.get("/Schemas")
    expect_status(response, 200)
    for schema in _items(response.body):
        for where, _, attribute in _walk_attributes(
            schema.get("attributes"), str(schema.get("id"))
        ):
            if not isinstance(attribute, Mapping):
                continue
            for key, allowed in KEYWORDS.items():
                if key in attribute or key == "type":
                    ensure(
                        attribute.get(key) in allowed,
                        f"{where}: '{key}' one of {sorted(allowed)} (RFC 7643 §7, exact case)",
                        f"{key} = {attribute.get(key)!r}",
                        response,
                    )


@check(
    "disc.schemas.no-nulls",
    "RFC 7643 §7; Entra [T] '/Schemas (Schema discovery)'",
    "schema resources leave absent characteristics out instead of sending null",
    **ENTRA_MUST,
)
def test_schemas_no_nulls(target: Target) -> None:
    """RFC 7643 §2.5 makes null equivalent to unassigned, so a null is legal JSON; but
    Entra's schema discovery rejects nulls (entra-provisioning.md §2)."""
    response = target.get("/Schemas")
    expect_status(response, 200)
    found = [path for schema in _items(response.body) for path in _nulls(schema, "")]
    ensure(
        not found,
        "no null values in /Schemas (absent characteristics omitted)",
        f"null at {', '.join(found[:5])}" + (" …" if len(found) > 5 else ""),
        response,
    )


def _type_problem(value: Any, definition: Mapping[str, Any]) -> str | None:
    """Why ``value`` does not fit the declared ``type`` (RFC 7643 §2.3), or None."""
    kind = definition.get("type")
    if isinstance(value, list):
        return "declared single-valued (multiValued false), got an array"
    if kind == "boolean":
        ok = isinstance(value, bool)
    elif kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "decimal":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == "dateTime":
        ok = isinstance(value, str) and bool(DATE_TIME.match(value))
    elif kind == "complex":
        ok = isinstance(value, Mapping)
    elif kind in ("string", "reference", "binary"):
        ok = isinstance(value, str)
    else:
        return None  # an unknown type keyword is disc.schemas.camel's business
    return None if ok else f"declared {kind}, got {type(value).__name__} {value!r}"[:200]


def _undeclared(
    value: Mapping[str, Any], attributes: Any, where: str, skip: frozenset[str] = frozenset()
) -> Iterator[str]:
    """Problems of ``value`` against the attribute definitions: undeclared names, bad types."""
    declared = {
        str(a.get("name", "")).lower(): a
        for a in (attributes if isinstance(attributes, list) else [])
        if isinstance(a, Mapping)
    }
    for key, item in value.items():
        if key.lower() in skip or item is None:
            continue
        definition = declared.get(key.lower())
        if definition is None:
            yield f"{where}{key}: not declared in /Schemas"
            continue
        values = item if definition.get("multiValued") else [item]
        if definition.get("multiValued") and not isinstance(item, list):
            yield f"{where}{key}: declared multiValued, got {type(item).__name__}"
            continue
        for index, element in enumerate(values):
            here = f"{where}{key}[{index}]" if definition.get("multiValued") else f"{where}{key}"
            problem = _type_problem(element, definition)
            if problem:
                yield f"{here}: {problem}"
            elif definition.get("type") == "complex":
                yield from _undeclared(element, definition.get("subAttributes"), f"{here}.")


def _consistency_problems(
    target: Target, resource: Mapping[str, Any], endpoint: str, core_urn: str
) -> list[str]:
    schemas = _schema_by_id(target)
    core = schemas.get(core_urn.lower())
    if core is None:
        return [f"/Schemas does not list {core_urn}"]
    extensions = {u.lower() for u in _extension_urns(target, endpoint)}
    problems: list[str] = []
    top = {k: v for k, v in resource.items() if not k.lower().startswith("urn:")}
    problems += _undeclared(top, core.get("attributes"), "", COMMON_ATTRIBUTES)
    for key, value in resource.items():
        if not key.lower().startswith("urn:"):
            continue
        extension = schemas.get(key.lower())
        if extension is None or key.lower() not in extensions:
            problems.append(f"{key}: an extension not declared for /{endpoint}")
        elif not isinstance(value, Mapping):
            problems.append(f"{key}: an extension value that is not an object")
        else:
            problems += _undeclared(value, extension.get("attributes"), f"{key}:")
    for urn in resource.get("schemas") or []:
        if str(urn).lower() not in schemas:
            problems.append(f"schemas names {urn}, which /Schemas does not list")
    return problems


@check(
    "disc.schemas.consistent",
    "RFC 7643 §7; RFC 7643 §2.3, §3",
    "the attributes of a User and a Group the target returns are declared in its /Schemas, "
    "with the declared type and plurality",
    needs=("Users",),
    mutating=True,
)
def test_schemas_consistent(target: Target) -> None:
    """A client (Entra's attribute mapping, scim2-tester) builds requests from /Schemas;
    an attribute the target returns but does not declare, or declares with another type,
    is a contract the client cannot honour."""
    user = _discovery_user(target)
    response = target.get(f"/Users/{user['id']}")
    body = expect_resource(response, 200)
    problems = _consistency_problems(target, body, "Users", USER_URN)
    ensure(
        not problems,
        "every returned User attribute declared in /Schemas with a matching type",
        "; ".join(problems[:6]),
        response,
    )
    if not target.capabilities.has("Groups"):
        return
    group = target.create_group("disc", members=[user["id"]])
    response = target.get(f"/Groups/{group['id']}")
    body = expect_resource(response, 200)
    problems = _consistency_problems(target, body, "Groups", GROUP_URN)
    ensure(
        not problems,
        "every returned Group attribute declared in /Schemas with a matching type",
        "; ".join(problems[:6]),
        response,
    )


# --------------------------------------------------------------------------
# rules of the discovery endpoints themselves
# --------------------------------------------------------------------------


@check(
    "disc.filter-403",
    "RFC 7644 §4",
    "a 'filter' on /ResourceTypes or /Schemas is refused with 403, so no client believes "
    "its conditions were applied",
    level="should",
)
def test_discovery_filter_403(target: Target) -> None:
    """RFC 7644 §4: "If a filter is provided, the service provider SHOULD respond with
    HTTP status code 403 (Forbidden)"."""
    for path, expression in (
        ("/ResourceTypes", 'name eq "NoSuchType"'),
        ("/Schemas", 'id eq "urn:example:no-such-schema"'),
    ):
        expect_error(
            target.get(path, params={"filter": expression}),
            403,
            what=f"GET {path}?filter=… → 403 (RFC 7644 §4 SHOULD)",
        )


@check(
    "disc.paging-ignored",
    "RFC 7644 §4",
    "paging and sorting parameters on /Schemas and /ResourceTypes are ignored: the same "
    "complete list comes back",
)
def test_discovery_paging_ignored(target: Target) -> None:
    for path in ("/ResourceTypes", "/Schemas"):
        whole = {str(item.get("id") or item.get("name")).lower() for item in _listing(target, path)}
        response = target.get(
            path, params={"startIndex": 2, "count": 1, "sortBy": "name", "sortOrder": "descending"}
        )
        expect_status(response, 200, what=f"GET {path} with paging parameters")
        paged = {str(item.get("id") or item.get("name")).lower() for item in _items(response.body)}
        ensure(
            paged == whole,
            f"GET {path}?startIndex=2&count=1 to return all {len(whole)} entries "
            "(RFC 7644 §4: sort and pagination SHALL be ignored)",
            f"{len(paged)} entries: {sorted(paged)[:6]}",
            response,
        )


@check(
    "disc.write-rejected",
    "RFC 7644 §4; Okta OIN SPEC test (POST to discovery expects 405)",
    "POST, PUT, PATCH and DELETE on /ServiceProviderConfig, /ResourceTypes and /Schemas are "
    "refused (4xx, or 501) — never accepted",
    mutating=True,
)
def test_discovery_write_rejected(target: Target) -> None:
    """The discovery endpoints describe the service provider; RFC 7644 §4 defines only
    GET on them (RFC 7643 §5: every SPC attribute is readOnly)."""
    for path in DISCOVERY_PATHS:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            body = None if method == "DELETE" else {"schemas": [SPC_URN], "x": 1}
            response = target.request(method, path, json_body=body)
            status = response.status
            if status is None or not (400 <= status < 500 or status == 501):
                fail(
                    f"{method} {path} refused with 4xx (405 Method Not Allowed) or 501 "
                    "(RFC 7644 §4: discovery endpoints are read-only)",
                    describe(response),
                    response,
                )
