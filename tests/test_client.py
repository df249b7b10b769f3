"""ScimClient: the same code in-process and over a socket, redaction, and a broken target.

A harness run must report a broken target and go on: every failure mode
below has to come back as a response with ``error`` set, never as an
exception, and the token must appear in no recorded output.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shlex
import socket
import threading
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from harness.client import FAKE_CREDENTIAL, REDACTED, Exchange, Redactor, ScimClient
from harness.scim.schema import USER_URN
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.live import LiveServer

TOKEN = "s3cr3t-token-value"


@pytest.fixture
def client() -> Iterator[ScimClient]:
    with ScimClient.in_process(create_app(ServerConfig(token=TOKEN)), TOKEN) as scim:
        yield scim


def everything_recorded(scim: ScimClient) -> str:
    return json.dumps([exchange.to_json() for exchange in scim.exchanges]) + "".join(
        exchange.curl() for exchange in scim.exchanges
    )


def test_in_process_create_and_get_are_recorded(client: ScimClient) -> None:
    created = client.post("/Users", {"schemas": [USER_URN], "userName": "bjensen"})
    assert created.status == 201 and created.ok
    fetched = client.get(f"/Users/{created.body['id']}")
    assert fetched.body["userName"] == "bjensen"
    assert [e.status for e in client.exchanges] == [201, 200]
    assert client.exchanges[0].request_headers["content-type"] == "application/scim+json"


def test_token_is_redacted_everywhere_and_curl_reads_it_from_the_environment(
    client: ScimClient,
) -> None:
    # The token also travels inside a body and a query string: still redacted.
    client.post("/Users", {"schemas": [USER_URN], "userName": TOKEN})
    client.get("/Users", params={"filter": f'userName eq "{TOKEN}"'})
    recorded = everything_recorded(client)
    assert TOKEN not in recorded
    assert REDACTED in recorded
    assert '"Authorization: Bearer $SCIM_TOKEN"' in client.exchanges[0].curl()


def test_a_deliberately_fake_credential_is_kept_so_the_replay_reproduces_it(
    client: ScimClient,
) -> None:
    fake = f"Bearer {FAKE_CREDENTIAL}"
    client.get("/Users", headers={"Authorization": fake})
    client.get("/Users", headers={"Authorization": "Bearer some-other-real-looking-secret"})
    fake_exchange, other = client.exchanges
    assert fake_exchange.request_headers["authorization"] == fake
    assert fake in fake_exchange.curl() and "$SCIM_TOKEN" not in fake_exchange.curl()
    assert other.request_headers["authorization"] == f"Bearer {REDACTED}"
    assert "some-other" not in everything_recorded(client)


def test_the_replay_keeps_the_scheme_as_sent_and_reads_the_token_from_the_environment(
    client: ScimClient,
) -> None:
    """auth.scheme-case sends 'bearer' and 'BEARER': the curl line must send the same,
    or a failure it reports would not reproduce."""
    for scheme in ("bearer", "BEARER"):
        client.get("/Users", headers={"Authorization": f"{scheme} {TOKEN}"})
    lower, upper = (exchange.curl("MY_TOKEN") for exchange in client.exchanges)
    assert '-H "Authorization: bearer $MY_TOKEN"' in lower
    assert '-H "Authorization: BEARER $MY_TOKEN"' in upper
    assert TOKEN not in lower + upper and REDACTED not in lower + upper


def test_the_replay_sends_every_header_the_request_had(client: ScimClient) -> None:
    """A custom header, a non-default Content-Type and Accept are replayed verbatim;
    the transport's own headers are left to curl."""
    client.request(
        "POST",
        "/Users",
        content=b'{"userName": "ada"}',
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "X-Request-Id": "it's 42",
        },
    )
    line = client.exchanges[0].curl()
    argv = shlex.split(line.replace("$SCIM_TOKEN", "TOKEN"))
    headers = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-H"]
    assert headers == [
        "Accept: application/json",
        "User-Agent: scim-harness",
        "Authorization: Bearer TOKEN",
        "Content-Type: application/json; charset=utf-8",
        "X-Request-Id: it's 42",
    ]
    assert argv[argv.index("--data-binary") + 1] == '{"userName": "ada"}'
    assert argv[:5] == ["curl", "-sS", "-X", "POST", "http://scim.test/Users"]


def test_the_replay_adds_no_header_the_request_did_not_have() -> None:
    """curl sends 'Accept: */*' by itself and a form Content-Type with a body; a
    request without them is replayed without them ('Name:' removes curl's own)."""
    exchange = Exchange(
        method="POST",
        url="http://scim.test/Users",
        request_headers={"content-length": "2"},
        request_body="{}",
        status=400,
        response_headers={},
        response_body="",
        elapsed_ms=1.0,
    )
    argv = shlex.split(exchange.curl())
    headers = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-H"]
    assert headers == ["Accept:", "Content-Type:"]
    empty = dataclasses.replace(
        exchange, request_headers={"content-length": "0"}, request_body=None
    )
    assert shlex.split(empty.curl())[-2:] == ["--data-binary", ""]


