"""Oracles: judge a target's answers against the semantics core and the RFC's invariants.

Two kinds of judgement, both returning ``list[Finding]`` (empty = conformant):

* **differential** — the target's result must equal what the semantics core
  (:mod:`harness.scim`, the code the reference server runs) computes from
  the target's *own* data: a filter's result over the target's full listing
  of the run's resources (:func:`filter_oracle`), a PATCH applied to the
  target's pre-image (:func:`patch_oracle`). Nothing here re-implements a
  filter or PATCH rule; it calls ``compile_filter``/``matches`` and
  ``parse_patch_request``/``apply_patch``.
* **invariants** — what every conformant answer keeps whatever was asked:
  no 5xx, 4xx bodies are SCIM Errors (:func:`invariants`), pages add up
  (:func:`paging_oracle`), ``Group.members`` mirrors ``User.groups``
  (:func:`membership_oracle`).

Where the RFC leaves a choice the oracle accepts either reading: a target
may be RFC-strict or IdP-tolerant (``harness.scim.compat``), so a PATCH the
strictest core rejects may be rejected, and one the most tolerant core
accepts may be accepted (then judged by that core's result); a valid filter
the target answers 400 ``invalidFilter`` is "not supported" (RFC 7644 §3.12
Table 9), not a finding; store rules the core cannot see (uniqueness 409,
member ids that do not exist) make a rejection acceptable.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from harness.client import ScimResponse
from harness.fuzz.allowances import Site, assigned, not_writable, only
from harness.fuzz.findings import Finding, ReplayStep
from harness.fuzz.readings import alternatives
from harness.fuzz.target import (
    FuzzTarget,
    endpoint_name,
    item_path,
    list_path,
    resource_type_of,
)
from harness.scim.compat import DEFAULT, Compat
from harness.scim.errors import ERROR_URN, ScimError
from harness.scim.filters import compile_filter, matches, parse_filter
from harness.scim.patch import apply_patch, parse_patch_request
from harness.scim.resources import normalise_resource, validate_resource, values_equal
from harness.scim.schema import (
    GROUP,
    NEVER,
    READ_ONLY,
    Attribute,
    ResourceType,
)

#: The most tolerant reading the core knows (every IdP-compat switch on).
LENIENT = Compat(string_booleans=True, replace_creates=True, lenient_remove=True,
                 lenient_schemas=True)  # fmt: skip
#: The strictest reading (every switch off): what an RFC-literal server does; it
#: also takes the refusing side of the RFC's own choices (RFC 7644 §3.10 bare
#: extension names, §3.12 Table 9 ``noTarget`` for an add whose filter matches nothing).
STRICT = Compat(string_booleans=False, bare_extension_paths=False, filtered_add_creates=False)

JsonDict = dict[str, Any]


# ---------------------------------------------------------------------------
# Invariants of single answers
# ---------------------------------------------------------------------------


def _relative(response: ScimResponse, target: FuzzTarget | None) -> str:
    """The request's path and query relative to the base URL (for a replay step)."""
    url = response.exchange.url
    if target is not None:
        base = target.client.base_url
        if url.startswith(base):
            return url[len(base) :] or "/"
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _step(response: ScimResponse, target: FuzzTarget | None, expect: str) -> ReplayStep:
    body: Any = None
    raw = response.exchange.request_body
    if raw is not None:
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
    path = _relative(response, target)
    if target is not None:
        body = target.template(body)
        path = target.template_path(path)
    return ReplayStep(response.exchange.method, path, body, expect)


def _evidence(target: FuzzTarget | None) -> tuple[list[Any], list[ReplayStep]]:
    """Setup exchanges and steps of the current example (empty without a target)."""
    if target is None:
        return [], []
    return target.setup_exchanges(), target.setup_steps()


