"""Which checks each IdP profile *requires*: one table, one level per rule.

The ``rfc`` level of a check is its own (the decorator's ``level``, from the
RFC keyword it cites: MUST/SHALL → ``must``, SHOULD or policy → ``should``,
an IdP quirk that is no RFC rule → ``skip``). The ``okta`` and ``entra``
levels come from here and nowhere else:

* a check in a :class:`Rule` row takes the row's levels. A row groups the
  checks that enforce the same fact (e.g. "a wrong credential is answered
  401 with a SCIM error", whichever check sends it), so one fact never has
  two levels under one profile;
* a row makes a check ``must`` for an IdP only with a public page of that IdP
  saying that it sends the request or relies on the answer
  (:data:`PUBLIC_HOSTS`); the row's :class:`Source` entries are those pages;
* every other check is at most ``should`` (a warning) under ``okta`` and
  ``entra``: an RFC MUST the IdP does not exercise still warns, never gates;
  a check that is ``skip`` under ``rfc`` (a quirk of one IdP) stays ``skip``.

Facts come from Okta's SCIM 2.0 reference and OIN test files and from
Microsoft Learn's provisioning pages (the URLs below).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal
from urllib.parse import urlsplit

Level = Literal["must", "should", "skip"]
Idp = Literal["okta", "entra"]
IDPS: tuple[Idp, ...] = ("okta", "entra")
#: Where a public IdP page may live; the project's own reference notes are never cited.
PUBLIC_HOSTS: Mapping[Idp, frozenset[str]] = {
    "okta": frozenset({"developer.okta.com", "help.okta.com"}),
    "entra": frozenset({"learn.microsoft.com"}),
}
_RANK: Mapping[Level, int] = {"skip": 0, "should": 1, "must": 2}


@dataclass(frozen=True)
class Source:
    """A public page (and the step or section in it) an IdP level rests on."""

    idp: Idp
    url: str
    #: The section, step or example of the page, as the page names it.
    where: str

    @property
    def public(self) -> bool:
        parts = urlsplit(self.url)
        return parts.scheme == "https" and parts.hostname in PUBLIC_HOSTS[self.idp]


@dataclass(frozen=True)
class Rule:
    """One fact the IdPs rely on (or not), the checks that test it, its levels."""

    name: str
    #: Check ids; ``*`` patterns (fnmatch) take a family of table rows.
    checks: tuple[str, ...]
    okta: Level = "should"
    entra: Level = "should"
    sources: tuple[Source, ...] = ()

    def level(self, idp: Idp) -> Level:
        return self.okta if idp == "okta" else self.entra

    def matches(self, check_id: str) -> bool:
        return any(fnmatchcase(check_id, pattern) for pattern in self.checks)

    def cited(self, idp: Idp) -> tuple[Source, ...]:
        return tuple(s for s in self.sources if s.idp == idp and s.public)


# -- public pages -----------------------------------------------------------------

OKTA_REF = "https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20"
OKTA_SPEC = "https://developer.okta.com/standards/SCIM/SCIMFiles/Okta-SCIM-20-SPEC-Test.json"
OKTA_CONCEPTS = "https://developer.okta.com/docs/concepts/scim/"
OKTA_CRUD = "https://developer.okta.com/standards/SCIM/SCIMFiles/Okta-SCIM-20-CRUD-Test.json"
_LEARN = "https://learn.microsoft.com/en-us/entra/identity/app-provisioning/"
ENTRA_TUTORIAL = _LEARN + "use-scim-to-provision-users-and-groups"
ENTRA_KNOWN_ISSUES = _LEARN + "application-provisioning-config-problem-scim-compatibility"
ENTRA_VALIDATOR = _LEARN + "scim-validator-tutorial"


def okta(url: str, where: str) -> Source:
    return Source("okta", url, where)


def entra(url: str, where: str) -> Source:
    return Source("entra", url, where)


def _attr(kind: str, *keys: str) -> tuple[str, ...]:
    """Ids of the generated attribute checks (``attr.<key>.<kind>``, test_attributes)."""
    return tuple(f"attr.{key}.{kind}" for key in keys)


#: Attributes in Okta's create body (SCIM 2.0 reference, "Create the User").
OKTA_CREATE = ("user.externalid", "user.username", "user.name", "user.displayname",
               "user.locale", "user.active", "user.password", "user.emails")  # fmt: skip
#: Attributes in Entra's default user and group mappings (tutorial, "User
#: attributes" / "Group attributes" tables; manager by example 5).
ENTRA_MAPPED = ("user.externalid", "user.username", "user.name", "user.displayname",
                "user.title", "user.preferredlanguage", "user.active", "user.emails",
                "user.phonenumbers", "user.addresses", "enterprise.employeenumber",
                "enterprise.costcenter", "enterprise.organization", "enterprise.division",
                "enterprise.department", "enterprise.manager", "group.externalid")  # fmt: skip
_BOTH_CREATE = (*(k for k in OKTA_CREATE if k in ENTRA_MAPPED), "group.displayname")
#: Sub-attributes of ``name`` Entra maps (givenName, familyName, formatted).
_ENTRA_NAME_PARTS = ("user.name.givenname", "user.name.familyname", "user.name.formatted")

_OKTA_CREATE_USER = okta(OKTA_REF, "Create Users: Create the User (request body and 201)")
_OKTA_PUT_USER = okta(OKTA_REF, "Update a specific User (PUT): the whole User is sent back")
_OKTA_PATCH_USER = okta(OKTA_REF, "Update a specific User (PATCH): activate, deactivate, password")
_OKTA_LOOKUP = okta(OKTA_REF, "Determine if the User already exists (filter userName eq)")
_OKTA_PAGES = okta(OKTA_REF, "Retrieve Users / Retrieve Groups (startIndex, count, totalResults)")
_OKTA_GROUP_PUSH = okta(OKTA_REF, "SCIM Group operations (create, rename, membership, delete)")
_ENTRA_CREATE_USER = entra(ENTRA_TUTORIAL, "User operations: Create User")
_ENTRA_GET_USER = entra(ENTRA_TUTORIAL, "User operations: Get User")
_ENTRA_QUERY = entra(ENTRA_TUTORIAL, "Requirements: query users by userName and externalId")
_ENTRA_UPDATE_USER = entra(ENTRA_TUTORIAL, "User operations: Update User")
_ENTRA_GROUPS = entra(ENTRA_TUTORIAL, "Group operations")
_ENTRA_FLAGS = entra(ENTRA_KNOWN_ISSUES, "Flags to alter the SCIM behavior")

#: The table. Order does not matter; a check id matches at most one row.
RULES: tuple[Rule, ...] = (
    # -- authentication ---------------------------------------------------------
    Rule(
        "auth.unauthenticated-401",
        (
            "auth.none-401",
            "auth.bad-401",
            "auth.garbage-401",
            "auth.error-body",
            "okta.spec.bad-token-401",
        ),
        okta="must",
        sources=(okta(OKTA_SPEC, "Required Test: Check status 401 (SCIM Error, status 401)"),),
    ),
    Rule(
        "auth.unknown-query-parameters",
        ("auth.query-flag-ok",),
        entra="must",
        sources=(_ENTRA_FLAGS,),
    ),
    # -- discovery ----------------------------------------------------------------
    Rule(
        "disc.schemas.listing",
        ("disc.schemas.list", "disc.schemas.camel"),
        entra="must",
        sources=(
            entra(ENTRA_TUTORIAL, "/Schemas (Schema discovery)"),
            entra(ENTRA_VALIDATOR, "Discover schema"),
        ),
    ),
    Rule(
        "disc.schemas.no-nulls",
        ("disc.schemas.no-nulls",),
        entra="must",
        sources=(entra(ENTRA_TUTORIAL, "/Schemas (Schema discovery)"),),
    ),
    # -- users --------------------------------------------------------------------
    Rule(
        "users.create",
        ("users.post.201",),
        okta="must",
        entra="must",
        sources=(_OKTA_CREATE_USER, _ENTRA_CREATE_USER),
    ),
    Rule(
        "users.create.okta-body",
        ("users.post.okta-body",),
        okta="must",
        sources=(_OKTA_CREATE_USER,),
    ),
    Rule(
        "users.create.entra-body",
        ("users.post.entra-body",),
        entra="must",
        sources=(_ENTRA_CREATE_USER,),
    ),
    Rule(
        "users.create.entra-attributes",
        ("users.post.nulls", "users.enterprise.roundtrip", "users.schemas.extension"),
        entra="must",
        sources=(_ENTRA_CREATE_USER,),
    ),
    Rule(
        "users.create.readonly-ignored",
        ("users.post.readonly-ignored", "attr.*.ignored-on-create"),
        okta="must",
        entra="must",
        sources=(
            okta(OKTA_REF, 'Create the User: the body carries "groups": []'),
            entra(ENTRA_TUTORIAL, "Create User / Create Group: the body carries meta"),
        ),
    ),
    Rule(
        "users.create.duplicate-409",
        ("users.post.dup-409", "okta.spec.duplicate-409"),
        okta="must",
        sources=(
            _OKTA_CREATE_USER,
            okta(OKTA_SPEC, "Required Test: Expect failure when recreating user"),
        ),
    ),
    Rule(
        "users.read",
        ("users.get.200",),
        okta="must",
        entra="must",
        sources=(okta(OKTA_REF, "Retrieve a specific User"), _ENTRA_GET_USER),
    ),
    Rule(
        "read.unknown-id-404",
        (
            "users.get.404",
            "groups.get.404",
            "okta.spec.get-absent-id-404",
            "okta.spec.get-numeric-id-404",
        ),
        okta="must",
        entra="must",
        sources=(
            okta(OKTA_SPEC, "Required Test: Test invalid User by ID; Check status 404"),
            entra(ENTRA_TUTORIAL, "Get User: user not found (404)"),
        ),
    ),
    Rule(
        "users.inactive-still-returned",
        ("users.get.inactive",),
        okta="must",
        entra="must",
        sources=(
            okta(OKTA_CRUD, "Verify if user is deactivated in SCIM App (GET, active false)"),
            entra(ENTRA_TUTORIAL, "Requirements: soft-deleted users are still returned"),
        ),
    ),
    Rule(
        "users.values-as-sent",
        ("users.values-as-sent",),
        okta="must",
        entra="must",
        sources=(
            okta(OKTA_SPEC, "Required Test: Create Okta user with realistic values"),
            entra(ENTRA_TUTORIAL, "General: don't reformat values"),
        ),
    ),
    Rule("users.put", ("users.put.200",), okta="must", sources=(_OKTA_PUT_USER,)),
    Rule("users.put.replaces", ("users.put.replace",), okta="must", sources=(_OKTA_PUT_USER,)),
    Rule(
        "users.put.readonly-ignored",
        ("users.put.readonly-ignored", "attr.*.ignored-on-put", "groups.user-groups-readonly"),
        okta="must",
        sources=(_OKTA_PUT_USER,),
    ),
    Rule(
        "users.delete",
        ("users.delete.204",),
        entra="must",
        sources=(entra(ENTRA_TUTORIAL, "User operations: Delete User"),),
    ),
    # -- attributes (generated checks of test_attributes) ------------------------
    Rule(
        "attr.sent-by-both",
        _attr("roundtrip", *_BOTH_CREATE),
        okta="must",
        entra="must",
        sources=(_OKTA_CREATE_USER, _ENTRA_CREATE_USER, _ENTRA_GROUPS),
    ),
    Rule(
        "attr.sent-by-okta",
        _attr("roundtrip", *(k for k in OKTA_CREATE if k not in ENTRA_MAPPED)),
        okta="must",
        sources=(_OKTA_CREATE_USER,),
    ),
    Rule(
        "attr.sent-by-entra",
        _attr("roundtrip", *(k for k in ENTRA_MAPPED if k not in OKTA_CREATE)),
        entra="must",
        sources=(_ENTRA_CREATE_USER, _ENTRA_GROUPS),
    ),
    Rule(
        "attr.entra-patch-replace",
        _attr("replace", *ENTRA_MAPPED, *_ENTRA_NAME_PARTS),
        entra="must",
        sources=(_ENTRA_UPDATE_USER, entra(ENTRA_KNOWN_ISSUES, "PATCH request samples")),
    ),
    Rule(
        "attr.okta-put-clears",
        _attr(
            "put-clears",
            "user.externalid",
            "user.name",
            "user.displayname",
            "user.locale",
            "user.emails",
        ),
        okta="must",
        sources=(_OKTA_PUT_USER,),
    ),
    # -- filters and lists ---------------------------------------------------------
    Rule(
        "filter.eq-lookup",
        ("filter.eq.username", "filter.decoy", "filter.not-ignored"),
        okta="must",
        entra="must",
        sources=(_OKTA_LOOKUP, entra(ENTRA_TUTORIAL, "Get User by query")),
    ),
    Rule(
        "filter.username-case-insensitive",
        ("filter.eq.username-case", "okta.spec.username-case-insensitive"),
        okta="must",
        sources=(okta(OKTA_SPEC, "Required Test: Username Case Sensitivity Check"),),
    ),
    Rule("filter.eq.externalid", ("filter.eq.externalid",), entra="must", sources=(_ENTRA_QUERY,)),
    Rule(
        "filter.eq.displayname",
        ("filter.eq.displayname",),
        entra="must",
        sources=(entra(ENTRA_TUTORIAL, "Get Group by displayName"),),
    ),
    Rule(
        "filter.and",
        ("filter.and", "filter.and.one-side-false"),
        entra="must",
        sources=(entra(ENTRA_TUTORIAL, "Retrieving Resources: eq and and filters"),),
    ),
    Rule(
        "filter.no-match-200",
        (
            "filter.empty-200",
            "filter.empty-200.groups",
            "filter.okta.user-lookup-miss",
            "okta.spec.lookup-absent-username",
            "entra.service.test-connection",
        ),
        okta="must",
        entra="must",
        sources=(
            okta(OKTA_SPEC, "Required Test: Make sure random user doesn't exist"),
            entra(ENTRA_TUTORIAL, "Test Connection: a random GUID → 200, empty list"),
        ),
    ),
    Rule(
        "filter.okta.user-lookup",
        ("filter.okta.user-lookup",),
        okta="must",
        entra="skip",
        sources=(_OKTA_LOOKUP,),
    ),
    # Okta's group lookup shape: the reference page documents no displayName lookup
    # before a push, so it warns under okta; it is no Entra request at all.
    Rule("filter.okta.group-lookup", ("filter.okta.group-lookup",), entra="skip"),
    Rule(
        "page.basic",
        ("page.shape", "page.one-based", "page.count", "page.total-full", "page.groups"),
        okta="must",
        entra="must",
        sources=(_OKTA_PAGES, entra(ENTRA_TUTORIAL, "Requirements: listing users and paging")),
    ),
    Rule("page.okta-walk", ("page.walk", "page.okta-import"), okta="must", sources=(_OKTA_PAGES,)),
    # -- groups ---------------------------------------------------------------------
    Rule(
        "groups.create-empty",
        ("groups.post.empty",),
        okta="must",
        entra="must",
        sources=(
            okta(OKTA_REF, "Create Groups (members [])"),
            entra(ENTRA_TUTORIAL, "Create Group (no members)"),
        ),
    ),
    Rule(
        "groups.read",
        ("groups.get.200",),
        okta="must",
        entra="must",
        sources=(okta(OKTA_REF, "Retrieve specific Groups"), entra(ENTRA_TUTORIAL, "Get Group")),
    ),
    Rule(
        "groups.list", ("groups.list",), okta="must", sources=(okta(OKTA_REF, "Retrieve Groups"),)
    ),
    Rule(
        "groups.exclude-members",
        ("groups.exclude-members", "proj.excluded-members-list"),
        entra="must",
        sources=(entra(ENTRA_TUTORIAL, "Get Group: excludedAttributes=members"),),
    ),
    Rule(
        "groups.replace-put",
        ("groups.put.replace",),
        okta="must",
        sources=(okta(OKTA_REF, "Update a specific Group name: AIW apps send PUT"),),
    ),
    Rule(
        "groups.delete",
        ("groups.delete.204",),
        okta="must",
        entra="must",
        sources=(okta(OKTA_REF, "Delete a specific Group"), entra(ENTRA_TUTORIAL, "Delete Group")),
    ),
    Rule(
        "groups.add-members",
        ("groups.patch.add-member",),
        okta="must",
        entra="must",
        sources=(
            okta(OKTA_REF, "Update specific Group membership (add)"),
            entra(ENTRA_TUTORIAL, "Update Group [Add Members]"),
        ),
    ),
    Rule(
        "groups.add-ref-null",
        ("groups.patch.add-ref-null",),
        entra="must",
        sources=(entra(ENTRA_TUTORIAL, 'Update Group [Add Members]: "$ref": null'),),
    ),
    Rule(
        "groups.add-existing-member",
        ("groups.patch.add-dup",),
        okta="must",
        sources=(
            okta(OKTA_REF, "Update specific Group membership: members are added by PATCH add"),
            okta(OKTA_CONCEPTS, "Rate limits: a failed push task is retried"),
        ),
    ),
    Rule(
        "groups.remove-member-filter",
        ("groups.patch.remove-filter",),
        okta="must",
        entra="must",
        sources=(
            okta(OKTA_REF, "Update specific Group membership (remove members[value eq])"),
            entra(ENTRA_KNOWN_ISSUES, "Remove a group member — with feature flag"),
        ),
    ),
    Rule(
        "groups.rename-path",
        ("groups.patch.rename-path", "patch.group.displayname", "attr.group.displayname.replace"),
        entra="must",
        sources=(entra(ENTRA_TUTORIAL, "Update Group [Non-member attributes]"),),
    ),
    Rule(
        "groups.rename-pathless",
        ("groups.patch.rename-pathless",),
        okta="must",
        sources=(okta(OKTA_REF, "Update a specific Group name (path-less replace)"),),
    ),
    Rule(
        "groups.members-full-replace",
        ("attr.group.members.replace",),
        okta="must",
        sources=(okta(OKTA_REF, "Update specific Group membership (replace members)"),),
    ),
    Rule(
        "groups.okta-push",
        ("groups.patch.okta-push",),
        okta="must",
        entra="skip",
        sources=(_OKTA_GROUP_PUSH,),
    ),
    Rule(
        "groups.entra-extras",
        ("groups.post.extra-urn",),
        entra="must",
        sources=(entra(ENTRA_TUTORIAL, "Create Group (the Microsoft Group schema URN)"),),
    ),
    # groups.post.dup-name stays a policy (should) everywhere: RFC 7643 §4.2 declares no
    # uniqueness for Group displayName, and no Microsoft Learn page asks the app to refuse
    # a second group of one name (Entra matches groups by displayName or externalId).
    Rule(
        "groups.entra-remove-valuelist",
        ("groups.patch.remove-valuelist",),
        okta="skip",
        entra="must",
        sources=(entra(ENTRA_KNOWN_ISSUES, "Remove a group member — without feature flag"),),
    ),
    Rule(
        "groups.entra-sequence",
        ("groups.patch.entra-sequence",),
        okta="skip",
        entra="must",
        sources=(_ENTRA_GROUPS,),
    ),
    # -- PATCH ------------------------------------------------------------------------
    Rule(
        "patch.response",
        ("patch.response", "groups.patch.response"),
        okta="must",
        entra="must",
        sources=(
            okta(OKTA_REF, "PATCH responses: the resource, or 204"),
            entra(ENTRA_TUTORIAL, "General: the whole resource is not required"),
        ),
    ),
    Rule(
        "patch.okta-active",
        ("patch.replace.pathless-okta", "patch.okta.reactivate"),
        okta="must",
        sources=(_OKTA_PATCH_USER,),
    ),
    Rule("patch.okta-password", ("patch.okta.password",), okta="must", sources=(_OKTA_PATCH_USER,)),
    Rule(
        "patch.entra-paths",
        (
            "patch.add.simple",
            "patch.add.existing-single",
            "patch.replace.simple",
            "patch.replace.subattr",
            "patch.replace.valuefilter-sub",
            "patch.replace.urn-path",
            "patch.multi-op-order",
        ),
        entra="must",
        sources=(_ENTRA_UPDATE_USER, entra(ENTRA_KNOWN_ISSUES, "PATCH request samples")),
    ),
    Rule(
        "patch.entra-op-case",
        ("patch.op-case",),
        okta="skip",
        entra="must",
        sources=(entra(ENTRA_TUTORIAL, "General: no case-sensitive match on op"),),
    ),
    Rule(
        "patch.entra-legacy",
        (
            "patch.entra.disable",
            "patch.entra.multi-valued",
            "patch.entra.add-work-email",
            "patch.entra.legacy-replace-multi",
            "patch.entra.manager-add",
            "patch.entra.group-rename",
            "patch.replace.pathless-dotted",
        ),
        okta="skip",
        entra="must",
        sources=(
            _ENTRA_UPDATE_USER,
            entra(ENTRA_KNOWN_ISSUES, "PATCH behavior with and without the feature flag"),
        ),
    ),
    Rule(
        "patch.entra-active-string",
        ("patch.active-string",),
        okta="skip",
        entra="must",
        sources=(entra(ENTRA_KNOWN_ISSUES, "Disable users — without feature flag"),),
    ),
    Rule("patch.entra.manager-string", ("patch.entra.manager-string",), okta="skip"),
    # -- media type -----------------------------------------------------------------
    Rule(
        "media.okta-json-body",
        ("media.accept-json",),
        okta="must",
        sources=(okta(OKTA_SPEC, "Create Okta user (Content-Type: application/json)"),),
    ),
    Rule(
        "media.okta-charset",
        ("media.charset",),
        okta="must",
        sources=(okta(OKTA_SPEC, "GET steps: application/scim+json; charset=utf-8"),),
    ),
    Rule(
        "media.scim-json-responses",
        ("media.response", "err.media-type"),
        entra="must",
        sources=(entra(ENTRA_TUTORIAL, "General: responses carry application/scim+json"),),
    ),
    # -- IdP replays ---------------------------------------------------------------
    Rule(
        "okta.spec",
        (
            "okta.spec.list-users-paged",
            "okta.spec.get-user-by-id",
            "okta.spec.create-user",
            "okta.spec.verify-created",
        ),
        okta="must",
        entra="skip",
        sources=(okta(OKTA_SPEC, "Required Tests"),),
    ),
    Rule("okta.spec.optional", ("okta.spec.groups-endpoint",), entra="skip"),
    Rule(
        "okta.crud",
        ("okta.crud.*",),
        okta="must",
        entra="skip",
        sources=(okta(OKTA_CRUD, "Okta SCIM 2.0 CRUD Test"), _OKTA_PUT_USER, _OKTA_PATCH_USER),
    ),
    Rule(
        "entra.replays",
        (
            "entra.validator.create-user",
            "entra.validator.get-user",
            "entra.validator.filter-username",
            "entra.validator.filter-externalid",
            "entra.validator.delete-user",
            "entra.validator.get-group",
            "entra.validator.filter-group",
            "entra.validator.delete-group",
            "entra.compliant.disable-user",
            "entra.compliant.group-remove-member",
            "filter.entra.group-lookup",
        ),
        okta="skip",
        entra="must",
        sources=(
            _ENTRA_CREATE_USER,
            _ENTRA_GET_USER,
            _ENTRA_GROUPS,
            entra(ENTRA_KNOWN_ISSUES, "Requests with the feature flag"),
        ),
    ),
    Rule(
        "entra.quirks",
        (
            "entra.validator.update-username",
            "entra.validator.update-manager",
            "entra.validator.create-group",
            "entra.validator.group-add-members",
            "entra.validator.rename-group",
            "entra.legacy.*",
            "entra.compliant.update-dotted",
        ),
        okta="skip",
        entra="must",
        sources=(
            _ENTRA_UPDATE_USER,
            _ENTRA_GROUPS,
            entra(ENTRA_KNOWN_ISSUES, "Requests without the feature flag"),
        ),
    ),
)


def rule_of(check_id: str, rules: Iterable[Rule] = RULES) -> Rule | None:
    """The row that decides ``check_id``'s IdP levels, or None (the default applies)."""
    found = [rule for rule in rules if rule.matches(check_id)]
    if len(found) > 1:
        names = ", ".join(rule.name for rule in found)
        raise ValueError(f"{check_id} matches several level rows ({names}); a fact has one row")
    return found[0] if found else None


def idp_levels(check_id: str, rfc: Level) -> dict[str, Level]:
    """``okta`` and ``entra`` levels of a check whose RFC level is ``rfc``.

    Without a row: at most ``should`` — the RFC rule still warns under an IdP
    profile, and an IdP quirk (``skip`` under ``rfc``) stays out of it.
    """
    rule = rule_of(check_id)
    if rule is None:
        capped: Level = rfc if _RANK[rfc] <= _RANK["should"] else "should"
        return {idp: capped for idp in IDPS}
    return {idp: rule.level(idp) for idp in IDPS}


def _validate(rules: Iterable[Rule]) -> None:
    """Every IdP ``must`` names a public page of that IdP; names are unique."""
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise ValueError(f"level row {rule.name!r} is defined twice")
        seen.add(rule.name)
        for idp in IDPS:
            if rule.level(idp) == "must" and not rule.cited(idp):
                raise ValueError(f"level row {rule.name!r}: {idp} must without a public page")


_validate(RULES)
