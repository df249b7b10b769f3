"""Replay files: findings written down, and re-sent later to see whether they still reproduce.

Format ``scim-harness/fuzz-replay`` version 1 (JSON)::

    {"format": "scim-harness/fuzz-replay", "version": 1, "prefix": "scimh-fz-1a2b3c-",
     "findings": [Finding.to_json(), …]}

A replay re-creates each finding's resources under a *fresh* prefix (every
occurrence of the recorded one is substituted, so names do not collide with
leftovers of the original run), maps ``{idN}`` to the ids the target now
assigns, sends the steps and checks each step's ``expect``
(:class:`~harness.fuzz.findings.ReplayStep`). A finding reproduces when an
expectation is broken again; what the replay created is deleted afterwards.
Exchanges kept in the file were redacted when recorded; no token is stored.
A step whose expectation this version cannot read (a damaged file, an older
format) ends that finding's replay as "could not replay", never the run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from harness.client import ScimClient, ScimResponse
from harness.conformance.target import UnsafeRequest
from harness.fuzz.findings import Finding, ReplayStep
from harness.fuzz.oracles import (
    canonical,
    differences,
    error_shape_problem,
    filter_misjudged,
    membership_oracle,
)
from harness.fuzz.stateful import drop_dangling_members
from harness.fuzz.target import FuzzTarget, new_prefix, resource_type_of
from harness.scim.errors import ScimError
from harness.scim.filters import compile_filter

FORMAT = "scim-harness/fuzz-replay"
VERSION = 1
_PLACEHOLDER = re.compile(r"\{id(\d+)\}")


class ReplayError(ValueError):
    """The file is not a replay file this version can read."""


@dataclass
class ReplayOutcome:
    """What replaying one finding showed."""

    finding: Finding
    reproduced: bool
    #: Which expectation broke, or why the replay could not get that far.
    reason: str
    exchanges: list[Any]
    #: The index in ``finding.steps`` of the step whose expectation broke (reproduced).
    step: int | None = None
    #: The fresh prefix the replay named its resources with (its exchanges carry it).
    prefix: str = ""


def write_replay(path: str | Path, findings: list[Finding], prefix: str | None = None) -> None:
    """Write ``findings`` as a replay file (``prefix``: the run prefix their names carry)."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "prefix": prefix,
        "findings": [finding.to_json() for finding in findings],
    }
    Path(path).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")


