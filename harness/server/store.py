"""The reference server's embedded store: SQLite from the standard library.

Layout (one database, two tables):

``resources``
    one row per User or Group. ``seq`` (the rowid) gives a stable insertion
    order for paging; ``id`` is the SCIM id. The resource itself is JSON in
    ``data`` — *without* ``meta`` (its timestamps and version are columns),
    *without* Group ``members`` and User ``groups`` (both live in
    ``members``) and without ``password`` (only its hash is kept, in
    ``password_hash``: RFC 7643 §4.1.1 says it is never returned). Indexed
    columns hold the *folded* values the hot lookups use: ``user_name``
    (unique), ``external_id`` and ``display_name``, each folded by the
    attribute's ``caseExact`` rule by the caller, so an index probe gives the
    same answer as the filter evaluator. ``display`` is the name shown for the
    resource inside another resource (``members.display``, ``groups.display``).

``members``
    Group membership, stored once: (group, member) pairs with the member's
    type and the ``display`` fixed at write time. ``User.groups`` is derived
    from it (RFC 7643 §4.1.2 makes it readOnly), and foreign keys with
    ``ON DELETE CASCADE`` remove a deleted resource from every group.

Transactions: every write runs under one process-wide lock inside
``BEGIN IMMEDIATE``, so a read-modify-write (PATCH) can never interleave with
another and a failed write leaves nothing behind. A file database runs in WAL
mode and each read runs in its own ``BEGIN`` on a pooled reader connection —
a snapshot, so a list's count and page agree. ``":memory:"`` has one
connection, and the lock serialises readers too.

The methods are blocking; the HTTP layer calls them through a thread pool.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from harness.server.pushdown import prefix_successor

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS resources (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT    NOT NULL UNIQUE,
    type          TEXT    NOT NULL,
    user_name     TEXT,
    external_id   TEXT,
    display_name  TEXT,
    display       TEXT,
    created       TEXT    NOT NULL,
    last_modified TEXT    NOT NULL,
    version       TEXT    NOT NULL,
    password_hash TEXT,
    data          TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_type ON resources (type);
CREATE UNIQUE INDEX IF NOT EXISTS resources_user_name
    ON resources (user_name) WHERE user_name IS NOT NULL;
CREATE INDEX IF NOT EXISTS resources_external_id ON resources (type, external_id);
CREATE INDEX IF NOT EXISTS resources_display_name ON resources (type, display_name);
CREATE TABLE IF NOT EXISTS members (
    group_id    TEXT    NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    member_id   TEXT    NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    member_type TEXT    NOT NULL,
    display     TEXT,
    position    INTEGER NOT NULL,
    PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS members_member ON members (member_id);
"""

#: Columns a caller may look resources up by: the push-down targets and the
#: uniqueness checks. A dict, so no column name from outside reaches SQL text.
INDEXED_COLUMNS: dict[str, str] = {
    "id": "id",
    "user_name": "user_name",
    "external_id": "external_id",
    "display_name": "display_name",
}

#: Keep ``IN (…)`` lists well under SQLite's variable limit.
_CHUNK = 500

_ROW_COLUMNS = "id, type, created, last_modified, version, data"


@dataclass(frozen=True)
class IndexKeys:
    """The lookup values of one resource, already folded per ``caseExact``."""

    user_name: str | None = None
    external_id: str | None = None
    display_name: str | None = None
    display: str | None = None


@dataclass(frozen=True)
class StoredResource:
    """One ``resources`` row: the JSON body plus its meta columns."""

    id: str
    resource_type: str
    data: dict[str, Any]
    created: str
    last_modified: str
    version: str


@dataclass(frozen=True)
class Member:
    """One membership: ``value`` is the member's id, ``type`` "User" or "Group"."""

    value: str
    type: str
    display: str | None = None


@dataclass(frozen=True)
class GroupRef:
    """One entry of a User's derived ``groups`` (RFC 7643 §4.1.2)."""

    value: str
    display: str | None


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _placeholders(count: int) -> str:
    return ",".join("?" * count)


