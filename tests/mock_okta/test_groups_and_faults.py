"""Group push and broken SCIM servers, as Okta would experience them."""

from __future__ import annotations

from mock_okta.model import OktaGroup, OktaUser, SyncState
from mock_okta.settings import AppKind
from tests.mock_okta.conftest import OrgFactory
from tests.mock_okta.test_users import body, calls, jane


def members(org_response_body: dict[str, object]) -> set[str]:
    listed = org_response_body.get("members") or []
    assert isinstance(listed, list)
    return {m["value"] for m in listed}


def test_group_push_members_rename_delete(make_org: OrgFactory) -> None:
    org = make_org()
    alice, bob = jane(), OktaUser.new("bob@example.com", "Bob", "Roe")
    ids = [org.provisioner.assign_user(u).data for u in (alice, bob)]
    group = OktaGroup.new("Engineering")

    push = org.provisioner.push_group(group)
    assert push.ok, push.message
    gid = push.data
    assert calls(push.exchanges) == [
        ("GET", '/Groups?filter=displayName eq "Engineering"&startIndex=1&count=100'),
        ("POST", "/Groups"),
    ]
    assert body(push.exchanges[1]) == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Engineering",
        "members": [],
    }
    assert org.app.pushed_groups[group.id] == gid

    for user in (alice, bob):
        add = org.provisioner.add_member(group, user)
        assert add.ok, add.message
        assert calls(add.exchanges) == [("PATCH", f"/Groups/{gid}")]
    assert body(add.exchanges[0])["Operations"] == [
        {"op": "add", "path": "members", "value": [{"value": ids[1], "display": "bob@example.com"}]}
    ]
    assert members(org.scim_group(gid).body) == set(ids)

    remove = org.provisioner.remove_member(group, alice)
    assert remove.ok, remove.message
    assert body(remove.exchanges[0])["Operations"] == [
        {"op": "remove", "path": f'members[value eq "{ids[0]}"]'}
    ]
    assert members(org.scim_group(gid).body) == {ids[1]}

    rename = org.provisioner.rename_group(group, "Platform")
    assert rename.ok, rename.message
    assert body(rename.exchanges[0])["Operations"] == [
        {"op": "replace", "value": {"id": gid, "displayName": "Platform"}}
    ]
    assert org.scim_group(gid).body["displayName"] == "Platform"

    delete = org.provisioner.delete_pushed_group(group)
    assert delete.ok, delete.message
    assert calls(delete.exchanges) == [("DELETE", f"/Groups/{gid}")]
    assert org.scim_group(gid).status == 404
    assert group.id not in org.app.pushed_groups


def test_group_push_links_existing_and_pushes_members(make_org: OrgFactory) -> None:
    org = make_org()
    user = jane()
    uid = org.provisioner.assign_user(user).data
    existing = org.inspect.post(
        "/Groups",
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Ops"},
    ).body["id"]
    group = OktaGroup.new("Ops")
    group.members.append(user.id)
    push = org.provisioner.push_group(group)
    assert push.ok and push.data == existing
    assert [m for m, _ in calls(push.exchanges)] == ["GET", "PATCH"]
    assert members(org.scim_group(existing).body) == {uid}


def test_import_groups(make_org: OrgFactory) -> None:
    org = make_org()
    for n in range(3):
        org.inspect.post(
            "/Groups",
            {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": f"g{n}"},
        )
    result = org.provisioner.import_groups()
    assert result.ok and len(result.data) == 3
    assert calls(result.exchanges) == [("GET", "/Groups?startIndex=1&count=100")]


# -- broken servers ---------------------------------------------------------------


def test_case_sensitive_lookup_makes_create_conflict(make_org: OrgFactory) -> None:
    org = make_org(fault="filter-username-case-sensitive")
    org.inspect.post(
        "/Users",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "Jane.Doe@Example.com",
        },
    )
    user = jane()
    result = org.provisioner.assign_user(user)
    assert not result.ok
    assert calls(result.exchanges)[1] == ("POST", "/Users")
    assert result.exchanges[1].status == 409
    assert result.message is not None
    assert result.message.startswith(
        "Automatic provisioning of user jane.doe@example.com to app Acme SCIM failed: HTTP 409"
    )
    app_user = org.app.app_users[user.id]
    assert app_user.sync_state is SyncState.ERROR and app_user.last_error == result.message
    assert app_user.external_id is None


