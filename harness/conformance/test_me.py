"""The ``/Me`` authenticated subject alias (RFC 7644 §3.11).

``/Me`` names the resource of whoever the token authenticates. A provisioning
token usually authenticates a client (the IdP), not a User, so the RFC's
answers all occur in practice: the subject's resource (200), a redirect to it
(308), no resource for this subject (404), or "not supported" (501, which
§3.11 says a server without the feature SHOULD send). The check is a
*policy* row: any of those passes; a 5xx other than 501, a 2xx that is not a
resource, or another status is a warning. Neither Okta nor Entra calls /Me.
"""

from __future__ import annotations

from harness.conformance.expect import ensure, expect_error, expect_resource, fail
from harness.conformance.registry import check
from harness.conformance.target import Target


@check(
    "me.get",
    "RFC 7644 §3.11 (501 SHOULD when unsupported; 308 to the subject's resource MAY) — policy",
    "GET /Me answers with the authenticated subject's resource (200, or 308 to it), 404 when "
    "the token maps to no resource, or 501 when /Me is not supported — never another error",
    level="should",
)
def test_me_get(target: Target) -> None:
    response = target.get("/Me")
    if response.status == 200:
        expect_resource(response, 200, what="the authenticated subject's resource")
    elif response.status == 308:
        ensure(
            bool(response.headers.get("location")),
            "a 'Location' header naming the subject's resource with 308 (RFC 7644 §3.11)",
            "no Location header",
            response,
        )
    elif response.status in (404, 501):
        expect_error(response, response.status, what="/Me not available for this subject")
    else:
        fail(
            "200 with the subject's resource, 308 to it, 404, or 501 Not Implemented "
            "(RFC 7644 §3.11)",
            f"HTTP {response.status}" if response.status else str(response.error),
            response,
        )
