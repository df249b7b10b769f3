"""Concurrent writes lose nothing; the server on a real socket; the base path; the CLI."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.cli import main
from harness.scim.schema import GROUP_URN, PATCH_OP_URN, USER_URN
from harness.server.config import ServerConfig
from harness.server.testing import InProcessScimServer, LiveScimServer, ScimServer
from tests.server.helpers import assert_error, snapshot

PARALLEL = 20


async def add_members_concurrently(server: ScimServer) -> dict[str, Any]:
    """20 PATCHes, each adding a different member to one group, all in flight at once."""
    async with server.async_client() as client:
        users = await asyncio.gather(
            *(
                client.post("/Users", json={"schemas": [USER_URN], "userName": f"u{n}"})
                for n in range(PARALLEL)
            )
        )
        group = await client.post("/Groups", json={"schemas": [GROUP_URN], "displayName": "All"})
        group_id = group.json()["id"]
        responses = await asyncio.gather(
            *(
                client.patch(
                    f"/Groups/{group_id}",
                    json={
                        "schemas": [PATCH_OP_URN],
                        "Operations": [
                            {"op": "add", "path": "members", "value": [{"value": u.json()["id"]}]}
                        ],
                    },
                )
                for u in users
            )
        )
        assert [r.status_code for r in responses] == [200] * PARALLEL
        final: dict[str, Any] = (await client.get(f"/Groups/{group_id}")).json()
        final["expected"] = sorted(u.json()["id"] for u in users)
        return final


@pytest.mark.parametrize("database", ["memory", "file"])
def test_concurrent_patches_lose_no_member(database: str, tmp_path: Path) -> None:
    """RFC 7644 §3.5.2: each PATCH is applied to the current state — read, modify and write
    happen in one transaction under the write lock, so no update is lost."""
    path = ":memory:" if database == "memory" else str(tmp_path / "scim.db")
    server = InProcessScimServer(ServerConfig(token="t", database=path))
    try:
        final = asyncio.run(add_members_concurrently(server))
    finally:
        server.close()
    assert sorted(m["value"] for m in final["members"]) == final["expected"]


def test_concurrent_patches_over_a_real_socket(tmp_path: Path) -> None:
    """The same, through uvicorn and a WAL file database (pooled reader connections)."""
    server = LiveScimServer(ServerConfig(token="t", database=str(tmp_path / "live.db")))
    try:
        final = asyncio.run(add_members_concurrently(server))
    finally:
        server.close()
    assert sorted(m["value"] for m in final["members"]) == final["expected"]


def test_live_server_round_trip(live_scim_server: LiveScimServer) -> None:
    """One request cycle through a real uvicorn on 127.0.0.1 (the ``live_scim_server``
    fixture): create, read back with ETag, 401 without the token, 413 on a huge body."""
    client = live_scim_server.client()
    assert live_scim_server.base_url.startswith("http://127.0.0.1:")
    created = client.post("/Users", json={"schemas": [USER_URN], "userName": "bjensen"})
    assert created.status_code == 201
    location = created.headers["location"]
    assert location.startswith(live_scim_server.base_url + "/Users/")
    fetched = client.get(location)
    assert fetched.json()["userName"] == "bjensen"
    assert fetched.headers["etag"] == created.headers["etag"]
    assert_error(httpx.get(live_scim_server.base_url + "/Users"), 401)
    huge = b'{"userName":"' + b"x" * 2_000_000 + b'"}'
    before = snapshot(client)
    response = client.post("/Users", content=huge, headers={"Content-Type": "application/json"})
    assert_error(response, 413)
    assert snapshot(client) == before


def test_live_server_stops(scim_server_config: ServerConfig) -> None:
    """A test stops what it starts: after close() the port refuses connections."""
    server = LiveScimServer(scim_server_config)
    url = server.base_url
    server.close()
    with pytest.raises(httpx.TransportError):
        httpx.get(url + "/Users", timeout=2)


@pytest.mark.parametrize("base_path", ["/scim/v2", "scim/v2/"])
def test_base_path_prefix(base_path: str) -> None:
    """Endpoints mount under a configurable prefix; locations include it (RFC 7644 §3.1)."""
    server = InProcessScimServer(ServerConfig(base_path=base_path))
    try:
        client = server.client()
        assert server.base_url == "http://testserver/scim/v2"
        created = client.post("/Users", json={"schemas": [USER_URN], "userName": "a"})
        assert created.status_code == 201
        assert created.headers["location"].startswith("http://testserver/scim/v2/Users/")
        spc = client.get("/ServiceProviderConfig").json()
        assert spc["meta"]["location"] == "http://testserver/scim/v2/ServiceProviderConfig"
        root = server.client(base_url="http://testserver")
        assert_error(root.get("/Users"), 404)
        assert client.get("/scim/v2/Users?aadOptscim062020").status_code == 404  # doubled prefix
        assert client.get("?aadOptscim062020").json()["totalResults"] == 1  # the root query
    finally:
        server.close()


def test_public_base_url_overrides_the_request_host() -> None:
    """Behind a proxy, ``meta.location`` uses the configured public URL."""
    config = ServerConfig(base_path="/scim/v2", public_base_url="https://scim.example.com/scim/v2/")
    server = InProcessScimServer(config)
    try:
        created = server.client().post("/Users", json={"schemas": [USER_URN], "userName": "a"})
        assert created.json()["meta"]["location"].startswith("https://scim.example.com/scim/v2/")
    finally:
        server.close()


# --------------------------------------------------------------------- CLI


def test_cli_without_a_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI-gate habit: no sub-command is a usage error (exit 2) with help on stderr."""
    assert main([]) == 2
    assert "serve" in capsys.readouterr().err


def test_serve_refuses_to_run_without_a_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No token and no --no-auth: exit 2 with a message naming the variable (no server)."""
    monkeypatch.delenv("SCIM_TEST_TOKEN_UNSET", raising=False)
    assert main(["serve", "--token-env", "SCIM_TEST_TOKEN_UNSET"]) == 2
    assert "SCIM_TEST_TOKEN_UNSET" in capsys.readouterr().err


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_runs_uvicorn_and_never_prints_the_token(tmp_path: Path) -> None:
    """``scim-harness serve`` (as ``python -m harness.cli``) prints its base URL, serves with
    the token from the named variable, and the token appears in no output."""
    port = free_port()
    token = "cli-secret-token-value"
    env = {**os.environ, "MY_SCIM_TOKEN": token}
    command = [sys.executable, "-m", "harness.cli", "serve", "--port", str(port),
               "--db", str(tmp_path / "cli.db"), "--token-env", "MY_SCIM_TOKEN",
               "--base-path", "/scim/v2"]  # fmt: skip
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}/scim/v2"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(
                    f"{base}/ServiceProviderConfig",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=1,
                )
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert response.status_code == 200
        assert httpx.get(f"{base}/Users").status_code == 401
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert base in out
    assert token not in out + err
