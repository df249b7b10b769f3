"""The Target's safety rules: only what the run created is changed, and it is removed."""

from __future__ import annotations

import pytest

from harness.client import ScimClient
from harness.conformance.bodies import bulk_body
from harness.conformance.capabilities import Capabilities
from harness.conformance.target import Target, UnsafeRequest
from harness.server.app import create_app
from harness.server.config import ServerConfig

TOKEN = "target-test-token"


@pytest.fixture
def app():
    return create_app(ServerConfig(token=TOKEN))


def make_target(app, **kwargs) -> Target:
    client = ScimClient.in_process(app, TOKEN)
    kwargs.setdefault("prefix", "scimh-test-")
    return Target(client, Capabilities.from_spc(None), **kwargs)


def test_refuses_to_touch_a_resource_it_did_not_create(app) -> None:
    outsider = make_target(app, prefix="other-")
    foreign = outsider.create_user("foreign")
    target = make_target(app)
    for method in ("PUT", "PATCH", "DELETE"):
        with pytest.raises(UnsafeRequest):
            target.request(method, f"/Users/{foreign['id']}", json_body={})
    with pytest.raises(UnsafeRequest):
        target.delete("/Users")
    for method in ("PUT", "PATCH", "DELETE"):  # /Me is the token's own account
        with pytest.raises(UnsafeRequest):
            target.request(method, "/Me", json_body={})
    with pytest.raises(UnsafeRequest):
        target.post("/Bulk", bulk_body({"method": "DELETE", "path": f"/Users/{foreign['id']}"}))
    # The guard works before sending: the foreign user is untouched.
    assert target.get(f"/Users/{foreign['id']}").status == 200


def test_absolute_locations_and_absent_ids_are_understood(app) -> None:
    target = make_target(app)
    created = target.create_user("mine")
    location = created["meta"]["location"]
    assert target.patch(location, {"Operations": []}).status in (200, 400)
    assert target.delete(f"/Users/{target.absent_id()}").status == 404


def test_read_only_run_refuses_every_write(app) -> None:
    target = make_target(app, read_only=True)
    with pytest.raises(UnsafeRequest):
        target.post("/Users", target.user_body())
    assert target.get("/Users").status == 200


def test_a_check_scope_removes_what_it_created(app) -> None:
    target = make_target(app, batch_cleanup=False)
    with target.scope():
        user = target.create_user("scoped")
        target.post("/Bulk", bulk_body(
            {"method": "POST", "path": "/Users", "bulkId": "b1", "data": target.user_body("bulk")}
        ))  # fmt: skip
    assert target.get(f"/Users/{user['id']}").status == 404
    listing = target.get("/Users", params={"filter": 'userName sw "scimh-test-"'}).body
    assert listing["totalResults"] == 0
    assert target.removed == 2
    assert target.leftovers == []


def test_shared_resources_outlive_the_check_until_cleanup(app) -> None:
    target = make_target(app)
    with target.scope():
        shared = target.shared("pop", lambda t: t.create_user("shared"))
    assert target.shared("pop", lambda t: pytest.fail("built twice")) is shared
    assert target.get(f"/Users/{shared['id']}").status == 200
    target.cleanup()
    assert target.get(f"/Users/{shared['id']}").status == 404


