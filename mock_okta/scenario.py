"""Scenario files: Okta provisioning flows as YAML, loaded and validated.

Why: vendors fail on Okta's *sequences* (issue 5), so flows are data — an app
with its Provisioning tab, an org, and a list of lifecycle events, each with
what Okta should report and what the SCIM target should then hold. This
module is the format's loader only (the runner comes later). It parses with
PyYAML's composer so every node keeps its line, and reports every problem as
``file:line: field.path: message`` — the format is documented in
``docs/scenarios.md``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from mock_okta.model import OktaProfile, SyncState
from mock_okta.settings import (
    DEFAULT_USER_MAPPING,
    AppKind,
    MappingRow,
    ProvisioningSettings,
    ToAppFeatures,
)


class Event(StrEnum):
    """The lifecycle events a step may name; each is one :class:`Provisioner` call."""

    TEST_CONNECTION = "test_connection"
    ASSIGN_USER = "assign_user"
    UPDATE_PROFILE = "update_profile"
    DEACTIVATE_USER = "deactivate_user"
    REACTIVATE_USER = "reactivate_user"
    UNASSIGN_USER = "unassign_user"
    VERIFY_USER = "verify_user"
    PUSH_GROUP = "push_group"
    ADD_MEMBER = "add_member"
    REMOVE_MEMBER = "remove_member"
    RENAME_GROUP = "rename_group"
    DELETE_PUSHED_GROUP = "delete_pushed_group"
    IMPORT_USERS = "import_users"
    IMPORT_GROUPS = "import_groups"


#: The :class:`~mock_okta.provisioner.Provisioner` method behind each event.
PROVISIONER_METHOD: Mapping[Event, str] = MappingProxyType(
    {
        **{event: event.value for event in Event},
        Event.DEACTIVATE_USER: "deactivate",
        Event.REACTIVATE_USER: "reactivate",
    }
)

#: Arguments of each event: name → required. ``login`` names an org user,
#: ``group`` an org group, ``profile`` the Okta profile changes, ``to`` a new name.
EVENT_ARGS: Mapping[Event, Mapping[str, bool]] = MappingProxyType(
    {
        Event.TEST_CONNECTION: {},
        Event.ASSIGN_USER: {"login": True},
        Event.UPDATE_PROFILE: {"login": True, "profile": True},
        Event.DEACTIVATE_USER: {"login": True},
        Event.REACTIVATE_USER: {"login": True},
        Event.UNASSIGN_USER: {"login": True},
        Event.VERIFY_USER: {"login": True},
        Event.PUSH_GROUP: {"group": True},
        Event.ADD_MEMBER: {"group": True, "login": True},
        Event.REMOVE_MEMBER: {"group": True, "login": True},
        Event.RENAME_GROUP: {"group": True, "to": True},
        Event.DELETE_PUSHED_GROUP: {"group": True},
        Event.IMPORT_USERS: {},
        Event.IMPORT_GROUPS: {},
    }
)

#: Okta profile fields a scenario user may set (``login`` is the key, not a change).
PROFILE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(OktaProfile))
_CHANGEABLE = tuple(name for name in PROFILE_FIELDS if name != "login")
#: Mapping sources: an Okta profile field, or ``id`` for the Okta user id.
MAPPING_SOURCES: tuple[str, ...] = (*PROFILE_FIELDS, "id")

_FEATURES = {f.name: f.name for f in fields(ToAppFeatures)}
_PUSH = {"new_users": "push_new_users", "profile_updates": "push_profile_updates"}
_PUSH["groups"] = "push_groups"


# -- the typed result ----------------------------------------------------------


@dataclass(frozen=True)
class AppSpec:
    """The app instance: label, kind and the Provisioning tab's switches."""

    label: str
    kind: AppKind = AppKind.CUSTOM
    to_app: ToAppFeatures = field(default_factory=ToAppFeatures)
    push_new_users: bool = True
    push_profile_updates: bool = True
    push_groups: bool = True
    #: ``None`` keeps the SCIM 2.0 Test App defaults.
    mapping: tuple[MappingRow, ...] | None = None

    def settings(self) -> ProvisioningSettings:
        """The :class:`ProvisioningSettings` this spec describes."""
        return ProvisioningSettings(
            kind=self.kind,
            to_app=self.to_app,
            push_new_users=self.push_new_users,
            push_profile_updates=self.push_profile_updates,
            push_groups=self.push_groups,
            user_mapping=self.mapping if self.mapping is not None else DEFAULT_USER_MAPPING,
        )


