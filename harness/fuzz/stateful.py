"""Request sequences as a state machine: create, replace, patch, delete, membership.

The single-request oracles judge one answer against the target's own
pre-image; some defects only show across requests — a DELETE that answers
204 and deletes nothing, a PUT that merges instead of replacing, a member
removal that empties the group, ``User.groups`` that forgets a membership.
:class:`ScimStateMachine` (a hypothesis ``RuleBasedStateMachine``) sends
random sequences of such requests and keeps a **model** of what the target
must hold, computed only from the requests the target accepted, by the
semantics core:

* POST — ``prepare_create`` (RFC 7644 §3.3);
* PUT — ``prepare_replace`` (§3.5.1: omitted readWrite attributes cleared);
* PATCH — ``oracles.core_patch`` = ``parse_patch_request`` + ``apply_patch``
  + ``validate_resource`` (§3.5.2, atomic); membership changes are PATCHes of
  ``members`` (§3.5.2.1 add, §3.5.2.2 remove with a value filter);
* DELETE — the resource is gone (§3.6). A Group that listed a deleted User
  may drop the member or keep the dangling reference: referential integrity
  is a MAY (RFC 7643 §2.3.7) and §3.6 says nothing about references, so the
  model drops it and the comparisons ignore a kept one (:func:`drop_dangling_members`).

After every step the invariants read the target back: each live resource
equals its model (``oracles.differences``: id, meta, readOnly and
never-returned attributes excluded), each deleted one answers 404, ids never
change, and ``User.groups`` mirrors ``Group.members`` (RFC 7643 §4.1.2, §4.2)
when the target returns ``groups`` at all. Every answer is also held to
``oracles.invariants`` (no 5xx, 4xx bodies are SCIM Errors, §3.12).

A failure raises :class:`~harness.fuzz.findings.FindingsFailed` carrying
every exchange since the machine started (printed as curl lines in the
exception's notes) and the replay steps with ``{idN}`` placeholders;
hypothesis shrinks the *rule sequence*, so the sequence a person reads is a
minimal one. Each step carries the expectation a replay checks: ``setup`` for
an accepted POST (its id becomes ``{idN}``), the status a conformant target
answers for a write, ``resource {json}`` (the model) for a read-back or a
write answer that differs from the model. Resources are created under the
run prefix and deleted when the machine is torn down
(:meth:`FuzzTarget.example`).
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import hypothesis
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from harness.client import ScimResponse
from harness.fuzz.allowances import Site, assigned, ignored_at_creation, not_writable
from harness.fuzz.findings import Finding, FindingsFailed, ReplayStep
from harness.fuzz.oracles import LENIENT, STRICT, core_patch, differences, invariants
from harness.fuzz.patches import invalid_patch_bodies, patch_bodies
from harness.fuzz.resources import group_bodies, user_bodies
from harness.fuzz.target import FuzzTarget, resource_type_of
from harness.scim.compat import DEFAULT, Compat
from harness.scim.errors import ScimError
from harness.scim.resources import prepare_create, prepare_replace
from harness.scim.schema import PATCH_OP_URN

JsonDict = dict[str, Any]
#: (endpoint, id): "Users" or "Groups" and the id the target assigned.
Key = tuple[str, str]

#: Finding kinds of request sequences, with the rule each rests on. ``Finding.of``
#: knows the single-request kinds (harness.fuzz.findings.KINDS); these two are the
#: machine's own.
STATE_DIFFERENTIAL = ("state-differential", "RFC 7644 §3.3, §3.5.1, §3.5.2, §3.6")
VALID_REJECTED = ("valid-rejected", "RFC 7644 §3.3, §3.5.1, §3.5.2")
_SEQUENCES = itertools.count(1)
#: The attributes a conformant target may refuse a duplicate of with 409
#: (RFC 7643 §4.1.1 userName "uniqueness: server"; externalId and Group
#: displayName are unique in the reference server and in Entra's matching).
_UNIQUE = {"Users": ("userName", "externalId"), "Groups": ("displayName", "externalId")}
_CASE_EXACT_UNIQUE = frozenset({"externalId"})


def _patch_op(*operations: JsonDict) -> JsonDict:
    return {"schemas": [PATCH_OP_URN], "Operations": list(operations)}


def add_member_body(user_id: str) -> JsonDict:
    """RFC 7644 §3.5.2.1: ``add`` to ``members`` (a value already present is no change)."""
    return _patch_op({"op": "add", "path": "members", "value": [{"value": user_id}]})


def remove_member_body(user_id: str) -> JsonDict:
    """RFC 7644 §3.5.2.2: ``remove`` with a value filter — only the matching member goes
    (Okta removes members exactly this way)."""
    return _patch_op({"op": "remove", "path": f'members[value eq "{user_id}"]'})


class ScimStateMachine(RuleBasedStateMachine):
    """Users, Groups and memberships of one run, against a model (see the module doc).

    Hypothesis instantiates the class itself, so the target is a class
    attribute: build the class for a target with :func:`machine_for`.
    """

    fuzz_target: ClassVar[FuzzTarget]
    #: Incremented once per sequence (a campaign counts examples with it).
    counter: ClassVar[list[int] | None] = None

    users = Bundle("users")
    groups = Bundle("groups")

    def __init__(self) -> None:
        super().__init__()
        self.target = type(self).fuzz_target
        if self.counter is not None:
            self.counter[0] += 1
        self._example = ExitStack()
        self._example.enter_context(self.target.example())
        #: What each live resource must hold (core internal form, no id/meta).
        self.model: dict[Key, JsonDict] = {}
        self.deleted: set[Key] = set()
        #: The attribute sites the client ever wrote, per resource (allowances.Site).
        self.ever_set: dict[Key, set[Site]] = {}
        #: Changed since the invariants last read them back (live / deleted).
        self.dirty: set[Key] = set()
        self.unchecked: set[Key] = set()
        self.steps: list[ReplayStep] = []
        #: Whether the target has ever returned ``groups`` on a User.
        self.serves_groups = False
        self._suffix = itertools.count(1)
        #: Marks this sequence's names: a target that failed to delete an earlier
        #: sequence's resources must not turn this one's creates into 409s.
        self.tag = f"s{next(_SEQUENCES)}"

    def teardown(self) -> None:
        """Delete what this sequence created (the target's cleanup, prefix-guarded)."""
        self._example.close()

    # -- evidence ----------------------------------------------------------------

    def _record(self, response: ScimResponse, expect: str) -> None:
        exchange = response.exchange
        path = exchange.url
        base = self.target.client.base_url
        if path.startswith(base):
            path = path[len(base) :] or "/"
        body = _json_or_none(exchange.request_body)
        self.steps.append(
            ReplayStep(
                exchange.method,
                self.target.template_path(path),
                self.target.template(body),
                expect,
            )
        )

    def fail(self, kind: tuple[str, str], summary: str) -> None:
        """Raise a finding whose evidence is the whole sequence so far."""
        self.raise_findings([Finding(kind[0], kind[1], summary)])

    def raise_findings(self, findings: list[Finding]) -> None:
        for finding in findings:
            finding.summary = self.target.template_text(finding.summary)
            finding.exchanges = list(self.target.client.exchanges)
            finding.steps = list(self.steps)
        failure = FindingsFailed(findings)
        for finding in findings:
            failure.add_note(finding.text())
        raise failure

    def _checked(self, response: ScimResponse, expect: str) -> ScimResponse:
        """Record a request and hold its answer to the single-answer invariants."""
        self._record(response, expect)
        broken = invariants(response, self.target)
        if broken:
            self.raise_findings(broken)
        return response

    def _resource_expect(self, resource: JsonDict) -> str:
        """``resource {json}``: the replay compares the answer with the model, as
        ``oracles.patch_oracle`` records it (ids as ``{idN}``)."""
        return f"resource {json.dumps(self.target.template(resource))}"

    # -- the model's own rules -----------------------------------------------------

    def _deleted_users(self) -> set[str]:
        return {resource_id for endpoint, resource_id in self.deleted if endpoint == "Users"}

    def _served(self, endpoint: str, body: Any) -> Any:
        """The target's ``body`` as the model judges it: a Group without the members that
        are Users deleted in this sequence and not in the model (either reading of
        RFC 7643 §2.3.7 is conformant, see :func:`drop_dangling_members`)."""
        if endpoint != "Groups" or not isinstance(body, dict):
            return body
        listed = _member_values(self.model.get(("Groups", str(body.get("id"))), {}))
        return drop_dangling_members(body, self._deleted_users(), listed)

    def _differences(self, endpoint: str, resource_id: str, body: Any) -> list[str]:
        """How the target's ``body`` differs from the model in what the client set.

        A provider may add defaults to attributes the client left unassigned
        and drop attributes its ``/Schemas`` does not declare (RFC 7644 §3.3,
        :mod:`harness.fuzz.allowances`); everything else the client wrote must
        be there as the core computes it.
        """
        key = (endpoint, resource_id)
        resource_type = resource_type_of(endpoint)
        model = self.model[key]
        allowances = self.target.allowances
        served = self._served(endpoint, body)
        if isinstance(served, dict):
            ever = frozenset(self.ever_set.get(key, ()))
            served = allowances.served(key, resource_type, model, served, ever)
        return differences(resource_type, allowances.expected(resource_type, model), served)

    def _live(self, endpoint: str) -> Iterable[tuple[str, JsonDict]]:
        return ((rid, res) for (ep, rid), res in self.model.items() if ep == endpoint)

    def _fresh(self, endpoint: str, body: JsonDict, own_id: str | None = None) -> JsonDict:
        """``body`` with its unique attributes made distinct from the other resources'
        (the sequence's tag, then a suffix while the model knows the value), so that a
        409 is never the expected answer: shrinking drives drawn names towards equal
        ones, and a defective target may keep earlier sequences' resources."""
        body = copy.deepcopy(body)
        prefix = self.target.prefix
        for name in _UNIQUE[endpoint]:
            value = body.get(name)
            if not isinstance(value, str):
                continue
            if value.startswith(prefix):
                value = f"{prefix}{self.tag}-{value[len(prefix) :]}"
            else:
                value = f"{value}-{self.tag}"
            while self._taken(endpoint, name, value, own_id):
                value = f"{value}-{next(self._suffix)}"
            body[name] = value
        return self.target.required(endpoint, body)  # what the target's /Schemas requires

    def _taken(self, endpoint: str, name: str, value: str, own_id: str | None) -> bool:
        def same(other: Any) -> bool:
            if not isinstance(other, str):
                return False
            return (
                other == value
                if name in _CASE_EXACT_UNIQUE
                else other.casefold() == (value.casefold())
            )

        return any(rid != own_id and same(res.get(name)) for rid, res in self._live(endpoint))

    def _conflicts(self, endpoint: str, resource: JsonDict, own_id: str) -> bool:
        return any(
            isinstance(resource.get(name), str)
            and self._taken(endpoint, name, resource[name], own_id)
            for name in _UNIQUE[endpoint]
        )

    # -- requests ------------------------------------------------------------------

    def _create(self, endpoint: str, body: JsonDict) -> str | None:
        resource_type = resource_type_of(endpoint)
        verdict = _core(lambda compat: prepare_create(copy.deepcopy(body), resource_type, compat))
        response, resource_id = self.target.create(endpoint, body)
        self._checked(response, _create_expect(verdict, response))
        if not response.ok:
            if verdict.refusal is None:
                self.fail(
                    VALID_REJECTED,
                    f"POST /{endpoint} of a valid body → {_refused(response)}",
                )
            return None
        if verdict.result is None:
            detail = verdict.refusal.detail if verdict.refusal else ""
            self.fail(
                ("invalid-accepted", "RFC 7644 §3.3"),
                f"POST /{endpoint} answered {response.status} to a body the core refuses "
                f"({detail})",
            )
            return None
        if resource_id is None:
            self.fail(("id-unstable", "RFC 7643 §3.1"), f"POST /{endpoint} returned no id")
            return None
        model = ignored_at_creation(resource_type, verdict.result, response.body)
        self._set(endpoint, resource_id, model)
        self._compare_body(endpoint, resource_id, response, "the POST answer")
        return resource_id

    def _replace(self, endpoint: str, resource_id: str, body: JsonDict) -> None:
        resource_type = resource_type_of(endpoint)
        key = (endpoint, resource_id)
        before = self.model[key]
        expected = _core(
            lambda compat: prepare_replace(before, copy.deepcopy(body), resource_type, compat)
        )
        response = self.target.put(endpoint, resource_id, body)
        self._judge_write("PUT", endpoint, resource_id, response, expected)

    def _patch(self, endpoint: str, resource_id: str, body: Any) -> None:
        resource_type = resource_type_of(endpoint)
        before = self.model[(endpoint, resource_id)]
        expected = _core(lambda compat: core_patch(before, body, resource_type, compat))
        response = self.target.patch(endpoint, resource_id, body)
        self._judge_write("PATCH", endpoint, resource_id, response, expected)

    def _judge_write(
        self,
        method: str,
        endpoint: str,
        resource_id: str,
        response: ScimResponse,
        expected: Verdict,
    ) -> None:
        """An accepted write must be one the core accepts, and becomes the model; a
        refused one must change nothing (§3.5.2: "the entire request fails").

        The write is recorded once its outcome is known, with the expectation a
        conformant target meets (the one this answer broke, if any), so that a
        replay of the finding checks that very request.
        """
        where = f"{method} /{endpoint}/{resource_id}"
        conflict = (
            response.status == 409
            and expected.result is not None
            and self._conflicts(endpoint, expected.result, resource_id)
        ) or (
            # An attribute the target's /Schemas declares immutable or readOnly (RFC 7643
            # §2.2; RFC 7644 §3.5.1 "400 ... with a scimType of mutability"), or does
            # not define (RFC 7644 §3.5.2).
            response.status == 400
            and expected.result is not None
            and bool(
                not_writable(
                    self.target.discovery,
                    resource_type_of(endpoint),
                    self.model[(endpoint, resource_id)],
                    expected.result,
                )
            )
        )
        self._checked(response, _write_expect(expected, response, conflict))
        if response.ok:
            if expected.result is None:
                detail = expected.refusal.detail if expected.refusal else ""
                self.fail(
                    ("invalid-accepted", "RFC 7644 §3.5.1, §3.5.2"),
                    f"{where} answered {response.status}; the core refuses it ({detail})",
                )
                return
            self._set(endpoint, resource_id, expected.result)
            self._compare_body(endpoint, resource_id, response, f"the {method} answer")
            return
        if expected.refusal is None and not conflict:
            self.fail(VALID_REJECTED, f"{where} of a valid request → {_refused(response)}")
        after = self._checked(self.target.get(endpoint, resource_id), "unchanged")
        changed = self._differences(endpoint, resource_id, after.body)
        if after.status == 200 and changed:
            kind = (
                ("patch-not-atomic", "RFC 7644 §3.5.2")
                if method == "PATCH"
                else (STATE_DIFFERENTIAL)
            )
            self.fail(kind, f"{where} → {response.status}, yet it changed: {'; '.join(changed)}")

    def _set(self, endpoint: str, resource_id: str, resource: JsonDict) -> None:
        """The new model state; marks what the invariants must read back: the resource
        and, for a Group, the Users whose ``groups`` the change affects (before or after)."""
        key = (endpoint, resource_id)
        before = self.model.get(key)
        self.model[key] = resource
        self.ever_set.setdefault(key, set()).update(assigned(resource_type_of(endpoint), resource))
        self.dirty.add(key)
        if endpoint == "Groups":
            for state in (before, resource):
                for member in (state or {}).get("members") or []:
                    if isinstance(member, dict) and ("Users", member.get("value")) in self.model:
                        self.dirty.add(("Users", str(member.get("value"))))

    def _compare_body(
        self, endpoint: str, resource_id: str, response: ScimResponse, what: str
    ) -> None:
        """A 2xx answer carrying the resource shows the new state (§3.3, §3.5.1, §3.5.2)."""
        body = response.body
        if response.status == 204 or not isinstance(body, dict) or "id" not in body:
            return
        if body.get("id") != resource_id:
            self.fail(
                ("id-unstable", "RFC 7643 §3.1"),
                f"{what} for {endpoint}/{resource_id} carries id {body.get('id')!r}",
            )
        expected = self.model[(endpoint, resource_id)]
        found = self._differences(endpoint, resource_id, body)
        if found:
            # The write was recorded with its status (or as ``setup``); what it broke
            # is its answer's content, so that is what a replay must check.
            self.steps[-1] = replace(self.steps[-1], expect=self._resource_expect(expected))
            self.fail(STATE_DIFFERENTIAL, f"{what} ({endpoint}/{resource_id}): {'; '.join(found)}")

    def _delete(self, endpoint: str, resource_id: str) -> None:
        response = self._checked(self.target.delete(endpoint, resource_id), "status 2xx")
        if not response.ok:
            self.fail(VALID_REJECTED, f"DELETE /{endpoint}/{resource_id} → {_refused(response)}")
        if endpoint == "Groups":
            self._set(endpoint, resource_id, {})  # its members' groups change
        del self.model[(endpoint, resource_id)]
        self.dirty.discard((endpoint, resource_id))
        self.deleted.add((endpoint, resource_id))
        self.unchecked.add((endpoint, resource_id))
        if endpoint == "Users":
            # The model drops the member (a provider enforcing referential integrity);
            # a provider may also keep it: RFC 7643 §2.3.7 makes integrity a MAY and
            # RFC 7644 §3.6 says nothing about references, so `_served` ignores a
            # dangling one. The Groups are still read back: their other members,
            # displayName … must be intact.
            for group_id, group in list(self._live("Groups")):
                kept = [m for m in group.get("members") or [] if m.get("value") != resource_id]
                if len(kept) != len(group.get("members") or []):
                    self._set("Groups", group_id, _with_members(group, kept))

    # -- rules -----------------------------------------------------------------------

    @rule(target=users, data=st.data())
    def create_user(self, data: st.DataObject) -> Any:
        body = self._fresh("Users", data.draw(user_bodies(self.target.prefix), label="body"))
        created = self._create("Users", body)
        return multiple() if created is None else created

    @rule(target=groups, data=st.data(), members=st.lists(users, max_size=3, unique=True))
    def create_group(self, data: st.DataObject, members: list[str]) -> Any:
        body = data.draw(group_bodies(self.target.prefix), label="body")
        if members:
            body["members"] = [{"value": user_id} for user_id in members]
        created = self._create("Groups", self._fresh("Groups", body))
        return multiple() if created is None else created

    @rule(user=users, data=st.data())
    def replace_user(self, user: str, data: st.DataObject) -> None:
        body = data.draw(user_bodies(self.target.prefix), label="body")
        self._replace("Users", user, self._fresh("Users", body, user))

    @rule(group=groups, data=st.data(), members=st.lists(users, max_size=3, unique=True))
    def replace_group(self, group: str, data: st.DataObject, members: list[str]) -> None:
        body = data.draw(group_bodies(self.target.prefix), label="body")
        if members:
            body["members"] = [{"value": user_id} for user_id in members]
        self._replace("Groups", group, self._fresh("Groups", body, group))

    @rule(user=users, data=st.data())
    def patch_user(self, user: str, data: st.DataObject) -> None:
        self._patch("Users", user, data.draw(self._patch_bodies("Users", user), label="body"))

    @rule(group=groups, data=st.data())
    def patch_group(self, group: str, data: st.DataObject) -> None:
        self._patch("Groups", group, data.draw(self._patch_bodies("Groups", group), label="body"))

    @rule(group=groups, user=users)
    def add_member(self, group: str, user: str) -> None:
        self._patch("Groups", group, add_member_body(user))

    @rule(group=groups, user=users)
    def remove_member(self, group: str, user: str) -> None:
        self._patch("Groups", group, remove_member_body(user))

    @rule(user=consumes(users))
    def delete_user(self, user: str) -> None:
        self._delete("Users", user)

    @rule(group=consumes(groups))
    def delete_group(self, group: str) -> None:
        self._delete("Groups", group)

    def _patch_bodies(self, endpoint: str, resource_id: str) -> st.SearchStrategy[Any]:
        """Valid PatchOps for the modelled resource, and now and then an invalid one (which
        must be refused with 400 and change nothing, §3.5.2)."""
        resource_type = resource_type_of(endpoint)
        resource = copy.deepcopy(self.model[(endpoint, resource_id)])
        users = [user_id for user_id, _ in self._live("Users")]
        return st.one_of(
            patch_bodies(resource_type, resource, member_ids=users, max_operations=3),
            invalid_patch_bodies(resource_type, resource),
        )

    # -- invariants --------------------------------------------------------------------

    @invariant()
    def target_matches_model(self) -> None:
        """Live resources equal their model, deleted ones are 404 (RFC 7644 §3.6), ids are
        stable (RFC 7643 §3.1), and User.groups mirrors Group.members (§4.1.2, §4.2).

        Read back: what the last step changed (the resource, the Users whose
        ``groups`` it changed, the Groups a deleted User left) — each request
        costs time and the other resources' state did not change.
        """
        served: dict[Key, JsonDict] = {}
        for endpoint, resource_id in sorted(self.dirty):
            expected = self.model[(endpoint, resource_id)]
            response = self._checked(
                self.target.get(endpoint, resource_id), self._resource_expect(expected)
            )
            if response.status != 200 or not isinstance(response.body, dict):
                self.fail(
                    STATE_DIFFERENTIAL,
                    f"GET /{endpoint}/{resource_id} of a live resource → {response.status}",
                )
                return
            body = response.body
            if body.get("id") != resource_id:
                self.fail(
                    ("id-unstable", "RFC 7643 §3.1"),
                    f"GET /{endpoint}/{resource_id} carries id {body.get('id')!r}",
                )
            found = self._differences(endpoint, resource_id, body)
            if found:
                self.fail(STATE_DIFFERENTIAL, f"{endpoint}/{resource_id}: {'; '.join(found)}")
            served[(endpoint, resource_id)] = body
        self.dirty.clear()
        for endpoint, resource_id in sorted(self.unchecked):
            response = self.target.get(endpoint, resource_id)
            # 404 (§3.6), or the 410 some providers answer: the replay expects what
            # this target said, so it does not report the tolerated 410 as a defect.
            self._checked(response, "status 410" if response.status == 410 else "status 404")
            if response.status not in (404, 410):
                self.fail(
                    STATE_DIFFERENTIAL,
                    f"GET /{endpoint}/{resource_id} after its DELETE → {response.status}, not 404",
                )
        self.unchecked.clear()
        self._check_membership(served)

    def _check_membership(self, served: dict[Key, JsonDict]) -> None:
        """RFC 7643 §4.1.2: ``groups`` lists the Groups the User is a direct member of.

        Judged against the model's memberships (equal to the served ones, by the
        check above), only once the target has shown ``groups`` on some User — a
        provider may leave the readOnly attribute out altogether.
        """
        users = {rid: body for (ep, rid), body in served.items() if ep == "Users"}
        self.serves_groups = self.serves_groups or any("groups" in body for body in users.values())
        if not self.serves_groups:
            return
        problems = []
        for user_id, body in sorted(users.items()):
            listed = {
                str(entry.get("value"))
                for entry in body.get("groups") or []
                if isinstance(entry, dict)
                and str(entry.get("type", "direct")).casefold() != "indirect"
            }
            member_of = {
                group_id
                for group_id, group in self._live("Groups")
                if any(m.get("value") == user_id for m in group.get("members") or [])
            }
            if listed != member_of:
                problems.append(
                    f"User {user_id!r}: groups {sorted(listed)}, member of {sorted(member_of)}"
                )
        if problems:
            self.fail(("membership-asymmetric", "RFC 7643 §4.1.2, §4.2"), "; ".join(problems))


def _with_members(group: JsonDict, members: list[JsonDict]) -> JsonDict:
    updated = {key: value for key, value in group.items() if key != "members"}
    if members:
        updated["members"] = members
    return updated


def _member_values(group: JsonDict) -> set[str]:
    return {
        str(member.get("value"))
        for member in group.get("members") or []
        if isinstance(member, dict) and member.get("value") is not None
    }


def drop_dangling_members(group: JsonDict, deleted: set[str], listed: set[str]) -> JsonDict:
    """``group`` without the members that reference a deleted User (``deleted``) and are
    not among the expected members (``listed``).

    RFC 7643 §2.3.7: "A SCIM service provider MAY choose to enforce referential
    integrity for reference types referring to SCIM resources"; RFC 7644 §3.6
    only requires the deleted resource itself to answer 404 and leave query
    results. So after ``DELETE /Users/x`` a Group may list ``x`` or not, and the
    comparison (``oracles.differences``) must not count a kept ``x``. Every other
    member, and every other attribute, is still compared.
    """
    members = group.get("members")
    dangling = deleted - listed
    if not isinstance(members, list) or not dangling:
        return group
    kept = [
        member
        for member in members
        if not (isinstance(member, dict) and str(member.get("value")) in dangling)
    ]
    if len(kept) == len(members):
        return group
    return {**group, "members": kept}


@dataclass(frozen=True)
class Verdict:
    """What the core makes of a request under each reading it knows.

    A target may be RFC-strict or IdP-tolerant (``harness.scim.compat``): it
    may refuse what some reading refuses, and may accept what some reading
    accepts — then the strictest accepting reading's result is the new state.
    """

    #: The resource to expect if the target accepts; None when every reading refuses.
    result: JsonDict | None
    #: Why a refusal is acceptable (the first reading's error), or None: it is not.
    refusal: ScimError | None


def _core(step: Callable[[Compat], JsonDict | ScimError]) -> Verdict:
    result: JsonDict | None = None
    refusal: ScimError | None = None
    for compat in (STRICT, DEFAULT, LENIENT):
        try:
            verdict = step(compat)
        except ScimError as error:
            verdict = error
        if isinstance(verdict, ScimError):
            refusal = refusal or verdict
        elif result is None:
            result = verdict
    return Verdict(result, refusal)


def _create_expect(verdict: Verdict, response: ScimResponse) -> str:
    """What a replay expects of a POST, given how the target answered it: ``setup`` for
    a resource the sequence goes on with, else what a conformant target answers —
    2xx for a valid body (the ``valid-rejected`` finding), 4xx for one every
    reading refuses (``invalid-accepted``), and anything but 5xx when the readings
    disagree (RFC 7644 §3.3)."""
    if response.ok:
        return "setup" if verdict.result is not None else "status 4xx"
    return _write_expect(verdict, response, conflict=False)


def _write_expect(verdict: Verdict, response: ScimResponse, conflict: bool) -> str:
    """The expectation a write's replay checks (see :func:`_create_expect`); a refusal
    explained by a uniqueness conflict (409, RFC 7644 §3.3) is not a defect."""
    if response.ok:
        return "status 2xx" if verdict.result is not None else "status 4xx"
    if verdict.refusal is None and not conflict:
        return "status 2xx"
    return "status 4xx" if verdict.result is None else "not 5xx"


def _refused(response: ScimResponse) -> str:
    """The status and, from a SCIM Error body (RFC 7644 §3.12), ``scimType`` and
    ``detail``: a valid-rejected finding says which rule the target applied, so a
    reader can judge model against target without opening the exchanges."""
    if response.status is None:
        return response.error or "no answer"
    body = response.body
    if not isinstance(body, dict):
        return str(response.status)
    reason = " ".join(str(body[key]) for key in ("scimType", "detail") if body.get(key))
    return f"{response.status} ({reason})" if reason else str(response.status)


def _json_or_none(raw: str | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def machine_for(target: FuzzTarget, counter: list[int] | None = None) -> type[ScimStateMachine]:
    """The state machine class bound to ``target`` (hypothesis builds the instances);
    ``counter[0]`` is incremented once per sequence run."""
    attributes = {"fuzz_target": target, "counter": counter}
    return type("ScimStateMachine", (ScimStateMachine,), attributes)


def run_stateful(
    target: FuzzTarget,
    config: hypothesis.settings,
    seed: int | None = None,
    counter: list[int] | None = None,
) -> None:
    """One campaign chunk: ``config.max_examples`` sequences, seeded; raises
    :class:`FindingsFailed` with the shrunk sequence's findings (hypothesis re-raises
    the minimal failing example's error)."""
    machine = machine_for(target, counter)
    if seed is not None:
        machine = hypothesis.seed(seed)(machine)
    run_state_machine_as_test(machine, settings=config)


def run_machine(
    target: FuzzTarget, config: hypothesis.settings, seed: int | None = None
) -> list[Finding]:
    """:func:`run_stateful` returning the findings (``[]`` when the target kept every
    rule). The caller cleans up at the end with ``target.cleanup()``."""
    try:
        run_stateful(target, config, seed)
    except FindingsFailed as failed:
        return failed.findings
    return []


__all__ = [
    "ScimStateMachine",
    "add_member_body",
    "drop_dangling_members",
    "machine_for",
    "remove_member_body",
    "run_machine",
    "run_stateful",
]