def invariants(response: ScimResponse, target: FuzzTarget | None = None) -> list[Finding]:
    """What any answer must keep (RFC 7644 §3.12).

    * No 5xx and no missing answer: a client mistake is a 4xx with a SCIM
      Error; a crash tells the client nothing and, in an IdP, becomes an
      endless retry.
    * A 4xx body is a SCIM Error: ``schemas`` holds the Error URN and
      ``status`` is the HTTP code *as a string* (§3.12: "status … String").
    """
    exchanges, steps = _evidence(target)
    request = f"{response.exchange.method} {_relative(response, target)}"
    if response.status is None or response.status >= 500:
        got = response.error if response.status is None else f"HTTP {response.status}"
        return [
            Finding.of(
                "server-error",
                f"{request} → {got}",
                [*exchanges, response.exchange],
                [*steps, _step(response, target, "not 5xx")],
            )
        ]
    if 400 <= response.status < 500:
        problem = error_shape_problem(response)
        if problem:
            return [
                Finding.of(
                    "error-shape",
                    f"{request} → {response.status}: {problem}",
                    [*exchanges, response.exchange],
                    [*steps, _step(response, target, "scim-error")],
                )
            ]
    return []


def error_shape_problem(response: ScimResponse) -> str | None:
    """Why a 4xx/5xx body is not an RFC 7644 §3.12 SCIM Error, or None."""
    body = response.body
    if response.error or not isinstance(body, Mapping):
        return "the body is not a JSON object"
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or ERROR_URN not in schemas:
        return f"'schemas' does not hold {ERROR_URN}"
    if body.get("status") != str(response.status):
        return f"'status' is {body.get('status')!r}, not the string {str(response.status)!r}"
    return None


def _scim_type(response: ScimResponse) -> str | None:
    body = response.body
    value = body.get("scimType") if isinstance(body, Mapping) else None
    return value if isinstance(value, str) else None


# ---------------------------------------------------------------------------
# Comparing resources
# ---------------------------------------------------------------------------


def canonical(body: Any, resource_type: ResourceType) -> JsonDict:
    """A target's resource in the core's internal representation (canonical names,
    unassigned values dropped, RFC 7643 §2.1/§2.5); the raw body if the core cannot
    read it (a vendor extension it does not know)."""
    if not isinstance(body, dict):
        return {}
    try:
        return normalise_resource(body, resource_type, DEFAULT, keep_read_only=True)
    except ScimError:
        return dict(body)


def _empty(value: Any) -> bool:
    """RFC 7643 §2.5: null, ``[]`` and ``{}`` are all "unassigned"."""
    if value is None:
        return True
    if isinstance(value, list):
        return all(_empty(item) for item in value)
    if isinstance(value, dict):
        return all(_empty(item) for item in value.values())
    return False


def _comparable(attribute: Attribute, value: Any) -> Any:
    """The part of a value the client decides: readOnly and never-returned
    sub-attributes dropped; of a Group member only ``value`` (RFC 7643 §4.2: the
    member's id — ``$ref``, ``type`` and ``display`` are derived by the provider)."""
    if _empty(value):
        return None
    if isinstance(value, list):
        items = [_comparable(attribute, item) for item in value]
        return [item for item in items if item is not None] or None
    if not (attribute.is_complex and isinstance(value, dict)):
        return value
    kept = {}
    for key, item in value.items():
        sub = attribute.sub(key)
        if attribute.name == "members" and (sub is None or sub.name != "value"):
            continue
        if sub is not None and (sub.mutability == READ_ONLY or sub.returned == NEVER):
            continue
        if not _empty(item):
            kept[key] = item
    return kept or None


def differences(resource_type: ResourceType, expected: Any, actual: Any) -> list[str]:
    """How two resources differ, attribute by attribute, as the RFC compares them.

    Excluded: ``id``, ``meta``, ``schemas`` and every readOnly attribute
    (server-owned, RFC 7643 §2.2 — User ``groups`` is judged by the
    membership oracle), ``returned: never`` ones (``password``, §7).
    Multi-valued attributes compare as multisets and strings by ``caseExact``
    (``values_equal``, §2.4, §2.2); unassigned equals null equals ``[]`` (§2.5).
    """
    left = canonical(expected, resource_type)
    right = canonical(actual, resource_type)
    found = []
    for container, attribute in resource_type.all_attributes():
        if attribute.mutability == READ_ONLY or attribute.returned == NEVER:
            continue
        if attribute.name == "schemas" and container is None:
            continue
        a = _comparable(attribute, _value(left, container, attribute.name))
        b = _comparable(attribute, _value(right, container, attribute.name))
        if a is None and b is None:
            continue
        if a is None or b is None or not values_equal(attribute, a, b):
            name = f"{container}:{attribute.name}" if container else attribute.name
            found.append(f"{name}: expected {_show(a)}, got {_show(b)}")
    return found


