"""The run's namespace: every name a scenario uses, prefixed, so a shared tenant stays safe.

Why: Okta links by lookup (``GET /Users?filter=userName eq "…"`` then a
full ``PUT`` on whatever it found, okta-provisioning.md "Create"), so a
scenario run against a real tenant with ``ada@example.com`` could link to,
and overwrite, somebody's real Ada. Against a URL every org login, email and
group name — and the same strings wherever the scenario repeats them (given
resources, step arguments, raw request paths and bodies, expected values) —
get the run prefix ``scimh-<6 hex>-`` prepended. Okta's lookups can then only
match this run's resources, and the end-of-run sweep (a walk over the
collections for the prefix, no ``sw``: :mod:`harness.conformance.scoping`)
finds whatever the run left behind. The ids the mock org mints (``00u…`` —
sent as ``externalId``, which the JIT lookup matches on — ``00g…``,
``0oa…``) carry the run's namespace too (:func:`id_namespace`).

Matching is case-insensitive (userName and displayName are caseExact false,
RFC 7643 §4.1.1 and §4.2) and keeps the case as written: a given user
``Ada@Example.com`` becomes ``scimh-1a2b3c-Ada@Example.com``. ``${…}``
variables are left alone; their lookups apply the namespace themselves.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Iterable
from typing import Any

from mock_okta.org import EVERYONE
from mock_okta.scenario import Event, Scenario
from mock_okta.walk import map_strings

#: ``${name}``, as the loader checks it (docs/scenarios.md, "Variables").
VARIABLE = re.compile(r"\$\{[A-Za-z_][\w.@+-]*\}")
PREFIX_VARIABLE = "${prefix}"
#: A name is a whole word: not preceded by a character that could continue an
#: e-mail address or identifier (so ``ada@x.com`` is not found inside
#: ``grace.ada@x.com``), not followed by one that continues a word.
_CONTINUES_BEFORE = re.compile(r"[\w.@+-]")
_CONTINUES_AFTER = re.compile(r"[\w@-]")


def run_prefix() -> str:
    """A fresh ``scimh-<6 hex>-`` prefix (long enough for the sweep to trust it)."""
    return f"scimh-{secrets.token_hex(3)}-"


def id_namespace(prefix: str) -> str:
    """The part of a run prefix that goes into the org's ids: its letters and digits
    after ``scimh-`` (``scimh-1a2b3c-`` → ``1a2b3c``); ``""`` for no prefix."""
    return "".join(ch for ch in prefix.removeprefix("scimh-") if ch.isalnum())


class Namespace:
    """Prefixes the given names wherever they occur in a string; identity when prefix is ``""``."""

    def __init__(self, prefix: str, names: Iterable[str]) -> None:
        self.prefix = prefix
        self._names = frozenset(name.casefold() for name in names if name)
        #: Lengths to try at each position, longest first ("Platform Engineering"
        #: before "Engineering"); a scan by length, not one regex alternation, so
        #: 10,000 generated users cost no more than ten.
        self._lengths = sorted({len(name) for name in self._names}, reverse=True)

    def __contains__(self, name: str) -> bool:
        return name.casefold() in self._names

    def name(self, name: str) -> str:
        """``name`` with the prefix when it is one of the run's names (else unchanged)."""
        if not self.prefix or name not in self or name.startswith(self.prefix):
            return name
        return self.prefix + name

    def text(self, text: str) -> str:
        """Every occurrence of a name in ``text`` prefixed; ``${…}`` spans untouched."""
        if not self.prefix or not self._names:
            return text
        # An explicit "${prefix}ada@…" is already in the namespace: resolve it here,
        # and the name after it is then preceded by "-" and left alone.
        text = text.replace(PREFIX_VARIABLE, self.prefix)
        pieces: list[str] = []
        position = 0
        for variable in VARIABLE.finditer(text):
            pieces.append(self._replace(text[position : variable.start()]))
            pieces.append(variable.group())
            position = variable.end()
        pieces.append(self._replace(text[position:]))
        return "".join(pieces)

    def _replace(self, text: str) -> str:
        if not text:
            return text
        pieces: list[str] = []
        start = position = 0
        while position < len(text):
            length = self._match(text, position)
            if length:
                pieces += [text[start:position], self.prefix, text[position : position + length]]
                position += length
                start = position
            else:
                position += 1
        pieces.append(text[start:])
        return "".join(pieces)

    def _match(self, text: str, position: int) -> int:
        """The length of the longest name starting at ``position`` as a whole word, or 0."""
        if position and _CONTINUES_BEFORE.match(text[position - 1]):
            return 0  # inside a longer word, or already prefixed ("scimh-…-ada")
        for length in self._lengths:
            end = position + length
            if end > len(text) or text[position:end].casefold() not in self._names:
                continue
            if end < len(text) and _CONTINUES_AFTER.match(text[end]):
                continue
            return length
        return 0

    def value(self, value: Any) -> Any:
        """``value`` with :meth:`text` applied to every string inside (keys kept)."""
        return map_strings(value, self.text, keep=_KEEP)


#: Dataclass fields that are never names: positions, kinds, credentials.
_KEEP = frozenset({"index", "line", "event", "password", "method", "save", "sync_state"})


#: Okta profile fields holding e-mail addresses (names, like the login).
_EMAILS = ("email", "secondEmail")


def scenario_names(scenario: Scenario) -> list[str]:
    """Every name the namespace covers: logins, emails (also those set by
    ``update_profile``), group names (old and new), and the ``userName`` /
    ``displayName`` of the given resources."""
    names: list[str] = [EVERYONE]
    for user in scenario.org.users:
        names.append(user.login)
        names += [user.profile.get(field, "") for field in _EMAILS]
    # An email given by a profile change is one of the org's emails from then on.
    names += [
        step.profile.get(field, "")
        for step in scenario.steps
        if step.event is Event.UPDATE_PROFILE
        for field in _EMAILS
    ]
    names += [group.name for group in scenario.org.groups]
    names += [step.to for step in scenario.steps if step.event is Event.RENAME_GROUP and step.to]
    names += [str(u.get("userName", "")) for u in scenario.given.scim_users]
    names += [str(g.get("displayName", "")) for g in scenario.given.scim_groups]
    return [name for name in names if name and not VARIABLE.search(name)]


def namespaced(scenario: Scenario, prefix: str) -> tuple[Scenario, Namespace]:
    """The scenario with its org, given resources and steps in the run's namespace."""
    namespace = Namespace(prefix, scenario_names(scenario))
    if not prefix:
        return scenario, namespace
    changed = dataclasses.replace(
        scenario,
        org=namespace.value(scenario.org),
        given=namespace.value(scenario.given),
        steps=namespace.value(scenario.steps),
    )
    return changed, namespace
