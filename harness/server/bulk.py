"""``POST /Bulk`` (RFC 7644 §3.7).

A bulk request is a list of ordinary operations, each run as if it were its
own HTTP request (its own transaction, through the same
:class:`~harness.server.service.ResourceService` methods); the bulk job as a
whole is not atomic (§3.7: the server "MUST continue performing as many
changes as possible and disregard partial failures", up to ``failOnErrors``).

``bulkId`` references (§3.7.2): a POST names its future resource
``bulkId``; any other operation may refer to it as ``"bulkId:<id>"`` in its
``path`` or anywhere inside ``data`` (member values, ``manager.value`` …).
Operations run in request order except that one whose references are not
resolved yet waits for the POSTs that resolve them. When every waiting
operation waits on another (a circular reference, §3.7.1 — "MUST try to
resolve"), the first waiting POST is created without its unresolved
references and, once they resolve, completed with a PUT of its full data —
the two-step the RFC's own circular example describes. A reference no POST
declares is 400 ``invalidValue``; one whose POST failed is 409 (§3.7.1
allows 409 "Conflict" for references that cannot be resolved).

Limits (§3.7.4): more than ``maxOperations`` operations or a body above
``maxPayloadSize`` is 413 for the whole request, before anything runs.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from harness.scim import errors
from harness.scim.errors import ScimError
from harness.scim.schema import (
    BULK_REQUEST_URN,
    BULK_RESPONSE_URN,
    RESOURCE_TYPES,
    ResourceType,
)
from harness.server.config import ServerConfig
from harness.server.endpoint import base_url, scim_handler
from harness.server.http import read_json_object, scim_response
from harness.server.service import ResourceService

LOG = logging.getLogger("harness.server")

BULK_ID_PREFIX = "bulkId:"
METHODS = ("POST", "PUT", "PATCH", "DELETE")
JsonDict = dict[str, Any]


@dataclass
class BulkOperation:
    """One entry of ``Operations``, checked for shape before anything runs."""

    index: int
    method: str
    path: str
    bulk_id: str | None = None
    version: str | None = None
    data: Any = None
    #: A shape error found up front; the operation then fails without running.
    error: ScimError | None = None
    #: The bulkIds the operation refers to (path and data).
    references: set[str] = field(default_factory=set)


@dataclass
class BulkRequest:
    operations: list[BulkOperation]
    fail_on_errors: int | None


def references_in(value: Any) -> set[str]:
    """Every ``bulkId:<id>`` string inside a JSON value (§3.7.2)."""
    if isinstance(value, str):
        return {value[len(BULK_ID_PREFIX) :]} if value.startswith(BULK_ID_PREFIX) else set()
    if isinstance(value, list):
        return set().union(*(references_in(item) for item in value))
    if isinstance(value, dict):
        return set().union(*(references_in(item) for item in value.values()))
    return set()


def substitute(value: Any, resolved: dict[str, str]) -> Any:
    """``value`` with each resolved ``bulkId:<id>`` replaced by the new resource's id."""
    if isinstance(value, str) and value.startswith(BULK_ID_PREFIX):
        return resolved.get(value[len(BULK_ID_PREFIX) :], value)
    if isinstance(value, list):
        return [substitute(item, resolved) for item in value]
    if isinstance(value, dict):
        return {key: substitute(item, resolved) for key, item in value.items()}
    return value


def strip_unresolved(value: Any, resolved: dict[str, str]) -> Any:
    """``value`` with resolved references substituted and unresolved ones left out.

    Used to create the first resource of a circular reference: list elements
    (member values) that refer to an unresolved bulkId are dropped, as are
    attributes whose value is such a reference or only held one (``manager``).
    """
    if isinstance(value, str):
        return substitute(value, resolved)
    if isinstance(value, list):
        return [
            strip_unresolved(item, resolved)
            for item in value
            if references_in(item) <= resolved.keys()
        ]
    if isinstance(value, dict):
        kept: JsonDict = {}
        for key, item in value.items():
            if isinstance(item, str) and references_in(item) - resolved.keys():
                continue
            stripped = strip_unresolved(item, resolved)
            if isinstance(item, dict) and item and not stripped:
                continue
            kept[key] = stripped
        return kept
    return value