def _value(resource: JsonDict, container: str | None, name: str) -> Any:
    holder = resource if container is None else resource.get(container)
    return holder.get(name) if isinstance(holder, dict) else None


def _show(value: Any) -> str:
    text = "absent" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 200 else text[:200] + "…"


# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------


def filter_oracle(
    target: FuzzTarget,
    endpoint: str,
    text: str,
    compat: Compat = DEFAULT,
    *,
    listing: list[JsonDict] | None = None,
) -> list[Finding]:
    """A filter's result equals the core's evaluation over the target's own data
    (RFC 7644 §3.4.2.2); an invalid filter is 400 ``invalidFilter`` (Table 9).

    The filter is sent as ``(text) and <prefix filter>`` so that only this
    run's resources count on a shared tenant; the expected ids are those of
    the run's full listing (paged, §3.4.2.4) for which ``matches`` holds. A
    text the core cannot parse must be refused; one that parses but names
    something the schema does not allow must be refused too, except that 200
    with no result is tolerated for an unknown attribute (pitfalls §7). A
    result the declared reading does not give but another reading the RFCs
    leave open does (references compared either way, NFC text;
    :mod:`harness.fuzz.readings`) is accepted.

    ``listing``: the run's full listing, already :func:`canonical`, when the
    caller has it (a population read once per chunk). A finding over many
    resources is reduced to the one resource it misjudged when that alone
    reproduces it.
    """
    name = endpoint_name(endpoint)
    resource_type = resource_type_of(name)
    try:
        expr = compile_filter(text, resource_type, compat)
    except ScimError as error:
        return _invalid_filter(target, name, text, error)
    scoped = target.scoped(name, text) or text
    if scoped != text:
        try:
            expr = compile_filter(scoped, resource_type, compat)
        except ScimError:
            return []  # the scoped text went over a limit (MAX_OPERATORS): nothing to judge
    first = target.list_page(name, scoped, 1, target._page)
    broken = invariants(first, target)
    if broken:
        return broken
    if first.status == 400:
        if _scim_type(first) in (None, "invalidFilter"):
            return []  # "not supported" is a valid answer (RFC 7644 §3.12 Table 9)
        step = ReplayStep("GET", target.template_path(_relative(first, target)), None,
                          "status 400")  # fmt: skip
        return [_wrong_filter_error(target, name, text, first, step)]
    got = target.full_listing(name, text, first=first)
    if isinstance(got, Finding):
        return [got]
    if listing is None:
        everything = target.full_listing(name)
        if isinstance(everything, Finding):
            return [everything]
        listing = [canonical(item, resource_type) for item in everything]
    returned = [item["id"] for item in got]
    expected = filter_misjudged(expr, listing, resource_type, returned)
    if expected is None:
        return []
    return [_filter_finding(target, name, text, scoped, expected, returned, first.exchange)]


def filter_misjudged(
    expr: Any, listing: list[JsonDict], resource_type: ResourceType, returned: list[str]
) -> list[str] | None:
    """The ids of ``listing`` (canonical) the core selects with ``expr`` when the target's
    ``returned`` ids are not a conformant answer; None when they are — the declared
    reading's result or one the RFCs leave open (:mod:`harness.fuzz.readings`).

    The one verdict on a filter's result: the oracle and a replay's ``filter``
    expectation (:mod:`harness.fuzz.replay`) both ask it (RFC 7644 §3.4.2.2).
    """
    expected = [item["id"] for item in listing if matches(expr, item, resource_type)]
    if sorted(returned) == sorted(expected):
        return None
    if any(
        sorted(ids) == sorted(returned) for _, ids in alternatives(expr, listing, resource_type)
    ):
        return None
    return expected


def _filter_finding(
    target: FuzzTarget,
    name: str,
    text: str,
    scoped: str,
    expected: list[str],
    returned: list[str],
    query: Any,
    setup: tuple[list[str], list[ReplayStep], list[Any]] | None = None,
) -> Finding:
    """A ``filter-differential`` finding: what came back, what should have, and the
    steps — the whole setup, or ``setup`` = (ids, steps, exchanges) of a reduced one."""
    ids, steps, exchanges = setup or (
        target.created_ids(),
        target.setup_steps(),
        target.setup_exchanges(),
    )
    extra = sorted(set(returned) - set(expected))
    missing = sorted(set(expected) - set(returned))
    parts = []
    if extra:
        parts.append(f"returned {len(extra)} resource(s) it does not match: {extra}")
    if missing:
        parts.append(f"left out {len(missing)} matching resource(s): {missing}")
    # The filter may name ids (``id eq "…"``, ``members.value eq "…"``): placeholders too.
    path = target.template_path(list_path(name, {"filter": scoped}), ids)
    # Judged again by the core on the replay's own resources, not against ids written
    # down here: a reduced recipe (harness.fuzz.reduce) changes the resources' values.
    step = ReplayStep("GET", path, None, "filter")
    summary = f"filter {text!r} on /{name}: " + "; ".join(parts)
    return Finding.of(
        "filter-differential",
        target.template_text(summary, ids),
        [*exchanges, query],
        [*steps, step],
    )


