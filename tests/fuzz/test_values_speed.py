"""Cheap body strategies keep what the costly ones gave (harness/fuzz/values.py, resources.py).

User and Group bodies are drawn with few hypothesis choices: faker values
come from per-locale pools made once, a leaf is one pick over realistic and
adversarial entries, an object's shape is one byte string. These tests
check behaviour, never time:

* pools are lazy, the same in every process (``--seed`` and replay depend
  on it) and cover every locale of :data:`~harness.fuzz.values.LOCALES`;
* bodies mix realistic values from every locale with named adversarial
  strings, random text and long strings, and vary in shape (minimal to
  full, extension or not, ``primary`` true and false, custom ``type``,
  member order — RFC 7643 §2.4, §3, §4.1, §4.3);
* ``externalId`` carries the run's prefix, like the names (replays rename it);
* a failing example shrinks to plain en_US values in schema order;
* strategies are built once per prefix (stateful rules ask on every step).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from harness.fuzz.resources import (
    REALISTIC_SOURCES,
    attribute_values,
    group_bodies,
    user_bodies,
)
from harness.fuzz.values import (
    ADVERSARIAL_STRINGS,
    LOCALES,
    POOL_SIZE,
    Faked,
    fake,
    leaf_pick,
    pool,
)
from harness.scim.schema import ENTERPRISE_USER_URN, GROUP_URN, STRING, USER_SCHEMA, USER_URN

PREFIX = "fz-speed-"
ROOT = Path(__file__).resolve().parents[2]
#: Faker methods behind User attributes, and a few more the generic strings use.
METHODS = sorted(
    {source.method for source in REALISTIC_SOURCES.values() if isinstance(source, Faked)}
    | {"word", "name", "job", "user_name", "company"}
)
NAMED = frozenset(ADVERSARIAL_STRINGS.values())
QUIET = settings(
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.generate],
    derandomize=True,  # coverage claims must not depend on the run's random seed
)


def _locale_slice(method: str, locale: str) -> tuple[Any, ...]:
    start = LOCALES.index(locale) * POOL_SIZE
    return pool(method)[start : start + POOL_SIZE]


def _examples(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    seen: list[Any] = []

    @settings(QUIET, max_examples=count)
    @given(strategy)
    def collect(value: Any) -> None:
        seen.append(value)

    collect()
    return seen


@pytest.fixture(scope="module")
def bodies() -> list[dict[str, Any]]:
    """User bodies as a campaign draws them (hypothesis' engine, generate phase)."""
    return _examples(user_bodies(PREFIX), 400)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def _leaves(body: dict[str, Any]) -> Iterator[str]:
    """String values of a body but ``schemas`` and the token-derived names."""
    for key, value in body.items():
        if key not in ("schemas", "userName", "externalId"):
            yield from _strings(value)


# --------------------------------------------------------------------------
# Pools
# --------------------------------------------------------------------------


def test_pools_cover_every_locale() -> None:
    """Each method has :data:`POOL_SIZE` values per locale, en_US first; the locales differ."""
    for method in ("first_name", "last_name", "city", "email"):
        values = pool(method)
        assert len(values) == POOL_SIZE * len(LOCALES)
        slices = [set(_locale_slice(method, locale)) for locale in LOCALES]
        assert all(len(part) > 1 for part in slices), method
        assert len({frozenset(part) for part in slices}) == len(LOCALES), method
    japanese = _locale_slice("first_name", "ja_JP")
    assert any(any("\u3040" <= char <= "\u9fff" for char in name) for name in japanese)
    assert all(name.isascii() for name in _locale_slice("first_name", "en_US"))


_SUBPROCESS = """
import json, random, sys
import harness.fuzz.resources  # builds every strategy: must not make a pool
from harness.fuzz import values
made_on_import = values._locale_pool.cache_info().currsize
random.seed(7)
methods = json.loads(sys.argv[1])
pools = {method: [str(v) for v in values.pool(method)] for method in reversed(methods)}
print(json.dumps({"made_on_import": made_on_import, "pools": pools}))
"""


def test_pools_are_lazy_and_the_same_in_every_process() -> None:
    """Importing the strategies makes no pool; another process (other hash seed, other
    global random state, other order of first use) makes the same pools."""
    methods = ["first_name", "email", "address", "uuid4", "password", "phone_number"]
    done = subprocess.run(
        [sys.executable, "-c", _SUBPROCESS, json.dumps(methods)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    there = json.loads(done.stdout)
    assert there["made_on_import"] == 0
    assert there["pools"] == {method: [str(v) for v in pool(method)] for method in methods}


def test_fake_draws_from_the_pool() -> None:
    """``fake`` (public, deferred) draws pool values of every locale."""
    drawn = set(_examples(fake("last_name"), 300))
    assert drawn <= set(pool("last_name"))
    for locale in LOCALES:
        assert drawn & set(_locale_slice("last_name", locale)), locale


def test_a_pick_weighs_its_branches_equally() -> None:
    """Realistic, named adversarial, random text and long strings: a quarter each,
    realistic first (so shrinking ends on the first en_US value)."""
    entries = leaf_pick(STRING, Faked("email")).entries
    realistic = sum(1 for entry in entries if isinstance(entry, str) and entry not in NAMED)
    named = sum(1 for entry in entries if isinstance(entry, str) and entry in NAMED)
    drawn = [entry for entry in entries if isinstance(entry, st.SearchStrategy)]
    assert entries[0] == pool("email")[0]
    for count in (realistic, named, len(drawn) / 2):
        assert 0.2 < count / len(entries) < 0.3, (realistic, named, len(drawn))


# --------------------------------------------------------------------------
# Bodies: realistic and adversarial, every locale, every shape
# --------------------------------------------------------------------------


def test_realistic_values_reach_every_locale(bodies: list[dict[str, Any]]) -> None:
    """Some value of each locale's pools (and of no other locale's) appears in the bodies."""
    own: dict[str, set[str]] = {}
    for locale in LOCALES:
        mine = {str(v) for method in METHODS for v in _locale_slice(method, locale)}
        others = {
            str(v)
            for method in METHODS
            for other in LOCALES
            if other != locale
            for v in _locale_slice(method, other)
        }
        own[locale] = mine - others
    leaves = {leaf for body in bodies for leaf in _leaves(body)}
    for locale in LOCALES:
        assert leaves & own[locale], locale


def test_string_values_mix_realistic_and_adversarial(bodies: list[dict[str, Any]]) -> None:
    """Realistic, named adversarial, long (a few KB) and random text all have a real share."""
    realistic = {str(v) for method in METHODS for v in pool(method)}
    for source in REALISTIC_SOURCES.values():
        if isinstance(source, tuple):
            realistic.update(source)
    kinds = {"realistic": 0, "named": 0, "long": 0, "text": 0}
    for body in bodies:
        for leaf in _leaves(body):
            if leaf in NAMED:
                kinds["named"] += 1
            elif len(leaf) >= 256:
                kinds["long"] += 1
            elif leaf in realistic:
                kinds["realistic"] += 1
            else:
                kinds["text"] += 1
    total = sum(kinds.values())
    print("string values:", {kind: round(count / total, 2) for kind, count in kinds.items()})
    assert all(count / total > 0.08 for count in kinds.values()), kinds


def _schema_rank(key: str) -> int:
    names = [attribute.name for attribute in USER_SCHEMA.attributes]
    return names.index(key) if key in names else len(names)


def test_bodies_vary_in_shape(bodies: list[dict[str, Any]]) -> None:
    """Minimal and full bodies, extension or not (RFC 7643 §3, §4.3), ``primary`` true and
    false (§2.4), custom ``type`` (§2.3.1), several values, and member order varied."""
    seen: set[str] = set()
    for body in bodies:
        attributes = [key for key in body if key not in ("schemas", "userName")]
        seen.add("minimal" if not attributes else "")
        seen.add("full" if len(attributes) >= 15 else "")
        seen.add("extension" if ENTERPRISE_USER_URN in body else "core-only")
        ranks = [_schema_rank(key) for key in attributes]
        seen.add("reordered" if ranks != sorted(ranks) else "")
        for key in ("emails", "phoneNumbers", "addresses", "ims", "photos", "roles"):
            values = body.get(key, [])
            seen.add("several" if len(values) > 1 else "")
            for value in values:
                seen.add({True: "primary", False: "not-primary"}.get(value.get("primary"), ""))
                seen.add("custom-type" if value.get("type") == "custom" else "")
        assert list(body)[:2] == ["schemas", "userName"]
        assert (ENTERPRISE_USER_URN in body) == (ENTERPRISE_USER_URN in body["schemas"])
    wanted = {
        "minimal",
        "full",
        "extension",
        "core-only",
        "reordered",
        "several",
        "primary",
        "not-primary",
        "custom-type",
    }
    assert wanted <= seen, wanted - seen


def test_external_ids_stay_in_the_run_namespace(bodies: list[dict[str, Any]]) -> None:
    """``externalId`` is unique per type on the reference server: it carries the run's
    prefix, so a replay under a fresh prefix never collides with a live resource."""
    groups = _examples(group_bodies(PREFIX), 60)
    ids = [body["externalId"] for body in [*bodies, *groups] if "externalId" in body]
    assert ids
    assert all(external_id.startswith(PREFIX) for external_id in ids)


# --------------------------------------------------------------------------
# Shrinking and caching
# --------------------------------------------------------------------------


def test_user_bodies_shrink_to_plain_en_us_values() -> None:
    """A minimal failing body has only what the failure needs: first en_US pool
    values, token 0, one value without ``primary``, members in schema order.

    ``name`` keeps one member, not always the first: its shape bytes shrink
    one at a time and a member's byte cannot move to another member.
    """
    body = find(
        user_bodies(PREFIX),
        lambda body: "emails" in body and "name" in body,
        settings=settings(database=None, deadline=None, max_examples=2000),
    )
    assert list(body) == ["schemas", "userName", "name", "emails"]
    assert body["schemas"] == [USER_URN]
    assert body["userName"] == f"{PREFIX}{pool('user_name')[0]}-0"
    assert body["emails"] == [{"value": pool("email")[0]}]
    [(member, value)] = body["name"].items()
    source = REALISTIC_SOURCES[f"name.{member}"]
    assert isinstance(source, Faked)
    assert value == pool(source.method)[0]


def test_group_bodies_shrink_to_plain_en_us_values() -> None:
    body = find(group_bodies(PREFIX), lambda body: True, settings=settings(database=None))
    assert body == {"schemas": [GROUP_URN], "displayName": f"{PREFIX}0-{pool('company')[0]}"}


def test_strategies_are_built_once() -> None:
    """Same prefix (and managers, list or tuple), same strategy object: hypothesis
    validates a new strategy on its first draw, and stateful rules ask on every step."""
    assert user_bodies(PREFIX) is user_bodies(PREFIX)
    assert user_bodies(PREFIX, ["m1"]) is user_bodies(PREFIX, ("m1",))
    assert user_bodies(PREFIX, ["m1"]) is not user_bodies(PREFIX)
    assert group_bodies(PREFIX) is group_bodies(PREFIX)
    emails = USER_SCHEMA.get("emails")
    assert emails is not None
    assert attribute_values("emails", emails) is attribute_values("emails", emails)