# ------------------------------------------------------------------ parsing


def parse_bulk_request(body: JsonDict, config: ServerConfig) -> BulkRequest:
    """The request's shape (§3.7): schemas, ``Operations``, ``failOnErrors``, limits."""
    schemas = body.get("schemas")
    if not config.compat.lenient_schemas and (
        not isinstance(schemas, list) or BULK_REQUEST_URN not in schemas
    ):
        raise errors.invalid_syntax(
            f'a BulkRequest must have "schemas": ["{BULK_REQUEST_URN}"] (RFC 7644 §3.7)'
        )
    raw = body.get("Operations")
    if not isinstance(raw, list):
        raise errors.invalid_syntax("a BulkRequest must have an 'Operations' array (RFC 7644 §3.7)")
    if len(raw) > config.bulk_max_operations:
        raise ScimError(
            413,
            None,
            f"The bulk request has {len(raw)} operations; maxOperations is "
            f"{config.bulk_max_operations} (RFC 7644 §3.7.4).",
        )
    fail_on_errors = body.get("failOnErrors")
    if fail_on_errors is not None and (
        isinstance(fail_on_errors, bool)
        or not isinstance(fail_on_errors, int)
        or fail_on_errors < 1
    ):
        raise errors.invalid_value(
            f"'failOnErrors' must be a positive integer, got {fail_on_errors!r}"
        )
    operations = [_parse_operation(index, item) for index, item in enumerate(raw)]
    _check_bulk_ids(operations)
    return BulkRequest(operations, fail_on_errors)


def _parse_operation(index: int, item: Any) -> BulkOperation:
    if not isinstance(item, dict):
        return BulkOperation(
            index, "", "", error=errors.invalid_syntax("an operation must be an object")
        )
    method = item.get("method")
    path = item.get("path")
    operation = BulkOperation(
        index,
        method.upper() if isinstance(method, str) else "",
        path if isinstance(path, str) else "",
        bulk_id=item.get("bulkId") if isinstance(item.get("bulkId"), str) else None,
        version=item.get("version") if isinstance(item.get("version"), str) else None,
        data=item.get("data"),
    )
    operation.error = _shape_error(operation, item)
    operation.references = references_in(operation.path) | references_in(operation.data)
    return operation


def _shape_error(operation: BulkOperation, item: JsonDict) -> ScimError | None:
    """§3.7: ``method`` and ``path`` always; ``bulkId`` for POST; ``data`` except DELETE."""
    if operation.method not in METHODS:
        return errors.invalid_syntax(f"'method' must be one of {', '.join(METHODS)}")
    if not operation.path:
        return errors.invalid_syntax("'path' is required")
    if operation.method == "POST" and not operation.bulk_id:
        return errors.invalid_syntax("'bulkId' is required for POST (RFC 7644 §3.7)")
    if operation.method != "DELETE" and not isinstance(item.get("data"), dict):
        return errors.invalid_syntax(f"'data' (an object) is required for {operation.method}")
    return None


def _check_bulk_ids(operations: list[BulkOperation]) -> None:
    """A bulkId names one new resource, so two POSTs may not share one (§3.7)."""
    seen: set[str] = set()
    for operation in operations:
        if operation.method != "POST" or operation.bulk_id is None or operation.error:
            continue
        if operation.bulk_id in seen:
            operation.error = errors.invalid_value(
                f"bulkId {operation.bulk_id!r} is used by an earlier operation"
            )
        seen.add(operation.bulk_id)


