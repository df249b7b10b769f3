"""The SQLite store: transactions, membership table, indexes used by the hot lookups."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.server.store import (
    INDEXED_COLUMNS,
    IndexKeys,
    Member,
    Store,
    StoredResource,
)

NOW = "2024-01-01T00:00:00.000Z"


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    path = ":memory:" if request.param == "memory" else str(tmp_path / "scim.db")
    store = Store(path)
    yield store
    store.close()


def row(resource_id: str, resource_type: str = "User", **data: object) -> StoredResource:
    return StoredResource(resource_id, resource_type, {"id": resource_id, **data}, NOW, NOW, "v1")


def add_user(store: Store, resource_id: str, user_name: str) -> None:
    with store.write() as writer:
        writer.insert(
            row(resource_id, userName=user_name),
            IndexKeys(user_name=user_name.casefold(), display=user_name),
        )


def add_group(store: Store, resource_id: str, name: str) -> None:
    with store.write() as writer:
        writer.insert(
            row(resource_id, "Group", displayName=name),
            IndexKeys(display_name=name.casefold(), display=name),
        )


def test_insert_then_get_round_trips_the_json(store: Store) -> None:
    """Non-ASCII values survive the JSON column (RFC 7644 §3.8 UTF-8); types do not mix."""
    add_user(store, "u1", "Jürgen")
    with store.read() as reader:
        found = reader.get("u1", "User")
        assert found is not None
        assert found.data == {"id": "u1", "userName": "Jürgen"}
        assert reader.get("u1", "Group") is None
        assert reader.get("nope") is None


def test_a_failed_write_leaves_nothing_behind(store: Store) -> None:
    """RFC 7644 §3.5.2 (atomic PATCH) needs all-or-nothing writes."""
    with pytest.raises(RuntimeError), store.write() as writer:
        writer.insert(row("u1", userName="a"), IndexKeys(user_name="a"))
        raise RuntimeError("validation failed after the insert")
    with store.read() as reader:
        assert reader.get("u1") is None
        assert reader.count("User") == 0


def test_the_user_name_index_is_unique(store: Store) -> None:
    """RFC 7643 §4.1.1: userName is unique; the index backs the service's check."""
    add_user(store, "u1", "bjensen")
    with pytest.raises(sqlite3.IntegrityError):
        add_user(store, "u2", "BJENSEN")


def test_scan_with_equalities_and_find_id(store: Store) -> None:
    """Equalities on indexed columns narrow scans; find_id serves the uniqueness checks."""
    add_user(store, "u1", "alice")
    add_user(store, "u2", "bob")
    with store.read() as reader:
        assert [r.id for r in reader.scan("User")] == ["u1", "u2"]
        assert [r.id for r in reader.scan("User", [("user_name", "=", "bob")])] == ["u2"]
        assert reader.scan("User", [("user_name", "=", "bob"), ("id", "=", "u1")]) == []
        assert [r.id for r in reader.scan("User", [("user_name", "prefix", "b")])] == ["u2"]
        assert [r.id for r in reader.scan("User", [("user_name", "prefix", "bo")])] == ["u2"]
        assert reader.scan("User", [("user_name", "prefix", "bob2")]) == []
        assert reader.find_id("User", "user_name", "alice") == "u1"
        assert reader.find_id("User", "user_name", "alice", exclude_id="u1") is None
        assert [r.id for r in reader.page("User", 1, 5)] == ["u2"]


def test_set_members_changes_only_the_difference(store: Store) -> None:
    """Membership is stored once; a PATCH adding one member must not rewrite the rest."""
    for n in range(4):
        add_user(store, f"u{n}", f"user{n}")
    add_group(store, "g1", "Team")
    with store.write() as writer:
        writer.set_members("g1", [Member("u0", "User", "zero"), Member("u1", "User", None)])
    with store.write() as writer:
        writer.set_members(
            "g1",
            [Member("u1", "User", "one"), Member("u2", "User", None), Member("u3", "User", None)],
        )
    with store.read() as reader:
        members = reader.members_of(["g1"])["g1"]
        groups = reader.groups_of(["u0", "u1", "u3"])
    assert members == [
        Member("u1", "User", "one"),
        Member("u2", "User", None),
        Member("u3", "User", None),
    ]
    assert groups["u0"] == []
    assert [g.value for g in groups["u1"]] == ["g1"]
    assert groups["u3"][0].display == "Team"