def _row(row: sqlite3.Row | tuple[Any, ...]) -> StoredResource:
    return StoredResource(row[0], row[1], json.loads(row[5]), row[2], row[3], row[4])


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class Reader:
    """Queries inside one transaction (a snapshot)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def get(self, resource_id: str, resource_type: str | None = None) -> StoredResource | None:
        """The resource with this id (of this type, when given)."""
        row = self._db.execute(
            f"SELECT {_ROW_COLUMNS} FROM resources WHERE id = ?", (resource_id,)
        ).fetchone()
        if row is None or (resource_type is not None and row[1] != resource_type):
            return None
        return _row(row)

    def password_hash(self, resource_id: str) -> str | None:
        row = self._db.execute(
            "SELECT password_hash FROM resources WHERE id = ?", (resource_id,)
        ).fetchone()
        return None if row is None else row[0]

    def count(self, resource_type: str) -> int:
        row = self._db.execute(
            "SELECT count(*) FROM resources WHERE type = ?", (resource_type,)
        ).fetchone()
        return int(row[0])

    def page(self, resource_type: str, offset: int, limit: int) -> list[StoredResource]:
        """A slice of all resources of one type, in insertion order."""
        rows = self._db.execute(
            f"SELECT {_ROW_COLUMNS} FROM resources WHERE type = ? ORDER BY seq LIMIT ? OFFSET ?",
            (resource_type, limit, offset),
        )
        return [_row(row) for row in rows]

    def scan(
        self, resource_type: str, probes: Sequence[tuple[str, str, str]] = ()
    ) -> list[StoredResource]:
        """Resources of one type whose indexed columns pass the given probes.

        ``probes`` are (key of :data:`INDEXED_COLUMNS`, ``"="`` or ``"prefix"``,
        folded value) from :func:`harness.server.pushdown.indexed_probes`; none
        means every resource of the type. Insertion order.
        """
        where = ["type = ?"]
        params: list[Any] = [resource_type]
        for key, op, value in probes:
            column = INDEXED_COLUMNS[key]
            if op == "=":
                where.append(f"{column} = ?")
                params.append(value)
            else:
                where.append(f"{column} >= ? AND {column} < ?")
                params += [value, prefix_successor(value)]
        rows = self._db.execute(
            f"SELECT {_ROW_COLUMNS} FROM resources WHERE {' AND '.join(where)} ORDER BY seq",
            params,
        )
        return [_row(row) for row in rows]

    def find_id(
        self, resource_type: str, key: str, value: str, exclude_id: str | None = None
    ) -> str | None:
        """The id of another resource whose indexed ``key`` equals ``value`` (uniqueness)."""
        column = INDEXED_COLUMNS[key]
        row = self._db.execute(
            f"SELECT id FROM resources WHERE type = ? AND {column} = ? AND id IS NOT ? LIMIT 1",
            (resource_type, value, exclude_id),
        ).fetchone()
        return None if row is None else str(row[0])

    def describe(self, ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """id → (type, display) for the ids that exist (member validation)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, tuple[str, str | None]] = {}
        for chunk in _chunks(wanted):
            rows = self._db.execute(
                "SELECT id, type, display FROM resources "
                f"WHERE id IN ({_placeholders(len(chunk))})",
                chunk,
            )
            found.update((row[0], (row[1], row[2])) for row in rows)
        return found

    def members_of(self, group_ids: Sequence[str]) -> dict[str, list[Member]]:
        """group id → its members in the order they were added, one query per 500 groups."""
        result: dict[str, list[Member]] = {group_id: [] for group_id in group_ids}
        for chunk in _chunks(list(result)):
            rows = self._db.execute(
                "SELECT group_id, member_id, member_type, display FROM members "
                f"WHERE group_id IN ({_placeholders(len(chunk))}) ORDER BY group_id, position",
                chunk,
            )
            for group_id, member_id, member_type, display in rows:
                result[group_id].append(Member(member_id, member_type, display))
        return result

    def groups_of(self, member_ids: Sequence[str]) -> dict[str, list[GroupRef]]:
        """member id → the groups that list it directly, in group creation order."""
        result: dict[str, list[GroupRef]] = {member_id: [] for member_id in member_ids}
        for chunk in _chunks(list(result)):
            rows = self._db.execute(
                "SELECT m.member_id, g.id, g.display FROM members m "
                "JOIN resources g ON g.id = m.group_id "
                f"WHERE m.member_id IN ({_placeholders(len(chunk))}) ORDER BY g.seq",
                chunk,
            )
            for member_id, group_id, display in rows:
                result[member_id].append(GroupRef(group_id, display))
        return result