@dataclass(frozen=True)
class UserSpec:
    """An org user: the login and the other Okta profile fields given (read-only)."""

    login: str
    profile: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class GroupSpec:
    name: str
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrgSpec:
    users: tuple[UserSpec, ...] = ()
    groups: tuple[GroupSpec, ...] = ()

    def user(self, login: str) -> UserSpec:
        return next(user for user in self.users if user.login == login)

    def group(self, name: str) -> GroupSpec:
        return next(group for group in self.groups if group.name == name)


@dataclass(frozen=True)
class ScimUserExpectation:
    """The SCIM user Okta linked for ``login``, looked up on the target after the step."""

    login: str
    exists: bool = True
    active: bool | None = None
    #: SCIM attribute path (``name.givenName``, ``emails[work].value``) → value.
    attributes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class ScimGroupExpectation:
    """The SCIM group whose ``displayName`` is ``name``, after the step."""

    name: str
    exists: bool = True
    #: Logins of the expected members, in any order; ``None`` means "not checked".
    members: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Expectation:
    """What Okta shows after a step, and what the SCIM target holds."""

    ok: bool | None = None
    message_contains: str | None = None
    skipped: bool | None = None
    sync_state: SyncState | None = None
    scim_user: ScimUserExpectation | None = None
    scim_group: ScimGroupExpectation | None = None
    line: int = 0


@dataclass(frozen=True)
class Step:
    """One event with its arguments; ``group`` is any name the group has had so far."""

    index: int
    event: Event
    line: int
    login: str | None = None
    group: str | None = None
    to: str | None = None
    profile: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    expect: Expectation | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    app: AppSpec
    org: OrgSpec
    steps: tuple[Step, ...]
    source: str = "<string>"


# -- errors --------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One validation error: where it is and what is wrong."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(ValueError):
    """A scenario file that cannot be loaded; ``str()`` lists one problem per line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# -- public entry points -------------------------------------------------------


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate one scenario file; raises :class:`ScenarioError`."""
    path = Path(path)
    return load_scenario_text(path.read_text(encoding="utf-8"), str(path))


def load_scenarios(directory: str | Path) -> list[Scenario]:
    """Every ``*.yaml`` scenario in ``directory``, by file name."""
    return [load_scenario(p) for p in sorted(Path(directory).glob("*.yaml"))]


