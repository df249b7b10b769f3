"""``patch_oracle`` accepts every reading RFC 7644 leaves open, and no wrong answer.

Three choices a conformant server may make either way (the scim2-server
findings D, E and F of the issue-6 triage), each planted as a small Fault
over the reference server:

* D — RFC 7644 §3.10: a PATCH path naming an extension attribute without its
  URN ("SHOULD fully qualify") may be refused with 400 ``invalidPath``.
* E — §3.12 Table 9 ``noTarget``: an ``add`` whose value filter "yields no
  match" may be refused.
* F — §3.5.2.3: ``replace attr[filter]`` with an object may replace each
  selected record whole or merge into it.

Each test also shows that a wrong answer next to the allowed one still fails.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.fuzz.oracles import patch_oracle
from harness.fuzz.target import FuzzTarget
from harness.scim.schema import ENTERPRISE_USER_URN, PATCH_OP_URN, USER, USER_URN
from harness.server.faults import (
    Fault,
    FaultContext,
    HttpRequest,
    HttpResponse,
    op_field,
    op_name,
    operations,
    rewrite_patch,
    scim_error,
)
from tests.fuzz.test_oracles import faulty, make_target, reference_app

__all__ = ["make_target"]  # the fixture, imported for pytest


def app(fault: Fault | None = None) -> Any:
    return reference_app() if fault is None else faulty(fault)


def user(target: FuzzTarget, **attributes: Any) -> str:
    body = {"schemas": [USER_URN], "userName": f"{target.prefix}u0", **attributes}
    response, resource_id = target.create("Users", body)
    assert response.status == 201, response.text
    assert resource_id is not None
    return resource_id


def patch(*ops: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP_URN], "Operations": list(ops)}


def kinds(target: FuzzTarget, resource_id: str, body: dict[str, Any]) -> list[str]:
    return [finding.kind for finding in patch_oracle(target, "Users", resource_id, body)]


def refusing(name: str, scim_type: str, refuse: Any) -> Fault:
    """A fault answering 400 ``scim_type`` to a PATCH with an operation ``refuse`` picks."""

    def hook(request: HttpRequest, context: FaultContext) -> HttpRequest | HttpResponse:
        found = operations(request.json()) if request.method == "PATCH" else None
        if found is not None and any(refuse(op) for op in found[1]):
            return scim_error(400, scim_type, f"refused by the {name} fault")
        return request

    return Fault(name, f"PATCH refused with {scim_type}.", "test", ("fuzz",), request=(hook,))


def dropping(name: str, drop: Any) -> Fault:
    """A fault that silently ignores the operations ``drop`` picks (and answers 200)."""
    rewrite = rewrite_patch(lambda ops: [op for op in ops if not drop(op)])
    return Fault(name, "PATCH operations ignored.", "test", ("fuzz",), exchange=(rewrite,))


# -- D: RFC 7644 §3.10 bare extension attribute names ---------------------------------


def _bare_extension(op: Any) -> bool:
    path = op_field(op, "path")
    if not isinstance(path, str) or ":" in path:
        return False
    name = path.split(".")[0].split("[")[0]
    ref = USER.resolve(None, name)
    return ref is not None and ref.container is not None


def test_d_refusing_a_bare_extension_path_passes(make_target: Any) -> None:
    target = make_target(app(refusing("fuzz-bare-extension-refused", "invalidPath",
                                      _bare_extension)))  # fmt: skip
    with target.example():
        resource_id = user(target)
        bare = patch({"op": "replace", "path": "employeeNumber", "value": "1"})
        assert kinds(target, resource_id, bare) == []
        qualified = patch(
            {"op": "replace", "path": f"{ENTERPRISE_USER_URN}:employeeNumber", "value": "1"}
        )
        assert kinds(target, resource_id, qualified) == []


def test_d_the_reference_server_still_resolves_bare_names(make_target: Any) -> None:
    target = make_target(app())
    with target.example():
        resource_id = user(target)
        bare = patch({"op": "replace", "path": "employeeNumber", "value": "1"})
        assert kinds(target, resource_id, bare) == []
        got = target.get("Users", resource_id).body
        assert got[ENTERPRISE_USER_URN] == {"employeeNumber": "1"}


def test_d_refusing_the_qualified_path_or_ignoring_the_bare_one_fails(make_target: Any) -> None:
    def qualified_extension(op: Any) -> bool:
        return str(op_field(op, "path")).startswith(ENTERPRISE_USER_URN)

    refuser = make_target(app(refusing("fuzz-qualified-refused", "invalidPath",
                                       qualified_extension)))  # fmt: skip
    with refuser.example():
        resource_id = user(refuser)
        body = patch({"op": "replace", "path": f"{ENTERPRISE_USER_URN}:costCenter", "value": "7"})
        assert kinds(refuser, resource_id, body) == ["patch-differential"]
    ignorer = make_target(app(dropping("fuzz-bare-extension-ignored", _bare_extension)))
    with ignorer.example():
        resource_id = user(ignorer)
        body = patch({"op": "replace", "path": "costCenter", "value": "7"})
        assert kinds(ignorer, resource_id, body) == ["patch-differential"]


# -- E: §3.12 Table 9 noTarget for an add whose value filter matches nothing -----------


def _filtered_add(op: Any) -> bool:
    return op_name(op) == "add" and "[" in str(op_field(op, "path"))


ADD_WORK = patch({"op": "add", "path": 'emails[type eq "work"].value', "value": "w@example.com"})


def test_e_no_target_for_an_unmatched_filtered_add_passes(make_target: Any) -> None:
    target = make_target(app(refusing("fuzz-filtered-add-no-target", "noTarget", _filtered_add)))
    with target.example():
        resource_id = user(target)
        assert kinds(target, resource_id, ADD_WORK) == []
    reference = make_target(app())
    with reference.example():
        resource_id = user(reference)
        assert kinds(reference, resource_id, ADD_WORK) == []  # today's reading: created
        assert reference.get("Users", resource_id).body["emails"] == [
            {"type": "work", "value": "w@example.com"}
        ]


def test_e_no_target_when_the_filter_matches_fails(make_target: Any) -> None:
    target = make_target(app(refusing("fuzz-filtered-add-no-target", "noTarget", _filtered_add)))
    with target.example():
        resource_id = user(target, emails=[{"type": "work", "value": "old@example.com"}])
        assert kinds(target, resource_id, ADD_WORK) == ["patch-differential"]


def test_e_accepting_an_unmatched_add_without_creating_fails(make_target: Any) -> None:
    target = make_target(app(dropping("fuzz-filtered-add-ignored", _filtered_add)))
    with target.example():
        resource_id = user(target)
        assert kinds(target, resource_id, ADD_WORK) == ["patch-differential"]


# -- F: §3.5.2.3 replace attr[filter] with an object: whole record or merge ------------


def _record_replace(op: Any) -> bool:
    path = op_field(op, "path")
    return (
        op_name(op) == "replace"
        and isinstance(path, str)
        and path.endswith("]")
        and isinstance(op_field(op, "value"), dict)
    )


def _merged(ops: list[Any]) -> list[Any]:
    """``replace attr[f]`` with ``{k: v, …}`` becomes ``replace attr[f].k`` with ``v``, …:
    the other sub-attributes of the selected records are left unchanged."""
    out: list[Any] = []
    for op in ops:
        if not _record_replace(op):
            out.append(op)
            continue
        path = op_field(op, "path")
        out.extend(
            {"op": "replace", "path": f"{path}.{key}", "value": value}
            for key, value in op_field(op, "value").items()
        )
    return out


MERGING = Fault(
    "fuzz-replace-filter-merges",
    "replace attr[filter] merges the value into the selected records.",
    "test",
    ("fuzz",),
    exchange=(rewrite_patch(_merged),),
)
NORMA = {"value": "a@example.org", "display": "Norma", "type": "work"}
REPLACE_A = patch(
    {
        "op": "replace",
        "path": 'emails[value eq "a@example.org"]',
        "value": {"value": "a@example.org", "primary": False},
    }
)


@pytest.mark.parametrize("merging", [False, True], ids=["whole-record", "merge"])
def test_f_either_reading_of_a_filtered_replace_passes(make_target: Any, merging: bool) -> None:
    target = make_target(app(MERGING if merging else None))
    with target.example():
        resource_id = user(target, emails=[NORMA])
        assert kinds(target, resource_id, REPLACE_A) == []
        (email,) = target.get("Users", resource_id).body["emails"]
        assert ("display" in email) is merging


def test_f_ignoring_a_filtered_replace_fails(make_target: Any) -> None:
    target = make_target(app(dropping("fuzz-filtered-replace-ignored", _record_replace)))
    with target.example():
        resource_id = user(target, emails=[NORMA])
        assert kinds(target, resource_id, REPLACE_A) == ["patch-differential"]
