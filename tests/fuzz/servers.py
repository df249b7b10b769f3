"""Small fixture servers shaped like the field corpus: the reference server with one
conformant habit of a real SCIM server (small integer ids, soft delete, defaults),
so that a test shows the fuzzer judging such a server by the RFC, not by the
reference server's own choices."""

from __future__ import annotations

import itertools
import re
import types
from typing import Any

import pytest

import harness.server.service as service
from harness.scim.schema import USER_URN
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import (
    FAULTS_BY_NAME,
    Fault,
    FaultContext,
    FaultyApp,
    HttpRequest,
    HttpResponse,
    collection_of,
    combine,
    item_of,
    member,
    on_list,
    on_resources,
    reject_filter,
    scim_error,
)

TOKEN = "scimh-fixture-token-5a5a5a"

Call = Any
JsonDict = dict[str, Any]


def integer_id_app(monkeypatch: pytest.MonkeyPatch, config: ServerConfig | None = None) -> Any:
    """The reference server assigning ids ``"1"``, ``"2"``, ``"3"`` … (RFC 7643 §3.1 lets
    the provider choose any unique string; several field servers count rows)."""
    numbers = itertools.count(1)
    monkeypatch.setattr(service, "uuid", types.SimpleNamespace(uuid4=lambda: next(numbers)))
    return create_app(config or ServerConfig(token=TOKEN))


async def _soft_delete(request: HttpRequest, call: Call, context: FaultContext) -> HttpResponse:
    """DELETE answers 204 and the resource is gone, but its userName stays taken: a
    later POST of that name is a 409 uniqueness (a server that only flags rows deleted)."""
    taken = context.remembered("taken")
    names = context.remembered("names")
    if request.method == "POST" and collection_of(request.path) == "Users":
        body = request.json()
        key = member(body, "userName")
        name = body.get(key) if key is not None else None
        if isinstance(name, str) and name.casefold() in taken:
            return scim_error(409, "uniqueness", f"userName {name!r} is taken")
        response = await call(request)
        created = response.json() if isinstance(response.json(), dict) else {}
        if response.status == 201 and isinstance(name, str):
            names[str(created.get("id"))] = name.casefold()
        return response
    response = await call(request)
    found = item_of(request.path)
    if request.method == "DELETE" and found and response.status == 204:
        name = names.pop(found[1], None)
        if name is not None:
            taken[name] = True
    return response


def variant_app(name: str, *, conformant: bool = True, **parts: Any) -> FaultyApp:
    """The reference server wrapped in hooks that make it behave like a field server.

    ``conformant``: the variant breaks no rule (the fuzzer must report nothing);
    otherwise it plants a defect the fuzzer must find.
    """
    fault = Fault(
        name,
        "a field server's habit" if conformant else "a field server's defect",
        "tests/fuzz/servers.py",
        ("fuzz",),
        **parts,
    )
    config = ServerConfig(token=TOKEN)
    return FaultyApp(create_app(config), fault, config)


def soft_delete_app() -> FaultyApp:
    return variant_app("soft-delete", exchange=(_soft_delete,))


async def _refuse_every_third_user(
    request: HttpRequest, call: Call, context: FaultContext
) -> HttpResponse:
    """Every third POST /Users is a 409 whatever its content: a setup the fuzzer cannot
    count on (a replayed example meets another answer than the first run)."""
    seen = context.remembered("posts")
    if request.method == "POST" and collection_of(request.path) == "Users":
        seen["n"] = seen.get("n", 0) + 1
        if seen["n"] % 3 == 0:
            return scim_error(409, "uniqueness", "userName is taken")
    return await call(request)


def refusing_app() -> FaultyApp:
    return variant_app("refuse-every-third-user", exchange=(_refuse_every_third_user,))


def _filtered_total_off_by_one(body: JsonDict, params: dict[str, Any]) -> JsonDict:
    if params.get("filter") and isinstance(body.get("totalResults"), int):
        return {**body, "totalResults": body["totalResults"] + 1}
    return body


def filtered_total_app() -> FaultyApp:
    """A defect: a filtered listing's ``totalResults`` counts one resource too many
    (RFC 7644 §3.4.2: "the total number of results returned by the list or query")."""
    return variant_app(
        "filtered-total-off-by-one",
        conformant=False,
        response=(on_list(_filtered_total_off_by_one),),
    )


