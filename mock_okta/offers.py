"""What the target says it offers, read once per scenario, and the steps it rules out.

Why: the project is capability-aware (RFC 7643 §5: ``/ServiceProviderConfig``
says which optional features a service provider supports; §7: ``/Schemas``
which attributes it has). A scenario that pushes a password to a server
whose SPC says ``changePassword.supported: false`` tests nothing the vendor
offers: the step is *skipped with the reason*, not failed. A feature the
server claims and then breaks still fails.

The readers are the conformance suite's (one implementation each):
:meth:`Capabilities.from_spc` for the SPC — only a *valid* declaration
counts, an unreadable SPC rules nothing out — and
:func:`harness.conformance.discovery.read_discovery` for ``/Schemas``. The
reads go through the runner's observer client (User-Agent ``scim-harness``),
so Okta's transcript stays Okta's, and only when a step needs them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property

from harness.client import ScimClient
from harness.conformance.capabilities import Capabilities
from harness.conformance.discovery import Discovery, read_discovery
from harness.conformance.target import Target
from harness.scim.schema import USER_URN
from mock_okta.scenario import Event
from mock_okta.settings import AppKind

#: The sentence the admin reads for a password step the server cannot take.
NO_PASSWORD_CHANGES = "the server does not support password changes"


class Offers:
    """The target's SPC and ``/Schemas``, fetched on first use."""

    def __init__(self, observer: ScimClient, prefix: str) -> None:
        self.observer = observer
        self.prefix = prefix

    @cached_property
    def capabilities(self) -> Capabilities:
        response = self.observer.get("/ServiceProviderConfig")
        if response.status != 200:
            return Capabilities.from_spc(None, problem=f"HTTP {response.status}")
        return Capabilities.from_spc(response.body)

    @cached_property
    def discovery(self) -> Discovery:
        return read_discovery(Target(self.observer, self.capabilities, prefix=self.prefix))

    def declares_user_attribute(self, name: str) -> bool:
        """False only when ``/Schemas`` describes the User schema without ``name``."""
        attributes = self.discovery.attributes(USER_URN)
        return attributes is None or name.casefold() in attributes


def password_skip(offers: Offers, kind: AppKind) -> str | None:
    """Why a password push cannot be judged on this server, or None.

    Okta pushes a password with a path-less PATCH on an OIN app and with
    GET + PUT on a custom one (developer.okta.com,
    docs/api/openapi/okta-scim/guides/scim-20, the user update
    operations): the server must offer
    password changes (RFC 7643 §5 ``changePassword``), the ``password``
    attribute (RFC 7643 §4.1.1), and for an OIN app PATCH (§5 ``patch``).
    """
    capabilities = offers.capabilities
    if capabilities.declares_unsupported("changePassword"):
        why = "its /ServiceProviderConfig says changePassword.supported: false (RFC 7643 §5)"
        return f"{NO_PASSWORD_CHANGES}: {why}"
    if kind is AppKind.OIN and capabilities.declares_unsupported("patch"):
        why = (
            "an OIN app pushes passwords with PATCH, and its /ServiceProviderConfig says "
            "patch.supported: false (RFC 7643 §5)"
        )
        return f"{NO_PASSWORD_CHANGES}: {why}"
    if not offers.declares_user_attribute("password"):
        why = "its /Schemas declares no password attribute on User (RFC 7643 §4.1.1)"
        return f"{NO_PASSWORD_CHANGES}: {why}"
    return None


#: Events the server must offer something for: event → why it cannot run here, or None.
REQUIRES: Mapping[Event, Callable[[Offers, AppKind], str | None]] = {
    Event.PUSH_PASSWORD: password_skip,
}
