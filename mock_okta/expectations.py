"""A step's ``expect``: Okta's view and the SCIM target's state, checked one key at a time.

Why a table: each key of docs/scenarios.md ("``expect``") is one question —
what Okta reported (``ok``, ``skipped``, ``message_contains``,
``sync_state``, ``failed_tasks``, ``imported``), what the target now holds
(``scim_user``, ``scim_group``, ``scim_query``, read with the runner's own
observer client so Okta's transcript stays Okta's), or what a raw request got
back (``status``, ``json``, ``requests``). :data:`CHECKS` maps each key to
the function that answers it; every function returns its failures as text
saying what was expected and what was found, phrased as Okta's admin would
read it where that fits ("Automatic provisioning of user … : Okta reported
success but the SCIM user is still active").

SCIM attribute paths (``name.givenName``, ``emails[type eq "work"].value``)
are read with the project's one path grammar (:mod:`harness.scim.paths`)
and compared by the attribute's ``caseExact`` (RFC 7643 §2.2); the mapping
shorthand ``emails[work].value`` (:mod:`mock_okta.settings`) is accepted too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import unquote, urlsplit

from harness.client import Exchange, ScimClient, ScimResponse
from harness.scim.errors import ScimError
from harness.scim.filters import matches_value
from harness.scim.paths import parse_path, resolve_path
from harness.scim.schema import GROUP, STRING, USER, AttributeRef, ResourceType
from mock_okta import wire
from mock_okta.judge import user_message
from mock_okta.mapping import user_body
from mock_okta.model import AppInstance, OktaUser
from mock_okta.offers import Offers
from mock_okta.org import Org, Outcome
from mock_okta.scenario import (
    Expectation,
    ImportExpectation,
    ScimGroupExpectation,
    ScimQueryExpectation,
    ScimUserExpectation,
    Step,
)
from mock_okta.variables import Variables

_SHORTHAND = re.compile(r"^(\w+)\[(\w+)\]")
#: What :func:`json_path` returns for a path the answer does not have.
MISSING = object()
#: The attribute a path starts with (``emails`` of ``emails[work].value``).
_FIRST_NAME = re.compile(r"^[A-Za-z][\w$-]*")
#: ``emails[type eq "work"].value`` or the shorthand ``emails[work].value``.
_TYPED = re.compile(r'^(?P<attr>\w+)\[(?:type eq "(?P<long>[^"]*)"|(?P<short>\w+))\](?P<rest>.*)$')
#: Okta's multi-valued app attributes select their element by ``type`` (the
#: external name ``emails.^[type=='work'].value``, support.okta.com, article
#: "How to Pass Multivalued Attributes in SCIM User Object"): what a
#: dropped ``type`` costs, per attribute.
DROPPED_TYPE_CONSEQUENCE: dict[str, str] = {
    "emails": "without the type, an import brings the user into Okta with no email",
    "phoneNumbers": "without the type, an import brings the user into Okta with no phone number",
    "addresses": "without the type, an import brings the user into Okta with no address",
}


#: Attributes Okta's own OIN CRUD test reads back (it creates the user, updates the
#: first name, deactivates and reactivates, each verified by GET): a server that
#: does not keep them fails, whatever its /Schemas declares.
CHECKED_BY_OKTA = frozenset({"username", "name", "active", "externalid"})


class Advisory(str):
    """A finding Okta itself would not fail the step on: a warning, with its consequence."""


@dataclass
class StepRun:
    """What one step did, as the expectations see it."""

    ok: bool
    skipped: bool = False
    message: str | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    #: The base URL the step's requests are relative to (``requests:`` lines).
    base_url: str = ""
    #: ``request`` / ``okta_api`` steps: the answer (``status``, ``json``).
    response: ScimResponse | None = None
    outcome: Outcome | None = None
    #: What ``requests:`` compares, when not ``exchanges``: for an ``okta_api``
    #: step, the SCIM requests Okta sent because of the call (not the call itself).
    scim_exchanges: list[Exchange] | None = None

    @property
    def sent(self) -> list[Exchange]:
        return self.exchanges if self.scim_exchanges is None else self.scim_exchanges


@dataclass
class Observed:
    """Everything a check may look at after a step."""

    run: StepRun
    step: Step
    org: Org
    app: AppInstance
    #: The runner's own client on the SCIM target (User-Agent ``scim-harness``).
    observer: ScimClient
    variables: Variables
    #: Okta group id → every SCIM id it was pushed as (kept after an unlink).
    group_ids: Mapping[str, str] = field(default_factory=dict)
    #: What the target declares (``/Schemas``), read only when a check needs it.
    offers: Offers | None = None


Check = Callable[[Observed, Any], list[str]]


def evaluate(expectation: Expectation, observed: Observed) -> list[str]:
    """The failures of every key ``expectation`` sets, in the documented order."""
    failures: list[str] = []
    for item in fields(expectation):
        value = getattr(expectation, item.name)
        check = CHECKS.get(item.name)
        if check is not None and value is not None:
            failures += check(observed, value)
    return failures


def default_failures(observed: Observed) -> list[str]:
    """A step without ``expect`` passes only when Okta (or the target) reported success:
    an unexpected failure must never pass silently."""
    run = observed.run
    if run.ok:
        return []
    return [f"Okta reported a failure and the step expects none: {run.message or 'no message'}"]


# -- Okta's view ---------------------------------------------------------------


def check_ok(observed: Observed, expected: bool) -> list[str]:
    run = observed.run
    if run.ok is expected:
        return []
    if expected:
        return [f"ok: expected Okta to report success, it reported: {run.message or 'failure'}"]
    return ["ok: expected Okta to report a failure, it reported success"]


def check_skipped(observed: Observed, expected: bool) -> list[str]:
    run = observed.run
    if run.skipped is expected:
        return []
    if expected:
        sent = len(run.exchanges)
        return [f"skipped: expected nothing to be sent, Okta sent {sent} request(s)"]
    why = run.message or "no reason given"
    return [f"skipped: expected Okta to act, it sent nothing ({why})"]


def check_message(observed: Observed, expected: str) -> list[str]:
    message = observed.run.message or ""
    if expected in message:
        return []
    return [f"message_contains: expected {expected!r} in Okta's message, found {message!r}"]


def check_sync_state(observed: Observed, expected: Any) -> list[str]:
    user = _user(observed, observed.step.login)
    if user is None:
        return [f"sync_state: no Okta user {observed.step.login!r}"]
    app_user = observed.app.app_user(user.id)
    if app_user.sync_state == expected:
        return []
    found = app_user.sync_state.value
    error = f" ({app_user.last_error})" if app_user.last_error else ""
    return [
        f"sync_state: expected {expected}, the app user of {user.profile.login} is {found}{error}"
    ]


def check_failed_tasks(observed: Observed, expected: int) -> list[str]:
    tasks = observed.app.failed_tasks
    if len(tasks) == expected:
        return []
    listed = "".join(f"\n  - {task.event}: {task.message}" for task in tasks)
    return [
        f"failed_tasks: expected {expected} task(s) in Okta's queue, found {len(tasks)}{listed}"
    ]


def check_imported(observed: Observed, expected: ImportExpectation) -> list[str]:
    app = observed.app
    failures: list[str] = []
    users = [item.user_name for item in app.imported_users]
    groups = [item.get("displayName", "") for item in app.imported_groups]
    matched = [
        observed.org.users[item.matched_user_id].profile.login
        for item in app.imported_users
        if item.matched_user_id in observed.org.users
    ]
    for key, wanted, found in (
        ("users", expected.users, users),
        ("groups", expected.groups, groups),
        ("matched", expected.matched, matched),
    ):
        if wanted is None:
            continue
        missing = [w for w in wanted if w.casefold() not in {f.casefold() for f in found}]
        if missing:
            failures.append(
                f"imported.{key}: expected the last import to show {_names(missing)}, "
                f"it showed {_names(found)}"
            )
    return failures


# -- the SCIM target -----------------------------------------------------------


def check_scim_user(observed: Observed, expected: ScimUserExpectation) -> list[str]:
    user = _user(observed, expected.login)
    if user is None:
        return [f"scim_user: no Okta user {expected.login!r}"]
    login = user.profile.login
    about = _about_user(observed, login)
    scim_id = observed.app.app_user(user.id).external_id
    if scim_id is None:
        if expected.exists:
            return [f"{about}: Okta never linked a SCIM user to {login}"]
        user_name = str(user_body(user, observed.app.settings.user_mapping).get("userName", login))
        found = _lookup(observed.observer, "Users", "userName", user_name)
        if isinstance(found, str):
            return [f"scim_user {login}: {found}"]
        if found:
            ids = ", ".join(str(item.get("id")) for item in found)
            return [f"{about}: expected no SCIM user {user_name}, the target has {ids}"]
        return []
    response = observed.observer.get(f"/Users/{scim_id}")
    if not expected.exists:
        if response.status == 404:
            return []
        return [f"{about}: expected no SCIM user, GET /Users/{scim_id} → {_status(response)}"]
    if response.status != 200 or not isinstance(response.body, Mapping):
        return [f"{about}: Okta linked {scim_id}, but GET /Users/{scim_id} → {_status(response)}"]
    resource = response.body
    failures: list[str] = []
    verdict = "success" if observed.run.ok else "failure"
    if expected.active is not None and resource.get("active", True) is not expected.active:
        still = "still " if _was(observed, expected.active) else ""
        state = "active" if resource.get("active", True) else "inactive"
        failures.append(
            f"{about}: Okta reported {verdict} but the SCIM user {scim_id} is {still}{state} "
            f"(expected active: {str(expected.active).lower()})"
        )
    for path, wanted in expected.attributes.items():
        problem = compare_attribute(resource, USER, path, wanted)
        if not problem:
            continue
        dropped = dropped_type(resource, path, wanted)
        undeclared = _undeclared(observed, path)
        if dropped is not None:
            failures.append(Advisory(f"{about}: {dropped}"))
        elif undeclared is not None:
            failures.append(Advisory(f"{about}: {undeclared}"))
        else:
            failures.append(f"{about}: Okta reported {verdict} but {problem}")
    return failures


def dropped_type(resource: Mapping[str, Any], path: str, wanted: Any) -> str | None:
    """The warning when ``resource`` holds ``wanted`` but without the ``type`` the path
    selects by; None when that is not why the value is missing.

    Okta's CRUD test (the OIN submission test) does not read ``type`` back,
    so Okta reports success; the cost shows later, when Okta reads the
    attribute with its type filter.
    """
    match = _TYPED.match(path)
    if match is None:
        return None
    attribute, kind = match["attr"], match["long"] or match["short"]
    try:
        _, values = attribute_values(resource, USER, attribute + match["rest"])
    except ScimError:
        return None
    if not any(_same_text(value, wanted) for value in values):
        return None
    consequence = DROPPED_TYPE_CONSEQUENCE.get(
        attribute, "without the type, an import leaves that Okta attribute empty"
    )
    return (
        f"the SCIM user keeps {wanted!r} in {attribute} but not its type {kind!r}. "
        f'Okta\'s mapping reads it back with {attribute}[type eq "{kind}"]; {consequence}'
    )


def _undeclared(observed: Observed, path: str) -> str | None:
    """The warning for an attribute the server's ``/Schemas`` does not declare, or None.

    The project is capability-aware (RFC 7643 §7: ``/Schemas`` says which
    attributes a server has): Okta still sends what its mapping holds and
    reports success when the server ignores it, so a server without the
    attribute is told what it loses, not failed.
    """
    name = _FIRST_NAME.match(path)
    if observed.offers is None or name is None or ":" in path:
        return None
    if name[0].casefold() in CHECKED_BY_OKTA:
        return None
    if observed.offers.declares_user_attribute(name[0]):
        return None
    return (
        f"the server's /Schemas declares no {name[0]} on User, and it does not keep "
        f"{scim_path(path)}: Okta reports success, and the value Okta's mapping sends is lost"
    )


def _same_text(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    return bool(a == b)


def check_scim_group(observed: Observed, expected: ScimGroupExpectation) -> list[str]:
    """Read by the SCIM id Okta holds for the pushed group (GET /Groups/{id}); only a
    group Okta never pushed is looked up, with the filter Okta itself sends
    (``displayName eq``, developer.okta.com docs/api/openapi/okta-scim/guides/scim-20).
    A broken group filter must not hide what the push did."""
    about = f"the group {expected.name}"
    group = observed.variables.group(expected.name)
    scim_id = None
    if group is not None:
        scim_id = observed.app.pushed_groups.get(group.id) or observed.group_ids.get(group.id)
    if scim_id is None:
        return _group_by_name(observed, expected, about)
    response = observed.observer.get(f"/Groups/{scim_id}")
    if not expected.exists:
        if response.status == 404:
            return []
        return [f"{about}: expected no SCIM group, GET /Groups/{scim_id} → {_status(response)}"]
    if response.status != 200 or not isinstance(response.body, Mapping):
        return [f"{about}: Okta pushed it as {scim_id}, but GET /Groups/{scim_id} → "
                f"{_status(response)}"]  # fmt: skip
    resource = response.body
    failures = []
    problem = compare_attribute(resource, GROUP, "displayName", expected.name)
    if problem:
        failures.append(f"{about}: {problem}")
    return failures + _members(observed, expected, resource, about)


def _group_by_name(observed: Observed, expected: ScimGroupExpectation, about: str) -> list[str]:
    found = _lookup(observed.observer, "Groups", "displayName", expected.name)
    if isinstance(found, str):
        return [f"{about}: {found}"]
    if not expected.exists:
        if not found:
            return []
        ids = ", ".join(str(item.get("id")) for item in found)
        return [f"{about}: expected no SCIM group with that name, the target has {ids}"]
    if len(found) != 1:
        return [f"{about}: Okta has not pushed it, and {len(found)} SCIM groups have its name"]
    group = found[0]
    if "members" not in group and group.get("id") and expected.members is not None:
        # A server may leave members out of list answers (RFC 7644 §3.4.2.5 "returned").
        response = observed.observer.get(f"/Groups/{group['id']}")
        group = response.body if isinstance(response.body, Mapping) else group
    return _members(observed, expected, group, about)


def _members(
    observed: Observed, expected: ScimGroupExpectation, group: Mapping[str, Any], about: str
) -> list[str]:
    if expected.members is None:
        return []
    wanted: dict[str, str] = {}
    for login in expected.members:
        user = _user(observed, login)
        scim_id = None if user is None else observed.app.app_user(user.id).external_id
        if scim_id is None:
            return [f"{about}: {login} has no SCIM user linked, cannot be an expected member"]
        wanted[scim_id] = user.profile.login if user else login
    members = {str(m.get("value")) for m in group.get("members") or [] if isinstance(m, Mapping)}
    if members == set(wanted):
        return []
    who = _logins_by_scim_id(observed)
    return [
        f"{about}: the SCIM group {group.get('id')} has "
        + (f"members {_names(sorted(who.get(m, m) for m in members))}" if members else "no members")
        + f", expected {_names(sorted(wanted.values()))}"
    ]


def check_scim_query(observed: Observed, expected: ScimQueryExpectation) -> list[str]:
    response = observed.observer.get(
        f"/{expected.endpoint}?{wire.query(filter=expected.filter, startIndex=1, count=100)}"
    )
    body = response.body
    if response.status != 200 or not isinstance(body, Mapping):
        return [f"scim_query {expected.filter!r}: GET /{expected.endpoint} → {_status(response)}"]
    total = body.get("totalResults")
    count = total if isinstance(total, int) else len(body.get("Resources") or [])
    if count == expected.count:
        return []
    return [
        f"scim_query: GET /{expected.endpoint}?filter={expected.filter} found {count} "
        f"resource(s), expected {expected.count}"
    ]


# -- a raw request's answer ----------------------------------------------------


def check_status(observed: Observed, expected: int) -> list[str]:
    response = observed.run.response
    found = None if response is None else response.status
    if found == expected:
        return []
    shown = _status(response) if response is not None else "no request"
    return [f"status: expected {expected}, got {shown}"]


def check_json(observed: Observed, expected: Mapping[str, Any]) -> list[str]:
    response = observed.run.response
    body = None if response is None else response.body
    failures: list[str] = []
    for path, wanted in expected.items():
        found = json_path(body, path)
        if found is MISSING:
            failures.append(f"json {path}: expected {wanted!r}, the answer has no such value")
        elif found != wanted:
            failures.append(f"json {path}: expected {wanted!r}, found {found!r}")
    return failures


def check_requests(observed: Observed, expected: tuple[str, ...]) -> list[str]:
    """The step's requests in order; a request answered 429 and sent again counts once
    (Okta's retry after ``Retry-After`` is the same request, RFC 6585 §4)."""
    sent = request_lines(_without_retries(observed.run.sent), observed.run.base_url)
    if list(sent) == list(expected):
        return []
    first = next(
        (i for i, (a, b) in enumerate(zip(sent, expected, strict=False)) if a != b),
        min(len(sent), len(expected)),
    )
    listing = (
        "\n".join(f"  {'→' if i == first else ' '} {line}" for i, line in enumerate(sent))
        or "  (none)"
    )
    return [
        f"requests: expected {len(expected)} request(s), Okta sent {len(sent)}; "
        f"first difference at #{first + 1}: expected "
        f"{expected[first] if first < len(expected) else '(nothing more)'!r}\n"
        f"sent:\n{listing}"
    ]


#: One check per ``expect`` key (docs/scenarios.md, "``expect``").
CHECKS: dict[str, Check] = {
    "ok": check_ok,
    "skipped": check_skipped,
    "message_contains": check_message,
    "sync_state": check_sync_state,
    "status": check_status,
    "json": check_json,
    "requests": check_requests,
    "scim_user": check_scim_user,
    "scim_group": check_scim_group,
    "scim_query": check_scim_query,
    "imported": check_imported,
    "failed_tasks": check_failed_tasks,
}


# -- helpers -------------------------------------------------------------------


def request_lines(exchanges: list[Exchange], base_url: str) -> list[str]:
    """``METHOD /path?query`` per exchange: relative to ``base_url``, query percent-decoded."""
    base_path = urlsplit(base_url).path.rstrip("/")
    lines = []
    for exchange in exchanges:
        parts = urlsplit(exchange.url)
        path = parts.path
        if base_path and path.startswith(base_path):
            path = path[len(base_path) :] or "/"
        query = f"?{unquote(parts.query)}" if parts.query else ""
        lines.append(f"{exchange.method} {path}{query}")
    return lines


def _without_retries(exchanges: list[Exchange]) -> list[Exchange]:
    followers: list[Exchange | None] = [*exchanges[1:], None]
    return [
        exchange
        for exchange, following in zip(exchanges, followers[: len(exchanges)], strict=True)
        if not (
            exchange.status == 429
            and following is not None
            and (following.method, following.url) == (exchange.method, exchange.url)
        )
    ]


def json_path(body: Any, path: str) -> Any:
    """The value at a dotted path (``Resources.0.id``); keys may contain dots (URNs):
    the longest key matching at each level wins."""
    node, rest = body, path
    while rest:
        if isinstance(node, list):
            head, _, tail = rest.partition(".")
            if not head.lstrip("-").isdigit() or not -len(node) <= int(head) < len(node):
                return MISSING
            node, rest = node[int(head)], tail
        elif isinstance(node, Mapping):
            key = next(
                (
                    k
                    for k in sorted(node, key=len, reverse=True)
                    if rest == k or rest.startswith(f"{k}.")
                ),
                None,
            )
            if key is None:
                return MISSING
            node, rest = node[key], rest[len(key) + 1 :]
        else:
            return MISSING
    return node


def compare_attribute(
    resource: Mapping[str, Any], resource_type: ResourceType, path: str, wanted: Any
) -> str | None:
    """Why ``resource`` does not hold ``wanted`` at ``path``, or None when it does."""
    try:
        ref, values = attribute_values(resource, resource_type, path)
    except ScimError as error:
        return f"the expectation's path {path!r} is not valid: {error.detail}"
    target = ref.target
    fold = target.type == STRING and not target.case_exact

    def same(a: Any, b: Any) -> bool:
        if fold and isinstance(a, str) and isinstance(b, str):
            return a.casefold() == b.casefold()
        return bool(a == b)

    if any(same(value, wanted) for value in values):
        return None
    shown = scim_path(path)
    if not values:
        return f"the SCIM {resource_type.name.lower()} has no {shown} (expected {wanted!r})"
    found = ", ".join(repr(v) for v in values)
    return f"the SCIM {resource_type.name.lower()}'s {shown} is {found} (expected {wanted!r})"


def scim_path(path: str) -> str:
    """The mapping shorthand ``emails[work].value`` as SCIM spells it (RFC 7644 §3.10)."""
    return _SHORTHAND.sub(lambda m: f'{m[1]}[type eq "{m[2]}"]', path)


def attribute_values(
    resource: Mapping[str, Any], resource_type: ResourceType, path: str
) -> tuple[AttributeRef, list[Any]]:
    """The attribute ``path`` names and every value it designates in ``resource``."""
    parsed = parse_path(scim_path(path))
    ref = resolve_path(parsed, resource_type)
    holder: Any = resource if ref.container is None else _get(resource, ref.container)
    value = _get(holder, ref.attribute.name) if isinstance(holder, Mapping) else None
    if value is None:
        return ref, []
    if ref.attribute.multi_valued:
        elements = value if isinstance(value, list) else [value]
        if parsed.value_filter is not None:
            parent = AttributeRef(ref.schema_urn, ref.attribute, None, ref.container)
            elements = [
                e for e in elements if matches_value(parsed.value_filter, e, parent, resource_type)
            ]
        if ref.sub_attribute is None:
            return ref, elements
        values = [_get(e, ref.sub_attribute.name) for e in elements if isinstance(e, Mapping)]
        return ref, [v for v in values if v is not None]
    if ref.sub_attribute is not None:
        sub = _get(value, ref.sub_attribute.name) if isinstance(value, Mapping) else None
        return ref, [] if sub is None else [sub]
    return ref, [value]


def _get(holder: Mapping[str, Any], name: str) -> Any:
    """Attribute names are case-insensitive (RFC 7643 §2.1)."""
    if name in holder:
        return holder[name]
    folded = name.casefold()
    return next((v for k, v in holder.items() if str(k).casefold() == folded), None)


def _lookup(
    client: ScimClient, endpoint: str, attribute: str, value: str
) -> list[Mapping[str, Any]] | str:
    """Resources whose ``attribute`` equals ``value`` (an ``eq`` filter), or why not known."""
    query = wire.query(filter=wire.eq_filter(attribute, value), startIndex=1, count=100)
    response = client.get(f"/{endpoint}?{query}")
    body = response.body
    if response.status != 200 or not isinstance(body, Mapping):
        return f"GET /{endpoint}?filter={attribute} eq {value!r} → {_status(response)}"
    return [item for item in body.get("Resources") or [] if isinstance(item, Mapping)]


def _user(observed: Observed, login: str | None) -> OktaUser | None:
    return None if login is None else observed.variables.user(login)


def _about_user(observed: Observed, login: str) -> str:
    """Okta's own wording for a user task, without the verdict ("… failed: …")."""
    return user_message(login, observed.app.label, "").removesuffix(" failed: ")


def _was(observed: Observed, active: bool) -> bool:
    """Whether the step meant to change ``active`` (so "still" reads right)."""
    return observed.step.event.value in _CHANGES_ACTIVE


_CHANGES_ACTIVE = frozenset(
    {"deactivate_user", "reactivate_user", "unassign_user", "unassign_group", "remove_member"}
)


def _logins_by_scim_id(observed: Observed) -> dict[str, str]:
    return {
        app_user.external_id: observed.org.users[user_id].profile.login
        for user_id, app_user in observed.app.app_users.items()
        if app_user.external_id and user_id in observed.org.users
    }


def _status(response: ScimResponse | None) -> str:
    if response is None:
        return "nothing"
    if response.status is None:
        return f"no answer ({response.error})"
    detail = response.body.get("detail") if isinstance(response.body, Mapping) else None
    return f"HTTP {response.status}" + (f" ({detail})" if detail else "")


def _names(items: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(items) + "]" if items else "nothing"


__all__ = [
    "CHECKS",
    "MISSING",
    "Advisory",
    "Observed",
    "StepRun",
    "attribute_values",
    "compare_attribute",
    "default_failures",
    "evaluate",
    "json_path",
    "request_lines",
]
