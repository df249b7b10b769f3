"""Discovery: ServiceProviderConfig, ResourceTypes, Schemas (RFC 7644 §4; RFC 7643 §5–§7)."""

from __future__ import annotations

from harness.conformance.expect import ensure, expect_json, expect_status
from harness.conformance.registry import check
from harness.conformance.target import Target
from harness.scim.schema import SPC_URN


@check(
    "disc.spc.get",
    "RFC 7644 §4; RFC 7643 §5",
    "GET /ServiceProviderConfig answers 200 with the ServiceProviderConfig schema",
)
def test_spc_get(target: Target) -> None:
    response = expect_status(target.get("/ServiceProviderConfig"), 200)
    body = expect_json(response)
    ensure(
        SPC_URN in (body.get("schemas") or []),
        f"'schemas' to contain {SPC_URN}",
        f"schemas = {body.get('schemas')!r}",
        response,
    )


@check(
    "users.post.201",
    "RFC 7644 §3.3",
    "POST /Users creates the user and answers 201 with the resource",
    mutating=True,
)
def test_users_post_201(target: Target) -> None:
    body = target.user_body("post")
    response = target.post("/Users", body)
    expect_status(response, 201)