def _invalid_filter(target: FuzzTarget, name: str, text: str, error: ScimError) -> list[Finding]:
    """The core refuses ``text``: the target must answer 400 (RFC 7644 §3.4.2.2)."""
    try:
        parse_filter(text)
        syntax = False
    except ScimError:
        syntax = True
    # A text that does not parse cannot be scoped safely: sent as is (a read).
    response = target.target.get(f"/{name}", params={"filter": text, "count": 1})
    broken = invariants(response, target)
    if broken:
        return broken
    path = target.template_path(list_path(name, {"filter": text, "count": 1}))
    step = ReplayStep("GET", path, None, "status 400")
    if response.ok:
        body = response.body if isinstance(response.body, Mapping) else {}
        if not syntax and not body.get("Resources") and not body.get("totalResults"):
            return []  # unknown attribute read as "matches nothing" (pitfalls §7)
        return [
            Finding.of(
                "invalid-accepted",
                f"filter {text!r} on /{name} answered {response.status}; the core refuses it: "
                f"{error.detail}",
                [*target.setup_exchanges(), response.exchange],
                [*target.setup_steps(), step],
            )
        ]
    if response.status == 400 and _scim_type(response) not in (None, "invalidFilter"):
        return [_wrong_filter_error(target, name, text, response, step)]
    return []


def _wrong_filter_error(
    target: FuzzTarget, name: str, text: str, response: ScimResponse, step: ReplayStep
) -> Finding:
    """A filter refused with a 400 whose ``scimType`` is not ``invalidFilter``: RFC 7644
    §3.12 Table 9 gives ``invalidFilter`` for "the specified filter syntax was invalid …
    or the specified attribute and filter comparison combination is not supported"."""
    return Finding.of(
        "error-shape",
        f"filter {text!r} on /{name} answered 400 with scimType {_scim_type(response)!r}; "
        "Table 9 gives invalidFilter",
        [*target.setup_exchanges(), response.exchange],
        [*target.setup_steps(), step],
        rule="RFC 7644 §3.4.2.2, §3.12 Table 9",
    )


# ---------------------------------------------------------------------------
# PATCH
# ---------------------------------------------------------------------------


def core_patch(
    resource: JsonDict, body: Any, resource_type: ResourceType, compat: Compat
) -> JsonDict | ScimError:
    """What the core makes of ``body`` applied to ``resource``: the post-image or the error.

    The same sequence as the reference server: parse the PatchOp, apply it
    atomically on a copy (RFC 7644 §3.5.2), then the whole-resource
    invariants (required attributes, one primary; RFC 7643 §2.2, §2.4).
    """
    try:
        operations = parse_patch_request(copy.deepcopy(body), compat)
        patched, changed = apply_patch(resource, operations, resource_type, compat)
        if changed:
            validate_resource(patched, resource_type)
        return patched
    except ScimError as error:
        return error


def _readings(compat: Compat) -> tuple[Compat, Compat]:
    """``compat`` under both readings of RFC 7644 §3.5.2.3 ``replace attr[filter]``
    with an object: each selected record replaced whole ("all matching record
    values SHALL be replaced") or merged ("Sub-attributes that are not specified
    in the 'value' parameter are left unchanged"). Either one is conformant."""
    flipped = replace(compat, replace_merges_selected=not compat.replace_merges_selected)
    return compat, flipped


