"""Capabilities learned from the target's own refusals: filter operators and attributes.

RFC 7644 §3.4.2.2 lists the operators, but a service provider need not
support all of them: §3.12 gives it ``400 invalidFilter`` for "the
specified attribute and filter comparison combination is not supported",
and ``501`` for an operation it does not implement. ``/ServiceProviderConfig``
only says ``filter.supported`` as a whole (RFC 7643 §5), so which operators
work is learned by asking: when a check's filter is refused with that error,
each operator in it is probed once per run with a filter that selects nothing
(``userName sw "<fresh name>"``, ``count=1``). An operator refused on its own
is a *capability the target lacks*, and every check that needs it is skipped
with that reason — unless the profile's IdP sends that operator: then the
refusal is that IdP's failure, said in its words.

The same holds for an attribute a target does not filter on (``id eq``
refused while ``userName eq`` works, the field's mlflow-oidc-auth): Table 9's
"attribute and filter comparison combination is not supported". Only string
attributes are probed (``attr eq "<fresh>"``): a refusal of a string literal
on a Boolean or a date says nothing about the attribute.

How a check declares what it needs: it does not list operators by hand; its
filter text says them (:func:`operators_in`). A check calls
:func:`explain_refusal` with the filter and the answer before it judges a
400 — see :func:`harness.conformance.scoping.listing`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from harness.client import ScimResponse
from harness.conformance.expect import fail
from harness.scim.errors import ScimError
from harness.scim.expr import And, Compare, Filter, Not, Or, Present, ValuePath
from harness.scim.filters import parse_filter

if TYPE_CHECKING:
    from harness.conformance.target import Target

#: Filters that test one operator alone and select nothing the run did not
#: create: ``{v}`` is a fresh name nobody has. ``count=1`` bounds any answer.
PROBES: Mapping[str, str] = {
    **{
        op: f'userName {op} "{{v}}"'
        for op in ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")
    },
    "pr": "userName pr",
    "and": 'userName eq "{v}" and userName eq "{v}"',
    "or": 'userName eq "{v}" or userName eq "{v}"',
    "not": 'not (userName eq "{v}")',
    "[]": 'emails[value eq "{v}"]',
}


@dataclass(frozen=True)
class IdpFilters:
    """What an IdP sends: it cannot work with a target that refuses these."""

    name: str
    operators: frozenset[str]
    source: str
    #: Attributes it filters on (case-folded).
    attributes: frozenset[str] = frozenset()


#: Okta's SCIM 2.0 guide: users looked up with ``userName eq``, groups with
#: ``displayName eq``; Microsoft Learn: Entra matches with ``eq`` on userName,
#: externalId and displayName.
IDP_FILTERS: Mapping[str, IdpFilters] = {
    "okta": IdpFilters(
        "Okta",
        frozenset({"eq"}),
        'Okta looks users up with userName eq "…" and groups with displayName eq "…" '
        "before it creates them "
        "(https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20)",
        frozenset({"username", "displayname"}),
    ),
    "entra": IdpFilters(
        "Microsoft Entra ID",
        frozenset({"eq", "and"}),
        "Entra matches users with userName eq / externalId eq and groups with "
        "displayName eq, combined only with and "
        "(https://learn.microsoft.com/en-us/entra/identity/app-provisioning/"
        "use-scim-to-provision-users-and-groups)",
        frozenset({"username", "externalid", "displayname"}),
    ),
}


def operators_in(text: str) -> list[str]:
    """The operators a filter uses, in the order they appear (``[]`` for a value path).

    A filter that does not parse names none: it is a malformed-filter check's
    business, not a capability.
    """
    try:
        tree = parse_filter(text)
    except ScimError:
        return []
    found: list[str] = []
    _collect(tree, found)
    return list(dict.fromkeys(found))


def _collect(node: Filter, found: list[str]) -> None:
    if isinstance(node, Compare):
        found.append(node.op.lower())
    elif isinstance(node, Present):
        found.append("pr")
    elif isinstance(node, And | Or):
        found.append("and" if isinstance(node, And) else "or")
        _collect(node.left, found)
        _collect(node.right, found)
    elif isinstance(node, Not):
        found.append("not")
        _collect(node.expr, found)
    elif isinstance(node, ValuePath):
        found.append("[]")
        _collect(node.filter, found)


def is_refusal(response: ScimResponse) -> bool:
    """The RFC's own "not supported" answer: 400 ``invalidFilter`` or 501 (RFC 7644 §3.12)."""
    if response.status == 501:
        return True
    body = response.body if isinstance(response.body, Mapping) else {}
    return response.status == 400 and body.get("scimType") == "invalidFilter"


