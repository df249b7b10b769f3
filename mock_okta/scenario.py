"""Scenario files: Okta provisioning flows as YAML, loaded and validated.

Why: vendors fail on Okta's *sequences* (issue 5), so flows are data — an app
with its Provisioning tab, an org, and a list of lifecycle events, each with
what Okta should report and what the SCIM target should then hold. This
module is the format's loader only; :mod:`mock_okta.runner` executes what it
returns. It parses with PyYAML's composer so every node keeps its line, and
reports every problem as ``file:line: field.path: message`` — all of them,
not the first — with a did-you-mean suggestion where one is close. The
format is documented in ``docs/scenarios.md``.

What the loader checks beyond shapes and types is what a runner could only
discover half-way through a run: names (logins, groups, saved variables)
that do not exist *at that step*, filters that do not parse (with the
harness's own parser, RFC 7644 §3.4.2.2), generated logins that collide
(Okta logins are unique regardless of case), and ``${...}`` variables that
are malformed or name nothing.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from harness.scim.errors import ScimError
from harness.scim.expr import Compare, Filter
from harness.scim.filters import compile_filter, parse_filter
from harness.scim.schema import GROUP, USER, ResourceType
from mock_okta.connection import AuthScheme
from mock_okta.model import OktaProfile, SyncState
from mock_okta.org import EVERYONE
from mock_okta.settings import (
    DEFAULT_USER_MAPPING,
    AppKind,
    ImportSettings,
    MappingRow,
    ProvisioningSettings,
    ToAppFeatures,
)


class Event(StrEnum):
    """The lifecycle events a step may name; each is one :class:`~mock_okta.org.Org` event
    (``request`` and ``okta_api`` are raw calls the runner sends itself)."""

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
    ASSIGN_GROUP = "assign_group"
    UNASSIGN_GROUP = "unassign_group"
    SIGN_IN = "sign_in"
    PUSH_PASSWORD = "push_password"
    RETRY_FAILED = "retry_failed"
    #: A raw SCIM request (the OIN SPEC test's Runscope steps).
    REQUEST = "request"
    #: A call to the Okta management API mock (seed 004).
    OKTA_API = "okta_api"


#: Arguments of each event: name → required. The one table of arguments: the
#: loader validates against it, docs/scenarios.md documents it, the runner
#: maps each event to its Org method. ``login`` names an org user, ``group``
#: an org group (``Everyone`` included), ``profile`` the Okta profile changes,
#: ``to`` a new group name; ``method``/``path``/``body``/``headers``/``save``
#: make up the :class:`RequestSpec` of ``request`` and ``okta_api``.
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
        Event.ASSIGN_GROUP: {"group": True},
        Event.UNASSIGN_GROUP: {"group": True},
        Event.SIGN_IN: {"login": True},
        Event.PUSH_PASSWORD: {"login": True, "password": True},
        Event.RETRY_FAILED: {},
        Event.REQUEST: {
            "method": True,
            "path": True,
            "body": False,
            "headers": False,
            "save": False,
        },
        Event.OKTA_API: {"method": True, "path": True, "body": False, "save": False},
    }
)

#: The events that send one raw request and so have an answer to check
#: (``expect.status`` / ``expect.json``) and values to ``save``.
RAW_EVENTS: frozenset[Event] = frozenset({Event.REQUEST, Event.OKTA_API})
#: Arguments that make up the step's :class:`RequestSpec`.
REQUEST_ARGS: tuple[str, ...] = ("method", "path", "body", "headers", "save")
HTTP_METHODS: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE")
#: Okta keeps the membership of ``Everyone`` itself and never renames it.
EVERYONE_FIXED: Mapping[Event, str] = MappingProxyType(
    {
        Event.ADD_MEMBER: "Okta keeps every user in 'Everyone'",
        Event.REMOVE_MEMBER: "Okta keeps every user in 'Everyone'",
        Event.RENAME_GROUP: "'Everyone' cannot be renamed",
    }
)

#: Okta profile fields a scenario user may set (``login`` is the key, not a change).
PROFILE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(OktaProfile))
_CHANGEABLE = tuple(name for name in PROFILE_FIELDS if name != "login")
#: Mapping sources: an Okta profile field, or ``id`` for the Okta user id.
MAPPING_SOURCES: tuple[str, ...] = (*PROFILE_FIELDS, "id")
#: Upper bound of ``generate`` (the slow 10 000-user scenario fits ten times over).
MAX_GENERATED = 100_000


@dataclass(frozen=True)
class Option:
    """One settings key: the dataclass field it sets, and its choices (``None``: a boolean)."""

    field: str
    choices: tuple[str, ...] | None = None


#: ``app.features``: the "To App" checkboxes, and the password sync mode
#: (``update.password.seed`` / ``change`` of USER_PROVISIONING, seed 004).
FEATURE_OPTIONS: Mapping[str, Option] = MappingProxyType(
    {
        "create_users": Option("create_users"),
        "update_attributes": Option("update_attributes"),
        "deactivate_users": Option("deactivate_users"),
        "sync_password": Option("sync_password"),
        "password_seed": Option("password_seed", ("OKTA", "RANDOM")),
        "password_change": Option("password_change", ("CHANGE", "KEEP_EXISTING")),
    }
)
#: ``app.push``: the Provisioning tab's push switches (seed 003).
PUSH_OPTIONS: Mapping[str, Option] = MappingProxyType(
    {
        "new_users": Option("push_new_users"),
        "profile_updates": Option("push_profile_updates"),
        "groups": Option("push_groups"),
    }
)
#: ``app.import``: the "To Okta" matching rules (INBOUND_PROVISIONING
#: ``importRules.userCreateAndMatch``, seed 004).
IMPORT_OPTIONS: Mapping[str, Option] = MappingProxyType(
    {
        "exact_match": Option("exact_match", ("USERNAME", "EMAIL")),
        "allow_partial_match": Option("allow_partial_match"),
        "auto_confirm_partial_match": Option("auto_confirm_partial_match"),
        "auto_confirm_exact_match": Option("auto_confirm_exact_match"),
        "auto_confirm_new_users": Option("auto_confirm_new_users"),
        "auto_activate_new_users": Option("auto_activate_new_users"),
    }
)
#: ``app.auth``: the SCIM templates' authentication (seed 002), lower-case in YAML.
AUTH_CHOICES: Mapping[str, AuthScheme] = MappingProxyType(
    {scheme.value.lower(): scheme for scheme in AuthScheme}
)
#: ``expect.scim_query.endpoint``.
QUERY_ENDPOINTS: Mapping[str, ResourceType] = MappingProxyType({"Users": USER, "Groups": GROUP})
#: The one filter Okta sends per endpoint (:func:`okta_lookup_problem`).
OKTA_LOOKUPS: Mapping[str, str] = MappingProxyType({"Users": "userName", "Groups": "displayName"})
#: Keys of a step besides its event.
STEP_KEYS: tuple[str, ...] = ("expect", "optional")

#: Keys a ``given`` resource must not carry: the runner or the target sets them.
GIVEN_FORBIDDEN: Mapping[str, str] = MappingProxyType(
    {
        "schemas": "the runner adds the core schema",
        "id": "the target assigns ids (RFC 7644 §3.3)",
        "meta": "the target maintains meta (RFC 7643 §3.1)",
    }
)
#: The attribute each ``given`` resource needs (RFC 7643 §4.1, §4.2: required).
GIVEN_REQUIRED: Mapping[str, str] = MappingProxyType(
    {"scim_users": "userName", "scim_groups": "displayName"}
)

# -- variables -----------------------------------------------------------------

#: ``${name}``: a letter or underscore, then word characters and ``.@+-`` (logins).
VARIABLE = re.compile(r"\$\{[A-Za-z_][\w.@+-]*\}")
#: Names a ``save`` may bind: no dots, so they never shadow the namespaces below.
SAVE_NAME = re.compile(r"[A-Za-z_]\w*")
#: Variables every run defines before step 1.
RUN_VARIABLES: tuple[str, ...] = ("random", "prefix", "target.url", "target.token", "app.id")
#: ``${<namespace>.<name>.id}``: which names each namespace takes, and whether
#: its value exists before step 1 (when ``given`` resources are created).
ID_NAMESPACES: Mapping[str, tuple[str, bool]] = MappingProxyType(
    {
        "user": ("login", True),  # the Okta user id
        "scim": ("login", False),  # the SCIM id Okta linked
        "group": ("group", True),  # the Okta group id
        "pushed": ("group", False),  # the SCIM id of the pushed group
    }
)
_FILTER_PLACEHOLDER = "x"
_FORMAT = string.Formatter()
_REQUEST_LINE = re.compile(r"(?P<method>[A-Za-z]+) (?P<path>/.*)")


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
    #: How Okta authenticates to the target when the runner connects the app.
    auth: AuthScheme = AuthScheme.TOKEN
    #: ``True``: the runner sets the connection up (the target's URL and
    #: credentials, ENABLED) before step 1; ``False``: the scenario does it
    #: with ``okta_api`` steps (seed 004).
    connect: bool = True
    import_settings: ImportSettings = field(default_factory=ImportSettings)

    def settings(self) -> ProvisioningSettings:
        """The :class:`ProvisioningSettings` this spec describes."""
        return ProvisioningSettings(
            kind=self.kind,
            to_app=self.to_app,
            push_new_users=self.push_new_users,
            push_profile_updates=self.push_profile_updates,
            push_groups=self.push_groups,
            user_mapping=self.mapping if self.mapping is not None else DEFAULT_USER_MAPPING,
            import_settings=self.import_settings,
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
class ScimQueryExpectation:
    """``GET /{endpoint}?filter=…`` on the target finds exactly ``count`` resources."""

    endpoint: str  # "Users" | "Groups"
    filter: str
    count: int


@dataclass(frozen=True)
class ImportExpectation:
    """What the last import showed Okta; each list is "contains these", in any order."""

    users: tuple[str, ...] | None = None  # userNames imported
    groups: tuple[str, ...] | None = None  # displayNames imported
    matched: tuple[str, ...] | None = None  # logins of Okta users an imported user matched


@dataclass(frozen=True)
class Expectation:
    """What Okta shows after a step, and what the SCIM target holds.

    String values anywhere below may use ``${variables}`` (docs/scenarios.md).
    """

    ok: bool | None = None
    message_contains: str | None = None
    skipped: bool | None = None
    sync_state: SyncState | None = None
    scim_user: ScimUserExpectation | None = None
    scim_group: ScimGroupExpectation | None = None
    #: ``request`` / ``okta_api`` steps: the answer's status and JSON values
    #: (dotted paths, list indexes as numbers: ``Resources.0.id``).
    status: int | None = None
    json: Mapping[str, Any] | None = None
    #: The exact sequence of requests the step sent: ``"METHOD /path?query"``
    #: with the query percent-decoded, relative to the SCIM base URL.
    requests: tuple[str, ...] | None = None
    scim_query: ScimQueryExpectation | None = None
    imported: ImportExpectation | None = None
    #: Number of tasks waiting in the admin's queue after the step.
    failed_tasks: int | None = None
    line: int = 0


@dataclass(frozen=True)
class RequestSpec:
    """A raw request (``request``: to the SCIM target; ``okta_api``: to the management API).

    ``path`` is relative to the SCIM base URL or the Okta org URL; ``path``,
    string values of ``body`` and of ``headers`` may use ``${variables}``.
    ``save`` names values of the JSON answer (dotted paths) as variables.
    """

    method: str
    path: str
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    save: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


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
    password: str | None = None
    request: RequestSpec | None = None
    expect: Expectation | None = None
    #: ``optional: true``: a failure is a warning, as Okta's OIN SPEC test marks
    #: its discovery steps (the rest of the run does not depend on them).
    optional: bool = False


@dataclass(frozen=True)
class GivenSpec:
    """Resources already on the SCIM target before step 1 (created by the runner, not Okta).

    Each is a SCIM resource body without ``schemas`` (the runner adds the
    core schema); the runner removes them at the end like everything else.
    """

    scim_users: tuple[Mapping[str, Any], ...] = ()
    scim_groups: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    app: AppSpec
    org: OrgSpec
    steps: tuple[Step, ...]
    source: str = "<string>"
    given: GivenSpec = field(default_factory=GivenSpec)
    #: Labels for selection (``slow`` scenarios run only when asked for).
    tags: tuple[str, ...] = ()


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


#: Where the scenarios shipped with the harness live (package data).
SHIPPED = Path(__file__).resolve().parent / "scenarios"


def shown_path(path: str | Path) -> str:
    """How reports name a scenario file: a shipped one by its place in the package
    (``mock_okta/scenarios/oin-spec-test.yaml``, the same in a checkout and in an
    installed wheel, never the path of this machine), a user's file as they gave it."""
    path = Path(path)
    try:
        inside = path.resolve().relative_to(SHIPPED)
    except (OSError, ValueError):
        return str(path)
    return f"{SHIPPED.parent.name}/{SHIPPED.name}/{inside.as_posix()}"


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate one scenario file; raises :class:`ScenarioError`."""
    path = Path(path)
    return load_scenario_text(path.read_text(encoding="utf-8"), shown_path(path))


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
    """`` (did you mean 'x'?)`` for a close choice (the same but for case first), else ``""``."""
    same = [str(c) for c in choices if str(c).casefold() == word.casefold()]
    if same:
        return f" (did you mean {same[0]!r}?)"
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=cutoff)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _hint(word: str, choices: list[str] | tuple[str, ...], cutoff: float = 0.85) -> str:
    """``"; did you mean 'x'?"`` for a close name (inside a parenthesis), else ``""``.

    Logins and group names differ by little (``ada@…``, ``adam@…``): a high cutoff.
    """
    hint = _suggest(word, choices, cutoff).removeprefix(" (").removesuffix(")")
    return f"; {hint}" if hint else ""


def _is_str(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _TAG + "str"


def _strings(node: yaml.Node, path: str) -> Iterator[tuple[yaml.ScalarNode, str]]:
    """Every string scalar under ``node`` (mapping values and list items), with its path."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _TAG + "str":
            yield node, path
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _strings(item, f"{path}[{index}]")
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _strings(value, _join(path, str(key.value)))


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
        #: casefolded login → login: Okta logins are unique regardless of case.
        self.folded_logins: dict[str, str] = {}
        #: Declared groups and ``Everyone``, which every org has.
        self.group_names: set[str] = {EVERYONE}
        #: Group names known at the step being read (old and new names after a rename).
        self.known: set[str] = self.group_names
        #: Variables bound by ``save`` of the steps read so far, and of the current one.
        self.saved: set[str] = set()
        self.saving: set[str] = set()
        #: ``True`` while reading ``given``: only values that exist before step 1.
        self.before_steps = False
        #: The event of the step being read.
        self.event = Event.TEST_CONNECTION

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
            if not _is_str(key_node):
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

    def text(self, entry: _Entry | tuple[yaml.Node, str]) -> str:
        """A non-empty string whose ``${variables}`` are checked."""
        value = self.string(entry)
        node, path = (entry.value, entry.path) if isinstance(entry, _Entry) else entry
        self.variables(node, path, value)
        return value

    def boolean(self, entry: _Entry) -> bool:
        return bool(self.scalar(entry, "bool"))

    def natural(self, entry: _Entry) -> int:
        """An integer ≥ 0 (a count)."""
        value = int(self.scalar(entry, "int"))
        if value < 0:
            raise self.fail(entry.value, entry.path, f"must be 0 or more, got {value}")
        return value

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
            hint = _hint(value, sorted(self.logins))
            raise self.fail(node, path, f"unknown user {value!r} (not in org.users{hint})")
        return value

    def group(self, entry: _Entry, known: set[str]) -> str:
        value = self.string(entry)
        if value not in known:
            hint = _hint(value, sorted(known))
            raise self.fail(
                entry.value, entry.path, f"unknown group {value!r} (not in org.groups{hint})"
            )
        return value

    def data(self, entry: _Entry) -> Any:
        """Any YAML value as plain data; its strings' ``${variables}`` are checked."""
        for node, path in _strings(entry.value, entry.path):
            self.variables(node, path, str(node.value))
        return self.loader.construct_object(entry.value, deep=True)

    def string_list(self, entry: _Entry) -> tuple[str, ...]:
        items = [self.guard(self.text, item) for item in self.sequence(entry)]
        if None in items:
            raise _Invalid()
        return tuple(str(item) for item in items)

    def guard(self, read: Any, *args: Any) -> Any:
        """``read(*args)``, or ``None`` when it reported a problem."""
        try:
            return read(*args)
        except _Invalid:
            return None

    # -- variables ---------------------------------------------------------------

    def variables(self, node: yaml.Node, path: str, text: str) -> None:
        """Report malformed ``${...}`` and names that nothing defines at this point."""
        start = text.find("${")
        while start != -1:
            match = VARIABLE.match(text, start)
            if match is None:
                end = text.find("}", start)
                shown = text[start : end + 1] if end != -1 else text[start:]
                self.report(
                    node,
                    path,
                    f"malformed variable {shown!r} (expected ${{name}}: a letter or _, "
                    "then letters, digits, '.', '@', '+' or '-')",
                )
                start = text.find("${", start + 2)
                continue
            self.variable(node, path, match.group()[2:-1])
            start = text.find("${", match.end())

    def variable(self, node: yaml.Node, path: str, name: str) -> None:
        if name in RUN_VARIABLES:
            return
        namespace, _, rest = name.partition(".")
        if namespace in ID_NAMESPACES:
            self.id_variable(node, path, name, namespace, rest)
            return
        if name in self.saved:
            return
        if self.before_steps:
            self.report(node, path, f"unknown variable '${{{name}}}' (given is read before step 1)")
            return
        hint = _hint(name, sorted({*self.saved, *RUN_VARIABLES}), 0.6)
        where = "saved by this step: usable from the next one" if name in self.saving else ""
        where = where or f"not saved by an earlier step{hint}"
        self.report(node, path, f"unknown variable '${{{name}}}' ({where})")

    def id_variable(self, node: yaml.Node, path: str, name: str, namespace: str, rest: str) -> None:
        """``${user.<login>.id}`` and friends: the login or group must exist, and the value
        must exist when it is needed (SCIM ids only once Okta linked or pushed)."""
        kind, before = ID_NAMESPACES[namespace]
        what = "login" if kind == "login" else "group name"
        if not rest.endswith(".id") or rest == ".id":
            self.report(
                node,
                path,
                f"unknown variable '${{{name}}}' (expected ${{{namespace}.<{what}>.id}})",
            )
            return
        target = rest.removesuffix(".id")
        names = self.logins if kind == "login" else self.known
        if target not in names:
            where = "org.users" if kind == "login" else "org.groups"
            self.report(
                node,
                path,
                f"unknown {'user' if kind == 'login' else 'group'} {target!r} in '${{{name}}}' "
                f"(not in {where}{_hint(target, sorted(names))})",
            )
        elif self.before_steps and not before:
            self.report(
                node,
                path,
                f"'${{{name}}}' is not known before step 1 (given resources are created first)",
            )

    # -- the document ------------------------------------------------------------

    def scenario(self, root: yaml.Node | None) -> Scenario:
        if root is None:
            raise ScenarioError(
                [Problem(self.file, 1, "(top level)", "empty file, expected a mapping")]
            )
        result: Scenario | None = None
        try:
            top = self.mapping(
                root,
                "",
                required=("name", "app", "org", "steps"),
                optional=("description", "tags", "given"),
            )
            name = self.guard(self.string, top["name"]) if "name" in top else None
            description = ""
            if "description" in top:
                description = self.guard(self.scalar, top["description"], "str") or ""
            tags = (self.guard(self.tags, top["tags"]) or ()) if "tags" in top else ()
            app = self.guard(self.app, top["app"]) if "app" in top else None
            org = self.guard(self.org, top["org"]) if "org" in top else None
            given: GivenSpec | None = GivenSpec()
            if "given" in top and org:
                given = self.guard(self.given, top["given"])
            steps = self.guard(self.steps, top["steps"]) if "steps" in top and org else None
            if name and app and org and given and steps is not None:
                result = Scenario(name, description, app, org, steps, self.file, given, tags)
        except _Invalid:
            pass
        if self.problems or result is None:
            raise ScenarioError(sorted(self.problems, key=lambda p: p.line))
        return result

    def tags(self, entry: _Entry) -> tuple[str, ...]:
        tags: list[str] = []
        for node, path in self.sequence(entry):
            tag = self.guard(self.string, (node, path))
            if tag in tags:
                self.report(node, path, f"duplicate tag {tag!r}")
            elif tag:
                tags.append(tag)
        return tuple(tags)

    # -- app -----------------------------------------------------------------------

    def app(self, entry: _Entry) -> AppSpec:
        app = self.mapping(
            entry.value,
            entry.path,
            ("label",),
            ("kind", "auth", "connect", "features", "push", "import", "mapping"),
        )
        label = self.guard(self.string, app["label"]) if "label" in app else None
        kind = AppKind.CUSTOM
        if "kind" in app:
            kind = AppKind(self.guard(self.choice, app["kind"], tuple(AppKind)) or kind)
        auth = AuthScheme.TOKEN
        if "auth" in app:
            chosen = self.guard(self.choice, app["auth"], tuple(AUTH_CHOICES))
            auth = AUTH_CHOICES[chosen] if chosen else auth
        connect = True
        if "connect" in app:
            connect = self.guard(self.boolean, app["connect"]) is not False
        to_app = ToAppFeatures(**self.options(app, "features", FEATURE_OPTIONS))
        push = self.options(app, "push", PUSH_OPTIONS)
        import_settings = ImportSettings(**self.options(app, "import", IMPORT_OPTIONS))
        mapping = self.guard(self.mapping_rows, app["mapping"]) if "mapping" in app else None
        if label is None:
            raise _Invalid()
        return AppSpec(
            label,
            kind,
            to_app,
            mapping=mapping,
            auth=auth,
            connect=connect,
            import_settings=import_settings,
            **push,
        )

    def options(self, parent: _Fields, key: str, table: Mapping[str, Option]) -> dict[str, Any]:
        """The dataclass fields a settings block sets (absent keys keep their defaults)."""
        if key not in parent:
            return {}
        block = self.guard(self.mapping, parent[key].value, parent[key].path, (), tuple(table))
        values: dict[str, Any] = {}
        for item in block or ():
            option = table[item.key.value]
            if option.choices is None:
                value = self.guard(self.boolean, item)
            else:
                value = self.guard(self.choice, item, option.choices)
            if value is not None:
                values[option.field] = value
        return values

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

    # -- org -------------------------------------------------------------------------

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
            if isinstance(node, yaml.MappingNode) and any(
                _is_str(key) and key.value == "generate" for key, _ in node.value
            ):
                users += self.generated(node, path)
                continue
            user = self.guard(self.mapping, node, path, ("login",), _CHANGEABLE)
            if user is None or "login" not in user:
                continue
            login = self.guard(self.string, user["login"])
            profile = self.profile(user, skip="login")
            if login is None:
                continue
            clash = self.add_login(login)
            if clash is None:
                users.append(UserSpec(login, profile))
            elif clash == login:
                self.report(user["login"].value, user["login"].path, f"duplicate login {login!r}")
            else:
                self.report(
                    user["login"].value,
                    user["login"].path,
                    f"login {login!r} clashes with {clash!r} (Okta logins are unique "
                    "regardless of case)",
                )
        return tuple(users)

    def add_login(self, login: str) -> str | None:
        """Record ``login``; the login it clashes with (same casefold), if any."""
        clash = self.folded_logins.setdefault(login.casefold(), login)
        if clash != login or login in self.logins:
            return clash
        self.logins.add(login)
        return None

    def generated(self, node: yaml.Node, path: str) -> list[UserSpec]:
        """``{generate: N, login: "user{n:05d}@example.com", …}``: N users, ``n`` = 1…N."""
        spec = self.guard(self.mapping, node, path, ("generate", "login"), _CHANGEABLE)
        if spec is None:
            return []
        count = self.guard(self.generate_count, spec["generate"]) if "generate" in spec else None
        formats: dict[str, str] = {}
        for item in spec:
            if item.key.value != "generate":
                value = self.guard(self.template, item)
                if value is not None:
                    formats[item.key.value] = value
        if count is None or "login" not in formats or len(formats) < len(spec.entries) - 1:
            return []
        login_entry = spec["login"]
        if count > 1 and not any(name == "n" for _, name, _, _ in _FORMAT.parse(formats["login"])):
            self.report(
                login_entry.value,
                login_entry.path,
                f"must use {{n}} so that the {count} generated logins differ",
            )
            return []
        users: list[UserSpec] = []
        for n in range(1, count + 1):
            values = {name: text.format(n=n) for name, text in formats.items()}
            login = values.pop("login")
            clash = self.add_login(login)
            if clash is not None:
                self.report(
                    login_entry.value,
                    login_entry.path,
                    f"generated login {login!r} (n={n}) clashes with {clash!r}",
                )
                return users
            users.append(UserSpec(login, MappingProxyType(values)))
        return users

    def generate_count(self, entry: _Entry) -> int:
        value = int(self.scalar(entry, "int"))
        if not 1 <= value <= MAX_GENERATED:
            raise self.fail(
                entry.value, entry.path, f"must be between 1 and {MAX_GENERATED}, got {value}"
            )
        return value

    def template(self, entry: _Entry) -> str:
        """A Python format string whose only field is ``n`` (``{n}``, ``{n:05d}``)."""
        text = self.string(entry)
        try:
            for _, name, _, _ in _FORMAT.parse(text):
                if name is not None and name != "n":
                    raise ValueError(f"unknown field {{{name}}}, only {{n}} is defined")
            text.format(n=1)
        except (ValueError, IndexError, KeyError, AttributeError) as exc:
            raise self.fail(entry.value, entry.path, f"bad format {text!r}: {exc}") from None
        return text

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
            name_entry = group["name"]
            if name == EVERYONE:
                self.report(
                    name_entry.value,
                    name_entry.path,
                    f"{EVERYONE!r} always exists (Okta keeps every user in it); do not declare it",
                )
            elif name in self.group_names:
                self.report(name_entry.value, name_entry.path, f"duplicate group {name!r}")
            elif name:
                self.group_names.add(name)
                groups.append(GroupSpec(name, tuple(members)))
        return tuple(groups)

    # -- given -----------------------------------------------------------------------

    def given(self, entry: _Entry) -> GivenSpec:
        given = self.mapping(entry.value, entry.path, (), tuple(GIVEN_REQUIRED))
        self.before_steps = True
        try:
            values = {
                item.key.value: self.guard(
                    self.given_resources, item, GIVEN_REQUIRED[item.key.value]
                )
                for item in given
            }
        finally:
            self.before_steps = False
        if None in values.values():
            raise _Invalid()
        return GivenSpec(**values)

    def given_resources(self, entry: _Entry, required: str) -> tuple[Mapping[str, Any], ...]:
        """SCIM resources the runner creates before step 1; ``required`` names each one."""
        resources: list[Mapping[str, Any]] = []
        seen: dict[str, str] = {}
        for node, path in self.sequence(entry):
            body = self.guard(self.given_resource, node, path, required)
            if body is None:
                continue
            name = str(body[required])
            if name.casefold() in seen:
                self.report(node, path, f"duplicate {required} {name!r}")
                continue
            seen[name.casefold()] = name
            resources.append(body)
        return tuple(resources)

    def given_resource(self, node: yaml.Node, path: str, required: str) -> Mapping[str, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, path, f"expected a mapping, got {_kind(node)}")
        ok = True
        present = False
        for key, value in node.value:
            if not _is_str(key):
                raise self.fail(key, path, f"keys must be strings, not {_kind(key)}")
            if key.value in GIVEN_FORBIDDEN:
                self.report(
                    key, _join(path, key.value), f"leave it out: {GIVEN_FORBIDDEN[key.value]}"
                )
                ok = False
            elif key.value == required:
                present = True
                ok = self.guard(self.string, (value, _join(path, required))) is not None and ok
        if not present:
            self.report(node, _join(path, required), "required key missing")
        for item, item_path in _strings(node, path):
            self.variables(item, item_path, str(item.value))
        if not (ok and present):
            raise _Invalid()
        return MappingProxyType(self.loader.construct_object(node, deep=True))

    # -- steps -----------------------------------------------------------------------

    def steps(self, entry: _Entry) -> tuple[Step, ...]:
        items = self.sequence(entry)
        if not items:
            raise self.fail(entry.value, entry.path, "a scenario needs at least one step")
        self.known = set(self.group_names)
        steps: list[Step] = []
        for index, (node, path) in enumerate(items):
            step = self.guard(self.step, index, node, path)
            self.saved |= self.saving
            self.saving = set()
            if step is not None:
                steps.append(step)
        return tuple(steps)

    def step(self, index: int, node: yaml.Node, path: str) -> Step:
        step = self.mapping(node, path, optional=(*Event, *STEP_KEYS))
        events = [e for e in step if e.key.value not in STEP_KEYS]
        if len(events) > 1:
            names = " and ".join(repr(e.key.value) for e in events)
            raise self.fail(node, path, f"one event per step, got {names}")
        if not events:
            if len(step.entries) == len(node.value):
                self.report(node, path, f"no event (one of: {', '.join(Event)})")
            raise _Invalid()
        event_entry = events[0]
        event = self.event = Event(event_entry.key.value)
        args = self.event_args(event, event_entry)
        expect = None
        if "expect" in step:
            expect = self.expectation(step["expect"], event)
        optional = self.guard(self.boolean, step["optional"]) if "optional" in step else False
        if args is None or ("expect" in step and expect is None) or optional is None:
            raise _Invalid()
        return Step(index, event, _line(node), expect=expect, optional=optional, **args)

    def event_args(self, event: Event, entry: _Entry) -> dict[str, Any] | None:
        spec = EVENT_ARGS[event]
        value = entry.value
        if not spec:
            if isinstance(value, yaml.ScalarNode) and value.tag == _TAG + "null":
                return {}
            self.guard(self.mapping, value, entry.path)
            return {}
        if _is_str(value) and len(spec) == 1:
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
            args[name] = self.guard(getattr(self, ARG_READERS[name]), arg)
            ok = ok and args[name] is not None
        if not ok:
            return None
        if event is Event.RENAME_GROUP:
            self.known.add(args["to"])
        if event in RAW_EVENTS:
            request = {name: args.pop(name) for name in REQUEST_ARGS if name in args}
            args["request"] = RequestSpec(**request)
        return args

    def group_arg(self, arg: _Entry) -> str:
        group = self.group(arg, self.known)
        if group == EVERYONE and self.event in EVERYONE_FIXED:
            raise self.fail(arg.value, arg.path, EVERYONE_FIXED[self.event])
        return group

    def http_method(self, arg: _Entry) -> str:
        return self.choice(arg, HTTP_METHODS)

    def profile_changes(self, arg: _Entry) -> Mapping[str, str]:
        changes = self.mapping(arg.value, arg.path, (), _CHANGEABLE)
        if not changes.entries:
            raise self.fail(arg.value, arg.path, "no profile changes")
        values = {item.key.value: self.guard(self.scalar, item, "str") for item in changes}
        if None in values.values():
            raise _Invalid()
        for item in changes:
            self.variables(item.value, item.path, str(values[item.key.value]))
        return MappingProxyType({k: str(v) for k, v in values.items()})

    def request_path(self, arg: _Entry) -> str:
        """``/…`` relative to the SCIM base URL (``request``) or the org URL (``okta_api``).

        ``okta_api`` also takes an absolute URL — the links Okta's answers carry
        (``_links.authorize.href``, ``continue_oauth_flow_url.href``, seed 004)
        — and a path may start with a variable holding either.
        """
        path, event = self.text(arg), self.event
        starts = ("/", "${", "http://", "https://") if event is Event.OKTA_API else ("/", "${")
        if not path.startswith(starts):
            where = "the org URL" if event is Event.OKTA_API else "the SCIM base URL"
            absolute = " or be an absolute URL" if event is Event.OKTA_API else ""
            raise self.fail(
                arg.value, arg.path, f"must start with / (relative to {where}){absolute}"
            )
        return path

    def headers(self, arg: _Entry) -> Mapping[str, str]:
        if not isinstance(arg.value, yaml.MappingNode):
            raise self.fail(arg.value, arg.path, f"expected a mapping, got {_kind(arg.value)}")
        headers: dict[str, str] = {}
        for key, value in arg.value.value:
            if not _is_str(key):
                raise self.fail(key, arg.path, f"header names must be strings, not {_kind(key)}")
            header = self.guard(self.text, (value, _join(arg.path, str(key.value))))
            if header is None:
                raise _Invalid()
            headers[str(key.value)] = header
        return MappingProxyType(headers)

    def save(self, arg: _Entry) -> Mapping[str, str]:
        """``name: dotted.path`` of the JSON answer; ``name`` is usable from the next step."""
        if not isinstance(arg.value, yaml.MappingNode):
            raise self.fail(arg.value, arg.path, f"expected a mapping, got {_kind(arg.value)}")
        saves: dict[str, str] = {}
        for key, value in arg.value.value:
            name = str(key.value)
            key_path = _join(arg.path, name)
            if not (_is_str(key) and SAVE_NAME.fullmatch(name)) or name in RUN_VARIABLES:
                self.report(
                    key,
                    key_path,
                    f"cannot save as {name!r} (a name is a letter or _, then letters, digits "
                    "or _; not 'random' or 'prefix')",
                )
                continue
            json_path = self.guard(self.string, (value, key_path))
            if json_path is not None and "" in json_path.split("."):
                self.report(value, key_path, f"invalid path {json_path!r} (dotted: a.0.b)")
            elif json_path is not None:
                saves[name] = json_path
        self.saving |= set(saves)
        if len(saves) != len(arg.value.value):
            raise _Invalid()
        return MappingProxyType(saves)

    # -- expectations ------------------------------------------------------------

    def expectation(self, entry: _Entry, event: Event) -> Expectation:
        expect = self.mapping(entry.value, entry.path, optional=tuple(EXPECT_READERS))
        values: dict[str, Any] = {}
        for item in expect:
            key = item.key.value
            need = EXPECT_NEEDS.get(key)
            if need is not None and not need[0](event):
                self.report(item.key, item.path, need[1])
                values[key] = None
                continue
            values[key] = self.guard(getattr(self, EXPECT_READERS[key]), item)
        if any(v is None for v in values.values()):
            raise _Invalid()
        return Expectation(line=_line(entry.value), **values)

    def sync_state(self, entry: _Entry) -> SyncState:
        return SyncState(self.choice(entry, tuple(SyncState)))

    def status(self, entry: _Entry) -> int:
        value = int(self.scalar(entry, "int"))
        if not 100 <= value <= 599:
            raise self.fail(entry.value, entry.path, f"not an HTTP status: {value} (100–599)")
        return value

    def json_values(self, entry: _Entry) -> Mapping[str, Any]:
        """``dotted.path: value`` pairs (list indexes as numbers: ``Resources.0.id``)."""
        if not isinstance(entry.value, yaml.MappingNode):
            raise self.fail(
                entry.value, entry.path, f"expected a mapping, got {_kind(entry.value)}"
            )
        result: dict[str, Any] = {}
        for key, value in entry.value.value:
            if not _is_str(key) or not key.value or "" in str(key.value).split("."):
                raise self.fail(key, entry.path, "JSON paths are dotted strings: a.0.b")
            result[str(key.value)] = self.data(_Entry(key, value, _join(entry.path, key.value)))
        return MappingProxyType(result)

    def requests(self, entry: _Entry) -> tuple[str, ...]:
        """``"METHOD /path?query"`` lines: the exact sequence the step must send."""
        lines: list[str] = []
        for node, path in self.sequence(entry):
            line = self.guard(self.text, (node, path))
            if line is None:
                continue
            match = _REQUEST_LINE.fullmatch(line)
            if match is None:
                self.report(
                    node,
                    path,
                    f'expected "METHOD /path" (relative to the SCIM base URL), got {line!r}',
                )
            elif match["method"] not in HTTP_METHODS:
                method = match["method"]
                self.report(
                    node,
                    path,
                    f"unknown method {method!r} (expected one of: {', '.join(HTTP_METHODS)})"
                    + _suggest(method, HTTP_METHODS),
                )
            else:
                lines.append(line)
        if len(lines) != len(entry.value.value):
            raise _Invalid()
        return tuple(lines)

    def scim_query(self, entry: _Entry) -> ScimQueryExpectation:
        query = self.mapping(entry.value, entry.path, ("filter", "count"), ("endpoint",))
        endpoint = "Users"
        if "endpoint" in query:
            endpoint = self.guard(self.choice, query["endpoint"], tuple(QUERY_ENDPOINTS))
        text = self.guard(self.text, query["filter"]) if "filter" in query else None
        count = self.guard(self.natural, query["count"]) if "count" in query else None
        if text is not None and endpoint is not None:
            plain = VARIABLE.sub(_FILTER_PLACEHOLDER, text)
            try:
                compile_filter(plain, QUERY_ENDPOINTS[endpoint])
                problem = okta_lookup_problem(parse_filter(plain), endpoint)
            except ScimError as error:
                problem = f"invalid filter: {error.detail}"
            if problem is not None:
                self.report(query["filter"].value, query["filter"].path, problem)
                raise _Invalid() from None
        if text is None or endpoint is None or count is None:
            raise _Invalid()
        return ScimQueryExpectation(endpoint, text, count)

    def imported(self, entry: _Entry) -> ImportExpectation:
        imported = self.mapping(entry.value, entry.path, (), ("users", "groups", "matched"))
        values: dict[str, Any] = {}
        for item in imported:
            if item.key.value == "matched":
                logins = [
                    self.guard(self.login, pair) for pair in self.guard(self.sequence, item) or []
                ]
                values["matched"] = None if None in logins else tuple(logins)
            else:
                values[item.key.value] = self.guard(self.string_list, item)
        if None in values.values():
            raise _Invalid()
        return ImportExpectation(**values)

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
            if not _is_str(key_node):
                raise self.fail(key_node, entry.path, "attribute paths must be strings")
            key = str(key_node.value)
            result[key] = self.data(_Entry(key_node, value_node, _join(entry.path, key)))
        return MappingProxyType(result)

    def scim_group(self, entry: _Entry) -> ScimGroupExpectation:
        group = self.mapping(entry.value, entry.path, ("name",), ("exists", "members"))
        name = self.guard(self.group, group["name"], self.known) if "name" in group else None
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