def _accepting(
    pre: JsonDict, body: Any, resource_type: ResourceType, compat: Compat
) -> list[JsonDict] | ScimError:
    """The post-images a conformant target may produce for an accepted ``body``.

    The readings of ``compat`` (:func:`_readings`) that accept it, or, when
    none does, those of :data:`LENIENT` (an IdP-tolerant target); the error of
    ``compat``'s own reading when no reading accepts.
    """
    refusals: list[ScimError] = []
    for base in (compat, LENIENT):
        accepted: list[JsonDict] = []
        for reading in _readings(base):
            result = core_patch(pre, body, resource_type, reading)
            if isinstance(result, ScimError):
                refusals.append(result)
            else:
                accepted.append(result)
        if accepted:
            return accepted
    return refusals[0]


def _closest(
    resource_type: ResourceType,
    readings: list[JsonDict],
    actual: Any,
    judged: set[Site] | None = None,
) -> tuple[JsonDict, list[str]]:
    """The first reading ``actual`` equals (no differences), else the first reading
    with its differences: a target passes if it agrees with any reading.
    ``judged``: compare these sites only (:func:`_client_set`)."""
    for reading in readings:
        if not differences(resource_type, *_only(resource_type, judged, reading, actual)):
            return reading, []
    return readings[0], differences(
        resource_type, *_only(resource_type, judged, readings[0], actual)
    )


def _client_set(
    resource_type: ResourceType, drawn_on: JsonDict | None, body: Any, compat: Compat
) -> set[Site] | None:
    """The sites the client set: in the body it created the resource with, and in the
    PATCH's result on it. Only these are compared: an attribute the client never set
    holds what the provider assigns, and may change with it (RFC 7644 §3.3, "the
    server is free to alter and/or ignore POSTed content"; a ``name.formatted``
    the provider derives from ``displayName``). None (no drawn body): compare all."""
    if drawn_on is None:
        return None
    after = _accepting(drawn_on, body, resource_type, compat)
    results = [] if isinstance(after, ScimError) else after
    return assigned(resource_type, drawn_on).union(*(assigned(resource_type, r) for r in results))


def _only(
    resource_type: ResourceType, judged: set[Site] | None, expected: Any, actual: Any
) -> tuple[Any, Any]:
    """``expected`` and ``actual`` reduced to the ``judged`` sites (both unchanged: None)."""
    if judged is None or not isinstance(actual, dict):
        return expected, actual
    return only(resource_type, judged, expected), only(resource_type, judged, actual)


def _store_may_refuse(target: FuzzTarget, resource_type: ResourceType, expected: JsonDict) -> bool:
    """A rule the core does not see: member ids must name existing Users (RFC 7643 §4.2)."""
    if resource_type is not GROUP:
        return False
    known = set(target.created_ids())
    members = expected.get("members") or []
    return any(isinstance(m, dict) and m.get("value") not in known for m in members)