def test_deleting_a_resource_removes_its_memberships(store: Store) -> None:
    """RFC 7643 §4.2: a deleted user is no longer a member of any group."""
    add_user(store, "u1", "a")
    add_user(store, "u2", "b")
    add_group(store, "g1", "G1")
    add_group(store, "g2", "G2")
    with store.write() as writer:
        writer.set_members("g1", [Member("u1", "User"), Member("u2", "User")])
        writer.set_members("g2", [Member("u1", "User"), Member("g1", "Group")])
        assert sorted(writer.groups_listing("u1")) == ["g1", "g2"]
        writer.delete("u1")
        writer.delete("g1")
    with store.read() as reader:
        assert reader.members_of(["g2"]) == {"g2": []}
        assert reader.describe(["u1", "u2", "g1"]) == {"u2": ("User", "b")}


def test_a_read_is_one_snapshot(tmp_path: Path) -> None:
    """RFC 7644 §3.4.2.4: totalResults and the page come from the same state (WAL snapshot)."""
    store = Store(str(tmp_path / "snap.db"))
    try:
        add_user(store, "u1", "a")
        with store.read() as reader:
            assert reader.count("User") == 1
            writer_thread = threading.Thread(target=add_user, args=(store, "u2", "b"))
            writer_thread.start()
            writer_thread.join()
            assert reader.count("User") == 1
            assert [r.id for r in reader.page("User", 0, 10)] == ["u1"]
        with store.read() as reader:
            assert reader.count("User") == 2
    finally:
        store.close()


def test_file_databases_use_wal(tmp_path: Path) -> None:
    """WAL lets readers keep a snapshot while a writer commits (no read blocks on a write)."""
    store = Store(str(tmp_path / "wal.db"))
    try:
        with store.read() as reader:
            mode = reader._db.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
    finally:
        store.close()


@pytest.mark.parametrize("key", sorted(INDEXED_COLUMNS))
def test_pushed_down_lookups_use_an_index(key: str) -> None:
    """The 100k-user benchmark needs index probes, never a full scan, for ``attr eq``."""
    store = Store()
    try:
        with store.read() as reader:
            plan = reader._db.execute(
                f"EXPLAIN QUERY PLAN SELECT id FROM resources WHERE type = ? "
                f"AND {INDEXED_COLUMNS[key]} = ? ORDER BY seq",
                ("User", "x"),
            ).fetchall()
        details = " ".join(str(step[-1]) for step in plan)
        assert "USING INDEX" in details or "USING COVERING INDEX" in details, details
        assert "SCAN resources" not in details.replace("USING INDEX", ""), details
    finally:
        store.close()


def test_member_lookups_use_the_primary_key_and_member_index() -> None:
    """Loading a page of groups' members is one indexed query, not a scan (no N+1)."""
    store = Store()
    try:
        with store.read() as reader:
            by_group = reader._db.execute(
                "EXPLAIN QUERY PLAN SELECT member_id FROM members WHERE group_id IN (?, ?)",
                ("a", "b"),
            ).fetchall()
            by_member = reader._db.execute(
                "EXPLAIN QUERY PLAN SELECT group_id FROM members WHERE member_id = ?", ("a",)
            ).fetchall()
        assert "PRIMARY KEY" in str(by_group) or "INDEX" in str(by_group)
        assert "members_member" in str(by_member)
    finally:
        store.close()


def test_close_is_idempotent() -> None:
    """Both the fixture and the app lifespan may close a store."""
    store = Store()
    store.close()
    store.close()
