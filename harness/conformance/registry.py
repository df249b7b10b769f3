"""The table of conformance checks: id, rule, level per profile, needed feature.

Every check is a pytest test in this package decorated with :func:`check` (or,
for a table of cases that share one body, :func:`check_table`). The decorator
records a :class:`Check` here, so the runner, the reports, ``--select`` and the
baseline all speak of the same stable ids, and marks the test so that the
conformance ``conftest`` can apply profile levels and capability skips
before it runs.

Levels (per profile ``rfc``, ``okta``, ``entra``):

* ``must`` — required for a passing gate (RFC MUST/SHALL, or an IdP rule the
  IdP breaks on);
* ``should`` — reported as a *warning* when broken, never fails the gate (RFC
  SHOULD, or a *policy* where the RFC allows several readings);
* ``skip`` — not part of that profile (e.g. an Entra-only quirk under ``okta``).

A check declares its ``rfc`` level (the RFC keyword it enforces); its ``okta``
and ``entra`` levels are looked up in :mod:`harness.conformance.levels`, the
one table that says what each IdP relies on, with the public page that says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest

from harness.conformance.levels import Level, idp_levels

LEVELS: tuple[Level, ...] = ("must", "should", "skip")
PROFILES: tuple[str, ...] = ("rfc", "okta", "entra")
#: Optional features named by ``/ServiceProviderConfig`` (RFC 7643 §5), plus
#: the resource types a check needs (from ``/ResourceTypes``).
FEATURES = frozenset(
    {"patch", "bulk", "filter", "sort", "etag", "changePassword", "Groups", "Users"}
)
#: Marker carrying the check id; the conformance conftest reads it.
MARKER = "scim_check"
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(\.[a-z0-9][a-z0-9-]*)+$")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Check:
    """One conformance check: what it enforces and how much each profile cares."""

    id: str
    #: The rule: an RFC section ("RFC 7644 §3.4.2.2") or an IdP rule ("Okta OIN …").
    rule: str
    #: One sentence: the behaviour the target must show.
    title: str
    levels: Mapping[str, Level]
    #: Optional features that must be claimed (or required by the profile) to run it.
    needs: tuple[str, ...] = ()
    #: True when the check creates or changes resources (skipped by --read-only).
    mutating: bool = False
    #: Free parameters of a table case (what the shared test body reads).
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def area(self) -> str:
        """The first segment of the id: ``filter``, ``patch``, ``users`` …"""
        return self.id.split(".", 1)[0]

    def level(self, profile: str) -> Level:
        return self.levels[profile]


#: Every check, by id, in definition order.
CHECKS: dict[str, Check] = {}


def make_check(
    check_id: str,
    rule: str,
    title: str,
    *,
    level: Level = "must",
    rfc: Level | None = None,
    needs: Iterable[str] = (),
    mutating: bool = False,
    **params: Any,
) -> Check:
    """Build (not register) a :class:`Check`; validates the id, levels and features.

    ``level`` (or its alias ``rfc``) is the RFC level; the IdP profiles' levels
    come from the level table (:func:`harness.conformance.levels.idp_levels`).
    """
    if not ID_PATTERN.match(check_id):
        raise ValueError(f"check id {check_id!r} must look like 'area.name[-more]'")
    misplaced = {"okta", "entra"} & params.keys()
    if misplaced:
        raise ValueError(f"{check_id}: {sorted(misplaced)} levels live in the level table")
    own = rfc or level
    if own not in LEVELS:
        raise ValueError(f"{check_id}: level {own!r} is not one of {LEVELS}")
    levels: dict[str, Level] = {"rfc": own, **idp_levels(check_id, own)}
    needed = tuple(needs)
    unknown = set(needed) - FEATURES
    if unknown:
        raise ValueError(f"{check_id}: unknown features {sorted(unknown)}")
    if not rule.strip() or not title.strip():
        raise ValueError(f"{check_id}: a check needs its rule and a title")
    return Check(check_id, rule, title, levels, needed, mutating, params)


def register(spec: Check) -> Check:
    if spec.id in CHECKS:
        raise ValueError(f"check id {spec.id!r} is defined twice")
    CHECKS[spec.id] = spec
    return spec


def _marks(spec: Check) -> list[pytest.MarkDecorator]:
    marks = [getattr(pytest.mark, MARKER)(spec.id)]
    if spec.mutating:
        marks.append(pytest.mark.scim_mutating)
    return marks


def check(
    check_id: str,
    rule: str,
    title: str,
    *,
    level: Level = "must",
    rfc: Level | None = None,
    needs: Iterable[str] = (),
    mutating: bool = False,
) -> Callable[[F], F]:
    """Declare a test function as the check ``check_id`` (see the module docstring)."""
    spec = register(
        make_check(check_id, rule, title, level=level, rfc=rfc, needs=needs, mutating=mutating)
    )

    def decorate(function: F) -> F:
        for mark in _marks(spec):
            function = mark(function)
        return function

    return decorate


def case(check_id: str, rule: str, title: str, **kwargs: Any) -> Check:
    """One row of a :func:`check_table`: ``make_check`` arguments plus free params."""
    return make_check(check_id, rule, title, **kwargs)


def check_table(cases: Iterable[Check], argname: str = "case") -> Callable[[F], F]:
    """One test body, many checks: each case is its own check id and pytest item.

    The body receives the :class:`Check` as ``argname``; its ``params`` hold
    the row's data (the filter, the PATCH body, the expected answer …).
    """
    specs = [register(spec) for spec in cases]
    return pytest.mark.parametrize(
        argname, [pytest.param(spec, id=spec.id, marks=_marks(spec)) for spec in specs]
    )


def check_of(item: pytest.Item) -> Check | None:
    """The check a collected pytest item implements (None for a plain test)."""
    marker = item.get_closest_marker(MARKER)
    return None if marker is None else CHECKS.get(marker.args[0])
