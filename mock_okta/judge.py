"""Which answers Okta accepts, and how it words a failure to the admin.

One job: Okta's verdict on a single exchange. The statuses are a table
(okta-provisioning.md, "Status codes expected"): 201 on create, 200 on GET
and PUT, 200 or 204 on PATCH, 204 on DELETE, and 200 with a ListResponse on
a lookup or a list.

Broken answers fail the step the same way Okta fails the task: a 5xx (an
HTML error page included), a timeout or a dropped connection, a 2xx whose
body is not JSON, a 201 without an ``id`` (Okta could not link the user).
Okta does not retry any of these on its own — the task waits for the
admin's Retry (okta-provisioning.md, "Requests"; the org queues it). Only
429 is retried, inside the client (:mod:`mock_okta.wire`), so a 429 that
reaches the judge is one that outlasted every retry.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from harness.client import ScimResponse
from harness.scim.schema import LIST_RESPONSE_URN


class Kind(StrEnum):
    """The kinds of request Okta judges differently."""

    CREATE = "create"
    GET = "get"
    PUT = "put"
    PATCH = "patch"
    DELETE = "delete"
    LIST = "list"


#: Statuses Okta counts as success, per kind of request.
ACCEPTED: dict[Kind, frozenset[int]] = {
    Kind.CREATE: frozenset({201}),
    Kind.GET: frozenset({200}),
    Kind.PUT: frozenset({200}),
    Kind.PATCH: frozenset({200, 204}),
    Kind.DELETE: frozenset({204}),
    Kind.LIST: frozenset({200}),
}


def failure(kind: Kind, response: ScimResponse) -> str | None:
    """Why Okta rejects ``response`` (a short reason), or ``None`` when it accepts it."""
    if response.status is None:
        return response.error or "no answer"
    if response.status not in ACCEPTED[kind]:
        return reason(response)
    if response.error is not None and response.status != 204:
        return response.error
    body = response.body
    if kind is Kind.LIST and not _is_list_response(body):
        return "the answer is not a SCIM ListResponse"
    if kind is Kind.CREATE and not (isinstance(body, dict) and body.get("id")):
        return "the created resource has no id"
    return None


def reason(response: ScimResponse) -> str:
    """The remote server's own words when it gave a SCIM error, else the status.

    Okta quotes the error ``detail`` of RFC 7644 §3.12 ("Errors reported by
    remote server: …"); without one the admin only sees the HTTP status.
    """
    body = response.body
    status = f"HTTP {response.status}"
    if isinstance(body, dict) and isinstance(body.get("detail"), str) and body["detail"]:
        return f"{status}: {body['detail']}"
    return status


class OktaWords(str):
    """A message in Okta's own wording (the reports label it "Okta's message");
    any other outcome text is plain English of ours and is not labelled Okta's."""


def user_message(login: str, app_label: str, why: str) -> OktaWords:
    """Okta's wording of a failed user provisioning task, as the Tasks page shows it:
    "Automatic provisioning of user John Doe to app Salesforce.com failed: …"
    (help.okta.com, oie/en-us/Content/Topics/Provisioning/lcm/troubleshooting.htm)."""
    return OktaWords(f"Automatic provisioning of user {login} to app {app_label} failed: {why}")


def jit_message(login: str, app_label: str, why: str) -> str:
    """A failed find-or-create at sign-in (seed 000): the app provisions the user
    itself, so Okta shows no task and has no wording for it — plain English."""
    return f"{app_label} could not find or create the account of {login} at sign-in: {why}"


def group_message(name: str, app_label: str, why: str) -> str:
    """A failed group push, in plain English (no public page gives Okta's wording)."""
    return f"Pushing the group {name} to {app_label} failed: {why}"


def _is_list_response(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and LIST_RESPONSE_URN in (body.get("schemas") or [])
        and isinstance(body.get("totalResults"), int)
        and isinstance(body.get("Resources", []), list)
    )
