"""The level table: one level per rule and profile, and every IdP ``must`` cited.

Also the two RFC-fixed behaviours that came with it: a ``/Schemas`` listing in
RFC 7643 §8.7.2's own nested form passes ``disc.schemas.list``, and the common
attributes of RFC 7643 §3.1 are judged by the RFC, not by the target's
declaration of them.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

import pytest

from harness.conformance.levels import IDPS, PUBLIC_HOSTS, RULES, Rule, Source, rule_of
from harness.conformance.registry import CHECKS, PROFILES, Check, make_check
from harness.conformance.runner import EXIT_FAILURES, EXIT_OK, RunOptions, load_checks, run_suite
from harness.server.config import ServerConfig
from harness.server.faults import (
    Fault,
    FaultContext,
    HttpRequest,
    HttpResponse,
    faulty_app,
    on_resources,
)

TOKEN = "levels-test-token"
SCHEMA_URN = "urn:ietf:params:scim:schemas:core:2.0:Schema"


@pytest.fixture(scope="module")
def checks() -> Mapping[str, Check]:
    load_checks()
    return CHECKS


def _members(rule: Rule, checks: Mapping[str, Check]) -> list[Check]:
    return [spec for check_id, spec in checks.items() if rule.matches(check_id)]


# -- the table ------------------------------------------------------------------------


def test_every_idp_must_names_a_public_page_of_that_idp(checks: Mapping[str, Check]) -> None:
    for spec in checks.values():
        for idp in IDPS:
            if spec.level(idp) != "must":
                continue
            rule = rule_of(spec.id)
            assert rule is not None, f"{spec.id}: {idp} must without a row in the level table"
            cited = rule.cited(idp)
            assert cited, f"{spec.id}: {idp} must, row {rule.name!r} cites no public {idp} page"
            assert all(source.url.startswith("https://") for source in cited)


def test_a_source_is_public_only_on_its_idps_hosts() -> None:
    assert Source("okta", "https://developer.okta.com/docs/x", "x").public
    assert Source("entra", "https://learn.microsoft.com/en-us/x", "x").public
    assert not Source("okta", "https://learn.microsoft.com/en-us/x", "x").public
    assert not Source("entra", "file:///path/to/notes/entra-provisioning.md", "x").public
    assert not Source("okta", "http://developer.okta.com/docs/x", "x").public
    assert set(PUBLIC_HOSTS) == set(IDPS)


def test_one_rule_has_one_level_per_profile(checks: Mapping[str, Check]) -> None:
    for rule in RULES:
        members = _members(rule, checks)
        for profile in PROFILES:
            levels = {spec.id: spec.level(profile) for spec in members}
            assert len(set(levels.values())) <= 1, f"{rule.name} under {profile}: {levels}"


def test_every_row_and_pattern_names_real_checks(checks: Mapping[str, Check]) -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    for rule in RULES:
        for pattern in rule.checks:
            assert any(fnmatchcase(i, pattern) for i in checks), f"{rule.name}: {pattern} is dead"


def test_a_check_outside_the_table_is_at_most_a_warning_under_the_idps(
    checks: Mapping[str, Check],
) -> None:
    for spec in checks.values():
        if rule_of(spec.id) is not None:
            continue
        expected = "skip" if spec.level("rfc") == "skip" else "should"
        assert (spec.level("okta"), spec.level("entra")) == (expected, expected), spec.id


def test_the_idp_levels_cannot_be_declared_at_the_check() -> None:
    with pytest.raises(ValueError, match="level table"):
        make_check("x.y", "RFC 7644 §3", "a title", okta="must")


@pytest.mark.parametrize(
    ("check_id", "profile", "level"),
    [
        ("okta.spec.create-user", "okta", "must"),
        ("okta.spec.bad-token-401", "okta", "must"),
        ("okta.crud.update-put", "okta", "must"),
        ("okta.crud.update-put", "entra", "skip"),
        ("entra.legacy.update-replace", "okta", "skip"),
        ("entra.legacy.update-replace", "entra", "must"),
        ("sort.multivalued", "okta", "should"),
        ("sort.paging", "okta", "should"),
        ("search.paging", "okta", "should"),
        ("patch.primary", "okta", "should"),
        ("patch.primary", "rfc", "must"),
        ("proj.on-write", "okta", "should"),
        ("users.delete.204", "okta", "should"),
        ("users.delete.204", "entra", "must"),
        ("filter.empty-200", "okta", "must"),
        ("filter.empty-200", "entra", "must"),
        ("attr.user.externalid.roundtrip", "okta", "must"),
        ("attr.user.externalid.roundtrip", "entra", "must"),
        ("attr.user.nickname.roundtrip", "okta", "should"),
        # RFC 7643 §4.2 declares no uniqueness for Group displayName, and no Microsoft
        # Learn page asks the app to refuse a duplicate: a policy under every profile.
        ("groups.post.dup-name", "entra", "should"),
        ("groups.post.dup-name", "rfc", "should"),
        ("err.oversize", "rfc", "should"),
    ],
)
def test_known_rows(checks: Mapping[str, Check], check_id: str, profile: str, level: str) -> None:
    assert checks[check_id].level(profile) == level


def test_every_sort_check_is_only_a_warning_under_okta(checks: Mapping[str, Check]) -> None:
    assert [i for i, spec in checks.items() if i.startswith("sort.")]
    assert all(spec.level("okta") != "must" for i, spec in checks.items() if i.startswith("sort."))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("disc.rt.listresponse", "disc.schemas.list"),  # RFC 7644 §4: ListResponse SHALL
        ("auth.error-body", "okta.spec.bad-token-401"),  # 401 with a SCIM Error
        ("users.get.404", "okta.spec.get-absent-id-404"),
        ("filter.empty-200", "entra.service.test-connection"),
    ],
)
def test_the_same_fact_has_the_same_rfc_level(
    checks: Mapping[str, Check], one: str, other: str
) -> None:
    assert checks[one].level("rfc") == checks[other].level("rfc") == "must"
    assert checks[one].level("okta") == checks[other].level("okta")


# -- RFC-fixed behaviour, against the reference server with a planted change -----------


def _run(fault: Fault, select: list[str], profile: str = "rfc") -> Any:
    app = faulty_app(fault, ServerConfig(token=TOKEN))
    return run_suite(RunOptions(app=app, token=TOKEN, profile=profile, select=select))


#: RFC 7643 §8.7.2's representation of the Schema resource (its nested part).
_SUB = [
    {"name": n, "type": t, "multiValued": m, "required": False, "caseExact": False,
     "mutability": "readOnly", "returned": "default", "uniqueness": "none"}
    for n, t, m in [("name", "string", False), ("type", "string", False),
                    ("multiValued", "boolean", False), ("description", "string", False),
                    ("required", "boolean", False), ("canonicalValues", "string", True),
                    ("caseExact", "boolean", False), ("mutability", "string", False),
                    ("returned", "string", False), ("uniqueness", "string", False),
                    ("referenceTypes", "string", True)]
]  # fmt: skip
RFC_SCHEMA_SCHEMA = {
    "schemas": [SCHEMA_URN],
    "id": SCHEMA_URN,
    "name": "Schema",
    "description": "Specifies the schema attribute structure",
    "attributes": [
        {"name": "id", "type": "string", "multiValued": False, "required": True,
         "caseExact": False, "mutability": "readOnly", "returned": "default",
         "uniqueness": "none"},
        {"name": "attributes", "type": "complex", "multiValued": True, "required": True,
         "mutability": "readOnly", "returned": "default",
         "subAttributes": [*copy.deepcopy(_SUB),
                           {"name": "subAttributes", "type": "complex", "multiValued": True,
                            "required": False, "mutability": "readOnly",
                            "returned": "default", "subAttributes": copy.deepcopy(_SUB)}]},
    ],
    "meta": {"resourceType": "Schema", "location": f"/v2/Schemas/{SCHEMA_URN}"},
}  # fmt: skip


def _listing_with(extra: dict[str, Any]) -> Fault:
    def add(request: HttpRequest, response: HttpResponse, context: FaultContext) -> HttpResponse:
        body = response.json()
        if request.method != "GET" or not request.path.endswith("/Schemas"):
            return response
        resources = [*body.get("Resources", []), extra]
        count = len(resources)
        return response.with_json(
            {**body, "Resources": resources, "totalResults": count, "itemsPerPage": count}
        )

    return Fault(
        "rfc-schema-listed",
        "lists the Schema resource's own schema",
        "RFC 7643 §8.7.2",
        ("disc.schemas.list",),
        response=(add,),
    )


def test_the_rfcs_own_nested_schema_representation_passes_disc_schemas_list() -> None:
    result = _run(_listing_with(RFC_SCHEMA_SCHEMA), ["disc.schemas.list"])
    assert result.exit_code == EXIT_OK, [c.message for c in result.checks]


def test_a_complex_sub_attribute_elsewhere_still_fails_disc_schemas_list() -> None:
    broken = copy.deepcopy(RFC_SCHEMA_SCHEMA)
    broken["id"] = "urn:example:params:scim:schemas:Nested"
    broken["schemas"] = [SCHEMA_URN]
    result = _run(_listing_with(broken), ["disc.schemas.list"])
    assert result.exit_code == EXIT_FAILURES
    assert result.failed_ids() == ["disc.schemas.list"]


EXTERNAL_ID = {"name": "externalId", "type": "string", "multiValued": False, "caseExact": False}


def _declare_external_id(mutability: str, returned: str) -> Fault:
    """/Schemas declares User.externalId with other characteristics; the server
    then behaves as declared (ignores it in a POST, never returns it)."""

    def declare(request: HttpRequest, response: HttpResponse, context: FaultContext) -> Any:
        body = response.json()
        if request.method != "GET" or "/Schemas" not in request.path:
            return response
        items = body.get("Resources") if "Resources" in body else [body]
        for schema in items:
            if str(schema.get("id", "")).endswith("core:2.0:User"):
                kept = [a for a in schema["attributes"] if a.get("name") != "externalId"]
                schema["attributes"] = [*kept, {**EXTERNAL_ID, "mutability": mutability,
                                                "returned": returned}]  # fmt: skip
        return response.with_json(body)

    def hide(resource: dict[str, Any], request: HttpRequest, context: FaultContext) -> Any:
        resource.pop("externalId", None)
        return resource

    return Fault(
        "external-id-declared-away",
        f"declares User.externalId {mutability}, returned {returned}, and never returns it",
        "RFC 7643 §3.1",
        ("attr.user.externalid.roundtrip",),
        response=(declare, on_resources(hide)),
    )


@pytest.mark.parametrize(
    ("mutability", "returned"), [("readOnly", "default"), ("readWrite", "never")]
)
def test_external_id_is_judged_by_the_rfc_not_by_the_declaration(
    mutability: str, returned: str
) -> None:
    for profile in ("okta", "entra"):
        result = _run(
            _declare_external_id(mutability, returned), ["attr.user.externalid.*"], profile
        )
        assert result.exit_code == EXIT_FAILURES, profile
        assert "attr.user.externalid.roundtrip" in result.failed_ids(), profile


def test_every_registered_check_is_a_collected_test() -> None:
    """A ``@check`` that ended up on a helper (a function inserted between the decorator
    and its test) registers an id no test carries: the check would silently never run."""
    from harness.conformance.registry import CHECKS
    from harness.conformance.runner import SUITE_DIR

    class Collected:
        def __init__(self) -> None:
            self.ids: set[str] = set()

        def pytest_collection_finish(self, session: pytest.Session) -> None:
            from harness.conformance.registry import check_of

            self.ids = {spec.id for item in session.items if (spec := check_of(item))}

    collected = Collected()
    code = pytest.main(
        [str(SUITE_DIR), "--collect-only", "-q", "-p", "no:cacheprovider", "-c", os.devnull,
         "--rootdir", str(SUITE_DIR), "--confcutdir", str(SUITE_DIR)],
        plugins=[collected],
    )  # fmt: skip
    assert code == 0
    assert set(CHECKS) - collected.ids == set()