def test_pathless_patch_ignored_breaks_oin_deactivate(make_org: OrgFactory) -> None:
    org = make_org(AppKind.OIN, fault="pathless-patch-ignored")
    user = jane()
    scim_id = org.provisioner.assign_user(user).data
    deactivate = org.provisioner.deactivate(user)
    assert deactivate.ok  # Okta accepts the 200 and believes the user is deactivated
    assert org.scim_user(scim_id)["active"] is True
    verify = org.provisioner.verify_user(user)
    assert not verify.ok
    assert verify.message is not None and "active is True, expected False" in verify.message


def test_pathless_patch_ignored_spares_custom_apps(make_org: OrgFactory) -> None:
    org = make_org(AppKind.CUSTOM, fault="pathless-patch-ignored")
    user = jane()
    scim_id = org.provisioner.assign_user(user).data
    assert org.provisioner.deactivate(user).ok
    assert org.scim_user(scim_id)["active"] is False


def test_remove_member_removes_all(make_org: OrgFactory) -> None:
    org = make_org(fault="remove-member-removes-all")
    alice, bob = jane(), OktaUser.new("bob@example.com", "Bob", "Roe")
    for user in (alice, bob):
        assert org.provisioner.assign_user(user).ok
    group = OktaGroup.new("Engineering")
    gid = org.provisioner.push_group(group).data
    for user in (alice, bob):
        org.provisioner.add_member(group, user)
    assert org.provisioner.remove_member(group, alice).ok
    assert members(org.scim_group(gid).body) == set()  # bob was removed too; Okta cannot tell


def test_deactivate_ignored_breaks_both_kinds_of_app(make_org: OrgFactory) -> None:
    """OIN (path-less PATCH) and custom apps (GET + full PUT) alike: 200, user still active;
    Okta believes it and only a GET (the OIN CRUD test's verification) shows the truth."""
    for kind in (AppKind.OIN, AppKind.CUSTOM):
        org = make_org(kind, fault="deactivate-ignored")
        user = jane()
        scim_id = org.provisioner.assign_user(user).data
        deactivate = org.provisioner.deactivate(user)
        assert deactivate.ok, deactivate.message
        assert org.scim_user(scim_id)["active"] is True
        verify = org.provisioner.verify_user(user)
        assert not verify.ok and verify.message is not None
        assert "active is True, expected False" in verify.message


def test_deactivate_ignored_still_takes_other_changes(make_org: OrgFactory) -> None:
    """Only the deactivation is lost: a profile update through the same PUT is stored."""
    org = make_org(AppKind.CUSTOM, fault="deactivate-ignored")
    user = jane()
    scim_id = org.provisioner.assign_user(user).data
    user.profile.firstName = "Janet"
    assert org.provisioner.update_profile(user).ok
    assert org.scim_user(scim_id)["name"]["givenName"] == "Janet"


def test_group_rename_ignored_keeps_the_old_name(make_org: OrgFactory) -> None:
    org = make_org(fault="group-rename-ignored")
    user = jane()
    assert org.provisioner.assign_user(user).ok
    group = OktaGroup.new("Engineering")
    gid = org.provisioner.push_group(group).data
    assert org.provisioner.add_member(group, user).ok
    rename = org.provisioner.rename_group(group, "Platform")
    assert rename.ok, rename.message  # 200: Okta shows the push as done
    state = org.scim_group(gid).body
    assert state["displayName"] == "Engineering"
    assert len(members(state)) == 1  # the rest of the PATCH still applies
    put = org.inspect.put(
        f"/Groups/{gid}",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Platform",
            "members": [],
        },
    )
    assert put.status == 200
    after = org.scim_group(gid).body
    assert after["displayName"] == "Engineering" and members(after) == set()
