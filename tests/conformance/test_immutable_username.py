"""A target that declares ``userName`` immutable and refuses every rename (F3).

The field server declared ``userName`` ``mutability: immutable`` in
``/Schemas`` and answered a rename with ``400 {"scimType": "mutability"}``.
RFC 7643 §4.1.1 defines userName readWrite and the IdPs rename users, so one
check reports that — ``attr.user.username.replace`` — and the checks that
need a rename before they can test uniqueness (or Entra's index) are
blocked at that step instead of failing as if uniqueness were broken.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from harness.conformance.runner import RunOptions, run_suite
from harness.conformance.support import RENAME_STEP
from harness.scim.errors import ERROR_URN
from harness.server.app import create_app
from harness.server.config import ServerConfig

TOKEN = "immutable-test-token-K4p9Wz"
USER_PATH = re.compile(r"^/Users/([^/]+)$")
#: Checks that rename a user before judging their own rule.
NEED_A_RENAME = {
    "uniq.patch-username",
    "uniq.patch-username-case",
    "uniq.put-username-case",
    "uniq.self-case",
    "users.put.uniqueness",
}


def refuses_renames() -> Any:
    """The reference server, declaring userName immutable and refusing to change it."""
    inner = create_app(ServerConfig(token=TOKEN))
    names: dict[str, str] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await inner(scope, receive, send)
        method, path = scope["method"], scope["path"]
        chunks = []
        while True:
            message = await receive()
            chunks.append(message)
            if not message.get("more_body"):
                break
        sent = _json(b"".join(m.get("body", b"") for m in chunks))
        match = USER_PATH.match(path)
        if match and method in ("PUT", "PATCH") and _renames(sent, names.get(match[1])):
            return await _refuse(send)
        replay = iter(chunks)

        async def receive_again() -> Any:
            return next(replay, {"type": "http.disconnect"})

        start: dict[str, Any] = {}
        parts: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                parts.append(message.get("body", b""))

        await inner(scope, receive_again, capture)
        body = b"".join(parts)
        answer = _json(body)
        if method == "GET" and path.startswith("/Schemas"):
            body = json.dumps(_immutable_user_name(answer)).encode()
        for resource in _resources(answer):
            if isinstance(resource.get("userName"), str):
                names[str(resource.get("id"))] = resource["userName"]
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return None

    return app


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _resources(answer: Any) -> list[dict[str, Any]]:
    if not isinstance(answer, dict):
        return []
    listed = answer.get("Resources")
    return [r for r in listed if isinstance(r, dict)] if isinstance(listed, list) else [answer]


def _renames(sent: Any, current: str | None) -> bool:
    """Whether a PUT body or PatchOp would give the user another userName."""
    if current is None or not isinstance(sent, dict):
        return False
    values = [sent.get("userName")] if "Operations" not in sent else []
    for op in sent.get("Operations") or []:
        if not isinstance(op, dict):
            continue
        if str(op.get("path", "")).lower() == "username":
            values.append(op.get("value"))
        elif isinstance(op.get("value"), dict):
            values.append(op["value"].get("userName"))
    return any(isinstance(v, str) and v != current for v in values)


def _immutable_user_name(answer: Any) -> Any:
    for schema in _resources(answer):
        for attribute in schema.get("attributes") or []:
            if isinstance(attribute, dict) and attribute.get("name") == "userName":
                attribute["mutability"] = "immutable"
    return answer


async def _refuse(send: Any) -> None:
    body = json.dumps(
        {
            "schemas": [ERROR_URN],
            "status": "400",
            "scimType": "mutability",
            "detail": "userName is immutable",
        }
    ).encode()
    headers = [(b"content-type", b"application/scim+json")]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.mark.parametrize("profile", ["rfc", "entra"])
def test_a_refused_rename_fails_once_and_blocks_the_uniqueness_checks(profile: str) -> None:
    selection = ["uniq.*", "users.put.*", "attr.user.username.*", "entra.validator.update-*"]
    result = run_suite(
        RunOptions(app=refuses_renames(), token=TOKEN, profile=profile, select=selection)
    )
    verdicts = {check.id: check for check in result.checks}
    failed = [check.id for check in result.checks if check.verdict in ("failed", "warning")]
    assert failed == ["attr.user.username.replace"], [verdicts[i].message for i in failed]
    assert "userName is readWrite (RFC 7643 §4.1.1)" in verdicts[failed[0]].message
    blocked = {check.id for check in result.checks if check.verdict == "blocked"}
    expected = NEED_A_RENAME | (
        {"entra.validator.update-username"} if profile == "entra" else set()
    )
    assert blocked == expected
    assert {verdicts[i].blocked_by for i in blocked} == {RENAME_STEP}
    assert result.exit_code == 1