def patch_oracle(
    target: FuzzTarget,
    endpoint: str,
    resource_id: str,
    body: Any,
    compat: Compat = DEFAULT,
    *,
    drawn_on: JsonDict | None = None,
) -> list[Finding]:
    """A PATCH does what the core does to the target's own pre-image (RFC 7644 §3.5.2).

    GET the pre-image, apply ``body`` with the core, send the PATCH, GET again:

    * both accept → the post-image (and a 200 body) equals the core's, per
      :func:`differences` (``patch-differential``);
    * the core refuses (even read tolerantly) but the target accepts →
      ``invalid-accepted`` (§3.5.2: an invalid operation is a 400);
    * the target refuses → the resource must be unchanged (``patch-not-atomic``:
      "the entire request fails"), and if even the strict core accepts,
      ``patch-differential`` — unless a store rule the core cannot see
      explains it (uniqueness 409, a member id that does not exist).

    ``drawn_on``: the state a valid ``body`` was drawn against (the core's
    pre-image of the body the target was sent). The target may store less or
    add defaults (RFC 7644 §3.3: "the server is free to alter and/or ignore
    POSTed content"); when its pre-image differs so that the core refuses
    ``body`` on it (a value filter that now selects nothing), the PATCH tests
    nothing and the example is discarded, never judged.
    """
    name = endpoint_name(endpoint)
    resource_type = resource_type_of(name)
    before = target.get(name, resource_id)
    if before.status != 200 or not isinstance(before.body, dict):
        return invariants(before, target)
    pre = canonical(before.body, resource_type)
    readings = _accepting(pre, body, resource_type, compat)
    if (
        drawn_on is not None
        and isinstance(readings, ScimError)
        and not isinstance(_accepting(drawn_on, body, resource_type, compat), ScimError)
    ):
        target.discard("the PATCH drawn for the body sent does not apply to the target's copy")
    answer = target.patch(name, resource_id, body)
    after = target.get(name, resource_id)
    findings = invariants(answer, target) + invariants(after, target)
    patch_step = _step(answer, target, "")
    get_step = ReplayStep("GET", target.template_path(item_path(name, resource_id)), None, "")
    evidence = [*target.setup_exchanges(), before.exchange, answer.exchange, after.exchange]
    setup = target.setup_steps()

    def finding(kind: str, summary: str, patch_expect: str, get_expect: str) -> Finding:
        steps = [
            *setup,
            ReplayStep("GET", get_step.path, None, "status 2xx"),
            replace(patch_step, expect=patch_expect),
            replace(get_step, expect=get_expect),
        ]
        return Finding.of(kind, target.template_text(summary), evidence, steps)

    shown = json.dumps(body, ensure_ascii=False)
    what = f"PATCH /{name}/{resource_id} {shown if len(shown) < 300 else shown[:300] + '…'}"
    if isinstance(after.body, dict) and after.status == 200 and after.body.get("id") != resource_id:
        findings.append(
            finding(
                "id-unstable",
                f"after {what} GET returns id {after.body.get('id')!r}",
                "not 5xx",
                "status 2xx",
            )
        )
    if answer.status is None or answer.status >= 500 or after.status != 200:
        return findings
    if answer.ok:
        if isinstance(readings, ScimError):
            findings.append(
                finding(
                    "invalid-accepted",
                    f"{what} answered {answer.status}; the core refuses it: {readings.detail}",
                    "status 4xx",
                    "unchanged",
                )
            )
            return findings
        judged = _client_set(resource_type, drawn_on, body, compat)
        # Attributes the target's /Schemas does not declare may be dropped (allowances).
        kept = [target.allowances.expected(resource_type, reading) for reading in readings]
        served = target.allowances.expected(resource_type, after.body)
        verdict, diff = _closest(resource_type, kept, served, judged)
        expected_text = json.dumps(target.template(_visible(verdict, resource_type)))
        if diff:
            findings.append(
                finding(
                    "patch-differential",
                    f"{what}: the resource differs from the PatchOp's result: " + "; ".join(diff),
                    "status 2xx",
                    f"resource {expected_text}",
                )
            )
        elif answer.status == 200 and isinstance(answer.body, dict):
            diff = differences(resource_type, *_only(resource_type, judged, verdict, answer.body))
            if diff:
                findings.append(
                    finding(
                        "patch-differential",
                        f"{what}: the 200 body differs from the PatchOp's result: "
                        + "; ".join(diff),
                        f"resource {expected_text}",
                        "status 2xx",
                    )
                )
        return findings
    changed = differences(resource_type, pre, after.body)
    if changed:
        findings.append(
            finding(
                "patch-not-atomic",
                f"{what} answered {answer.status} yet changed the resource: " + "; ".join(changed),
                "status 4xx",
                "unchanged",
            )
        )
    # A refusal is conformant if the strict core refuses under either §3.5.2.3 reading.
    stricts = [core_patch(pre, body, resource_type, c) for c in _readings(STRICT)]
    strict = next((r for r in stricts if isinstance(r, ScimError)), stricts[0])
    refusable = (
        answer.status in (409, 412, 428)
        or (not isinstance(strict, ScimError) and _store_may_refuse(target, resource_type, strict))
        or (
            # The target's own schema makes the attribute unchangeable (RFC 7643 §2.2)
            # or does not define it (RFC 7644 §3.5.2).
            answer.status == 400
            and not isinstance(strict, ScimError)
            and bool(not_writable(target.discovery, resource_type, pre, strict))
        )
    )
    if not isinstance(strict, ScimError) and not refusable:
        expected_text = json.dumps(target.template(_visible(strict, resource_type)))
        findings.append(
            finding(
                "patch-differential",
                f"{what} answered {answer.status}; the core applies it",
                "status 2xx",
                f"resource {expected_text}",
            )
        )
    return findings


def _visible(resource: JsonDict, resource_type: ResourceType) -> JsonDict:
    """``resource`` without ``meta`` (what a replay compares)."""
    return {key: value for key, value in resource.items() if key != "meta"}


# ---------------------------------------------------------------------------
# Paging and membership
# ---------------------------------------------------------------------------