def _user_defaults(resource: JsonDict, request: HttpRequest, context: FaultContext) -> JsonDict:
    """``active: true`` and an empty ``name.givenName`` on every User the client left
    them off (a provider's column defaults; RFC 7644 §3.3 lets it alter POSTed content)."""
    if USER_URN not in (resource.get("schemas") or []):
        return resource
    out = dict(resource)
    out.setdefault("active", True)
    name = out.get("name") if isinstance(out.get("name"), dict) else {}
    out["name"] = {"givenName": "", **name}
    return out


def defaults_app(*defects: str) -> FaultyApp:
    """The reference server adding User defaults, with the named planted faults too."""
    habit = Fault(
        "user-defaults", "a field server's habit", "tests/fuzz/servers.py", ("fuzz",),
        response=(on_resources(_user_defaults),),
    )  # fmt: skip
    fault = combine("user-defaults-plus", habit, *(FAULTS_BY_NAME[name] for name in defects))
    config = fault.server_config(ServerConfig(token=TOKEN))
    return FaultyApp(create_app(config), fault, config)


def _derived_name(resource: JsonDict, request: HttpRequest, context: FaultContext) -> JsonDict:
    """``name.formatted`` derived from ``displayName`` (or ``userName``) on a User the client
    gave no ``name``: the provider's own value, which follows a rename (as mlflow-oidc-auth
    in the field corpus does)."""
    if USER_URN not in (resource.get("schemas") or []) or resource.get("name"):
        return resource
    return {**resource, "name": {"formatted": resource.get("displayName") or resource.get(
        "userName")}}  # fmt: skip


def derived_name_app() -> FaultyApp:
    return variant_app("derived-name", response=(on_resources(_derived_name),))


def no_sw_app() -> FaultyApp:
    """``sw`` refused with 400 invalidFilter (RFC 7644 §3.12 Table 9 allows refusing a
    comparison the provider does not support)."""
    uses_sw = re.compile(r"\bsw\b", re.IGNORECASE).search
    return variant_app(
        "no-sw",
        request=(reject_filter(lambda text: bool(uses_sw(text)), "sw is not supported"),),
    )


#: What open-webui's /Schemas declares required on User besides userName.
DECLARED_REQUIRED = ("displayName", "emails")


def _declare_required(request: HttpRequest, response: HttpResponse, context: FaultContext) -> Any:
    """``/Schemas`` marks :data:`DECLARED_REQUIRED` required (RFC 7643 §2.2, §7)."""
    if request.method != "GET" or "/Schemas" not in request.path or response.status != 200:
        return response
    body = response.json()
    schemas = body.get("Resources", [body]) if isinstance(body, dict) else []
    for schema in schemas:
        if isinstance(schema, dict) and schema.get("id") == USER_URN:
            for attribute in schema.get("attributes", []):
                if attribute.get("name") in DECLARED_REQUIRED:
                    attribute["required"] = True
    return response.with_json(body)


def _refuse_without_required(request: HttpRequest, context: FaultContext) -> Any:
    """A User written without an attribute the server declares required is refused
    with 400 invalidValue (RFC 7644 §3.12), as the server's schema says it must be."""
    item = item_of(request.path)
    posted = request.method == "POST" and collection_of(request.path) == "Users"
    if not (posted or (request.method == "PUT" and item and item[0] == "Users")):
        return request
    body = request.json()
    missing = [n for n in DECLARED_REQUIRED if not isinstance(body, dict) or not body.get(n)]
    if missing:
        return scim_error(400, "invalidValue", f"required: {', '.join(missing)}")
    return request


def required_attributes_app() -> FaultyApp:
    """The reference server requiring what open-webui declares required on User."""
    return variant_app(
        "declares-more-required",
        request=(_refuse_without_required,),
        response=(_declare_required,),
    )