def test_users_are_deactivated_where_delete_is_refused(app) -> None:
    async def no_delete(scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "DELETE":
            await send({"type": "http.response.start", "status": 405, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)

    target = make_target(no_delete)
    user = target.create_user("kept")
    group = target.create_group("kept")
    target.cleanup()
    outcomes = {(item.endpoint, item.outcome) for item in target.leftovers}
    assert outcomes == {("Users", "deactivated"), ("Groups", "kept")}
    assert target.get(f"/Users/{user['id']}").body["active"] is False
    assert group["id"] in {item.id for item in target.leftovers}


def test_batched_cleanup_waits_for_the_end_and_uses_one_bulk_request(app) -> None:
    client = ScimClient.in_process(app, TOKEN)
    spc = client.get("/ServiceProviderConfig").body
    target = Target(client, Capabilities.from_spc(spc), prefix="scimh-batch-")
    ids = []
    for label in ("a", "b", "c"):
        with target.scope():
            ids.append(target.create_user(label)["id"])
    assert all(target.get(f"/Users/{i}").status == 200 for i in ids)
    before = len(client.exchanges)
    target.cleanup()
    sent = [(e.method, e.url.rsplit("/", 1)[-1]) for e in client.exchanges[before:]]
    assert ("POST", "Bulk") in sent and not any(method == "DELETE" for method, _ in sent)
    assert target.removed == 3 and target.leftovers == []
    assert all(target.get(f"/Users/{i}").status == 404 for i in ids)


def test_a_delete_that_deletes_nothing_is_reported_as_a_leftover(app) -> None:
    async def fake_delete(scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "DELETE":
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)

    target = make_target(fake_delete)
    with target.scope():
        user = target.create_user("soft")
        assert target.delete(f"/Users/{user['id']}").status == 204
    target.cleanup()
    [leftover] = target.leftovers
    assert leftover.id == user["id"] and "GET still finds it" in leftover.reason


def test_a_create_answered_without_a_body_is_tracked_by_its_location(app) -> None:
    async def bodyless(scope, receive, send):
        async def strip(message):
            if message["type"] == "http.response.body" and scope["method"] == "POST":
                message = dict(message, body=b"")
            elif message["type"] == "http.response.start" and scope["method"] == "POST":
                headers = [(k, v) for k, v in message["headers"] if k != b"content-length"]
                message = dict(message, headers=[*headers, (b"content-length", b"0")])
            await send(message)

        await app(scope, receive, strip)

    target = make_target(bodyless, batch_cleanup=False)
    with target.scope():
        response = target.post("/Users", target.user_body("nobody"))
        assert response.status == 201 and response.body is None
    listing = target.get("/Users", params={"filter": 'userName sw "scimh-test-"'}).body
    assert listing["totalResults"] == 0 and target.removed == 1


def catch_all_creates(inner):
    """A server that routes unknown POSTs to its Groups handler (seen in the field: a
    POST /Bulk made a Group) and stores a JSON array posted to /Users, answering 201
    without an id or Location."""
    import json

    async def app(scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            path = scope["path"]
            if path == "/Bulk":
                body = json.dumps(
                    {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                     "displayName": "scimh-test-leaked-bulk"}
                ).encode()  # fmt: skip

                async def replay():
                    return {"type": "http.request", "body": body, "more_body": False}

                return await inner(
                    {**scope, "path": "/Groups", "raw_path": b"/Groups"}, replay, send
                )
            if path == "/Users":
                message = await receive()
                if message.get("body", b"").lstrip().startswith(b"["):
                    headers = [(b"content-type", b"application/scim+json")]
                    await send({"type": "http.response.start", "status": 201, "headers": headers})
                    return await send({"type": "http.response.body", "body": b"[]"})

                async def again():
                    return message

                return await inner(scope, again, send)
        return await inner(scope, receive, send)

    return app


def test_creations_by_requests_meant_to_fail_are_removed_or_reported(app) -> None:
    """A 2xx resource from any POST is the run's to remove; a 2xx nothing identifies
    is listed as a leftover of unknown fate, never left unmentioned."""
    target = make_target(catch_all_creates(app))
    leaked = target.post("/Bulk", bulk_body({"method": "POST", "path": "/Users", "data": {}}))
    assert leaked.status == 201 and isinstance(leaked.body, dict)
    group_id = leaked.body["id"]
    answer = target.post("/Users", [target.user_body("array")])
    assert answer.status == 201
    target.cleanup()
    assert target.get(f"/Groups/{group_id}").status == 404
    (unknown,) = target.leftovers
    assert unknown.outcome == "unknown" and unknown.endpoint == "Users"
    assert unknown.name.startswith("scimh-test-array") and "no Location" in unknown.reason
