"""``${…}`` in scenario strings: what each variable names, resolved when its step runs.

Why late: most values exist only once earlier steps ran — the SCIM id Okta
linked for a user (``${scim.<login>.id}``), the id of a pushed group, a value
a ``request`` step saved from its answer. The loader only checks the syntax
(docs/scenarios.md, "Variables"); here an unknown or not-yet-known variable
fails the step with a message naming it, never silently becomes ``""``.

A string that is exactly one ``${name}`` takes the variable's value with its
JSON type (a saved ``totalResults`` stays a number); inside a longer string
the value is converted with ``str()``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mock_okta.model import AppInstance, OktaGroup, OktaUser
from mock_okta.namespace import VARIABLE, Namespace
from mock_okta.org import Org
from mock_okta.walk import map_strings


class UnknownVariable(LookupError):
    """A ``${name}`` that names nothing (yet); ``str()`` says which and why."""

    def __init__(self, name: str, why: str) -> None:
        self.name = name
        # Plain English: the admin reads the reason, not the scenario's template syntax.
        super().__init__(why)


#: ``kind.<key>.id`` lookups: kind → (what it is, finder of the id for a key).
Finder = Callable[["Variables", str], str | None]


class Variables:
    """The values ``${…}`` can name in one scenario run.

    ``values`` holds the fixed ones (``random``, ``prefix``, ``target.url``,
    ``target.token``, ``app.id``) and everything saved by ``save:``; the
    ``kind.<key>.id`` forms are looked up in the org when used, so they see
    the state the previous steps left.
    """

    def __init__(
        self,
        org: Org,
        app: AppInstance,
        namespace: Namespace,
        values: Mapping[str, Any],
        groups: Callable[[str], OktaGroup | None] | None = None,
    ) -> None:
        self.org = org
        self.app = app
        self.namespace = namespace
        self.values: dict[str, Any] = dict(values)
        self._groups = groups or (lambda name: org.find_group(namespace.name(name)))

    def save(self, name: str, value: Any) -> None:
        self.values[name] = value

    # -- lookups ---------------------------------------------------------------

    def user(self, login: str) -> OktaUser | None:
        return self.org.find_user(self.namespace.name(login)) or self.org.find_user(login)

    def group(self, name: str) -> OktaGroup | None:
        return self._groups(name)

    def lookup(self, name: str) -> Any:
        """The value of ``${name}``; raises :class:`UnknownVariable`."""
        if name in self.values:
            return self.values[name]
        for kind, (what, finder) in _FINDERS.items():
            if name.startswith(kind + ".") and name.endswith(".id"):
                key = name[len(kind) + 1 : -len(".id")]
                found = finder(self, key)
                if found is None:
                    raise UnknownVariable(name, what.format(key=key))
                return found
        known = ", ".join(sorted(self.values)) or "none"
        raise UnknownVariable(
            name,
            f"the scenario uses the value {name!r}, which no earlier step saved (built in: "
            "random, prefix, target.url, target.token, app.id, user.<login>.id, "
            f"scim.<login>.id, group.<name>.id, pushed.<name>.id; saved here: {known})",
        )

    # -- resolution ------------------------------------------------------------

    def text(self, text: str) -> Any:
        """``text`` with every ``${…}`` replaced; a lone ``${name}`` keeps the value's type."""
        whole = VARIABLE.fullmatch(text)
        if whole:
            return self.lookup(text[2:-1])
        return VARIABLE.sub(lambda m: str(self.lookup(m.group()[2:-1])), text)

    def resolve(self, value: Any) -> Any:
        """``value`` with every string inside resolved (mapping keys too, for JSON paths)."""
        return map_strings(
            value,
            lambda text: self.text(text) if "${" in text else text,
            keys=True,
            keep=_LITERAL,
            thaw=True,
        )


#: Dataclass fields never resolved: positions, kinds, and ``save`` (names to set).
_LITERAL = frozenset({"index", "line", "event", "method", "save", "sync_state"})


def _user_id(variables: Variables, login: str) -> str | None:
    user = variables.user(login)
    return None if user is None else user.id


def _scim_id(variables: Variables, login: str) -> str | None:
    user = variables.user(login)
    if user is None or user.id not in variables.app.app_users:
        return None
    return variables.app.app_users[user.id].external_id


def _group_id(variables: Variables, name: str) -> str | None:
    group = variables.group(name)
    return None if group is None else group.id


def _pushed_id(variables: Variables, name: str) -> str | None:
    group = variables.group(name)
    return None if group is None else variables.app.pushed_groups.get(group.id)


_FINDERS: dict[str, tuple[str, Finder]] = {
    "user": ("no Okta user has the login {key}", _user_id),
    "scim": ("Okta holds no SCIM id for {key}: no earlier step put the user on the app", _scim_id),
    "group": ("no Okta group is named {key}", _group_id),
    "pushed": ("Okta holds no SCIM id for the group {key}: it is not pushed", _pushed_id),
}