def target(operation: BulkOperation, resolved: dict[str, str]) -> tuple[ResourceType, str | None]:
    """The resource type and id a bulk ``path`` names: "/Users", "/Groups/{id}" (§3.7)."""
    endpoint, _, rest = operation.path.lstrip("/").partition("/")
    matching = [rt for rt in RESOURCE_TYPES if rt.endpoint == f"/{endpoint}"]
    if not matching:
        raise errors.not_found(f"no resource endpoint at path {operation.path!r}")
    resource_id = substitute(rest, resolved) if rest else None
    if (operation.method == "POST") != (resource_id is None):
        wanted = "an endpoint such as /Users" if operation.method == "POST" else "a resource"
        raise errors.invalid_value(f"{operation.method} needs a path naming {wanted}")
    return matching[0], resource_id


# ---------------------------------------------------------------- execution


@dataclass
class _Job:
    """The running state of one bulk request."""

    request: BulkRequest
    resolved: dict[str, str] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    results: dict[int, JsonDict] = field(default_factory=dict)
    deferred: dict[int, str] = field(default_factory=dict)  # op index -> created id
    error_count: int = 0

    @property
    def declared(self) -> set[str]:
        return {
            op.bulk_id
            for op in self.request.operations
            if op.method == "POST" and op.bulk_id and op.error is None
        }

    @property
    def stopped(self) -> bool:
        limit = self.request.fail_on_errors
        return limit is not None and self.error_count >= limit