def _group_name_immutable(
    request: HttpRequest, response: HttpResponse, context: FaultContext
) -> Any:
    """``/Schemas`` declares Group.displayName immutable (mlflow-oidc-auth 11.0.2)."""
    if request.method != "GET" or "/Schemas" not in request.path or response.status != 200:
        return response
    body = response.json()
    schemas = body.get("Resources", [body]) if isinstance(body, dict) else []
    for schema in schemas:
        if isinstance(schema, dict) and schema.get("id", "").endswith(":Group"):
            for attribute in schema.get("attributes", []):
                if attribute.get("name") == "displayName":
                    attribute["mutability"] = "immutable"
    return response.with_json(body)


def _touches_display_name(body: Any) -> bool:
    for op in (body.get("Operations") or []) if isinstance(body, dict) else []:
        path = str(op.get("path") or "") if isinstance(op, dict) else ""
        value = op.get("value") if isinstance(op, dict) else None
        if path.lower().startswith("displayname") or (
            not path and isinstance(value, dict) and "displayName" in value
        ):
            return True
    return False


async def _keep_group_names(request: HttpRequest, call: Call, context: FaultContext) -> Any:
    """A Group's displayName never changes once set: 400 ``mutability`` (RFC 7644 §3.5.1,
    §3.5.2 for an immutable attribute); the reference server underneath stores the rest."""
    names = context.remembered("group-names")
    found = item_of(request.path)
    if found and found[0] == "Groups" and request.method in ("PUT", "PATCH"):
        body = request.json()
        old = names.get(found[1])
        new = body.get("displayName") if isinstance(body, dict) else None
        if (request.method == "PUT" and old is not None and new != old) or (
            request.method == "PATCH" and _touches_display_name(body)
        ):
            return scim_error(400, "mutability", "displayName is immutable")
    response = await call(request)
    if request.method == "POST" and collection_of(request.path) == "Groups":
        created = response.json()
        if response.status == 201 and isinstance(created, dict):
            names[str(created.get("id"))] = created.get("displayName")
    return response


def _ignore_name_parts(request: HttpRequest, context: FaultContext) -> Any:
    """POST /Users keeps ``name.formatted`` only (RFC 7644 §3.3: the server may ignore
    POSTed content; the answer shows what it kept)."""
    if request.method == "POST" and collection_of(request.path) == "Users":
        body = request.json()
        name = body.get("name") if isinstance(body, dict) else None
        if isinstance(name, dict):
            kept = {k: v for k, v in name.items() if k == "formatted"}
            body = (
                {**body, "name": kept} if kept else {k: v for k, v in body.items() if k != "name"}
            )
            return request.with_json(body)
    return request


def schema_bound_app() -> FaultyApp:
    """mlflow-oidc-auth's habits that its /Schemas and RFC 7644 §3.3 allow: Group names
    declared immutable and refused with 400 mutability, name parts ignored on POST."""
    return variant_app(
        "schema-bound",
        request=(_ignore_name_parts,),
        response=(_group_name_immutable,),
        exchange=(_keep_group_names,),
    )


def _undeclare_name(request: HttpRequest, response: HttpResponse, context: FaultContext) -> Any:
    """``/Schemas`` describes User without ``name`` (open-webui 0.12.4 declares four
    attributes), Group without ``externalId``."""
    if request.method != "GET" or "/Schemas" not in request.path or response.status != 200:
        return response
    body = response.json()
    gone = {"User": "name", "Group": "externalId"}
    for schema in body.get("Resources", [body]) if isinstance(body, dict) else []:
        kind = str(schema.get("id", "")).rpartition(":")[2] if isinstance(schema, dict) else ""
        if kind in gone:
            schema["attributes"] = [
                a for a in schema.get("attributes", []) if a.get("name") != gone[kind]
            ]
    return response.with_json(body)


def _refuse_name_patch(request: HttpRequest, context: FaultContext) -> Any:
    if request.method == "PATCH" and (item_of(request.path) or ("",))[0] == "Users":
        body = request.json()
        for op in body.get("Operations", []) if isinstance(body, dict) else []:
            if isinstance(op, dict) and str(op.get("path", "")).lower().startswith("name"):
                return scim_error(400, "invalidPath", "name is not an attribute here")
    return request


def undeclared_attributes_app() -> FaultyApp:
    """open-webui's habits its /Schemas allows: a PATCH of an undeclared attribute
    refused with 400 (RFC 7644 §3.5.2)."""
    return variant_app(
        "undeclared-attributes", request=(_refuse_name_patch,), response=(_undeclare_name,)
    )