def _named(operator: str) -> str:
    return "value-path filters ([…])" if operator == "[]" else f"the {operator} operator"


def refusal_reason(operator: str, answer: str) -> str:
    """How a skip reads: the operator, the answer, the RFC that allows it."""
    return f"the target refuses {_named(operator)} ({answer}, RFC 7644 §3.12 allows this)"


def refused(target: Target, operator: str) -> str | None:
    """The target's answer when it refuses ``operator`` alone (probed once per run), or None."""
    learned = target.learned
    if operator not in learned:
        probe = PROBES.get(operator)
        if probe is None:
            return None
        text = probe.format(v=f"{target.prefix}probe-{operator}@example.com")
        response = target.get("/Users", params={"filter": text, "count": 1})
        answer = "501" if response.status == 501 else "400 invalidFilter"
        learned[operator] = answer if is_refusal(response) else None
    return learned[operator]


def attributes_in(text: str) -> list[str]:
    """The string attributes a filter compares (``id``, ``emails.value``), in order."""
    from harness.scim.schema import STRING, USER

    try:
        tree = parse_filter(text)
    except ScimError:
        return []
    found: list[str] = []
    stack: list[Filter] = [tree]
    while stack:
        node = stack.pop(0)
        if isinstance(node, Compare):
            ref = USER.resolve(node.path.urn, node.path.attr, node.path.sub_attr)
            kind = None if ref is None else (ref.sub_attribute or ref.attribute).type
            if kind == STRING and node.path.urn is None:
                found.append(str(node.path))
        elif isinstance(node, And | Or):
            stack += [node.left, node.right]
        elif isinstance(node, Not):
            stack.append(node.expr)
    return list(dict.fromkeys(found))


def refused_attribute(target: Target, attribute: str) -> str | None:
    """The target's answer when it refuses ``attribute eq`` alone (probed once), or None."""
    key = f"attribute {attribute.casefold()}"
    learned = target.learned
    if key not in learned:
        text = f'{attribute} eq "{target.prefix}probe-{attribute}"'
        response = target.get("/Users", params={"filter": text, "count": 1})
        answer = "501" if response.status == 501 else "400 invalidFilter"
        learned[key] = answer if is_refusal(response) else None
    return learned[key]


def explain_refusal(target: Target, text: str, response: ScimResponse, why: str = "") -> None:
    """After ``text`` was answered ``response``: skip the check if an operator in it is one
    the target does not support, or fail it in the IdP's words if the profile's IdP sends
    that operator. Returns (nothing to explain) for any other answer.

    ``why`` says what the check used the filter for (scoping its listing to the
    run's resources), so that the skip reason names the dependency.
    """
    if not is_refusal(response):
        return
    for operator in operators_in(text):
        answer = refused(target, operator)
        if answer is None:
            continue
        idp = IDP_FILTERS.get(target.profile)
        if idp is not None and operator in idp.operators:
            fail(
                f"{_named(operator)} supported: {idp.source}",
                f"the target refuses {_named(operator)} ({answer}); RFC 7644 §3.12 lets a "
                f"server do that, but {idp.name} sends it, so {idp.name}'s provisioning "
                "fails here",
                response,
            )
        reason = refusal_reason(operator, answer)
        pytest.skip(f"{reason}; {why}" if why else reason)
    for attribute in attributes_in(text):
        answer = refused_attribute(target, attribute)
        if answer is None:
            continue
        idp = IDP_FILTERS.get(target.profile)
        if idp is not None and attribute.split(".")[0].casefold() in idp.attributes:
            fail(
                f"filtering on {attribute} supported: {idp.source}",
                f"the target refuses filtering on {attribute} ({answer}); RFC 7644 §3.12 lets "
                f"a server do that, but {idp.name} filters on it, so {idp.name}'s "
                "provisioning fails here",
                response,
            )
        reason = (
            f"the target refuses filtering on {attribute} ({answer}, RFC 7644 §3.12 Table 9 "
            "allows this: 'the specified attribute and filter comparison combination is not "
            "supported')"
        )
        pytest.skip(f"{reason}; {why}" if why else reason)
