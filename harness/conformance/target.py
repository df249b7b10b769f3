"""The target under test, as the checks see it: a guarded, cleaning-up client.

Safe on a real tenant (the product's promise) is enforced here, not left to
each check:

* every resource the run creates is named with the run's prefix
  (:meth:`Target.unique`) and recorded from the target's own answer (POST
  201, Bulk POST results) in the scope of the check that created it;
* a request that would change or delete anything the run did not create —
  a PUT/PATCH/DELETE on an id that is neither ours nor a made-up absent id,
  a DELETE on a collection, a Bulk operation on a foreign id — raises
  :class:`UnsafeRequest` before it is sent: that is a bug in a check, and the
  run reports it as one instead of touching the tenant;
* when a check ends (passed, failed or interrupted) what it created is
  deleted; where DELETE answers 403/405/501 a user is deactivated instead
  (``active: false``, as Okta does);
* at the end of the run the cleanup tells the truth: every resource the run
  created is looked up again by id, the collections are walked for the run's
  prefix (without ``sw``, :mod:`harness.conformance.scoping`), and what is
  still there is a leftover — also a user whose DELETE answered 204 and that
  GET still returns (listed as deactivated when it reads ``active: false``).
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urlsplit

import pytest

from harness.client import ScimClient, ScimResponse
from harness.conformance.bodies import bulk_body
from harness.conformance.bodies_from_schema import DECLARED, MINIMAL, fit, minimal
from harness.conformance.capabilities import Capabilities
from harness.conformance.discovery import declarations
from harness.conformance.expect import Blocked, CheckFailed, expect_resource, precondition
from harness.conformance.scoping import NAME_ATTRIBUTE, eq_any, named_with, walk_collection
from harness.scim.schema import GROUP_URN, PATCH_OP_URN, USER_URN

RESOURCE_ENDPOINTS = ("Users", "Groups")
#: Paths a check may write to besides its own resources: discovery endpoints
#: (to check that writes there are refused), searches and Bulk.
NON_RESOURCE_WRITABLE = frozenset(
    {
        "/ServiceProviderConfig",
        "/ResourceTypes",
        "/Schemas",
        "/.search",
        "/Users/.search",
        "/Groups/.search",
        "/Bulk",
    }
)
# Not /Me: it is the account the token belongs to, which the run did not create.
DEACTIVATE = {
    "schemas": [PATCH_OP_URN],
    "Operations": [{"op": "replace", "value": {"active": False}}],
}
T = TypeVar("T")
#: The sweep trusts a prefix only when it is long enough to be this run's alone.
MIN_SWEEP_PREFIX = 8
_RESOURCE_PATH = re.compile(r"^/(Users|Groups)/([^/?#]+)$")


def _resource_path(path: str) -> tuple[str, str, str] | None:
    """(path, endpoint, id) of ``/Users/{id}``, the id percent-decoded (RFC 3986 §2.1):
    a caller encodes an id that holds reserved characters, the run knows it raw."""
    match = _RESOURCE_PATH.match(path)
    return None if match is None else (match[0], match[1], unquote(match[2]))


#: The resource type a created resource's ``schemas`` names (RFC 7643 §3).
_KIND_OF_SCHEMA = {USER_URN: "Users", GROUP_URN: "Groups"}


def _created_kind(body: Any) -> str:
    """``Users`` or ``Groups`` when ``body`` is a resource with an id, else ``""``."""
    if not isinstance(body, Mapping) or not isinstance(body.get("id"), str):
        return ""
    schemas = body.get("schemas")
    kinds = [_KIND_OF_SCHEMA[s] for s in schemas or [] if s in _KIND_OF_SCHEMA]
    return kinds[0] if isinstance(schemas, list) and kinds else ""


def _sent_name(request_body: str | None) -> str:
    """The userName or displayName a request body carried, for the leftovers list."""
    try:
        sent = json.loads(request_body or "")
    except ValueError:
        return ""
    items = sent if isinstance(sent, list) else [sent]
    for item in items:
        if isinstance(item, Mapping):
            name = item.get("userName") or item.get("displayName")
            if isinstance(name, str):
                return name
    return ""


def _accepted(response: ScimResponse) -> bool:
    return response.status is not None and 200 <= response.status < 300


def _with_members(members: tuple[str, ...] | list[str], attributes: Any) -> dict[str, Any]:
    """``attributes`` with a Group ``members`` value for each id (RFC 7643 §4.2), if any."""
    if not members:
        return dict(attributes)
    return {"members": [{"value": member} for member in members], **attributes}


class UnsafeRequest(RuntimeError):
    """A check tried to change something the run did not create (a bug in the check)."""


@dataclass(frozen=True)
class Leftover:
    """A resource the run created and could not remove."""

    endpoint: str
    id: str
    name: str
    outcome: str  # "deactivated" or "kept"
    reason: str

    def to_json(self) -> dict[str, str]:
        return {
            "endpoint": self.endpoint,
            "id": self.id,
            "name": self.name,
            "outcome": self.outcome,
            "reason": self.reason,
        }


@dataclass
class _Scope:
    #: (endpoint, id) → name, in creation order.
    created: dict[tuple[str, str], str] = field(default_factory=dict)


class Target:
    """A :class:`ScimClient` bound to a profile, capabilities and a run prefix."""

    def __init__(
        self,
        client: ScimClient,
        capabilities: Capabilities,
        *,
        profile: str = "rfc",
        prefix: str = "scimh-",
        read_only: bool = False,
        batch_cleanup: bool = True,
    ) -> None:
        self.client = client
        #: Defer removal to the end of the run (one Bulk request where the target
        #: claims Bulk) instead of after each check.
        self.batch_cleanup = batch_cleanup
        self.capabilities = capabilities
        self.profile = profile
        self.prefix = prefix
        self.read_only = read_only
        self.leftovers: list[Leftover] = []
        self.removed = 0
        self._scopes: list[_Scope] = [_Scope()]
        self._absent: set[str] = set()
        self._counter = itertools.count(1)
        self._shared: dict[str, Any] = {}
        #: Endpoint → the create body shape the target takes (:meth:`body_shape`).
        self._body_shapes: dict[str, str] = {}
        #: Resources a check deleted: verified gone at the end (a DELETE that
        #: answers 204 and deletes nothing must not leave an unreported user).
        self._deleted: dict[tuple[str, str], str] = {}
        #: Every resource the run created or swept, (endpoint, id) → name: each is
        #: looked up again after cleanup (:meth:`verify`).
        self._ever: dict[tuple[str, str], str] = {}
        #: 2xx creations the run could not identify (no id, no Location): reported
        #: as leftovers with outcome "unknown", since nothing can look them up.
        self.unidentified: list[Leftover] = []
        #: What the cleanup counted as removed (a later GET may take it back).
        self._claimed: set[tuple[str, str]] = set()
        #: The answer to the cleanup's DELETE of each resource, for the leftovers' reason.
        self._answers: dict[tuple[str, str], str] = {}
        #: Names of POSTs that got no answer (timeout, 5xx): they may exist unseen.
        self._unanswered: set[tuple[str, str]] = set()
        #: Filter operators the target refused, learned once per run: operator →
        #: its answer ("400 invalidFilter"), or None when it is supported
        #: (:mod:`harness.conformance.learned`).
        self.learned: dict[str, str | None] = {}
        #: What the cleanup could not check (a sweep stopped at its page bound).
        self.sweep_notes: list[str] = []

    # -- names ---------------------------------------------------------------

    def unique(self, label: str = "r") -> str:
        """A fresh name that starts with the run prefix: ``scimh-1a2b3c-label-7``."""
        return f"{self.prefix}{label}-{next(self._counter)}"

    def user_name(self, label: str = "user") -> str:
        """A fresh userName shaped like Okta's (an e-mail address, RFC 2606 domain)."""
        return f"{self.unique(label)}@example.com"

    def absent_id(self) -> str:
        """An id no resource has; writes to it are allowed (for 404 checks)."""
        value = str(uuid.uuid4())
        self._absent.add(value)
        return value

    # -- bodies and fixtures -------------------------------------------------

    def user_body(self, label: str = "user", keep: Any = (), **attributes: Any) -> dict[str, Any]:
        """A User for POST with a fresh userName, built from what the target declares.

        The harness's full core User (RFC 7643 §4.1) trimmed to the attributes
        the target's ``/Schemas`` declares (:func:`.bodies_from_schema.fit`), or
        the minimal one when the target refused that (:meth:`body_shape`).
        ``keep`` names the attributes of the full body the check relies on
        (``name``, ``emails`` …): sent in either shape, and the check is
        skipped when the target does not declare one (a tuple of names, typed
        ``Any`` because call sites unpack ``**dict`` of attribute values).
        ``attributes`` override what the check needs, sent as given (``...``
        drops a key).
        """
        return self._body("Users", label, attributes, tuple(keep), self.body_shape("Users"))

    def group_body(
        self, label: str = "group", members: tuple[str, ...] | list[str] = (), **attributes: Any
    ) -> dict[str, Any]:
        """A Group for POST with a fresh displayName and the given member ids."""
        attributes = _with_members(members, attributes)
        return self._body("Groups", label, attributes, (), self.body_shape("Groups"))

    def declared_user_body(self, label: str = "user") -> dict[str, Any]:
        """The full User trimmed to the declarations, whichever shape the run settled on."""
        return fit("Users", self._defaults("Users", label), declarations(self), self.unique)

    def _defaults(self, endpoint: str, label: str) -> dict[str, Any]:
        """The harness's full resource (RFC 7643 §4.1 User, §4.2 Group) before fitting."""
        if endpoint == "Groups":
            return {"schemas": [GROUP_URN], "displayName": self.unique(label), "members": []}
        user_name = self.user_name(label)
        local = user_name.split("@", 1)[0]
        return {
            "schemas": [USER_URN],
            "userName": user_name,
            "externalId": f"ext-{local}",
            "name": {"givenName": "Barbara", "familyName": local, "formatted": f"Barbara {local}"},
            "displayName": f"Barbara {local}",
            "emails": [{"value": user_name, "type": "work", "primary": True}],
            "active": True,
        }

    def _body(
        self,
        endpoint: str,
        label: str,
        overrides: Mapping[str, Any],
        keep: tuple[str, ...],
        shape: str,
    ) -> dict[str, Any]:
        found = declarations(self)
        full = fit(endpoint, self._defaults(endpoint, label), found, self.unique)
        undeclared = [key for key in keep if key not in full]
        if undeclared:
            pytest.skip(
                f"the target's /Schemas does not declare {', '.join(undeclared)}, which this "
                "check needs on its User (RFC 7643 §7)"
            )
        body = full
        if shape == MINIMAL:
            body = minimal(endpoint, full, found, self.unique)
            body.update({key: full[key] for key in keep})
        body.update(overrides)
        extensions = found.extensions.get(endpoint) or {}
        if "schemas" not in overrides:
            # RFC 7643 §3: 'schemas' lists each extension the body carries.
            added = [key for key in body if key in extensions and key not in body["schemas"]]
            body["schemas"] = [*body["schemas"], *added]
        return {key: value for key, value in body.items() if value is not ...}

    def body_shape(self, endpoint: str) -> str:
        """Which create body the target takes, learnt once per run (RFC 7644 §3.3).

        The first create (:meth:`create_user`) POSTs the declared body; if the
        target refuses it, the minimal one (RFC 7643 §4.1.1 ``userName``;
        §4.2 ``displayName``), and when that is accepted every later body is
        minimal: one refusal must not fail every check that needs a user —
        ``users.create.declared`` reports it, once. A check that builds a body
        before any create did probes the same way with a resource of its own,
        deleted at once. If both shapes are refused the declared one stays, and
        the checks that need a resource are blocked by the refusal.
        """
        if endpoint not in self._body_shapes:
            self._body_shapes[endpoint] = DECLARED if self.read_only else self._probe(endpoint)
        return self._body_shapes[endpoint]

    def _probe(self, endpoint: str) -> str:
        saved, self._scopes = self._scopes, self._scopes[:1]  # the run's, like shared()
        try:
            for shape in (DECLARED, MINIMAL):
                response = self.post(f"/{endpoint}", self._body(endpoint, "probe", {}, (), shape))
                if _accepted(response):
                    self._discard(endpoint)
                    return shape
            return DECLARED
        finally:
            saved[0] = self._scopes[0]
            self._scopes = saved

    def _discard(self, endpoint: str) -> None:
        """Delete what the probe just created (cleanup retries if the DELETE fails)."""
        created = [key for key in self._scopes[-1].created if key[0] == endpoint]
        if created:
            self.delete(f"/{endpoint}/{created[-1][1]}")

    def _create(
        self, endpoint: str, label: str, keep: tuple[str, ...], attributes: Mapping[str, Any]
    ) -> dict[str, Any]:
        """POST a resource a check needs, learning the body shape on the first one."""
        singular = endpoint[:-1]
        known = self._body_shapes.get(endpoint) or (DECLARED if self.read_only else None)
        shapes = (known,) if known else (DECLARED, MINIMAL)
        first: ScimResponse | None = None
        for shape in shapes:
            response = self.post(
                f"/{endpoint}", self._body(endpoint, label, attributes, keep, shape)
            )
            first = first or response
            if _accepted(response):
                self._body_shapes.setdefault(endpoint, shape)
                break
        else:
            if not known and not attributes:
                self._body_shapes[endpoint] = DECLARED  # even the minimal body is refused
            response = first or response
        with precondition(f"creating a {singular} for this check"):
            return expect_resource(response, 201, 200, what=f"POST /{endpoint}")

    def create_user(self, label: str = "user", keep: Any = (), **attributes: Any) -> dict[str, Any]:
        """POST a user the check needs; a refusal blocks the check (it is not its verdict)."""
        return self._create("Users", label, tuple(keep), attributes)

    def create_group(
        self, label: str = "group", members: tuple[str, ...] | list[str] = (), **attributes: Any
    ) -> dict[str, Any]:
        """POST a group the check needs; a refusal blocks the check."""
        return self._create("Groups", label, (), _with_members(members, attributes))

    def shared(self, key: str, build: Callable[[Target], T]) -> T:
        """Resources several checks read, built once on first use and kept for the run.

        Use this, not a module- or session-scoped pytest fixture: a fixture
        would be set up before the check's gate decides to skip it (read-only
        run, feature not claimed), and would create resources regardless.
        What ``build`` creates belongs to the run, removed at its end. A
        failed build blocks every check that needs it, naming the same step.
        """
        if key in self._shared:
            value = self._shared[key]
            if isinstance(value, Blocked):
                raise value
            return cast(T, value)
        saved, self._scopes = self._scopes, self._scopes[:1]
        try:
            value = build(self)
        except Blocked as blocked:
            self._shared[key] = blocked
            raise
        except CheckFailed as failure:
            self._shared[key] = Blocked(f"shared setup {key!r}", failure)
            raise self._shared[key] from failure
        finally:
            saved[0] = self._scopes[0]
            self._scopes = saved
        self._shared[key] = value
        return value

    # -- requests ------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> ScimResponse:
        """Send through the client after the safety guard; track what gets created."""
        method = method.upper()
        relative = self.relative(path)
        self._guard(method, relative, kwargs.get("json_body"))
        response = self.client.request(method, path, **kwargs)
        self._track(method, relative, response, kwargs.get("json_body"))
        return response

    def get(self, path: str, **kwargs: Any) -> ScimResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> ScimResponse:
        return self.request("POST", path, json_body=body, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> ScimResponse:
        return self.request("PUT", path, json_body=body, **kwargs)

    def patch(self, path: str, body: Any, **kwargs: Any) -> ScimResponse:
        return self.request("PATCH", path, json_body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> ScimResponse:
        return self.request("DELETE", path, **kwargs)

    def relative(self, path: str) -> str:
        """``path`` relative to the base URL (absolute ``meta.location`` URLs too)."""
        if path.startswith(("http://", "https://")):
            base = urlsplit(self.client.base_url)
            parts = urlsplit(path)
            if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
                return path
            rest = parts.path
            if base.path and rest.startswith(base.path):
                rest = rest[len(base.path) :]
            return rest or "/"
        return path.split("?", 1)[0]

    # -- safety --------------------------------------------------------------

    def adopt(self, endpoint: str, resource_id: str, name: str) -> None:
        """Take over a resource another client of this run created, so :meth:`cleanup`
        removes it (the mock Okta's runner: Okta's own client creates most of them)."""
        self._scopes[0].created[(endpoint, resource_id)] = name
        self._ever[(endpoint, resource_id)] = name

    def owns(self, endpoint: str, resource_id: str) -> bool:
        return any((endpoint, resource_id) in scope.created for scope in self._scopes)

    def _guard(self, method: str, path: str, body: Any) -> None:
        if method in ("GET", "HEAD", "OPTIONS"):
            return
        if self.read_only:
            raise UnsafeRequest(f"{method} {path} in a read-only run")
        match = _resource_path(path)
        if method == "POST" and (path in ("/Users", "/Groups") or path in NON_RESOURCE_WRITABLE):
            if path == "/Bulk":
                self._guard_bulk(body)
            return
        if method in ("PUT", "PATCH", "DELETE"):
            if path in NON_RESOURCE_WRITABLE and path not in ("/Users/.search", "/Groups/.search"):
                return
            if match and (
                self.owns(match[1], match[2])
                or match[2] in self._absent
                or (match[1], match[2]) in self._deleted  # ours, already deleted: 404 checks
            ):
                return
        raise UnsafeRequest(
            f"{method} {path}: the run did not create this resource; refusing to touch it"
        )

    def _guard_bulk(self, body: Any) -> None:
        operations = body.get("Operations") if isinstance(body, Mapping) else None
        for operation in operations or []:
            if not isinstance(operation, Mapping):
                continue
            method = str(operation.get("method", "")).upper()
            path = str(operation.get("path", ""))
            if method == "POST" or "bulkId:" in path:
                continue
            self._guard(method, path, None)

    def _unanswered_post(self, endpoint: str, body: Any) -> None:
        """Remember the name a POST sent when its answer says nothing (no answer, 5xx):
        the resource may exist all the same, and the sweep looks it up by ``eq``."""
        name = body.get(NAME_ATTRIBUTE[endpoint]) if isinstance(body, Mapping) else None
        if isinstance(name, str) and name.startswith(self.prefix):
            self._unanswered.add((endpoint, name))

    def _track(self, method: str, path: str, response: ScimResponse, body: Any = None) -> None:
        if response.status is None:
            if method == "POST" and path in ("/Users", "/Groups"):
                self._unanswered_post(path.strip("/"), body)
            return
        if method == "POST" and path in ("/Users", "/Groups") and 200 <= response.status < 300:
            self._remember(path.strip("/"), response)
        elif method == "POST" and 200 <= response.status < 300 and _created_kind(response.body):
            # A POST elsewhere (/.search, /Bulk, an unknown endpoint) that a server
            # routed to its create handler: the answer is a new resource (seen in
            # the field), which the run must remove like any other it made.
            self._remember(_created_kind(response.body), response)
        elif method == "POST" and path in ("/Users", "/Groups") and response.status >= 500:
            self._unanswered_post(path.strip("/"), body)
        elif method == "POST" and path == "/Bulk" and isinstance(response.body, Mapping):
            for result in response.body.get("Operations") or []:
                if isinstance(result, Mapping) and str(result.get("method", "")).upper() == "POST":
                    location = self.relative(str(result.get("location") or ""))
                    match = _RESOURCE_PATH.match(location)
                    if match and str(result.get("status", "")).startswith("2"):
                        self._scopes[-1].created.setdefault((match[1], match[2]), match[2])
                        self._ever.setdefault((match[1], match[2]), match[2])
        elif method == "DELETE" and response.status in (200, 204, 404):
            item = _resource_path(path)
            if item:
                for scope in self._scopes:
                    name = scope.created.pop((item[1], item[2]), None)
                    if name is not None:
                        self._deleted[(item[1], item[2])] = name

    def _remember(self, endpoint: str, response: ScimResponse) -> None:
        """Record a created resource by its ``id``, or by ``Location`` when the body has none
        (RFC 7644 §3.3 only SHOULDs the body; the resource exists either way)."""
        body = response.body if isinstance(response.body, Mapping) else {}
        resource_id = body.get("id")
        if not (isinstance(resource_id, str) and resource_id):
            match = _RESOURCE_PATH.match(self.relative(response.headers.get("location", "")))
            if not match or match[1] != endpoint:
                # Created (2xx), but neither an id nor a Location says what: the
                # run cannot remove it, and says so rather than report nothing.
                exchange = response.exchange
                self.unidentified.append(
                    Leftover(
                        endpoint,
                        "",
                        _sent_name(exchange.request_body) or "(unknown)",
                        "unknown",
                        f"{exchange.method} {self.relative(exchange.url)} → {response.status} "
                        "with no id in the body and no Location: a resource may have been "
                        "created that the run cannot find to remove",
                    )
                )
                return
            resource_id = match[2]
        name = body.get("userName") or body.get("displayName") or resource_id
        self._scopes[-1].created[(endpoint, resource_id)] = str(name)
        self._ever[(endpoint, resource_id)] = str(name)

    # -- cleanup -------------------------------------------------------------

    @contextmanager
    def scope(self) -> Iterator[None]:
        """One check's lifetime: what it creates is removed when it closes — at once,
        or, with ``batch_cleanup``, with everything else at the end of the run."""
        self._scopes.append(_Scope())
        try:
            yield
        finally:
            closed = self._scopes.pop()
            if self.batch_cleanup:
                self._scopes[0].created.update(closed.created)
            else:
                self._clean(closed)

    def cleanup(self) -> None:
        """Remove everything still recorded, sweep the prefix, and verify (end of run,
        also after Ctrl-C): :attr:`leftovers` then lists exactly what is still there."""
        while len(self._scopes) > 1:
            self._clean(self._scopes.pop())
        self._clean(self._scopes[0])
        self._scopes[0] = _Scope()
        for (endpoint, resource_id), name in self._deleted.items():
            if self.client.get(f"/{endpoint}/{resource_id}").status == 200:
                self._remove(endpoint, resource_id, name)
        self._deleted.clear()
        self.sweep()
        self.verify()
        self.leftovers += [item for item in self.unidentified if item not in self.leftovers]

    def sweep(self) -> None:
        """Find what the run created but never saw answered, by its prefix, and remove it.

        A POST that timed out, or whose answer Ctrl-C cut off, may still have
        created the resource; a DELETE may have answered 204 and only
        deactivated. Without ``sw`` (a target may refuse it, RFC 7644 §3.12):
        the names of unanswered POSTs are looked up with ``eq``, and each
        collection is walked page by page (bounded, :func:`walk_collection`)
        for names that start with the run's random prefix — which names only
        what this run made, so short custom prefixes are not swept at all.
        A walk that stops early says so in :attr:`sweep_notes`.
        """
        if self.read_only or len(self.prefix) < MIN_SWEEP_PREFIX:
            return
        found: list[tuple[str, Mapping[str, Any]]] = []
        for endpoint, name in sorted(self._unanswered):
            answer = self.client.get(
                f"/{endpoint}", params={"filter": eq_any(NAME_ATTRIBUTE[endpoint], [name])}
            )
            body = answer.body if answer.status == 200 else None
            for item in (body.get("Resources") or []) if isinstance(body, Mapping) else []:
                if isinstance(item, Mapping):
                    found.append((endpoint, item))
        for endpoint in ("Groups", "Users"):  # groups first, as in _clean
            walk = walk_collection(self.client.get, endpoint, named_with(self.prefix, endpoint))
            found += [(endpoint, item) for item in walk.kept]
            note = walk.note()
            if note:
                self.sweep_notes.append(note)
        reported = {(item.endpoint, item.id) for item in self.leftovers}
        for endpoint, item in found:
            key = (endpoint, str(item.get("id")))
            if not isinstance(item.get("id"), str) or key in self._ever or key in reported:
                continue  # known: verify() looks it up again
            name = str(item.get(NAME_ATTRIBUTE[endpoint]) or key[1])
            self._ever[key] = name
            self._remove(endpoint, key[1], name)

    def verify(self) -> None:
        """Look up again, by id, every resource the run created or swept (RFC 7644 §3.4.1).

        A DELETE answered 204 proves nothing: a server that only deactivates
        still returns the user. What GET still finds is a leftover —
        ``deactivated`` when it reads ``active: false``, else ``kept`` — and
        is no longer counted as removed; what GET cannot confirm (an error, no
        answer) is listed too, with that reason.
        """
        reported = {(item.endpoint, item.id) for item in self.leftovers}
        for key, name in self._ever.items():
            if key in reported:
                continue
            endpoint, resource_id = key
            path = f"/{endpoint}/{resource_id}"
            found = self.client.get(path)
            if found.status in (404, 410):
                continue
            if key in self._claimed:
                self._claimed.discard(key)
                self.removed -= 1
            deleted = self._answers.get(key, "never deleted")
            body = found.body if isinstance(found.body, Mapping) else {}
            if found.status == 200:
                inactive = endpoint == "Users" and body.get("active") is False
                reason = f"{deleted}, yet GET still finds it" + (
                    " (active false)" if inactive else ""
                )
                outcome = "deactivated" if inactive else "kept"
            else:
                reason = (
                    f"{deleted}; GET {path} → {found.status or found.error}: removal unconfirmed"
                )
                outcome = "kept"
            self.leftovers.append(Leftover(endpoint, resource_id, name, outcome, reason))

    def _claim(self, key: tuple[str, str]) -> None:
        """Count a removal the target confirmed (once per resource; verify may take it back)."""
        if key not in self._claimed:
            self._claimed.add(key)
            self.removed += 1

    def _clean(self, scope: _Scope) -> None:
        # Groups first: deleting a user that is still a member is a needless
        # extra rule for the target to get right during cleanup.
        items = sorted(scope.created.items(), key=lambda kv: kv[0][0] != "Groups")
        if self.batch_cleanup and len(items) > 1 and self.capabilities.has("bulk"):
            items = self._bulk_remove(items)
        for (endpoint, resource_id), name in items:
            self._remove(endpoint, resource_id, name)
        scope.created.clear()

    def _bulk_remove(
        self, items: list[tuple[tuple[str, str], str]]
    ) -> list[tuple[tuple[str, str], str]]:
        """DELETE through /Bulk (RFC 7644 §3.7) in chunks; returns what it did not remove.

        One request instead of hundreds at the end of a run. Only operations
        the BulkResponse reports as 2xx/404 count as removed; anything else —
        and everything, if the Bulk answer is unusable — falls back to a
        DELETE of its own, and the prefix sweep afterwards catches the rest.
        """
        limit = min(self.capabilities.limits.get("bulk.maxOperations", 100), 100)
        remaining: list[tuple[tuple[str, str], str]] = []
        for start in range(0, len(items), max(limit, 1)):
            chunk = items[start : start + max(limit, 1)]
            body = bulk_body(
                *({"method": "DELETE", "path": f"/{ep}/{rid}"} for (ep, rid), _ in chunk)
            )
            answer = self.client.post("/Bulk", body)
            done: set[str] = set()
            if answer.status == 200 and isinstance(answer.body, Mapping):
                for result in answer.body.get("Operations") or []:
                    if not isinstance(result, Mapping):
                        continue
                    status = str(result.get("status", ""))
                    location = self.relative(str(result.get("location") or ""))
                    if status.startswith("2") or status == "404":
                        done.add(location)
            for (endpoint, resource_id), name in chunk:
                if f"/{endpoint}/{resource_id}" in done:
                    self._answers[(endpoint, resource_id)] = (
                        f"Bulk DELETE /{endpoint}/{resource_id}"
                    )
                    self._claim((endpoint, resource_id))
                else:
                    remaining.append(((endpoint, resource_id), name))
        return remaining

    def _remove(self, endpoint: str, resource_id: str, name: str) -> None:
        """DELETE one resource; where DELETE is refused, deactivate a user (as Okta does).
        Whether it is gone is for :meth:`verify` to find out."""
        path = f"/{endpoint}/{resource_id}"
        key = (endpoint, resource_id)
        self._ever.setdefault(key, name)
        response = self.client.delete(path)
        reason = self._answers[key] = f"DELETE {path} → {response.status or response.error}"
        if response.status in (200, 204, 404):
            self._claim(key)
            return
        if endpoint == "Users" and response.status in (403, 405, 501):
            patched = self.client.patch(path, DEACTIVATE)
            if patched.status in (200, 204):
                self.leftovers.append(Leftover(endpoint, resource_id, name, "deactivated", reason))
                return
            reason += f"; PATCH active=false → {patched.status or patched.error}"
        self.leftovers.append(Leftover(endpoint, resource_id, name, "kept", reason))
