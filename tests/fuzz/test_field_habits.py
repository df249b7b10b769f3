"""Field servers' conformant habits are not findings, and never crash a property.

Issue 15: on a server that only soft-deletes, hypothesis aborted the PATCH
properties with ``FlakyStrategyDefinition`` after a few examples (the PATCH
was drawn from the server's answer to a setup POST, and a repeated userName
was refused on the replay).
"""

from __future__ import annotations

import pytest

from harness.fuzz.campaign import CampaignOptions, run_campaign
from tests.fuzz.servers import (
    TOKEN,
    defaults_app,
    derived_name_app,
    filtered_total_app,
    no_sw_app,
    refusing_app,
    required_attributes_app,
    schema_bound_app,
    soft_delete_app,
)

PATCH_PROPERTIES = ["patch-users", "patch-groups", "invalid-patches"]


@pytest.mark.parametrize("name", [*PATCH_PROPERTIES, "paging", "filters-users", "stateful"])
def test_a_soft_deleting_server_runs_every_property_to_its_budget(name: str) -> None:
    examples = 15 if name == "stateful" else 60
    options = CampaignOptions(
        app=soft_delete_app(), token=TOKEN, seed=5, properties=[name], max_examples=examples
    )
    result = run_campaign(options)
    (prop,) = result.properties
    assert prop.error is None, prop.error
    assert prop.stopped == "examples" and prop.examples >= examples
    assert result.findings == [], "\n\n".join(f.text() for f in result.findings)
    assert not prop.to_json().get("discarded"), prop.to_json()


@pytest.mark.parametrize("name", PATCH_PROPERTIES)
def test_a_refused_setup_post_discards_the_example(name: str) -> None:
    options = CampaignOptions(
        app=refusing_app(), token=TOKEN, seed=5, properties=[name], max_examples=40
    )
    result = run_campaign(options)
    (prop,) = result.properties
    assert prop.error is None, prop.error
    assert result.findings == [], "\n\n".join(f.text() for f in result.findings)
    assert prop.stopped == "examples"
    assert prop.to_json()["discarded"].get("setup POST /Users refused with 409", 0) > 0


def test_a_broken_listing_in_a_filter_run_is_not_called_paging() -> None:
    """The kind names the property's rule: ``paging`` only where paging is judged
    (a filter property met a broken listing: ``listing-broken``, RFC 7644 §3.4.2)."""
    kinds = {}
    for name in ("filters-users", "paging"):
        options = CampaignOptions(
            app=filtered_total_app(), token=TOKEN, seed=3, properties=[name], max_examples=30
        )
        kinds[name] = {finding.kind for finding in run_campaign(options).findings}
    assert kinds["filters-users"] == {"listing-broken"}, kinds
    assert kinds["paging"] == set(), kinds  # paging walks the unfiltered listing


