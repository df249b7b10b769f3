"""Which earlier steps a step needs: a failed step blocks only the steps that depend on it.

Why: one failure used to end the scenario, so a single broken answer hid the
rest of the flow (a rename refused, and the member removal Okta sends next —
the worst defect — was never tried). Okta itself works the same way: each
provisioning task stands on its own, and only a task about a user or group
that never reached the app cannot be sent (developer.okta.com,
docs/api/openapi/okta-scim/guides/scim-20: Okta updates, deactivates and
pushes memberships by the SCIM ``id`` it stored when the user or group was
created). So the dependencies are read from the scenario itself, once, before
it runs:

* a step that uses a value a ``request`` step saved (``${first_id}``) needs
  the step that saved it;
* a step on a user (its ``login``, or ``${scim.<login>.id}`` anywhere in it)
  needs one of the earlier steps that put that user on the app — its
  assignment, the assignment of a group it is in, a sign-in (just-in-time),
  an import (which links users) or a retry of the failed tasks;
* a step on a pushed group (add or remove a member, rename, unlink, or
  ``${pushed.<name>.id}``) needs the push of that group (under any name it
  has had); unassigning a group needs its assignment;
* an Okta event after ``okta_api`` calls (which configure the app's
  connection) needs each of them.

A :class:`Need` is satisfied when at least one of its steps did what it
does — a user created on the second try is created. A step whose action
succeeded (Okta reported success; a raw request answered 2xx with its values
saved) satisfies its dependants even when one of its own expectations failed:
a server that drops ``name.givenName`` fails the creation step once, and the
update, deactivation and reactivation after it are still judged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mock_okta.namespace import VARIABLE
from mock_okta.org import EVERYONE
from mock_okta.scenario import EVENT_ARGS, RAW_EVENTS, Event, Scenario, Step
from mock_okta.walk import map_strings

#: Events that put a user on the app (with the user they name, or every user).
_PROVISIONS_ONE = frozenset({Event.ASSIGN_USER, Event.SIGN_IN})
_PROVISIONS_ALL = frozenset({Event.IMPORT_USERS, Event.RETRY_FAILED})
#: Events on a group that only exist once the group is pushed.
_ON_PUSHED = frozenset(
    {Event.ADD_MEMBER, Event.REMOVE_MEMBER, Event.RENAME_GROUP, Event.DELETE_PUSHED_GROUP}
)


@dataclass(frozen=True)
class Need:
    """A step needs one of ``steps`` to have succeeded; ``what`` says why, in plain words."""

    what: str
    steps: tuple[int, ...]


def needs(scenario: Scenario) -> dict[int, tuple[Need, ...]]:
    """Step index → what it needs from earlier steps (empty for an independent step)."""
    members = {
        group.name.casefold(): {login.casefold() for login in group.members}
        for group in scenario.org.groups
    }
    everyone = {user.login.casefold() for user in scenario.org.users}
    provisioned: dict[str, list[int]] = {}
    provisions_all: list[int] = []
    pushed: dict[str, list[int]] = {}
    assigned: dict[str, list[int]] = {}
    aliases: dict[str, str] = {}
    saved: dict[str, int] = {}
    api_calls: list[int] = []
    result: dict[int, tuple[Need, ...]] = {}

    def group_key(name: str) -> str:
        folded = name.casefold()
        return aliases.get(folded, folded)

    for step in scenario.steps:
        found: list[Need] = []
        variables = _variables(step)
        for name in sorted(variables & saved.keys()):
            found.append(Need(f"the value {name!r} that step {saved[name]} saves", (saved[name],)))
        logins = {v[len("scim.") : -len(".id")].casefold() for v in variables if _is(v, "scim")}
        if step.login and "login" in EVENT_ARGS[step.event]:
            logins.add(step.login.casefold())
        if step.event not in _PROVISIONS_ONE:
            for login in sorted(logins):
                earlier = provisioned.get(login, []) + provisions_all
                if earlier:
                    found.append(Need(f"{login} on the app", tuple(sorted(earlier))))
        groups = {group_key(v[len("pushed.") : -len(".id")]) for v in variables if _is(v, "pushed")}
        if step.group and step.event in _ON_PUSHED:
            groups.add(group_key(step.group))
        for group in sorted(groups):
            if pushed.get(group):
                found.append(Need(f"the group {group} pushed", tuple(pushed[group])))
        if (
            step.event is Event.UNASSIGN_GROUP
            and step.group
            and assigned.get(group_key(step.group))
        ):
            found.append(
                Need(f"the group {step.group} assigned", tuple(assigned[group_key(step.group)]))
            )
        if step.event not in RAW_EVENTS and api_calls:
            found += [Need("the app's configuration", (index,)) for index in api_calls]
        result[step.index] = tuple(found)
        # What this step provides to later ones.
        if step.request is not None:
            for name in step.request.save:
                saved[name] = step.index
        if step.event is Event.OKTA_API:
            api_calls.append(step.index)
        if step.event in _PROVISIONS_ONE and step.login:
            provisioned.setdefault(step.login.casefold(), []).append(step.index)
        if step.event in _PROVISIONS_ALL:
            provisions_all.append(step.index)
        if step.event is Event.ASSIGN_GROUP and step.group:
            key = group_key(step.group)
            assigned.setdefault(key, []).append(step.index)
            users = everyone if key == EVERYONE.casefold() else members.get(key, set())
            for login in users:
                provisioned.setdefault(login, []).append(step.index)
        if step.event is Event.PUSH_GROUP and step.group:
            pushed.setdefault(group_key(step.group), []).append(step.index)
        if step.event is Event.ADD_MEMBER and step.group and step.login:
            members.setdefault(group_key(step.group), set()).add(step.login.casefold())
        if step.event is Event.RENAME_GROUP and step.group and step.to:
            aliases[step.to.casefold()] = group_key(step.group)
    return result


def _is(variable: str, kind: str) -> bool:
    return variable.startswith(f"{kind}.") and variable.endswith(".id")


def _variables(step: Step) -> set[str]:
    """The names of every ``${…}`` in the step, its arguments and its ``expect``."""
    names: set[str] = set()

    def collect(text: str) -> str:
        names.update(match[2:-1] for match in VARIABLE.findall(text))
        return text

    map_strings(step, collect, keys=True)
    return names


def unmet(need: Need, failed: Iterable[int]) -> bool:
    """Whether every step that could satisfy ``need`` failed to act (or was blocked)."""
    bad = set(failed)
    return all(index in bad for index in need.steps)