def load_scenario_text(text: str, filename: str = "<string>") -> Scenario:
    """Parse ``text`` as the scenario file ``filename`` (used in error messages)."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            why = exc.problem or exc.context or "syntax error"
            raise ScenarioError([Problem(filename, line, "", f"invalid YAML: {why}")]) from None
        return _Reader(filename, loader).scenario(root)
    finally:
        loader.dispose()


# -- the reader ----------------------------------------------------------------

_TAG = "tag:yaml.org,2002:"
_KIND_NAMES = {
    "str": "a string",
    "bool": "a boolean",
    "int": "an integer",
    "float": "a number",
    "null": "null",
    "map": "a mapping",
    "seq": "a list",
}


def _kind(node: yaml.Node) -> str:
    tag = node.tag.removeprefix(_TAG)
    return _KIND_NAMES.get(tag, f"a value tagged {node.tag}")


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _suggest(word: str, choices: list[str] | tuple[str, ...], cutoff: float = 0.6) -> str:
    """`` (did you mean 'x'?)`` for a close choice, else ``""``."""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=cutoff)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Invalid(Exception):
    """Internal: the value at hand was reported; skip what depends on it."""


@dataclass
class _Entry:
    key: yaml.ScalarNode
    value: yaml.Node
    path: str


class _Fields:
    """A validated mapping node: its entries by key, and where it is."""

    def __init__(self, node: yaml.MappingNode, path: str, entries: dict[str, _Entry]) -> None:
        self.node = node
        self.path = path
        self.entries = entries

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def __getitem__(self, key: str) -> _Entry:
        return self.entries[key]

    def __iter__(self) -> Iterator[_Entry]:
        return iter(self.entries.values())


class _Reader:
    def __init__(self, filename: str, loader: yaml.SafeLoader) -> None:
        self.file = filename
        self.loader = loader
        self.problems: list[Problem] = []
        self.logins: set[str] = set()
        self.group_names: set[str] = set()

    # -- reporting and primitives ----------------------------------------------

    def report(self, node: yaml.Node, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, _line(node), path, message))

    def fail(self, node: yaml.Node, path: str, message: str) -> _Invalid:
        self.report(node, path, message)
        return _Invalid()

    def mapping(
        self,
        node: yaml.Node,
        path: str,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
    ) -> _Fields:
        """``node`` as a mapping with only the allowed keys, each reported once."""
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, path or "(top level)", f"expected a mapping, got {_kind(node)}")
        allowed = (*required, *optional)
        entries: dict[str, _Entry] = {}
        for key_node, value_node in node.value:
            if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == _TAG + "str"):
                self.report(
                    key_node, path or "(top level)", f"keys must be strings, not {_kind(key_node)}"
                )
                continue
            key = str(key_node.value)
            key_path = _join(path, key)
            if key in entries:
                self.report(key_node, key_path, "duplicate key")
            elif key not in allowed:
                self.report(key_node, key_path, f"unknown key {key!r}{_suggest(key, allowed)}")
            else:
                entries[key] = _Entry(key_node, value_node, key_path)
        for key in required:
            if key not in entries:
                self.report(node, _join(path, key), "required key missing")
        return _Fields(node, path, entries)

    def scalar(self, entry: _Entry | tuple[yaml.Node, str], kind: str) -> Any:
        node, path = (entry.value, entry.path) if isinstance(entry, _Entry) else entry
        if not (isinstance(node, yaml.ScalarNode) and node.tag == _TAG + kind):
            raise self.fail(node, path, f"expected {_KIND_NAMES[kind]}, got {_kind(node)}")
        return self.loader.construct_object(node)

    def string(self, entry: _Entry | tuple[yaml.Node, str]) -> str:
        value = str(self.scalar(entry, "str"))
        if not value.strip():
            node, path = (entry.value, entry.path) if isinstance(entry, _Entry) else entry
            raise self.fail(node, path, "must not be empty")
        return value

    def boolean(self, entry: _Entry) -> bool:
        return bool(self.scalar(entry, "bool"))

    def choice(self, entry: _Entry, choices: tuple[str, ...]) -> str:
        value = self.string(entry)
        if value not in choices:
            raise self.fail(
                entry.value,
                entry.path,
                f"invalid value {value!r} (expected one of: {', '.join(choices)})"
                + _suggest(value, choices),
            )
        return value

    def sequence(self, entry: _Entry) -> list[tuple[yaml.Node, str]]:
        if not isinstance(entry.value, yaml.SequenceNode):
            raise self.fail(entry.value, entry.path, f"expected a list, got {_kind(entry.value)}")
        return [(item, f"{entry.path}[{i}]") for i, item in enumerate(entry.value.value)]

    def login(self, entry: _Entry | tuple[yaml.Node, str]) -> str:
        value = self.string(entry)
        if value not in self.logins:
            node, path = (entry.value, entry.path) if isinstance(entry, _Entry) else entry
            hint = _suggest(value, sorted(self.logins), 0.85).removeprefix(" (").removesuffix(")")
            raise self.fail(
                node,
                path,
                f"unknown user {value!r} (not in org.users{'; ' + hint if hint else ''})",
            )
        return value

    def group(self, entry: _Entry, known: set[str]) -> str:
        value = self.string(entry)
        if value not in known:
            hint = _suggest(value, sorted(known), 0.85).removeprefix(" (").removesuffix(")")
            raise self.fail(
                entry.value,
                entry.path,
                f"unknown group {value!r} (not in org.groups{'; ' + hint if hint else ''})",
            )
        return value

    def guard(self, read: Any, *args: Any) -> Any:
        """``read(*args)``, or ``None`` when it reported a problem."""
        try:
            return read(*args)
        except _Invalid:
            return None

    # -- the document ------------------------------------------------------------

    def scenario(self, root: yaml.Node | None) -> Scenario:
        if root is None:
            raise ScenarioError(
                [Problem(self.file, 1, "(top level)", "empty file, expected a mapping")]
            )
        result: Scenario | None = None
        try:
            top = self.mapping(
                root, "", required=("name", "app", "org", "steps"), optional=("description",)
            )
            name = self.guard(self.string, top["name"]) if "name" in top else None
            description = ""
            if "description" in top:
                description = self.guard(self.scalar, top["description"], "str") or ""
            app = self.guard(self.app, top["app"]) if "app" in top else None
            org = self.guard(self.org, top["org"]) if "org" in top else None
            steps = self.guard(self.steps, top["steps"]) if "steps" in top and org else None
            if name and app and org and steps is not None:
                result = Scenario(name, description, app, org, steps, self.file)
        except _Invalid:
            pass
        if self.problems or result is None:
            raise ScenarioError(sorted(self.problems, key=lambda p: p.line))
        return result

    def app(self, entry: _Entry) -> AppSpec:
        app = self.mapping(
            entry.value, entry.path, ("label",), ("kind", "features", "push", "mapping")
        )
        label = self.guard(self.string, app["label"]) if "label" in app else None
        kind = AppKind.CUSTOM
        if "kind" in app:
            kind = AppKind(self.guard(self.choice, app["kind"], tuple(AppKind)) or kind)
        to_app = ToAppFeatures()
        if "features" in app:
            switches = self.guard(self.switches, app["features"], _FEATURES) or {}
            to_app = ToAppFeatures(**switches)
        push = (self.guard(self.switches, app["push"], _PUSH) or {}) if "push" in app else {}
        mapping = self.guard(self.mapping_rows, app["mapping"]) if "mapping" in app else None
        if label is None:
            raise _Invalid()
        return AppSpec(label, kind, to_app, mapping=mapping, **push)

    def switches(self, entry: _Entry, names: dict[str, str]) -> dict[str, bool]:
        switches = self.mapping(entry.value, entry.path, optional=tuple(names))
        values = {names[e.key.value]: self.guard(self.boolean, e) for e in switches}
        return {k: v for k, v in values.items() if v is not None}

    def mapping_rows(self, entry: _Entry) -> tuple[MappingRow, ...]:
        rows: list[MappingRow] = []
        for node, path in self.sequence(entry):
            row = self.guard(self.mapping, node, path, ("target",), ("source", "value"))
            if row is None:
                continue
            target = self.guard(self.string, row["target"]) if "target" in row else None
            if ("source" in row) == ("value" in row):
                self.report(node, path, "give exactly one of 'source' and 'value'")
                continue
            if "source" in row:
                source = self.guard(self.choice, row["source"], MAPPING_SOURCES)
                if target and source:
                    rows.append(MappingRow(target, source))
            elif target:
                value = self.loader.construct_object(row["value"].value, deep=True)
                rows.append(MappingRow(target, value=value))
        return tuple(rows)

    def org(self, entry: _Entry) -> OrgSpec:
        org = self.mapping(entry.value, entry.path, ("users",), ("groups",))
        users = self.guard(self.users, org["users"]) if "users" in org else None
        groups = self.guard(self.groups, org["groups"]) if "groups" in org else ()
        if users is None or groups is None:
            raise _Invalid()
        return OrgSpec(users, groups)

    def users(self, entry: _Entry) -> tuple[UserSpec, ...]:
        users: list[UserSpec] = []
        for node, path in self.sequence(entry):
            user = self.guard(self.mapping, node, path, ("login",), _CHANGEABLE)
            if user is None or "login" not in user:
                continue
            login = self.guard(self.string, user["login"])
            profile = self.profile(user, skip="login")
            if login in self.logins:
                self.report(user["login"].value, user["login"].path, f"duplicate login {login!r}")
            elif login:
                self.logins.add(login)
                users.append(UserSpec(login, profile))
        return tuple(users)

    def profile(self, fields_: _Fields, skip: str = "") -> Mapping[str, str]:
        values = {e.key.value: self.guard(self.scalar, e, "str") for e in fields_}
        return MappingProxyType(
            {k: str(v) for k, v in values.items() if k != skip and v is not None}
        )

    def groups(self, entry: _Entry) -> tuple[GroupSpec, ...]:
        groups: list[GroupSpec] = []
        for node, path in self.sequence(entry):
            group = self.guard(self.mapping, node, path, ("name",), ("members",))
            if group is None or "name" not in group:
                continue
            name = self.guard(self.string, group["name"])
            members: list[str] = []
            if "members" in group:
                for item in self.guard(self.sequence, group["members"]) or []:
                    login = self.guard(self.login, item)
                    if login:
                        members.append(login)
            if name in self.group_names:
                self.report(group["name"].value, group["name"].path, f"duplicate group {name!r}")
            elif name:
                self.group_names.add(name)
                groups.append(GroupSpec(name, tuple(members)))
        return tuple(groups)

    # -- steps -------------------------------------------------------------------

    def steps(self, entry: _Entry) -> tuple[Step, ...]:
        items = self.sequence(entry)
        if not items:
            raise self.fail(entry.value, entry.path, "a scenario needs at least one step")
        known = set(self.group_names)
        steps: list[Step] = []
        for index, (node, path) in enumerate(items):
            step = self.guard(self.step, index, node, path, known)
            if step is not None:
                steps.append(step)
        return tuple(steps)

    def step(self, index: int, node: yaml.Node, path: str, known: set[str]) -> Step:
        step = self.mapping(node, path, optional=(*Event, "expect"))
        events = [e for e in step if e.key.value != "expect"]
        if len(events) > 1:
            names = " and ".join(repr(e.key.value) for e in events)
            raise self.fail(node, path, f"one event per step, got {names}")
        if not events:
            if len(step.entries) == len(node.value):
                self.report(node, path, f"no event (one of: {', '.join(Event)})")
            raise _Invalid()
        event_entry = events[0]
        event = Event(event_entry.key.value)
        args = self.event_args(event, event_entry, known)
        expect = None
        if "expect" in step:
            expect = self.expectation(step["expect"], known, "login" in EVENT_ARGS[event])
        if args is None or ("expect" in step and expect is None):
            raise _Invalid()
        return Step(index, event, _line(node), expect=expect, **args)

    def event_args(self, event: Event, entry: _Entry, known: set[str]) -> dict[str, Any] | None:
        spec = EVENT_ARGS[event]
        value = entry.value
        if not spec:
            if isinstance(value, yaml.ScalarNode) and value.tag == _TAG + "null":
                return {}
            self.guard(self.mapping, value, entry.path)
            return {}
        if isinstance(value, yaml.ScalarNode) and len(spec) == 1 and value.tag == _TAG + "str":
            # Shorthand: ``assign_user: alice@example.com``, ``push_group: Engineering``.
            only = next(iter(spec))
            value = yaml.MappingNode(
                _TAG + "map",
                [(yaml.ScalarNode(_TAG + "str", only, value.start_mark), value)],
                value.start_mark,
                value.end_mark,
            )
        required = tuple(name for name, needed in spec.items() if needed)
        optional = tuple(name for name, needed in spec.items() if not needed)
        args_fields = self.mapping(value, entry.path, required, optional)
        args: dict[str, Any] = {}
        ok = all(name in args_fields for name in required)
        for arg in args_fields:
            name = arg.key.value
            if name == "login":
                args[name] = self.guard(self.login, arg)
            elif name == "group":
                args[name] = self.guard(self.group, arg, known)
            elif name == "to":
                args[name] = self.guard(self.string, arg)
            elif name == "profile":
                changes = self.guard(self.mapping, arg.value, arg.path, (), _CHANGEABLE)
                args[name] = self.profile(changes) if changes is not None else None
                if changes is not None and not changes.entries:
                    self.report(arg.value, arg.path, "no profile changes")
                    args[name] = None
            ok = ok and args[name] is not None
        if not ok:
            return None
        if event is Event.RENAME_GROUP:
            known.add(args["to"])
        return args

    def expectation(self, entry: _Entry, known: set[str], has_user: bool) -> Expectation:
        keys = ("ok", "message_contains", "skipped", "sync_state", "scim_user", "scim_group")
        expect = self.mapping(entry.value, entry.path, optional=keys)
        values: dict[str, Any] = {}
        for item in expect:
            key = item.key.value
            if key in ("ok", "skipped"):
                values[key] = self.guard(self.boolean, item)
            elif key == "message_contains":
                values[key] = self.guard(self.string, item)
            elif key == "sync_state":
                if not has_user:
                    self.report(item.key, item.path, "sync_state needs an event with a login")
                    values[key] = None
                    continue
                state = self.guard(self.choice, item, tuple(SyncState))
                values[key] = SyncState(state) if state else None
            elif key == "scim_user":
                values[key] = self.guard(self.scim_user, item)
            else:
                values[key] = self.guard(self.scim_group, item, known)
        if any(v is None for v in values.values()):
            raise _Invalid()
        return Expectation(line=_line(entry.value), **values)

    def scim_user(self, entry: _Entry) -> ScimUserExpectation:
        user = self.mapping(entry.value, entry.path, ("login",), ("exists", "active", "attributes"))
        login = self.guard(self.login, user["login"]) if "login" in user else None
        exists = self.guard(self.boolean, user["exists"]) if "exists" in user else True
        active = self.guard(self.boolean, user["active"]) if "active" in user else None
        attributes: Mapping[str, Any] | None = MappingProxyType({})
        if "attributes" in user:
            attributes = self.guard(self.attributes, user["attributes"])
        if exists is False and ("active" in user or "attributes" in user):
            self.report(entry.value, entry.path, "exists: false cannot be combined with checks")
            raise _Invalid()
        if login is None or exists is None or attributes is None:
            raise _Invalid()
        if "active" in user and active is None:
            raise _Invalid()
        return ScimUserExpectation(login, exists, active, attributes)

    def attributes(self, entry: _Entry) -> Mapping[str, Any]:
        if not isinstance(entry.value, yaml.MappingNode):
            raise self.fail(
                entry.value, entry.path, f"expected a mapping, got {_kind(entry.value)}"
            )
        result: dict[str, Any] = {}
        for key_node, value_node in entry.value.value:
            if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == _TAG + "str"):
                raise self.fail(key_node, entry.path, "attribute paths must be strings")
            result[str(key_node.value)] = self.loader.construct_object(value_node, deep=True)
        return MappingProxyType(result)

    def scim_group(self, entry: _Entry, known: set[str]) -> ScimGroupExpectation:
        group = self.mapping(entry.value, entry.path, ("name",), ("exists", "members"))
        name = self.guard(self.group, group["name"], known) if "name" in group else None
        exists = self.guard(self.boolean, group["exists"]) if "exists" in group else True
        members: tuple[str, ...] | None = None
        if "members" in group:
            items = self.guard(self.sequence, group["members"])
            logins = [self.guard(self.login, item) for item in items or []]
            if items is None or None in logins:
                raise _Invalid()
            members = tuple(str(login) for login in logins)
        if exists is False and members is not None:
            self.report(entry.value, entry.path, "exists: false cannot be combined with members")
            raise _Invalid()
        if name is None or exists is None:
            raise _Invalid()
        return ScimGroupExpectation(name, exists, members)