class Writer(Reader):
    """Reads and writes inside one ``BEGIN IMMEDIATE`` transaction."""

    def insert(
        self, row: StoredResource, keys: IndexKeys, password_hash: str | None = None
    ) -> None:
        self._db.execute(
            "INSERT INTO resources (id, type, user_name, external_id, display_name, display, "
            "created, last_modified, version, password_hash, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.id,
                row.resource_type,
                keys.user_name,
                keys.external_id,
                keys.display_name,
                keys.display,
                row.created,
                row.last_modified,
                row.version,
                password_hash,
                _dump(row.data),
            ),
        )

    def update(self, row: StoredResource, keys: IndexKeys, password_hash: str | None) -> None:
        self._db.execute(
            "UPDATE resources SET user_name = ?, external_id = ?, display_name = ?, display = ?, "
            "last_modified = ?, version = ?, password_hash = ?, data = ? WHERE id = ?",
            (
                keys.user_name,
                keys.external_id,
                keys.display_name,
                keys.display,
                row.last_modified,
                row.version,
                password_hash,
                _dump(row.data),
                row.id,
            ),
        )

    def touch(self, resource_id: str, last_modified: str, version: str) -> None:
        """New meta for a resource whose derived content changed (a member was deleted)."""
        self._db.execute(
            "UPDATE resources SET last_modified = ?, version = ? WHERE id = ?",
            (last_modified, version, resource_id),
        )

    def delete(self, resource_id: str) -> None:
        """Delete the row; the foreign keys drop its memberships on both sides."""
        self._db.execute("DELETE FROM resources WHERE id = ?", (resource_id,))

    def groups_listing(self, member_id: str) -> list[str]:
        """Ids of the groups that list ``member_id`` directly."""
        rows = self._db.execute("SELECT group_id FROM members WHERE member_id = ?", (member_id,))
        return [row[0] for row in rows]

    def set_members(self, group_id: str, members: Sequence[Member]) -> None:
        """Make the group's membership exactly ``members`` by changing only the difference.

        Entra and Okta add members one PATCH at a time; rewriting a group of
        thousands on each would make every add cost the whole group.
        """
        current: dict[str, tuple[int, str | None]] = {
            member_id: (position, display)
            for member_id, position, display in self._db.execute(
                "SELECT member_id, position, display FROM members WHERE group_id = ?", (group_id,)
            )
        }
        wanted = {member.value: member for member in members}
        removed = [member_id for member_id in current if member_id not in wanted]
        for chunk in _chunks(removed):
            self._db.execute(
                f"DELETE FROM members WHERE group_id = ? AND member_id IN "
                f"({_placeholders(len(chunk))})",
                (group_id, *chunk),
            )
        self._db.executemany(
            "UPDATE members SET display = ? WHERE group_id = ? AND member_id = ?",
            [
                (member.display, group_id, member.value)
                for member in members
                if member.value in current and current[member.value][1] != member.display
            ],
        )
        start = max((position for position, _ in current.values()), default=0) + 1
        added = [member for member in members if member.value not in current]
        self._db.executemany(
            "INSERT INTO members (group_id, member_id, member_type, display, position) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (group_id, member.value, member.type, member.display, position)
                for position, member in zip(itertools.count(start), added, strict=False)
            ],
        )


class Store:
    """A SQLite database holding Users, Groups and memberships.

    ``path`` is a file name or ``":memory:"``. The store owns its
    connections; :meth:`close` releases them.
    """

    def __init__(self, path: str = ":memory:", *, pushdown: bool = True) -> None:
        self.path = path
        #: Use the indexed columns to narrow filtered lists (off only in the
        #: test that proves push-down and full evaluation agree).
        self.pushdown = pushdown
        self._memory = path == ":memory:"
        self._write_lock = threading.RLock()
        self._pool_lock = threading.Lock()
        self._readers: list[sqlite3.Connection] = []
        self._all: list[sqlite3.Connection] = []
        self._writer = self._connect()
        if not self._memory:
            self._writer.execute("PRAGMA journal_mode = WAL")
        self._writer.executescript(SCHEMA_SQL)
        self._closed = False

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30
        )
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA synchronous = NORMAL")
        with self._pool_lock:
            self._all.append(connection)
        return connection

    @contextmanager
    def write(self) -> Iterator[Writer]:
        """One write transaction: committed when the block ends, rolled back on any error."""
        with self._write_lock:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield Writer(self._writer)
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            self._writer.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Reader]:
        """One read transaction: every query inside sees the same snapshot."""
        if self._memory:
            with self._write_lock:
                self._writer.execute("BEGIN")
                try:
                    yield Reader(self._writer)
                finally:
                    self._writer.execute("COMMIT")
            return
        connection = self._checkout()
        try:
            connection.execute("BEGIN")
            try:
                yield Reader(connection)
            finally:
                connection.execute("COMMIT")
        finally:
            with self._pool_lock:
                self._readers.append(connection)

    def _checkout(self) -> sqlite3.Connection:
        with self._pool_lock:
            if self._readers:
                return self._readers.pop()
        return self._connect()

    def close(self) -> None:
        """Close every connection this store opened."""
        with self._write_lock, self._pool_lock:
            if self._closed:
                return
            self._closed = True
            for connection in self._all:
                connection.close()
            self._all.clear()
            self._readers.clear()
