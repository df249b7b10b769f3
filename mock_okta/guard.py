"""Safe on a real tenant: no write reaches a resource this run did not create.

Why a transport: Okta's link flow is lookup → ``GET`` → full ``PUT`` on
whatever user the lookup *found* (okta-provisioning.md, "Create": "1 result
→ the existing user is linked … and updated with GET + full PUT"). Against
a shared tenant that found user may be a real person. The mock Okta must
behave exactly like Okta (the provisioner is not to be bent), so the guard
sits below it, in the HTTP transport every client of a run shares: a
``PUT``/``PATCH``/``DELETE`` on ``/Users/{id}`` or ``/Groups/{id}`` goes out
only when ``{id}`` was created by this run (a ``201`` to a ``POST``, the
scenario's ``given`` resources included). Anything else is refused without
being sent — the client records a failed exchange whose error says so, and
Okta reports the step as failed, as it would report an unreachable server.
With the run's namespace (:mod:`mock_okta.namespace`) Okta's lookups only
ever find this run's resources, so the guard never fires in a correct run;
it is the second lock on the door.

The same :class:`Ledger` is the list of what to clean up at the end.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import httpx

#: A single resource, whatever base path precedes it (``/scim/v2/Users/{id}``).
_RESOURCE = re.compile(r"/(Users|Groups)/([^/]+)$")
_COLLECTION = re.compile(r"/(Users|Groups)$")
_WRITES = frozenset({"PUT", "PATCH", "DELETE"})


class HarnessRefusal(httpx.TransportError):
    """The guard kept a request from leaving; the client turns it into a failed exchange."""


@dataclass
class Ledger:
    """Resources this run created, in creation order: (endpoint, id) → name."""

    created: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Ours and since deleted (a ``DELETE`` answered 2xx or 404): nothing to clean up.
    deleted: set[tuple[str, str]] = field(default_factory=set)

    def owns(self, endpoint: str, resource_id: str) -> bool:
        key = (endpoint, resource_id)
        return key in self.created or key in self.deleted

    def alive(self) -> list[tuple[str, str, str]]:
        """(endpoint, id, name) of what the run created and did not delete."""
        return [
            (endpoint, rid, name)
            for (endpoint, rid), name in self.created.items()
            if (endpoint, rid) not in self.deleted
        ]


def refusal(method: str, path: str) -> str:
    return f"refused by the harness: {method} {path} targets a resource this run did not create"


class GuardedTransport(httpx.BaseTransport):
    """Wraps ``inner``: refuses foreign writes, records creations and deletions in ``ledger``."""

    def __init__(self, inner: httpx.BaseTransport, ledger: Ledger) -> None:
        self.inner = inner
        self.ledger = ledger

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        method = request.method.upper()
        path = request.url.path
        resource = _RESOURCE.search(path)
        if method in _WRITES and resource and not self.ledger.owns(resource[1], resource[2]):
            raise HarnessRefusal(refusal(method, path), request=request)
        response = self.inner.handle_request(request)
        collection = _COLLECTION.search(path) if method == "POST" else None
        if collection and 200 <= response.status_code < 300:
            # Okta accepts only 201, but whatever a 2xx created is ours to clean up.
            self._created(collection[1], response)
        elif method == "DELETE" and resource and response.status_code in (200, 204, 404):
            self.ledger.deleted.add((resource[1], resource[2]))
        return response

    def _created(self, endpoint: str, response: httpx.Response) -> None:
        """Record the new resource by its ``id``, or by ``Location`` (RFC 7644 §3.3)."""
        response.read()  # cached on the response: the client reads the same content
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        body = body if isinstance(body, dict) else {}
        resource_id = body.get("id")
        if not (isinstance(resource_id, str) and resource_id):
            located = _RESOURCE.search(httpx.URL(response.headers.get("location", "")).path)
            if located is None or located[1] != endpoint:
                return
            resource_id = located[2]
        name = body.get("userName") or body.get("displayName") or resource_id
        self.ledger.created[(endpoint, resource_id)] = str(name)

    def close(self) -> None:
        self.inner.close()
