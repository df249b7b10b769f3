"""Resource operations of the reference server, between HTTP and the store.

Each public method is one SCIM operation (RFC 7644 §3.3–§3.6) and, when it
writes, one store transaction: load, apply the semantics core's rule on a
copy, validate, check uniqueness and members, then commit — or raise a
:class:`ScimError` and leave nothing behind (RFC 7644 §3.5.2 "atomic").
The rules themselves (normalising, PUT carry-over, PATCH, filters, sorting,
projection, versions) are the semantics core's; this module decides what
to load and what to store. Methods block; the routes call them in a thread
pool, and ``/Bulk`` calls them in sequence.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from harness.scim import errors
from harness.scim.expr import Filter
from harness.scim.filters import compile_filter, matches
from harness.scim.listing import ListQuery, page, sort_resources, validate_sort_by
from harness.scim.patch import apply_patch, parse_patch_request
from harness.scim.resources import (
    now_timestamp,
    prepare_create,
    prepare_replace,
    project,
    validate_resource,
)
from harness.scim.schema import GROUP, RESOURCE_TYPES, ResourceType, resource_type_named
from harness.server.config import ServerConfig
from harness.server.etag import check_if_match
from harness.server.membership import (
    Loading,
    attach,
    loading_for,
    loading_for_query,
    resolve_members,
    same_members,
)
from harness.server.pushdown import indexed_probes
from harness.server.records import (
    check_unique,
    hash_password,
    index_keys,
    stored_data,
    stored_version,
    with_meta,
)
from harness.server.store import Member, Reader, Store, StoredResource, Writer

JsonDict = dict[str, Any]


class ResourceService:
    """SCIM operations on Users and Groups over one :class:`Store`."""

    def __init__(self, store: Store, config: ServerConfig) -> None:
        self.store = store
        self.config = config

    # ------------------------------------------------------------------ reads

    def get(
        self, resource_type: ResourceType, resource_id: str, base_url: str, loading: Loading
    ) -> JsonDict:
        """RFC 7644 §3.4.1: the resource, or 404."""
        with self.store.read() as reader:
            row = _require(reader, resource_type, resource_id)
            return self._assemble(reader, [row], resource_type, base_url, loading)[0]

    def version(self, resource_type: ResourceType, resource_id: str) -> str:
        """The current ``meta.version`` (for ``If-None-Match`` before loading anything)."""
        with self.store.read() as reader:
            return _require(reader, resource_type, resource_id).version

    def search(
        self, resource_type: ResourceType, query: ListQuery, base_url: str
    ) -> tuple[list[JsonDict], int]:
        """RFC 7644 §3.4.2: one page of matches and the total, from one snapshot."""
        expr = (
            compile_filter(query.filter, resource_type, self.config.compat)
            if query.filter
            else None
        )
        if query.sort_by:
            validate_sort_by(query.sort_by, resource_type)
        wanted = loading_for(resource_type, query.attributes, query.excluded)
        with self.store.read() as reader:
            if expr is None and not query.sort_by:
                return self._plain_page(reader, resource_type, query, base_url, wanted)
            candidates, loaded = self._matching(reader, resource_type, expr, query, base_url)
            if query.sort_by:
                candidates = sort_resources(
                    candidates, query.sort_by, query.descending, resource_type
                )
            selected = page(candidates, query.start_index, query.count)
            attach(reader, selected, base_url, wanted, loaded)
            return selected, len(candidates)

    def search_root(self, query: ListQuery, base_url: str) -> tuple[list[JsonDict], int]:
        """RFC 7644 §3.4.2.1/§3.4.3: a query at the root spans every resource type.

        The filter is compiled per type; a type for which it names an unknown
        attribute contributes nothing, and only a filter valid for no type is
        400. ``sortBy`` is resolved against the first type that has the
        attribute; resources of other types without it sort last (§3.4.2.3).
        Returns projected resources, each by its own type.
        """
        compiled = _per_type(
            lambda rt: (
                compile_filter(query.filter, rt, self.config.compat) if query.filter else None
            )
        )
        sort_by = query.sort_by
        sort_type = (
            next(iter(_per_type(lambda rt: validate_sort_by(sort_by, rt)))) if sort_by else None
        )
        with self.store.read() as reader:
            everything: list[JsonDict] = []
            loaded: dict[str, Loading] = {}
            for resource_type, expr in compiled.items():
                found, loaded[resource_type.name] = self._matching(
                    reader, resource_type, expr, query, base_url
                )
                everything.extend(found)
            if sort_by and sort_type is not None:
                everything = sort_resources(everything, sort_by, query.descending, sort_type)
            selected = page(everything, query.start_index, query.count)
            for resource_type in compiled:
                mine = [r for r in selected if r["meta"]["resourceType"] == resource_type.name]
                wanted = loading_for(resource_type, query.attributes, query.excluded)
                attach(reader, mine, base_url, wanted, loaded[resource_type.name])
        projected = [project(r, _type_of(r), query.attributes, query.excluded) for r in selected]
        return projected, len(everything)

    def _matching(
        self,
        reader: Reader,
        resource_type: ResourceType,
        expr: Filter | None,
        query: ListQuery,
        base_url: str,
    ) -> tuple[list[JsonDict], Loading]:
        """Every resource of the type that matches, in insertion order, and what was loaded.

        Indexed equalities narrow the candidates in SQL; the whole filter is
        then evaluated on each candidate, so the answer never depends on the
        push-down.
        """
        probes = indexed_probes(expr, resource_type) if expr is not None else []
        rows = reader.scan(resource_type.name, probes if self.store.pushdown else ())
        needed = loading_for_query(resource_type, query.filter, query.sort_by)
        candidates = self._assemble(reader, rows, resource_type, base_url, needed)
        if expr is not None:
            candidates = [r for r in candidates if matches(expr, r, resource_type)]
        return candidates, needed

    def _plain_page(
        self,
        reader: Reader,
        resource_type: ResourceType,
        query: ListQuery,
        base_url: str,
        loading: Loading,
    ) -> tuple[list[JsonDict], int]:
        """No filter and no sort: count and slice in SQL (Okta's import walks pages of 100)."""
        total = reader.count(resource_type.name)
        limit = -1 if query.count is None else query.count
        rows = [] if limit == 0 else reader.page(resource_type.name, query.start_index - 1, limit)
        return self._assemble(reader, rows, resource_type, base_url, loading), total

    # ----------------------------------------------------------------- writes

    def create(self, resource_type: ResourceType, body: Any, base_url: str) -> JsonDict:
        """RFC 7644 §3.3: validate, assign ``id`` and ``meta``, store."""
        resource = prepare_create(body, resource_type, self.config.compat)
        password = resource.get("password")
        password_hash = None if password is None else hash_password(password)
        resource_id = str(uuid.uuid4())
        data = stored_data(resource, resource_id)
        with self.store.write() as writer:
            members = self._members(writer, resource_type, resource_id, resource)
            keys = index_keys(resource_type, data)
            check_unique(writer, resource_type, keys, None, self.config)
            now = now_timestamp()
            version = stored_version(data, members, password_hash)
            row = StoredResource(resource_id, resource_type.name, data, now, now, version)
            try:
                writer.insert(row, keys, password_hash)
            except sqlite3.IntegrityError:  # the unique index backs check_unique
                raise errors.uniqueness("userName is already in use") from None
            if resource_type is GROUP:
                writer.set_members(resource_id, members)
            return self._assemble(writer, [row], resource_type, base_url, Loading.all())[0]

    def replace(
        self,
        resource_type: ResourceType,
        resource_id: str,
        body: Any,
        base_url: str,
        if_match: str | None = None,
    ) -> JsonDict:
        """RFC 7644 §3.5.1: replace, keeping readOnly values and enforcing immutable ones."""
        with self.store.write() as writer:
            row, existing = self._current(writer, resource_type, resource_id, base_url, if_match)
            replacement = prepare_replace(existing, body, resource_type, self.config.compat)
            return self._save(writer, resource_type, row, replacement, base_url)

    def patch(
        self,
        resource_type: ResourceType,
        resource_id: str,
        body: Any,
        base_url: str,
        if_match: str | None = None,
    ) -> JsonDict:
        """RFC 7644 §3.5.2: all operations or none; no change → no new version (§3.5.2.1)."""
        operations = parse_patch_request(body, self.config.compat)
        with self.store.write() as writer:
            row, current = self._current(writer, resource_type, resource_id, base_url, if_match)
            patched, changed = apply_patch(current, operations, resource_type, self.config.compat)
            if not changed:
                return self._assemble(writer, [row], resource_type, base_url, Loading.all())[0]
            validate_resource(patched, resource_type)
            return self._save(writer, resource_type, row, patched, base_url)

    def _current(
        self,
        writer: Writer,
        resource_type: ResourceType,
        resource_id: str,
        base_url: str,
        if_match: str | None,
    ) -> tuple[StoredResource, JsonDict]:
        """The stored row and its full resource, once ``If-Match`` holds (RFC 7644 §3.14)."""
        row = _require(writer, resource_type, resource_id)
        check_if_match(if_match, row.version)
        return row, self._assemble(writer, [row], resource_type, base_url, Loading(True))[0]

    def delete(
        self, resource_type: ResourceType, resource_id: str, if_match: str | None = None
    ) -> None:
        """RFC 7644 §3.6; the groups that listed the resource get a new version."""
        with self.store.write() as writer:
            row = _require(writer, resource_type, resource_id)
            check_if_match(if_match, row.version)
            affected = writer.groups_listing(resource_id)
            writer.delete(resource_id)
            now = now_timestamp()
            for group_id, members in writer.members_of(affected).items():
                group = writer.get(group_id)
                if group is not None:
                    writer.touch(group_id, now, stored_version(group.data, members, None))

    def _save(
        self,
        writer: Writer,
        resource_type: ResourceType,
        row: StoredResource,
        resource: JsonDict,
        base_url: str,
    ) -> JsonDict:
        """Store ``resource`` as the new state of ``row``, unless it equals the stored one."""
        data = stored_data(resource, row.id)
        password = resource.get("password")
        members = self._members(writer, resource_type, row.id, resource)
        old_members = writer.members_of([row.id])[row.id] if resource_type is GROUP else []
        if data == row.data and same_members(members, old_members) and password is None:
            return self._assemble(writer, [row], resource_type, base_url, Loading.all())[0]
        keys = index_keys(resource_type, data)
        check_unique(writer, resource_type, keys, row.id, self.config)
        password_hash = (
            writer.password_hash(row.id) if password is None else hash_password(password)
        )
        version = stored_version(data, members, password_hash)
        updated = StoredResource(
            row.id, row.resource_type, data, row.created, now_timestamp(), version
        )
        writer.update(updated, keys, password_hash)
        if resource_type is GROUP:
            writer.set_members(row.id, members)
        return self._assemble(writer, [updated], resource_type, base_url, Loading.all())[0]

    # ---------------------------------------------------------------- helpers

    def _members(
        self, reader: Reader, resource_type: ResourceType, resource_id: str, resource: JsonDict
    ) -> list[Member]:
        if resource_type is not GROUP:
            return []
        return resolve_members(
            reader, resource_id, resource.get("members"), nested_groups=self.config.nested_groups
        )

    @staticmethod
    def _assemble(
        reader: Reader,
        rows: Sequence[StoredResource],
        resource_type: ResourceType,
        base_url: str,
        loading: Loading,
    ) -> list[JsonDict]:
        """Stored rows → internal resources with ``meta`` and the derived attributes asked for."""
        resources = [with_meta(row, resource_type, base_url) for row in rows]
        attach(reader, resources, base_url, loading)
        return resources


def _require(reader: Reader, resource_type: ResourceType, resource_id: str) -> StoredResource:
    row = reader.get(resource_id, resource_type.name)
    if row is None:
        raise errors.not_found(f"{resource_type.name} {resource_id!r} not found")
    return row


def _per_type(step: Callable[[ResourceType], Any]) -> dict[ResourceType, Any]:
    """``step`` for each resource type where it succeeds; the first error if none does."""
    results: dict[ResourceType, Any] = {}
    first_error: errors.ScimError | None = None
    for resource_type in RESOURCE_TYPES:
        try:
            results[resource_type] = step(resource_type)
        except errors.ScimError as error:
            first_error = first_error or error
    if not results and first_error is not None:
        raise first_error
    return results


def _type_of(resource: JsonDict) -> ResourceType:
    return resource_type_named(resource["meta"]["resourceType"])