def test_stateful_reports_the_deleted_user_not_the_defaults() -> None:
    """Defaults (``active: true``, ``name.givenName: ""``) are the provider's to add
    (RFC 7644 §3.3); a deleted user still answering 200 breaks §3.6."""
    from hypothesis import HealthCheck, settings

    from harness.fuzz.stateful import run_machine
    from harness.fuzz.target import FuzzTarget

    config = settings(max_examples=60, stateful_step_count=8, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
    clean = FuzzTarget.for_app(defaults_app(), TOKEN)
    clean.discover()
    assert run_machine(clean, config, seed=6) == []
    clean.close()

    target = FuzzTarget.for_app(defaults_app("delete-not-deleting"), TOKEN)
    target.discover()
    findings = run_machine(target, config, seed=6)
    target.close()
    assert [f.kind for f in findings] == ["state-differential"], [f.summary for f in findings]
    assert "after its DELETE" in findings[0].summary


def test_a_value_the_provider_derives_is_not_judged_by_the_patch_oracle() -> None:
    """Only what the client set is compared: ``name.formatted`` the provider derives
    from ``displayName`` may follow a PATCH of ``displayName`` (RFC 7644 §3.3)."""
    options = CampaignOptions(
        app=derived_name_app(), token=TOKEN, seed=5, properties=["patch-users"], max_examples=80
    )
    result = run_campaign(options)
    (prop,) = result.properties
    assert prop.error is None, prop.error
    assert result.findings == [], "\n\n".join(f.text() for f in result.findings)


@pytest.mark.parametrize("name", ["filters-users", "filters-groups", "paging", "patch-groups"])
def test_a_target_refusing_sw_is_judged_without_it(name: str) -> None:
    """No listing, sweep or population of the fuzzer sends ``sw`` (RFC 7644 §3.12)."""
    options = CampaignOptions(
        app=no_sw_app(), token=TOKEN, seed=9, properties=[name], max_examples=40, private=False
    )
    result = run_campaign(options)
    (prop,) = result.properties
    assert prop.error is None, prop.error
    assert result.findings == [], "\n\n".join(f.text() for f in result.findings)
    assert result.leftovers == []


@pytest.mark.parametrize("name", [*PATCH_PROPERTIES, "filters-users", "stateful"])
def test_bodies_carry_what_the_server_declares_required(name: str) -> None:
    """open-webui declares displayName and emails required on User (RFC 7643 §2.2) and
    refuses Users without them: the drawn bodies get them, so nothing is discarded."""
    examples = 10 if name == "stateful" else 40
    options = CampaignOptions(
        app=required_attributes_app(), token=TOKEN, seed=7, properties=[name],
        max_examples=examples,
    )  # fmt: skip
    result = run_campaign(options)
    (prop,) = result.properties
    assert prop.error is None, prop.error
    assert result.findings == [], "\n\n".join(f.text() for f in result.findings)
    assert not prop.to_json().get("discarded"), prop.to_json()


def test_a_population_the_server_refuses_entirely_is_an_error_not_a_pass() -> None:
    """Filters judged on no resource check nothing: the property is an error naming the
    refusals, never a pass."""
    from harness.server.faults import HttpRequest, collection_of, scim_error
    from tests.fuzz.servers import variant_app

    def refuse_users(request: HttpRequest, context: object) -> object:
        if request.method == "POST" and collection_of(request.path) == "Users":
            return scim_error(400, "invalidValue", "no new users today")
        return request

    app = variant_app("refuses-users", conformant=False, request=(refuse_users,))
    options = CampaignOptions(
        app=app, token=TOKEN, seed=7, properties=["filters-users"], max_examples=20
    )
    result = run_campaign(options)
    (prop,) = result.properties
    assert prop.error and "refused every User of the population" in prop.error, prop.error
    assert "POST /Users refused with 400" in prop.error
    assert result.exit_code == 1


@pytest.mark.parametrize("name", ["patch-groups", "patch-users", "stateful"])
def test_what_the_schema_and_rfc_7644_3_3_allow_is_no_finding(name: str) -> None:
    """A Group name the target's /Schemas declares immutable may be refused with 400
    mutability (RFC 7643 §2.2, RFC 7644 §3.5.1-§3.5.2); name parts a POST ignores
    (RFC 7644 §3.3) are not expected afterwards."""
    examples = 15 if name == "stateful" else 60
    options = CampaignOptions(
        app=schema_bound_app(), token=TOKEN, seed=11, properties=[name], max_examples=examples
    )
    result = run_campaign(options)
    (prop,) = result.properties
    assert prop.error is None, prop.error
    assert result.findings == [], "\n\n".join(f.text() for f in result.findings)


def test_a_rename_refused_for_a_declared_immutable_name_is_no_patch_finding() -> None:
    """The PATCH oracle reads the target's declared mutability (mlflow-oidc-auth's Group
    displayName): 400 mutability to a rename is what RFC 7644 §3.5.2 asks of it."""
    from harness.fuzz.oracles import patch_oracle
    from harness.fuzz.target import FuzzTarget
    from harness.scim.schema import PATCH_OP_URN

    target = FuzzTarget.for_app(schema_bound_app(), TOKEN)
    target.discover()
    rename = {
        "schemas": [PATCH_OP_URN],
        "Operations": [{"op": "replace", "path": "displayName", "value": "renamed"}],
    }
    with target.example():
        _, group_id = target.create(
            "Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                       "displayName": f"{target.prefix}immutable"},
        )  # fmt: skip
        assert group_id is not None
        assert patch_oracle(target, "Groups", group_id, rename) == []
    target.cleanup()
    target.close()


def test_a_patch_of_an_attribute_the_schema_does_not_define_may_be_refused() -> None:
    """open-webui answers 400 to ``remove name``, an attribute its /Schemas does not
    declare on User: RFC 7644 §3.5.2 makes an undefined path a 400, no finding."""
    from harness.fuzz.oracles import patch_oracle
    from harness.fuzz.target import FuzzTarget
    from harness.scim.schema import PATCH_OP_URN, USER_URN
    from tests.fuzz.servers import undeclared_attributes_app

    target = FuzzTarget.for_app(undeclared_attributes_app(), TOKEN)
    target.discover()
    remove = {"schemas": [PATCH_OP_URN], "Operations": [{"op": "remove", "path": "name"}]}
    with target.example():
        body = {"schemas": [USER_URN], "userName": f"{target.prefix}ann",
                "name": {"givenName": "Ann"}}  # fmt: skip
        _, user_id = target.create("Users", body)
        assert user_id is not None
        assert patch_oracle(target, "Users", user_id, remove) == []
    target.cleanup()
    target.close()