def _document(path: str | Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ReplayError(f"{path}: cannot read a replay file: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ReplayError(f"{path}: not a {FORMAT} file")
    if data.get("version") != VERSION:
        raise ReplayError(f"{path}: version {data.get('version')!r}; this harness reads {VERSION}")
    return data


def load_replay(path: str | Path) -> list[Finding]:
    """The findings of a replay file (raises :class:`ReplayError`)."""
    return [Finding.from_json(item) for item in _document(path).get("findings") or []]


def replay(path: str | Path, client: ScimClient) -> list[Finding]:
    """The findings of ``path`` that still reproduce against ``client``'s target."""
    return [
        Finding.of(
            outcome.finding.kind,
            f"reproduced: {outcome.reason} (recorded: {outcome.finding.summary})",
            outcome.exchanges,
            outcome.finding.steps,
            rule=outcome.finding.rule,
        )
        for outcome in replay_outcomes(path, client)
        if outcome.reproduced
    ]


def replay_outcomes(path: str | Path, client: ScimClient) -> list[ReplayOutcome]:
    """Replay every finding of ``path``; one outcome each, in file order."""
    data = _document(path)
    old_prefix = data.get("prefix")
    findings = [Finding.from_json(item) for item in data.get("findings") or []]
    return [_outcome(finding, client, old_prefix) for finding in findings]


def reproduces(finding: Finding, client: ScimClient, prefix: str | None) -> bool:
    """Whether ``finding`` (recorded under the run ``prefix``) reproduces on ``client``'s
    target now, replayed as ``--replay`` would (the campaign checks a reduced finding so)."""
    return outcome(finding, client, prefix).reproduced


def outcome(finding: Finding, client: ScimClient, prefix: str | None) -> ReplayOutcome:
    """Replay ``finding`` once: the one judge of ``--replay``, the campaign's check of a
    reduced finding and each candidate of :mod:`harness.fuzz.reduce`."""
    return _outcome(finding, client, prefix)


def _outcome(finding: Finding, client: ScimClient, old_prefix: str | None) -> ReplayOutcome:
    """Replay ``finding`` under a fresh prefix and remove what it created.

    ``private``: listings are sent exactly as recorded (a recorded filter
    already carries the prefix scope when it needed one); only ids this
    replay created are compared, so other resources on a shared tenant
    never count.
    """
    target = FuzzTarget(client, new_prefix(), private=True)
    try:
        return _replay_one(target, finding, old_prefix)
    finally:
        target.cleanup()


def _renamed(value: Any, old: str | None, new: str) -> Any:
    if not old or value is None:
        return value
    return json.loads(json.dumps(value).replace(old, new))


def _filled(value: Any, ids: list[str]) -> Any:
    """``value`` with ``{idN}`` replaced by the N-th id created in this replay."""
    if value is None:
        return None
    text = json.dumps(value)

    def one(match: re.Match[str]) -> str:
        index = int(match[1])
        if index >= len(ids):
            raise _Stop(f"{match[0]} refers to a resource the replay could not create")
        return ids[index]

    return json.loads(_PLACEHOLDER.sub(one, text))


class _Stop(Exception):
    """The replay cannot go on (a setup step failed, an expectation is unreadable)."""


@dataclass
class _Seen:
    """What the replay's earlier steps showed that a later expectation reads."""

    #: The last 200 body of each path GET (``unchanged``).
    last_get: dict[str, Any]
    #: Users this replay deleted (a Group may keep them as members, RFC 7643 §2.3.7).
    deleted_users: set[str]


def _replay_one(target: FuzzTarget, finding: Finding, old_prefix: str | None) -> ReplayOutcome:
    ids: list[str] = []
    seen = _Seen({}, set())
    with target.example():
        try:
            for index, step in enumerate(finding.steps):
                raw = ReplayStep(
                    step.method,
                    _renamed(step.path, old_prefix, target.prefix),
                    _renamed(step.body, old_prefix, target.prefix),
                    _renamed(step.expect, old_prefix, target.prefix),
                )
                path, body, expect = _filled(raw.path, ids), _filled(raw.body, ids), raw.expect
                if expect == "setup":
                    response, created = target.create(path, body)
                    if created is None:
                        raise _Stop(f"setup {step.method} {path} → {response.status}")
                    ids.append(created)
                    continue
                response = target.target.request(
                    step.method, path, **({} if body is None else {"json_body": body})
                )
                broken = _checked(target, path, _filled(expect, ids), response, seen)
                _remember(seen, step.method, path, response)
                if broken:
                    exchanges = list(target.client.exchanges)
                    return ReplayOutcome(finding, True, broken, exchanges, index, target.prefix)
        except _Stop as stop:
            return ReplayOutcome(finding, False, f"could not replay: {stop}", [])
        except UnsafeRequest as exc:
            return ReplayOutcome(finding, False, f"could not replay: {exc}", [])
        return ReplayOutcome(finding, False, "every expectation held", [])


def _remember(seen: _Seen, method: str, path: str, response: ScimResponse) -> None:
    bare = path.split("?", 1)[0]
    if method == "GET" and response.status == 200:
        seen.last_get[bare] = response.body
    parts = bare.strip("/").split("/")
    if method == "DELETE" and response.ok and len(parts) == 2 and parts[0] == "Users":
        seen.deleted_users.add(parts[1])


def _checked(
    target: FuzzTarget, path: str, expect: str, response: ScimResponse, seen: _Seen
) -> str | None:
    """:func:`_broken`, with an expectation it cannot read turned into :class:`_Stop`."""
    try:
        return _broken(target, path, expect, response, seen)
    except (ValueError, TypeError, KeyError, IndexError, ScimError) as exc:
        raise _Stop(f"unreadable expectation {_short(expect)} ({exc})") from None


def _short(expect: str) -> str:
    return repr(expect if len(expect) <= 80 else expect[:80] + "…")


def _broken(
    target: FuzzTarget, path: str, expect: str, response: ScimResponse, seen: _Seen
) -> str | None:
    """Why ``response`` breaks ``expect``, or None when it holds (raises :class:`_Stop`
    for an expectation it does not know)."""
    status = response.status
    where = f"{response.exchange.method} {path}"
    verb, _, rest = expect.partition(" ")
    if status is None or status >= 500:
        return f"{where} → {status or response.error}"
    if not expect:
        return None
    if verb == "not":  # "not 5xx", already checked above
        return None
    if verb == "status":
        wanted = rest.strip()
        ok = (
            str(status) == wanted
            or (wanted.endswith("xx") and str(status)[0] == wanted[0])
        )  # fmt: skip
        return None if ok else f"{where} → {status}, expected {wanted}"
    if verb == "scim-error":
        problem = error_shape_problem(response) if status >= 400 else None
        return None if problem is None else f"{where} → {status}: {problem}"
    endpoint = path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
    if verb == "resource":
        return _resource_broken(where, endpoint, rest, response, seen)
    if verb == "unchanged":
        before = seen.last_get.get(path.split("?", 1)[0])
        if before is None or not isinstance(response.body, dict):
            return None
        diff = differences(resource_type_of(endpoint), before, response.body)
        return None if not diff else f"{where} changed: " + "; ".join(diff)
    query = parse_qs(urlsplit(path).query)
    text = query["filter"][0] if query.get("filter") else None
    if verb == "filter":
        return _filter_broken(target, where, endpoint, text, response)
    if verb in ("ids", "paging"):
        size_text, _, ids_text = rest.partition(" ids") if verb == "paging" else ("", "", rest)
        got = _own_ids(target, endpoint, text, int(size_text) if verb == "paging" else None)
        if isinstance(got, str):
            return got
        wanted_ids = sorted(ids_text.split())
        held = "ids" if verb == "ids" else "pages hold"
        return None if got == wanted_ids else f"{where}: {held} {got}, expected {wanted_ids}"
    if verb == "membership":
        found = membership_oracle(target)
        return found[0].summary if found else None
    raise _Stop(f"unknown expectation {_short(expect)} (a newer replay format?)")


def _filter_broken(
    target: FuzzTarget, where: str, endpoint: str, text: str | None, response: ScimResponse
) -> str | None:
    """``filter``: the listing holds exactly the replay's own resources the core selects,
    judged on those resources as the target serves them now (one GET each) by the
    filter oracle's own verdict (:func:`~harness.fuzz.oracles.filter_misjudged`).

    A 400 ``invalidFilter`` is "not supported" (RFC 7644 §3.12 Table 9), as in the oracle.
    """
    if not text:
        raise _Stop(f"a filter expectation on {where}, which sends no filter")
    resource_type = resource_type_of(endpoint)
    expr = compile_filter(text, resource_type)
    body = response.body if isinstance(response.body, dict) else {}
    if response.status == 400 and body.get("scimType") in (None, "invalidFilter"):
        return None
    got = _own_ids(target, endpoint, text, None)
    if isinstance(got, str):
        return got
    served = []
    for resource_id in target.created_ids():
        answer = target.get(endpoint, resource_id)
        if answer.status == 200 and isinstance(answer.body, dict):
            served.append(canonical(answer.body, resource_type))
    expected = filter_misjudged(expr, served, resource_type, got)
    if expected is None:
        return None
    wanted = sorted(expected)
    return f"{where}: ids {got}, the filter selects {wanted}"


def _own_ids(
    target: FuzzTarget, endpoint: str, text: str | None, page_size: int | None
) -> list[str] | str:
    """The replay's own ids in the full listing (pages of ``page_size``), sorted; or why
    the listing cannot be trusted. Only the replay's resources count: a filter recorded
    against a private server may select other users on a shared tenant."""
    listing = target.full_listing(endpoint, text, page_size=page_size)
    if isinstance(listing, Finding):
        return listing.summary
    mine = set(target.created_ids())
    return sorted(item["id"] for item in listing if item["id"] in mine)


def _resource_broken(
    where: str, endpoint: str, rest: str, response: ScimResponse, seen: _Seen
) -> str | None:
    """``resource {json}``: the answer equals the JSON as the PATCH oracle compares.

    A bare ``resource`` (written by the state machine before it recorded the
    model) can only say that a resource came back: it is read as ``status 2xx``.
    A Group may still list a User this replay deleted (RFC 7643 §2.3.7: referential
    integrity is a MAY), as the state machine allows.
    """
    status = response.status or 0
    if not rest.strip():
        return None if 200 <= status < 300 else f"{where} → {status}, expected 2xx"
    expected = json.loads(rest)
    if not isinstance(expected, dict):
        raise _Stop(f"resource expectation is not a JSON object: {_short(rest)}")
    if not isinstance(response.body, dict):
        return None if status == 204 else f"{where} → {status} without a resource"
    actual = response.body
    if endpoint == "Groups":
        listed = {
            str(member.get("value"))
            for member in expected.get("members") or []
            if isinstance(member, dict)
        }
        actual = drop_dangling_members(actual, seen.deleted_users, listed)
    diff = differences(resource_type_of(endpoint), expected, actual)
    return None if not diff else f"{where}: " + "; ".join(diff)