def test_a_redacted_credential_in_any_header_is_read_from_the_environment() -> None:
    """Whatever the header, a redacted value becomes the variable, never the secret or
    the '[REDACTED]' placeholder; shell metacharacters around it stay literal."""
    scim = ScimClient("http://scim.test", authorization="Token s3cr3t-Header-Value")
    headers = {
        "Authorization": "Token s3cr3t-Header-Value",
        "X-API-Key": "s3cr3t-Header-Value",
        "X-Note": 'say "$HOME"',
    }
    recorded = scim.redactor.headers(headers)
    exchange = Exchange("GET", "http://scim.test/Users", recorded, None, 200, {}, "", 1.0)
    line = exchange.curl("VENDOR_TOKEN")
    assert '-H "Authorization: Token $VENDOR_TOKEN"' in line
    assert '-H "X-API-Key: $VENDOR_TOKEN"' in line
    assert "s3cr3t" not in line and REDACTED not in line
    argv = shlex.split(line.replace("$VENDOR_TOKEN", "T"))
    assert 'X-Note: say "$HOME"' in argv
    scim.close()


def test_a_wrong_token_is_answered_401_without_raising() -> None:
    app = create_app(ServerConfig(token=TOKEN))
    with ScimClient.in_process(app, "wrong") as scim:
        assert scim.get("/Users").status == 401
        assert scim.get("/Users", authenticate=False).status == 401


def _flaky_app(statuses: list[tuple[int, dict[str, str]]]) -> Starlette:
    """Answers with the given statuses in turn, then 200 forever."""

    async def endpoint(request: Request) -> Response:
        if statuses:
            status, headers = statuses.pop(0)
            return JSONResponse({"status": str(status)}, status_code=status, headers=headers)
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/Users", endpoint)])


def test_429_with_retry_after_is_honoured_then_succeeds() -> None:
    """RFC 6585 §4: wait as long as Retry-After says, then try again."""
    waits: list[float] = []
    app = _flaky_app([(429, {"Retry-After": "2"}), (429, {"Retry-After": "1"})])
    with ScimClient.in_process(app, sleep=waits.append) as scim:
        response = scim.get("/Users")
    assert response.status == 200
    assert waits == [2.0, 1.0]
    assert [e.status for e in scim.exchanges] == [429, 429, 200]


def test_a_429_storm_is_bounded_in_retries_and_in_wait() -> None:
    waits: list[float] = []
    app = _flaky_app([(429, {"Retry-After": "3600"})] * 10)
    with ScimClient.in_process(app, sleep=waits.append, max_retries=3) as scim:
        response = scim.get("/Users")
    assert response.status == 429
    assert waits == [30.0, 30.0, 30.0]  # max_retry_after caps an absurd Retry-After


def test_non_json_body_is_reported_not_raised() -> None:
    async def html(request: Request) -> Response:
        return PlainTextResponse("<html>Internal error</html>", status_code=500)

    async def truncated(request: Request) -> Response:
        return Response('{"schemas": ["urn:', media_type="application/scim+json")

    app = Starlette(routes=[Route("/html", html), Route("/truncated", truncated)])
    with ScimClient.in_process(app) as scim:
        page = scim.get("/html")
        cut = scim.get("/truncated")
    assert page.status == 500 and page.error and "not JSON" in page.error
    assert cut.status == 200 and not cut.ok and cut.body is None


def test_a_hanging_target_times_out() -> None:
    async def hang(request: Request) -> Response:
        await asyncio.sleep(1.5)
        return Response()

    with LiveServer(Starlette(routes=[Route("/Users", hang)])) as live:
        scim = ScimClient(live.url, timeout=0.3)
        response = scim.get("/Users")
        scim.close()
    assert response.status is None
    assert response.error is not None and "timeout" in response.error


def test_a_dropped_connection_is_reported() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def accept_and_drop() -> None:
        connection, _ = listener.accept()
        connection.recv(1024)
        connection.close()

    thread = threading.Thread(target=accept_and_drop, daemon=True)
    thread.start()
    try:
        with ScimClient(f"http://127.0.0.1:{port}", TOKEN, timeout=5) as scim:
            response = scim.get("/Users")
    finally:
        thread.join(5)
        listener.close()
    assert response.status is None
    assert response.error is not None and response.error.startswith("connection failed")
    assert TOKEN not in everything_recorded(scim)


def test_an_unreachable_target_is_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with ScimClient(f"http://127.0.0.1:{port}", timeout=2) as scim:
        response = scim.get("/ServiceProviderConfig")
    assert response.status is None and response.error


def test_credential_headers_are_recognised_by_name() -> None:
    """X-API-Key and token or secret headers are credentials whatever their value; the
    scheme survives only where there is one (Authorization)."""
    redactor = Redactor()
    assert redactor.header("X-Api-Key", "k-123") == REDACTED
    assert redactor.header("X-Auth-Token", "abc def") == REDACTED
    assert redactor.header("Set-Cookie", "session=abc") == REDACTED
    assert redactor.header("Proxy-Authorization", "Basic dTpw") == f"Basic {REDACTED}"
    assert redactor.header("WWW-Authenticate", 'Bearer realm="scim"') == 'Bearer realm="scim"'
