"""Discovery endpoints (RFC 7644 §4; RFC 7643 §5–§7) and ``/Me`` (§3.11).

``/ServiceProviderConfig`` is built from the same :class:`ServerConfig`
values the server enforces, so it cannot advertise a limit it does not keep
(checks-catalog ``disc.spc.truthful``). ``/ResourceTypes`` and ``/Schemas``
come from the schema registry. These endpoints are read-only: other methods
get 405 from the router (``disc.write-rejected``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from harness.scim.errors import ScimError, not_found
from harness.scim.listing import list_response
from harness.scim.schema import RESOURCE_TYPES, SCHEMAS, SPC_URN
from harness.server.config import ServerConfig
from harness.server.endpoint import base_url, scim_handler
from harness.server.http import scim_response

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def service_provider_config(config: ServerConfig, base: str) -> dict[str, Any]:
    """RFC 7643 §5: every feature this server implements, with its real limits."""
    return {
        "schemas": [SPC_URN],
        "documentationUri": config.documentation_uri,
        "patch": {"supported": True},
        "bulk": {
            "supported": True,
            "maxOperations": config.bulk_max_operations,
            "maxPayloadSize": config.bulk_max_payload,
        },
        "filter": {"supported": True, "maxResults": config.max_results},
        "changePassword": {"supported": True},
        "sort": {"supported": True},
        "etag": {"supported": True},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "A bearer token in the Authorization header (RFC 6750).",
                "specUri": "https://www.rfc-editor.org/info/rfc6750",
                "documentationUri": config.documentation_uri,
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base}/ServiceProviderConfig",
        },
    }


def reject_filter(request: Request) -> None:
    """RFC 7644 §4: a filter on a discovery endpoint SHOULD get 403, so that no client
    believes the conditions it gave were applied. Paging and sorting are ignored."""
    if any(key.casefold() == "filter" for key in request.query_params):
        raise ScimError(403, None, "Discovery endpoints do not support filtering (RFC 7644 §4).")


def discovery_routes(config: ServerConfig) -> list[BaseRoute]:
    """The read-only discovery endpoints and ``/Me``, under the configured base path."""
    prefix = config.base_path

    @scim_handler
    async def spc(request: Request) -> Response:
        reject_filter(request)
        return scim_response(service_provider_config(config, base_url(request, config)))

    @scim_handler
    async def resource_types(request: Request) -> Response:
        reject_filter(request)
        base = base_url(request, config)
        items = [resource_type.to_scim(base) for resource_type in RESOURCE_TYPES]
        return scim_response(list_response(items, len(items), 1))

    @scim_handler
    async def resource_type(request: Request) -> Response:
        wanted = request.path_params["id"]
        for candidate in RESOURCE_TYPES:
            if candidate.id == wanted:
                return scim_response(candidate.to_scim(base_url(request, config)))
        raise not_found(f"No resource type {wanted!r}.")

    @scim_handler
    async def schemas(request: Request) -> Response:
        reject_filter(request)
        base = base_url(request, config)
        items = [schema.to_scim(base) for schema in SCHEMAS]
        return scim_response(list_response(items, len(items), 1))

    @scim_handler
    async def schema(request: Request) -> Response:
        wanted = request.path_params["id"]
        for candidate in SCHEMAS:
            if candidate.id.casefold() == wanted.casefold():
                return scim_response(candidate.to_scim(base_url(request, config)))
        raise not_found(f"No schema {wanted!r}.")

    @scim_handler
    async def me(request: Request) -> Response:
        """RFC 7644 §3.11 allows 501 when the server has no notion of the caller's resource:
        a bearer token here authenticates a client (the IdP), not a User."""
        raise ScimError(501, None, "/Me is not implemented: the token does not identify a User.")

    return [
        Route(f"{prefix}/ServiceProviderConfig", spc, methods=["GET"]),
        Route(f"{prefix}/ResourceTypes", resource_types, methods=["GET"]),
        Route(f"{prefix}/ResourceTypes/{{id}}", resource_type, methods=["GET"]),
        Route(f"{prefix}/Schemas", schemas, methods=["GET"]),
        Route(f"{prefix}/Schemas/{{id}}", schema, methods=["GET"]),
        Route(f"{prefix}/Me", me, methods=ALL_METHODS),
        Route(f"{prefix}/Me/{{rest:path}}", me, methods=ALL_METHODS),
    ]
