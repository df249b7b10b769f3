"""``scim-harness okta serve``: the API under uvicorn, on real sockets, stopped by the test."""

from __future__ import annotations

import argparse
from typing import Any

import httpx
import pytest

from harness.server.config import ServerConfig
from harness.server.live import LiveServer
from harness.server.testing import LiveScimServer, SyncASGITransport
from mock_okta.api import command, create_okta_api
from mock_okta.org import Org

API_TOKEN = "serve-api-token-secret"
SCIM_TOKEN = "serve-scim-token-secret"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scim-harness okta")
    command.add_serve(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_serve_refuses_to_start_without_the_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OKTA_API_TOKEN", raising=False)
    args = parse(["serve"])
    assert (args.host, args.port, args.api_token_env) == ("127.0.0.1", 8010, "OKTA_API_TOKEN")
    assert args.handler(args) == command.EXIT_USAGE
    assert "OKTA_API_TOKEN is not set" in capsys.readouterr().err


def test_serve_prints_the_org_url_but_never_the_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: dict[str, Any] = {}
    monkeypatch.setenv("MY_TOKEN", API_TOKEN)
    monkeypatch.setenv("MY_ACCESS", "access-secret")
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: started.update(app=app, **kw))
    args = parse(
        ["serve", "--port", "9011", "--api-token-env", "MY_TOKEN", "--oauth-token-env", "MY_ACCESS"]
    )
    assert args.handler(args) == command.EXIT_OK
    out = capsys.readouterr()
    assert "http://127.0.0.1:9011" in out.out
    assert API_TOKEN not in out.out + out.err
    assert (started["host"], started["port"]) == ("127.0.0.1", 9011)
    with httpx.Client(transport=SyncASGITransport(started["app"]), base_url="http://x") as client:
        assert client.get("/api/v1/apps").status_code == 401


def test_api_under_uvicorn_provisions_a_live_scim_server() -> None:
    scim = LiveScimServer(ServerConfig(token=SCIM_TOKEN))
    org = Org(command.network_client)
    live = LiveServer(create_okta_api(org, api_token=API_TOKEN))
    live.start()
    try:
        with httpx.Client(
            base_url=live.url, headers={"Authorization": f"SSWS {API_TOKEN}"}, timeout=30
        ) as okta:
            app = okta.post("/api/v1/apps", json={"label": "Live", "signOnMode": "SAML_2_0"})
            app_id = app.json()["id"]
            connected = okta.post(
                f"/api/v1/apps/{app_id}/connections/default?activate=TRUE",
                json={
                    "baseUrl": scim.base_url,
                    "profile": {"authScheme": "TOKEN", "token": SCIM_TOKEN},
                },
            )
            assert connected.status_code == 200, connected.text
            assert connected.json()["status"] == "ENABLED"
            profile = {"firstName": "L", "lastName": "V", "email": "l@e.com", "login": "l@e.com"}
            user = okta.post("/api/v1/users", json={"profile": profile}).json()
            assigned = okta.post(f"/api/v1/apps/{app_id}/users", json={"id": user["id"]})
            assert assigned.json()["syncState"] == "SYNCHRONIZED", assigned.text
            assert okta.get("/api/v1/apps").status_code == 200
            assert httpx.get(f"{live.url}/api/v1/apps").status_code == 401
        listed = scim.client().get("/Users").json()
        assert [u["userName"] for u in listed["Resources"]] == ["l@e.com"]
    finally:
        live.stop()
        org.close()
        scim.close()