class BulkProcessor:
    """Runs one bulk request against a :class:`ResourceService`."""

    def __init__(self, service: ResourceService, config: ServerConfig, base_url: str) -> None:
        self.service = service
        self.config = config
        self.base_url = base_url

    def run(self, request: BulkRequest) -> JsonDict:
        """Process the operations (§3.7.3) and build the BulkResponse."""
        job = _Job(request)
        pending = list(request.operations)
        while pending and not job.stopped:
            operation, strip = self._next(job, pending)
            pending.remove(operation)
            self._run_one(job, operation, strip)
            self._complete_deferred(job)
        for index in list(job.deferred):
            self._abandon(job, index, "its references could not be resolved")
        ordered = [job.results[index] for index in sorted(job.results)]
        return {"schemas": [BULK_RESPONSE_URN], "Operations": ordered}

    def _next(self, job: _Job, pending: list[BulkOperation]) -> tuple[BulkOperation, bool]:
        """The first operation that can run; in a cycle, the first POST, run stripped."""
        declared = job.declared
        for operation in pending:
            waiting = operation.references - set(job.resolved)
            if operation.error or not waiting or waiting - declared or waiting & job.failed:
                return operation, False
        for operation in pending:
            if operation.method == "POST":
                return operation, True
        return pending[0], False

    def _run_one(self, job: _Job, operation: BulkOperation, strip: bool) -> None:
        entry: JsonDict = {"method": operation.method}
        if operation.bulk_id is not None:
            entry["bulkId"] = operation.bulk_id
        try:
            self._check_references(job, operation)
            resource_type, resource_id = target(operation, job.resolved)
            data = (strip_unresolved if strip else substitute)(operation.data, job.resolved)
            entry.update(self._perform(operation, resource_type, resource_id, data))
        except ScimError as error:
            self._fail(job, operation, entry, error)
            return
        except Exception:  # a bug: report it on this operation, keep the job going
            LOG.exception("unexpected error in bulk operation %d", operation.index)
            self._fail(job, operation, entry, ScimError(500, None, "Internal server error."))
            return
        if operation.method == "POST" and operation.bulk_id is not None:
            job.resolved[operation.bulk_id] = entry["location"].rsplit("/", 1)[-1]
            if strip:
                job.deferred[operation.index] = job.resolved[operation.bulk_id]
        job.results[operation.index] = entry

    def _check_references(self, job: _Job, operation: BulkOperation) -> None:
        if operation.error is not None:
            raise operation.error
        undeclared = sorted(operation.references - job.declared)
        if undeclared:
            raise errors.invalid_value(
                f"bulkId {undeclared[0]!r} is not declared by any POST in this request"
            )
        failed = sorted(operation.references & job.failed)
        if failed:
            raise ScimError(
                409, None, f"bulkId {failed[0]!r} cannot be resolved: its operation failed"
            )

    def _perform(
        self,
        operation: BulkOperation,
        resource_type: ResourceType,
        resource_id: str | None,
        data: Any,
    ) -> JsonDict:
        """One operation through the service, as its own transaction."""
        base = self.base_url
        service = self.service
        if operation.method == "DELETE":
            assert resource_id is not None
            service.delete(resource_type, resource_id, operation.version)
            return {"location": f"{base}{resource_type.endpoint}/{resource_id}", "status": "204"}
        actions: dict[str, Callable[[], JsonDict]] = {
            "POST": lambda: service.create(resource_type, data, base),
            "PUT": lambda: service.replace(
                resource_type, resource_id or "", data, base, operation.version
            ),
            "PATCH": lambda: service.patch(
                resource_type, resource_id or "", data, base, operation.version
            ),
        }
        resource = actions[operation.method]()
        status = {"POST": 201, "PUT": 200, "PATCH": self.config.patch_status(resource_type.name)}
        meta = resource["meta"]
        return {
            "location": meta["location"],
            "version": meta["version"],
            "status": str(status[operation.method]),
        }

    def _fail(self, job: _Job, operation: BulkOperation, entry: JsonDict, error: ScimError) -> None:
        """§3.7.3: the failed operation reports the status and the §3.12 error body."""
        if operation.method == "POST" and operation.bulk_id is not None:
            job.failed.add(operation.bulk_id)
        if operation.method != "POST" and operation.path.startswith("/"):
            # §3.7: "location" is REQUIRED in a response except after a POST failure.
            entry["location"] = f"{self.base_url}{substitute(operation.path, job.resolved)}"
        entry["status"] = str(error.status)
        entry["response"] = error.to_body()
        job.results[operation.index] = entry
        job.error_count += 1

    def _complete_deferred(self, job: _Job) -> None:
        """Finish a circular POST with a PUT of its full data once its references resolved."""
        for index, resource_id in list(job.deferred.items()):
            operation = job.request.operations[index]
            if not operation.references <= set(job.resolved):
                if operation.references & job.failed:
                    self._abandon(job, index, "a resource it refers to could not be created")
                continue
            del job.deferred[index]
            resource_type, _ = target(operation, job.resolved)
            try:
                resource = self.service.replace(
                    resource_type,
                    resource_id,
                    substitute(operation.data, job.resolved),
                    self.base_url,
                )
            except ScimError as error:
                self._undo(job, index, resource_type, resource_id, error)
                continue
            job.results[index]["version"] = resource["meta"]["version"]

    def _abandon(self, job: _Job, index: int, reason: str) -> None:
        operation = job.request.operations[index]
        resource_type, _ = target(operation, job.resolved)
        error = ScimError(409, None, f"bulkId {operation.bulk_id!r}: {reason}")
        self._undo(job, index, resource_type, job.deferred.pop(index), error)

    def _undo(
        self, job: _Job, index: int, resource_type: ResourceType, resource_id: str, error: ScimError
    ) -> None:
        """A circular POST that cannot be completed is removed again: no half-made resource."""
        job.deferred.pop(index, None)
        operation = job.request.operations[index]
        if operation.bulk_id is not None:
            job.resolved.pop(operation.bulk_id, None)
        with contextlib.suppress(ScimError):
            self.service.delete(resource_type, resource_id)
        entry = {"method": operation.method, "bulkId": operation.bulk_id}
        self._fail(job, operation, entry, error)


def bulk_routes(service: ResourceService, config: ServerConfig) -> list[BaseRoute]:
    """``POST /Bulk``; its body limit is ``maxPayloadSize`` (§3.7.4), whatever ``max_body`` says."""

    @scim_handler
    async def bulk(request: Request) -> Response:
        body = await read_json_object(request, config.bulk_max_payload)
        parsed = parse_bulk_request(body, config)
        processor = BulkProcessor(service, config, base_url(request, config))
        return scim_response(await run_in_threadpool(processor.run, parsed))

    return [Route(f"{config.base_path}/Bulk", bulk, methods=["POST"])]
