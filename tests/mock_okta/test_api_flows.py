"""End to end through the management API: each call provisions the SCIM target at once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.mock_okta.test_api import (
    API_TOKEN,
    FAULTY_URL,
    SCIM_TOKEN,
    USER_PROVISIONING,
    OktaHarness,
    assert_okta_error,
    okta,
)

__all__ = ["okta"]


def scim_user(okta: OktaHarness, login: str) -> dict[str, Any]:
    users = [u for u in okta.scim_users() if u["userName"] == login]
    assert len(users) == 1, users
    return users[0]


def test_seed_004_flow_provisions_the_everyone_group(okta: OktaHarness) -> None:
    app_id = okta.new_app()
    okta.connect(app_id)
    okta.ok("PUT", f"/api/v1/apps/{app_id}/features/USER_PROVISIONING", USER_PROVISIONING)
    ids = [okta.new_user(f"user{n}@example.com", "User", str(n)) for n in (1, 2)]
    everyone = okta.ok("GET", "/api/v1/groups?q=Every")[0]
    assert everyone["type"] == "BUILT_IN"
    response = okta.call("PUT", f"/api/v1/apps/{app_id}/groups/{everyone['id']}")
    assert response.status_code == 200, response.text
    assert response.headers["X-Mock-Okta-Provisioning"] == "ok"
    assert {u["userName"] for u in okta.scim_users()} == {"user1@example.com", "user2@example.com"}

    app_users = okta.ok("GET", f"/api/v1/apps/{app_id}/users")
    assert {u["id"] for u in app_users} == set(ids)
    first = okta.ok("GET", f"/api/v1/apps/{app_id}/users/{ids[0]}")
    assert first["scope"] == "GROUP"
    assert first["status"] == "PROVISIONED"
    assert first["syncState"] == "SYNCHRONIZED"
    assert first["externalId"] == scim_user(okta, "user1@example.com")["id"]
    assert first["lastSync"] is not None
    assert first["credentials"] == {"userName": "user1@example.com"}

    # A user created later joins Everyone and is provisioned right away.
    okta.new_user("late@example.com")
    assert scim_user(okta, "late@example.com")["active"] is True


def test_direct_assignment_profile_update_and_deactivation(okta: OktaHarness) -> None:
    app_id = okta.new_app()
    okta.connect(app_id)
    user_id = okta.new_user("jane@example.com")
    assigned = okta.call(
        "POST",
        f"/api/v1/apps/{app_id}/users",
        {"id": user_id, "scope": "USER", "credentials": {"userName": "jane@example.com"}},
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["scope"] == "USER"
    assert scim_user(okta, "jane@example.com")["name"]["givenName"] == "Jane"

    okta.ok("POST", f"/api/v1/users/{user_id}", {"profile": {"firstName": "Janet"}})
    assert scim_user(okta, "jane@example.com")["name"]["givenName"] == "Janet"
    assert okta.ok("GET", f"/api/v1/users/{user_id}")["profile"]["firstName"] == "Janet"

    deactivated = okta.call("POST", f"/api/v1/users/{user_id}/lifecycle/deactivate")
    assert deactivated.status_code == 200
    assert deactivated.headers["X-Mock-Okta-Provisioning"] == "ok"
    assert scim_user(okta, "jane@example.com")["active"] is False
    assert okta.ok("GET", f"/api/v1/users/{user_id}")["status"] == "DEPROVISIONED"
    app_user = okta.ok("GET", f"/api/v1/apps/{app_id}/users/{user_id}")
    assert app_user["status"] == "INACTIVE"

    again = okta.call("POST", f"/api/v1/users/{user_id}/lifecycle/deactivate")
    assert_okta_error(again, 403, "E0000038")
    okta.ok("POST", f"/api/v1/users/{user_id}/lifecycle/activate")
    assert scim_user(okta, "jane@example.com")["active"] is True
    already = okta.call("POST", f"/api/v1/users/{user_id}/lifecycle/activate")
    assert_okta_error(already, 403, "E0000016")

    okta.ok("DELETE", f"/api/v1/apps/{app_id}/users/{user_id}", status=204)
    assert scim_user(okta, "jane@example.com")["active"] is False
    assert_okta_error(okta.call("GET", f"/api/v1/apps/{app_id}/users/{user_id}"), 404, "E0000007")


def test_group_push_member_rename_and_delete(okta: OktaHarness) -> None:
    app_id = okta.new_app()
    okta.connect(app_id)
    user_id = okta.new_user("bob@example.com", "Bob", "Roe")
    okta.ok("POST", f"/api/v1/apps/{app_id}/users", {"id": user_id})
    group = okta.ok("POST", "/api/v1/groups", {"profile": {"name": "Engineering"}})
    created = okta.call(
        "POST",
        f"/api/v1/apps/{app_id}/group-push/mappings",
        {"sourceGroupId": group["id"], "targetGroupName": "Engineering", "status": "ACTIVE"},
    )
    assert created.status_code == 201, created.text
    mapping = created.json()
    assert mapping["status"] == "ACTIVE"
    assert mapping["sourceGroupId"] == group["id"]
    scim_group_id = mapping["targetGroupId"]
    assert scim_group_id and mapping["lastPush"]

    okta.ok("PUT", f"/api/v1/groups/{group['id']}/users/{user_id}", status=204)
    scim_group = okta.scim.get(f"/Groups/{scim_group_id}").body
    assert [m["value"] for m in scim_group["members"]] == [scim_user(okta, "bob@example.com")["id"]]
    assert [u["id"] for u in okta.ok("GET", f"/api/v1/groups/{group['id']}/users")] == [user_id]

    okta.ok("PUT", f"/api/v1/groups/{group['id']}", {"profile": {"name": "Platform"}})
    assert okta.scim.get(f"/Groups/{scim_group_id}").body["displayName"] == "Platform"

    okta.ok("DELETE", f"/api/v1/groups/{group['id']}/users/{user_id}", status=204)
    assert not okta.scim.get(f"/Groups/{scim_group_id}").body.get("members")

    path = f"/api/v1/apps/{app_id}/group-push/mappings/{mapping['id']}"
    assert_okta_error(okta.call("DELETE", f"{path}?deleteTargetGroup=true"), 400, "E0000001")
    assert_okta_error(okta.call("DELETE", path), 400, "E0000028")
    assert okta.ok("PATCH", path, {"status": "INACTIVE"})["status"] == "INACTIVE"
    okta.ok("DELETE", f"{path}?deleteTargetGroup=true", status=204)
    assert okta.scim.get(f"/Groups/{scim_group_id}").status == 404
    assert okta.ok("GET", f"/api/v1/apps/{app_id}/group-push/mappings") == []


def test_failed_provisioning_shows_on_the_app_user(okta: OktaHarness) -> None:
    app_id = okta.new_app()
    okta.connect(app_id, FAULTY_URL)
    user_id = okta.new_user("fail@example.com")
    response = okta.call("POST", f"/api/v1/apps/{app_id}/users", {"id": user_id})
    assert response.status_code == 200, response.text
    assert response.headers["X-Mock-Okta-Provisioning"] == "failed"
    app_user = response.json()
    assert app_user["syncState"] == "ERROR"
    assert app_user["externalId"] is None
    assert app_user["errorSummary"] == (
        "Automatic provisioning of user fail@example.com to app Acme SCIM failed: HTTP 200"
    )
    tasks = okta.ok("GET", f"/api/v1/mock/apps/{app_id}/tasks")
    assert tasks == [{"event": "assign_user", "errorSummary": app_user["errorSummary"]}]
    # The faulty server did create the user: on Retry, Okta's lookup finds and links it.
    retried = okta.ok("POST", f"/api/v1/mock/apps/{app_id}/tasks/retry")
    assert retried == {"retried": 1, "failed": 0, "remaining": 0}
    healed = okta.ok("GET", f"/api/v1/apps/{app_id}/users/{user_id}")
    assert healed["syncState"] == "SYNCHRONIZED"
    assert healed["externalId"] is not None
    assert "errorSummary" not in healed


def test_group_push_failure_puts_the_mapping_in_error(okta: OktaHarness) -> None:
    app_id = okta.new_app()
    okta.connect(app_id, FAULTY_URL)
    group = okta.ok("POST", "/api/v1/groups", {"profile": {"name": "Ops"}})
    created = okta.call(
        "POST", f"/api/v1/apps/{app_id}/group-push/mappings", {"sourceGroupId": group["id"]}
    )
    assert created.status_code == 201
    assert created.headers["X-Mock-Okta-Provisioning"] == "failed"
    assert created.json()["status"] == "ERROR"
    assert created.json()["errorSummary"].startswith("Pushing the group Ops to Acme SCIM failed")


def test_no_connection_means_nothing_is_sent(okta: OktaHarness) -> None:
    app_id = okta.new_app()
    user_id = okta.new_user("quiet@example.com")
    response = okta.call("POST", f"/api/v1/apps/{app_id}/users", {"id": user_id})
    assert response.headers["X-Mock-Okta-Provisioning"] == "none"
    assert response.json()["status"] == "ACTIVE"
    assert response.json()["syncState"] == "DISABLED"
    assert okta.scim_users() == []
    assert okta.ok("GET", f"/api/v1/mock/apps/{app_id}/exchanges") == []


def test_users_api_shapes_and_refusals(okta: OktaHarness) -> None:
    created = okta.ok(
        "POST",
        "/api/v1/users?activate=true",
        {
            "profile": {
                "firstName": "Isaac",
                "lastName": "Brock",
                "email": "isaac@example.com",
                "login": "isaac@example.com",
            },
            "credentials": {"password": {"value": "tlpWENT2m"}},
        },
    )
    assert created["status"] == "ACTIVE"
    assert created["credentials"]["password"] == {}
    assert created["_links"]["self"]["href"] == f"http://okta.test/api/v1/users/{created['id']}"
    assert "tlpWENT2m" not in str(created)
    assert okta.ok("GET", "/api/v1/users/isaac@example.com")["id"] == created["id"]
    found = okta.ok("GET", '/api/v1/users?filter=profile.login eq "isaac@example.com"')
    assert [u["id"] for u in found] == [created["id"]]
    assert okta.ok("GET", "/api/v1/users?q=isa")[0]["id"] == created["id"]
    staged = okta.ok(
        "POST",
        "/api/v1/users?activate=false",
        {"profile": {"firstName": "S", "lastName": "T", "email": "s@e.com", "login": "s@e.com"}},
    )
    assert staged["status"] == "STAGED"

    duplicate = okta.call(
        "POST",
        "/api/v1/users",
        {
            "profile": {
                "firstName": "I",
                "lastName": "B",
                "email": "x@e.com",
                "login": "ISAAC@example.com",
            }
        },
    )
    causes = assert_okta_error(duplicate, 400, "E0000001")
    assert causes[0].startswith("login: An object with this field already exists")
    missing = okta.call("POST", "/api/v1/users", {"profile": {"firstName": "Only"}})
    causes = assert_okta_error(missing, 400, "E0000001")
    assert {c.split(":")[0] for c in causes} == {
        "profile.lastName",
        "profile.email",
        "profile.login",
    }
    wrong_type = okta.call("POST", "/api/v1/users", {"profile": {"firstName": 3}})
    assert "profile.firstName: must be a string" in assert_okta_error(wrong_type, 400, "E0000001")

    bad_password = okta.call(
        "POST",
        f"/api/v1/users/{created['id']}/credentials/change_password",
        {"oldPassword": {"value": "nope"}, "newPassword": {"value": "n3w-Pass"}},
    )
    assert_okta_error(bad_password, 403, "E0000014")
    changed = okta.ok(
        "POST",
        f"/api/v1/users/{created['id']}/credentials/change_password",
        {"oldPassword": {"value": "tlpWENT2m"}, "newPassword": {"value": "n3w-Pass"}},
    )
    assert changed["password"] == {}

    # DELETE: the first deactivates, the second deletes (Okta's Users API).
    okta.ok("DELETE", f"/api/v1/users/{created['id']}", status=204)
    assert okta.ok("GET", f"/api/v1/users/{created['id']}")["status"] == "DEPROVISIONED"
    okta.ok("DELETE", f"/api/v1/users/{created['id']}", status=204)
    assert_okta_error(okta.call("GET", f"/api/v1/users/{created['id']}"), 404, "E0000007")


def test_everyone_cannot_be_changed_and_groups_refuse_duplicates(okta: OktaHarness) -> None:
    everyone = okta.org.everyone.id
    refused = okta.call("PUT", f"/api/v1/groups/{everyone}", {"profile": {"name": "All"}})
    assert_okta_error(refused, 403, "E0000006")
    okta.ok("POST", "/api/v1/groups", {"profile": {"name": "Sales", "description": "S"}})
    duplicate = okta.call("POST", "/api/v1/groups", {"profile": {"name": "Sales"}})
    assert_okta_error(duplicate, 400, "E0000001")
    assert_okta_error(okta.call("POST", "/api/v1/groups", {"profile": {}}), 400, "E0000001")


@pytest.mark.parametrize("secret", [API_TOKEN, SCIM_TOKEN])
def test_secrets_never_appear_in_responses_or_transcript(okta: OktaHarness, secret: str) -> None:
    app_id = okta.new_app()
    okta.connect(app_id)
    user_id = okta.new_user("s@example.com")
    texts = [
        okta.call("POST", f"/api/v1/apps/{app_id}/users", {"id": user_id}).text,
        okta.http.get(f"/api/v1/apps/{app_id}").text,
        okta.http.get(f"/api/v1/apps/{app_id}/connections/default").text,
        okta.http.get(f"/api/v1/apps/{app_id}/users/{user_id}").text,
        okta.http.get(f"/api/v1/mock/apps/{app_id}/exchanges").text,
        okta.http.get("/api/v1/nothing", headers={"Authorization": f"SSWS {secret}x"}).text,
    ]
    assert all(secret not in text for text in texts)
    assert '"Bearer [REDACTED]"' in texts[4]


def test_full_profile_put_suspend_and_group_unassignment(okta: OktaHarness) -> None:
    app_id = okta.new_app()
    okta.connect(app_id)
    user_id = okta.new_user("kim@example.com", "Kim", "Lee")
    group = okta.ok("POST", "/api/v1/groups", {"profile": {"name": "Support"}})
    okta.ok("PUT", f"/api/v1/groups/{group['id']}/users/{user_id}", status=204)
    okta.ok("PUT", f"/api/v1/apps/{app_id}/groups/{group['id']}")
    assert [g["id"] for g in okta.ok("GET", f"/api/v1/apps/{app_id}/groups")] == [group["id"]]
    # Assigned only through the group: a direct unassignment is refused.
    refused = okta.call("DELETE", f"/api/v1/apps/{app_id}/users/{user_id}")
    assert_okta_error(refused, 403, "E0000046")

    profile = {"firstName": "Kimberly", "lastName": "Lee", "email": "kim@example.com"}
    replaced = okta.ok(
        "PUT", f"/api/v1/users/{user_id}", {"profile": {**profile, "login": "kim@example.com"}}
    )
    assert replaced["profile"]["firstName"] == "Kimberly"
    assert "displayName" not in replaced["profile"]  # PUT clears what it leaves out
    assert scim_user(okta, "kim@example.com")["name"]["givenName"] == "Kimberly"

    okta.ok("POST", f"/api/v1/users/{user_id}/lifecycle/suspend")
    assert okta.ok("GET", f"/api/v1/users/{user_id}")["status"] == "SUSPENDED"
    assert_okta_error(
        okta.call("POST", f"/api/v1/users/{user_id}/lifecycle/suspend"), 400, "E0000001"
    )
    okta.ok("POST", f"/api/v1/users/{user_id}/lifecycle/unsuspend")

    okta.ok("DELETE", f"/api/v1/apps/{app_id}/groups/{group['id']}", status=204)
    assert scim_user(okta, "kim@example.com")["active"] is False
    okta.ok("DELETE", f"/api/v1/groups/{group['id']}", status=204)
    assert_okta_error(okta.call("GET", f"/api/v1/groups/{group['id']}"), 404, "E0000007")


def test_push_mapping_reactivation_pushes_again(okta: OktaHarness) -> None:
    app_id = okta.new_app()
    okta.connect(app_id)
    group = okta.ok("POST", "/api/v1/groups", {"profile": {"name": "Design"}})
    base = f"/api/v1/apps/{app_id}/group-push/mappings"
    mapping = okta.ok("POST", base, {"sourceGroupId": group["id"], "status": "INACTIVE"}, 201)
    assert (mapping["status"], mapping["targetGroupId"]) == ("INACTIVE", None)
    assert okta.scim.get("/Groups").body["totalResults"] == 0
    active = okta.ok("PATCH", f"{base}/{mapping['id']}", {"status": "ACTIVE"})
    assert active["status"] == "ACTIVE" and active["targetGroupId"]
    assert okta.scim.get(f"/Groups/{active['targetGroupId']}").body["displayName"] == "Design"
    listed = okta.ok("GET", f"{base}?sourceGroupId={group['id']}")
    assert [m["id"] for m in listed] == [mapping["id"]]
    linking = okta.call("POST", base, {"sourceGroupId": group["id"], "targetGroupId": "x"})
    assert_okta_error(linking, 400, "E0000001")