def listing_problem(response: ScimResponse, count: int, total: int | None) -> str | None:
    """Why one page of a listing breaks RFC 7644 §3.4.2 / §3.4.2.4, or None.

    The page is a ListResponse with an integer ``totalResults``; it holds at
    most ``count`` resources ("count … the desired maximum number"); and
    ``totalResults`` is the same on every page of one query.
    """
    where = response.exchange.url
    if response.status != 200:
        return f"GET {where} → {response.status or response.error}, not a ListResponse"
    body = response.body
    if not isinstance(body, Mapping):
        return f"GET {where}: the body is not a JSON object"
    found = body.get("totalResults")
    if not isinstance(found, int) or isinstance(found, bool):
        return f"GET {where}: totalResults is {found!r}, not an integer"
    resources = body.get("Resources") or []
    if not isinstance(resources, list):
        return f"GET {where}: Resources is not an array"
    if len(resources) > count:
        return f"GET {where}: {len(resources)} resources on a page of count={count}"
    if total is not None and found != total:
        return f"totalResults changed between pages: {total} then {found}"
    return None


def paging_oracle(
    target: FuzzTarget, endpoint: str, filter_text: str | None, page_size: int
) -> list[Finding]:
    """Walking a result with ``count=page_size`` gives the result (RFC 7644 §3.4.2.4).

    The union of the pages equals the result read in large pages, no resource
    appears twice, ``totalResults`` is constant and equals the number of
    resources, no page is larger than ``count``; ``startIndex`` is 1-based.
    """
    name = endpoint_name(endpoint)
    if filter_text:
        try:
            compile_filter(filter_text, resource_type_of(name))
        except ScimError:
            return []
    walked = target.full_listing(name, filter_text, page_size=max(page_size, 1), kind="paging")
    if isinstance(walked, Finding):
        return [walked]
    whole = target.full_listing(name, filter_text, kind="paging")
    if isinstance(whole, Finding):
        return [whole]
    a = sorted(item["id"] for item in walked)
    b = sorted(item["id"] for item in whole)
    if a == b:
        return []
    problem = (
        f"pages of {page_size} hold {len(a)} resources, pages of the default size {len(b)}: "
        f"{sorted(set(a) ^ set(b))} differ"
    )
    exchanges = list(target.client.exchanges[-4:])
    scoped = target.scoped(name, filter_text)
    return [target.paging_finding(name, scoped, page_size, problem, exchanges)]


def membership_oracle(target: FuzzTarget) -> list[Finding]:
    """``Group.members`` and ``User.groups`` tell the same story (RFC 7643 §4.1.2, §4.2).

    For the run's resources: a User listed as a direct member of a Group has
    that Group in its ``groups``, and a Group in a User's ``groups`` (not
    ``indirect``) lists the User. Skipped when no User carries ``groups`` at
    all (a provider may leave the readOnly attribute out of listings).
    """
    users = target.full_listing("Users")
    if isinstance(users, Finding):
        return [users]
    groups = target.full_listing("Groups")
    if isinstance(groups, Finding):
        return [groups]
    if not any("groups" in user for user in users):
        return []
    user_ids = {user["id"] for user in users}
    group_ids = {group["id"] for group in groups}
    members = {
        (str(member.get("value")), group["id"])
        for group in groups
        for member in group.get("members") or []
        if isinstance(member, dict) and member.get("value") in user_ids
    }
    listed = {
        (user["id"], str(entry.get("value")))
        for user in users
        for entry in user.get("groups") or []
        if isinstance(entry, dict)
        and entry.get("value") in group_ids
        and str(entry.get("type", "direct")).lower() != "indirect"
    }
    problems = []
    for user_id, group_id in sorted(members - listed):
        problems.append(
            f"User {user_id!r} is a member of Group {group_id!r} but its groups omit it"
        )
    for user_id, group_id in sorted(listed - members):
        problems.append(f"User {user_id!r} lists Group {group_id!r}, whose members omit it")
    if not problems:
        return []
    summary = target.template_text("; ".join(problems))
    exchanges = target.setup_exchanges() + list(target.client.exchanges[-2:])
    scope = target.scoped("Users", None)
    listing = list_path("Users", {"filter": scope} if scope else {})
    steps = [*target.setup_steps(), ReplayStep("GET", listing, None, "membership")]
    return [Finding.of("membership-asymmetric", summary, exchanges, steps)]