def okta_lookup_problem(expression: Filter, endpoint: str) -> str | None:
    """Why a verification filter is not one Okta sends, or None.

    The harness's own reads must not fail a target on an operator Okta never
    uses: RFC 7644 §3.4.2.2 lets a service provider refuse operators
    (Table 3's operators are not all required; §3.12 ``invalidFilter``).
    Okta looks users up with ``userName eq`` and groups with ``displayName
    eq`` (developer.okta.com, docs/api/openapi/okta-scim/guides/scim-20,
    "Create Users" and "Create groups"), and nothing else.
    """
    attribute = OKTA_LOOKUPS[endpoint]
    if (
        isinstance(expression, Compare)
        and expression.op.casefold() == "eq"
        and expression.path.urn is None
        and expression.path.sub_attr is None
        and expression.path.attr.casefold() == attribute.casefold()
    ):
        return None
    return (
        f'Okta looks {endpoint} up only with {attribute} eq "…"; a verification read must '
        "use the same filter (a target may refuse other operators, RFC 7644 §3.4.2.2)"
    )


def _has_login(event: Event) -> bool:
    return "login" in EVENT_ARGS[event]


#: Event arguments → the reader method (see :data:`EVENT_ARGS` for which event takes which).
ARG_READERS: Mapping[str, str] = MappingProxyType(
    {
        "login": "login",
        "group": "group_arg",
        "to": "string",
        "profile": "profile_changes",
        "password": "text",
        "method": "http_method",
        "path": "request_path",
        "body": "data",
        "headers": "headers",
        "save": "save",
    }
)
#: Expectation keys → the reader method; the dataclass field has the key's name.
EXPECT_READERS: Mapping[str, str] = MappingProxyType(
    {
        "ok": "boolean",
        "message_contains": "text",
        "skipped": "boolean",
        "sync_state": "sync_state",
        "scim_user": "scim_user",
        "scim_group": "scim_group",
        "status": "status",
        "json": "json_values",
        "requests": "requests",
        "scim_query": "scim_query",
        "imported": "imported",
        "failed_tasks": "natural",
    }
)
#: Expectation keys that only make sense for some events: the test, and why not.
EXPECT_NEEDS: Mapping[str, tuple[Callable[[Event], bool], str]] = MappingProxyType(
    {
        "sync_state": (_has_login, "sync_state needs an event with a login"),
        "status": (RAW_EVENTS.__contains__, "status needs a request or okta_api step"),
        "json": (RAW_EVENTS.__contains__, "json needs a request or okta_api step"),
    }
)
