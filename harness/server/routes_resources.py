"""``/Users`` and ``/Groups``: create, read, list, search, replace, patch, delete.

HTTP concerns only — body reading, query parameters, status codes and
headers (RFC 7644 §3.3–§3.6, §3.14); the operations themselves are
:class:`~harness.server.service.ResourceService` methods, run in a thread
pool because SQLite blocks. Every single-resource response carries ``ETag``
(= ``meta.version``) and ``Location`` (= ``meta.location``), and honours
``attributes``/``excludedAttributes`` (RFC 7644 §3.9), writes included.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from harness.scim.listing import ListQuery, list_response, query_from_params
from harness.scim.listing import query_from_search_request as search_query
from harness.scim.resources import project
from harness.scim.schema import RESOURCE_TYPES, ResourceType
from harness.server.config import ServerConfig
from harness.server.endpoint import base_url, scim_handler
from harness.server.etag import not_modified
from harness.server.http import empty_response, read_json_object, scim_response
from harness.server.membership import loading_for
from harness.server.service import ResourceService

JsonDict = dict[str, Any]


def projection_params(request: Request, config: ServerConfig) -> ListQuery:
    """``attributes``/``excludedAttributes`` of a single-resource request, parsed by the
    same rule as list parameters (names case-insensitive; other parameters ignored)."""
    return query_from_params(request.query_params, config.max_results, config.default_count)


def resource_headers(resource: JsonDict) -> dict[str, str]:
    """``ETag`` = ``meta.version`` (RFC 7643 §3.1, RFC 7644 §3.14); ``Location`` = its URL."""
    meta = resource["meta"]
    return {"ETag": meta["version"], "Location": meta["location"]}


class ResourceEndpoints:
    """The handlers of one resource type's endpoint."""

    def __init__(
        self, resource_type: ResourceType, service: ResourceService, config: ServerConfig
    ) -> None:
        self.resource_type = resource_type
        self.service = service
        self.config = config

    def routes(self) -> list[BaseRoute]:
        path = f"{self.config.base_path}{self.resource_type.endpoint}"
        return [
            Route(path, scim_handler(self.collection), methods=["GET", "POST"]),
            Route(f"{path}/.search", scim_handler(self.search), methods=["POST"]),
            Route(
                f"{path}/{{id}}",
                scim_handler(self.item),
                methods=["GET", "PUT", "PATCH", "DELETE"],
            ),
        ]

    # ------------------------------------------------------------ collection

    async def collection(self, request: Request) -> Response:
        if request.method == "POST":
            return await self.create(request)
        query = query_from_params(
            request.query_params, self.config.max_results, self.config.default_count
        )
        return await self._list(request, query)

    async def search(self, request: Request) -> Response:
        """RFC 7644 §3.4.3: the same query as GET, in a SearchRequest body."""
        body = await read_json_object(request, self.config.body_limit)
        query = search_query(
            body, self.config.max_results, self.config.default_count, self.config.compat
        )
        return await self._list(request, query)

    async def _list(self, request: Request, query: ListQuery) -> Response:
        resources, total = await run_in_threadpool(
            self.service.search, self.resource_type, query, base_url(request, self.config)
        )
        items = [
            project(resource, self.resource_type, query.attributes, query.excluded)
            for resource in resources
        ]
        return scim_response(list_response(items, total, query.start_index))

    async def create(self, request: Request) -> Response:
        """RFC 7644 §3.3: 201 with the resource, ``Location`` and ``ETag``."""
        body = await read_json_object(request, self.config.body_limit)
        resource = await run_in_threadpool(
            self.service.create, self.resource_type, body, base_url(request, self.config)
        )
        return self._respond(request, resource, 201)

    # ------------------------------------------------------------------ item

    async def item(self, request: Request) -> Response:
        handler = {
            "GET": self.get,
            "HEAD": self.get,
            "PUT": self.replace,
            "PATCH": self.patch,
            "DELETE": self.delete,
        }[request.method]
        return await handler(request, request.path_params["id"])

    async def get(self, request: Request, resource_id: str) -> Response:
        """RFC 7644 §3.4.1; ``If-None-Match`` with the current version → 304 (§3.14)."""
        projection = projection_params(request, self.config)
        if_none_match = request.headers.get("if-none-match")
        if if_none_match is not None:
            version = await run_in_threadpool(self.service.version, self.resource_type, resource_id)
            if not_modified(if_none_match, version):
                return empty_response(304, {"ETag": version})
        loading = loading_for(self.resource_type, projection.attributes, projection.excluded)
        resource = await run_in_threadpool(
            self.service.get,
            self.resource_type,
            resource_id,
            base_url(request, self.config),
            loading,
        )
        return self._respond(request, resource, 200, projection)

    async def replace(self, request: Request, resource_id: str) -> Response:
        """RFC 7644 §3.5.1; a stale ``If-Match`` → 412 (§3.14)."""
        projection = projection_params(request, self.config)
        body = await read_json_object(request, self.config.body_limit)
        resource = await run_in_threadpool(
            self.service.replace,
            self.resource_type,
            resource_id,
            body,
            base_url(request, self.config),
            request.headers.get("if-match"),
        )
        return self._respond(request, resource, 200, projection)

    async def patch(self, request: Request, resource_id: str) -> Response:
        """RFC 7644 §3.5.2: 200 with the resource, or 204 when configured for the type."""
        projection = projection_params(request, self.config)
        body = await read_json_object(request, self.config.body_limit)
        resource = await run_in_threadpool(
            self.service.patch,
            self.resource_type,
            resource_id,
            body,
            base_url(request, self.config),
            request.headers.get("if-match"),
        )
        status = self.config.patch_status(self.resource_type.name)
        # RFC 7644 §3.5.2: "the server MUST return a 200 OK if the "attributes"
        # parameter is specified in the request" — even where 204 is configured.
        if status == 204 and not (
            "attributes" in request.query_params or "excludedAttributes" in request.query_params
        ):
            return empty_response(204, resource_headers(resource))
        status = 200
        return self._respond(request, resource, status, projection)

    async def delete(self, request: Request, resource_id: str) -> Response:
        """RFC 7644 §3.6: 204, no body."""
        await run_in_threadpool(
            self.service.delete,
            self.resource_type,
            resource_id,
            request.headers.get("if-match"),
        )
        return empty_response(204)

    def _respond(
        self,
        request: Request,
        resource: JsonDict,
        status: int,
        projection: ListQuery | None = None,
    ) -> Response:
        projection = projection or projection_params(request, self.config)
        body = project(resource, self.resource_type, projection.attributes, projection.excluded)
        return scim_response(body, status, resource_headers(resource))


def resource_routes(service: ResourceService, config: ServerConfig) -> list[BaseRoute]:
    """The endpoints of every registered resource type, and the root query (§3.4.2.1, §3.4.3)."""
    routes: list[BaseRoute] = []
    for resource_type in RESOURCE_TYPES:
        routes.extend(ResourceEndpoints(resource_type, service, config).routes())

    @scim_handler
    async def root_search(request: Request) -> Response:
        body = await read_json_object(request, config.body_limit)
        query = search_query(body, config.max_results, config.default_count, config.compat)
        return await _root(request, query)

    @scim_handler
    async def root_query(request: Request) -> Response:
        query = query_from_params(request.query_params, config.max_results, config.default_count)
        return await _root(request, query)

    async def _root(request: Request, query: ListQuery) -> Response:
        items, total = await run_in_threadpool(
            service.search_root, query, base_url(request, config)
        )
        return scim_response(list_response(items, total, query.start_index))

    routes.append(Route(f"{config.base_path}/.search", root_search, methods=["POST"]))
    routes.append(Route(f"{config.base_path}/", root_query, methods=["GET"]))
    if config.base_path:
        routes.append(Route(config.base_path, root_query, methods=["GET"]))
    return routes
