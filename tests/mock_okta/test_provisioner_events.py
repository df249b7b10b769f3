"""Sign-in (JIT), password push, broken answers and 429 storms, as Okta meets them.

Facts: seed 000 (find-or-create at sign-in), okta-provisioning.md ("Password
push", "Requests": timeouts and 429 with Retry-After), RFC 6585 §4.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from harness.client import ScimClient
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import RateLimitStorm
from mock_okta import judge
from mock_okta.connection import AuthScheme, Connection, ConnectionStatus
from mock_okta.model import AppInstance, OktaUser, SyncState
from mock_okta.org import Org
from mock_okta.provisioner import Provisioner, StepResult
from mock_okta.settings import AppKind, ProvisioningSettings, ToAppFeatures
from mock_okta.wire import MAX_RETRIES, okta_client, okta_client_in_process
from tests.mock_okta.test_users import assert_okta_headers, body, calls, jane

TOKEN = "okta-events-token"
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
PASSWORD = 'Tr0ub4dor&3-"quoted"-ü'


# -- plumbing ----------------------------------------------------------------------


class Recorder:
    """ASGI wrapper keeping the raw requests, to see what was really sent (unredacted)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests: list[tuple[str, str, bytes]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        self.requests.append((scope["method"], scope["path"], raw))
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": raw, "more_body": False}

        await self.app(scope, replay, send)

    def bodies(self, method: str) -> list[dict[str, Any]]:
        return [json.loads(raw) for m, _, raw in self.requests if m == method]


@dataclass
class Override:
    """ASGI wrapper answering ``answer(scope, body)`` for matching requests, else the app."""

    app: ASGIApp
    method: str
    path: str
    answer: Callable[[bytes], Response]
    active: bool = True
    hits: list[bytes] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        matches = (
            scope["type"] == "http"
            and scope["method"] == self.method
            and scope["path"] == self.path
        )
        if not (self.active and matches):
            await self.app(scope, receive, send)
            return
        message = await receive()
        self.hits.append(message.get("body", b""))
        await self.answer(message.get("body", b""))(scope, receive, send)


def fixed(status: int, content: bytes | str, media_type: str) -> Callable[[bytes], Response]:
    return lambda _: Response(content, status, media_type=media_type)


HTML_500 = fixed(500, "<html><body><h1>500 Internal Server Error</h1></body></html>", "text/html")


class Okta:
    """One app, one provisioner, the SCIM app in-process; waits recorded, never slept."""

    def __init__(self, scim_app: ASGIApp, **settings: Any) -> None:
        self.app = AppInstance.new("Acme SCIM", ProvisioningSettings(**settings))
        self.waits: list[float] = []
        self.client = okta_client_in_process(scim_app, TOKEN, sleep=self.waits.append)
        self.provisioner = Provisioner(self.app, self.client)

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def okta_for() -> Iterator[Callable[..., Okta]]:
    made: list[Okta] = []

    def make(scim_app: ASGIApp, **settings: Any) -> Okta:
        made.append(Okta(scim_app, **settings))
        return made[-1]

    yield make
    for okta in made:
        okta.close()


def reference(**config: Any) -> ASGIApp:
    return create_app(ServerConfig(token=TOKEN, **config))


def scim_users(scim_app: ASGIApp) -> list[dict[str, Any]]:
    with ScimClient.in_process(scim_app, TOKEN) as inspect:
        listed: list[dict[str, Any]] = inspect.get("/Users").body["Resources"]
    return listed


def syncing(seed: str = "OKTA", change: str = "KEEP_EXISTING") -> ToAppFeatures:
    return ToAppFeatures(sync_password=True, password_seed=seed, password_change=change)


def transcript(result: StepResult, client: ScimClient) -> str:
    """Everything a report could show of a step: exchanges, curl lines, the message."""
    parts = [json.dumps([e.to_json() for e in client.exchanges])]
    for exchange in client.exchanges:
        parts += [exchange.url, exchange.request_body or "", exchange.response_body]
        parts += [exchange.curl(), exchange.error or ""]
    parts += [result.message or "", repr(result)]
    return "\n".join(parts)


def leaks(secret: str, text: str) -> bool:
    """The secret as typed or as spelled inside a JSON string."""
    return secret in text or json.dumps(secret)[1:-1] in text


# -- just-in-time provisioning at sign-in (seed 000) ----------------------------------


def test_first_sign_in_looks_up_by_external_id_then_creates(
    okta_for: Callable[..., Okta],
) -> None:
    scim_app = reference()
    okta = okta_for(scim_app)
    user = jane()
    first = okta.provisioner.sign_in(user)
    assert first.ok, first.message
    assert calls(first.exchanges) == [
        ("GET", f'/Users?filter=externalId eq "{user.id}"&startIndex=1&count=100'),
        ("POST", "/Users"),
    ]
    assert f"filter=externalId%20eq%20%22{user.id}%22" in first.exchanges[0].url
    for exchange in first.exchanges:
        assert_okta_headers(exchange)
    sent = body(first.exchanges[1])
    assert sent["userName"] == "jane.doe@example.com" and sent["externalId"] == user.id
    app_user = okta.app.app_users[user.id]
    assert app_user.external_id == first.data
    assert app_user.sync_state is SyncState.SYNCHRONIZED

    second = okta.provisioner.sign_in(user)
    assert second.ok, second.message
    assert [m for m, _ in calls(second.exchanges)] == ["GET"]
    assert second.data == first.data
    assert [u["id"] for u in scim_users(scim_app)] == [first.data]


def test_sign_in_links_an_account_the_app_already_has(okta_for: Callable[..., Okta]) -> None:
    scim_app = reference()
    user = jane()
    with ScimClient.in_process(scim_app, TOKEN) as inspect:
        existing = inspect.post(
            "/Users", {"schemas": [USER_URN], "userName": "jdoe", "externalId": user.id}
        ).body["id"]
    okta = okta_for(scim_app)
    result = okta.provisioner.sign_in(user)
    assert result.ok and result.data == existing
    assert [m for m, _ in calls(result.exchanges)] == ["GET"]
    assert okta.app.app_users[user.id].external_id == existing


def test_sign_in_with_two_matching_accounts_fails(okta_for: Callable[..., Okta]) -> None:
    scim_app = reference(unique_external_id=False)
    user = jane()
    with ScimClient.in_process(scim_app, TOKEN) as inspect:
        for name in ("a", "b"):
            inspect.post("/Users", {"schemas": [USER_URN], "userName": name, "externalId": user.id})
    okta = okta_for(scim_app)
    result = okta.provisioner.sign_in(user)
    assert not result.ok
    assert result.message == judge.jit_message(
        "jane.doe@example.com",
        "Acme SCIM",
        f"2 users on the remote server match externalId {user.id}",
    )
    assert result.message.startswith("Acme SCIM could not find or create the account of jane.doe")
    app_user = okta.app.app_users[user.id]
    assert app_user.sync_state is SyncState.ERROR and app_user.external_id is None
    assert len(scim_users(scim_app)) == 2


def test_org_sign_in_is_queued_for_retry_when_it_fails() -> None:
    broken = Override(reference(), "POST", "/Users", HTML_500)
    org = Org(lambda app: okta_client_in_process(broken, TOKEN, sleep=lambda _: None))
    app = org.add_app("Acme SCIM")
    app.connection.base_url, app.connection.token = "http://scim.test", TOKEN
    app.connection.status = ConnectionStatus.ENABLED
    user = org.add_user("jane.doe@example.com", firstName="Jane", lastName="Doe")
    try:
        failed = org.sign_in(app, user)
        assert not failed.ok and failed.message is not None
        assert failed.message.startswith("Acme SCIM could not find or create the account of")
        assert failed.message.endswith("at sign-in: HTTP 500")
        assert [task.event for task in app.failed_tasks] == ["sign_in"]
        broken.active = False
        retried = org.retry_failed(app)
        assert retried.ok, retried.message
        assert [m for m, _ in calls(retried.exchanges)] == ["GET", "POST"]
        assert app.app_user(user.id).sync_state is SyncState.SYNCHRONIZED
    finally:
        org.close()


def test_a_basic_auth_connection_reaches_a_server_that_accepts_basic() -> None:
    """Okta's "SCIM 2.0 Test App (Basic Auth)" (seed 002) against the reference server
    configured with Basic credentials (RFC 7617); the password stays out of transcripts."""
    scim_app = create_app(ServerConfig(token=TOKEN, basic_credentials=("okta", "b4sic-pass")))
    connection = Connection(auth_scheme=AuthScheme.BASIC, username="okta", password="b4sic-pass")
    client = okta_client_in_process(scim_app, None, authorization=connection.authorization())
    try:
        result = Provisioner(AppInstance.new("Acme SCIM"), client).test_connection()
        assert result.ok, result.message
        assert result.exchanges[0].request_headers["authorization"] == "Basic [REDACTED]"
        connection.password = "wrong"
        client.close()
        client = okta_client_in_process(scim_app, None, authorization=connection.authorization())
        refused = Provisioner(AppInstance.new("Acme SCIM"), client).test_connection()
        assert not refused.ok and refused.message is not None
        assert refused.message.startswith("Error authenticating: HTTP 401")
    finally:
        client.close()


# -- password push ---------------------------------------------------------------------


def _linked(okta: Okta, user: OktaUser) -> str:
    created = okta.provisioner.assign_user(user)
    assert created.ok, created.message
    scim_id: str = created.data
    return scim_id


def test_oin_pushes_a_password_with_a_pathless_patch(okta_for: Callable[..., Okta]) -> None:
    recorder = Recorder(reference())
    okta = okta_for(recorder, kind=AppKind.OIN, to_app=syncing())
    user = jane()
    scim_id = _linked(okta, user)
    result = okta.provisioner.push_password(user, PASSWORD)
    assert result.ok, result.message
    assert calls(result.exchanges) == [("PATCH", f"/Users/{scim_id}")]
    assert_okta_headers(result.exchanges[0])
    assert recorder.bodies("PATCH")[-1] == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"password": PASSWORD}}],
    }
    assert body(result.exchanges[0])["Operations"][0]["value"] == {"password": "[REDACTED]"}
    assert not leaks(PASSWORD, transcript(result, okta.client))
    assert okta.app.app_users[user.id].sync_state is SyncState.SYNCHRONIZED


def test_custom_app_pushes_a_password_with_get_and_full_put(
    okta_for: Callable[..., Okta],
) -> None:
    recorder = Recorder(reference())
    okta = okta_for(recorder, kind=AppKind.CUSTOM, to_app=syncing())
    user = jane()
    scim_id = _linked(okta, user)
    result = okta.provisioner.push_password(user, PASSWORD)
    assert result.ok, result.message
    path = f"/Users/{scim_id}"
    assert calls(result.exchanges) == [("GET", path), ("PUT", path)]
    put = recorder.bodies("PUT")[-1]
    assert put["password"] == PASSWORD
    assert put["id"] == scim_id and put["userName"] == "jane.doe@example.com"
    assert put["active"] is True and put["externalId"] == user.id
    assert not leaks(PASSWORD, transcript(result, okta.client))
    assert "[REDACTED]" in (result.exchanges[1].request_body or "")


def test_password_push_is_skipped_without_sync_password(okta_for: Callable[..., Okta]) -> None:
    okta = okta_for(reference())
    user = jane()
    _linked(okta, user)
    before = len(okta.client.exchanges)
    result = okta.provisioner.push_password(user, PASSWORD)
    assert result.ok and result.skipped and result.exchanges == []
    assert len(okta.client.exchanges) == before


def test_random_seed_cycles_or_keeps_the_password(okta_for: Callable[..., Okta]) -> None:
    """RANDOM: the app never gets the Okta password; CHANGE sends a new random one,
    KEEP_EXISTING sends nothing (Okta's cycleSyncedPassword)."""
    recorder = Recorder(reference())
    okta = okta_for(recorder, kind=AppKind.OIN, to_app=syncing("RANDOM", "CHANGE"))
    user = jane()
    _linked(okta, user)
    created_with = recorder.bodies("POST")[-1]["password"]
    cycled = okta.provisioner.push_password(user, PASSWORD)
    assert cycled.ok, cycled.message
    sent = recorder.bodies("PATCH")[-1]["Operations"][0]["value"]["password"]
    assert sent not in (PASSWORD, created_with) and len(sent) >= 20
    text = transcript(cycled, okta.client)
    assert not any(leaks(secret, text) for secret in (sent, created_with, PASSWORD))

    okta.app.settings = replace(okta.app.settings, to_app=syncing("RANDOM", "KEEP_EXISTING"))
    kept = okta.provisioner.push_password(user, PASSWORD)
    assert kept.skipped and kept.exchanges == []


@pytest.mark.parametrize(
    ("to_app", "expected"),
    [
        (syncing("OKTA"), PASSWORD),
        (syncing("RANDOM"), "random"),
        (ToAppFeatures(sync_password=False), None),
    ],
    ids=["okta-seed", "random-seed", "sync-off"],
)
def test_create_sends_the_seeded_password(
    okta_for: Callable[..., Okta], to_app: ToAppFeatures, expected: str | None
) -> None:
    recorder = Recorder(reference())
    okta = okta_for(recorder, to_app=to_app)
    user = jane()
    user.password = PASSWORD
    result = okta.provisioner.assign_user(user)
    assert result.ok, result.message
    posted = recorder.bodies("POST")[-1]
    if expected is None:
        assert "password" not in posted
        return
    if expected == "random":
        assert posted["password"] != PASSWORD and len(posted["password"]) >= 20
    else:
        assert posted["password"] == PASSWORD
    assert body(result.exchanges[1])["password"] == "[REDACTED]"
    assert not leaks(posted["password"], transcript(result, okta.client))


def test_a_password_echoed_in_an_error_stays_out_of_the_message(
    okta_for: Callable[..., Okta],
) -> None:
    """A server quoting the request in its error detail must not leak the password."""

    def echo(raw: bytes) -> Response:
        detail = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400"}
        detail["detail"] = f"cannot apply {raw.decode()}"
        return Response(json.dumps(detail), 400, media_type="application/scim+json")

    scim_app = reference()
    okta = okta_for(scim_app, kind=AppKind.OIN, to_app=syncing())
    user = jane()
    scim_id = _linked(okta, user)
    okta.provisioner.client = okta_client_in_process(
        Override(scim_app, "PATCH", f"/Users/{scim_id}", echo), TOKEN
    )
    try:
        result = okta.provisioner.push_password(user, "plain-secret-42")
        assert not result.ok and result.message is not None
        assert "HTTP 400: cannot apply" in result.message
        assert not leaks("plain-secret-42", transcript(result, okta.provisioner.client))
        assert "[REDACTED]" in result.message
    finally:
        okta.provisioner.client.close()


def test_the_okta_password_is_not_in_the_users_repr() -> None:
    user = jane()
    user.password = PASSWORD
    assert PASSWORD not in repr(user)


# -- broken answers (judged as Okta judges them) --------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "answer", "why", "sent"),
    [
        ("POST", "/Users", HTML_500, "HTTP 500", ["GET", "POST"]),
        ("GET", "/Users", fixed(200, "<html>ok</html>", "text/html"), "not JSON", ["GET"]),
        (
            "POST",
            "/Users",
            fixed(201, json.dumps({"schemas": [USER_URN], "userName": "x"}), "application/json"),
            "the created resource has no id",
            ["GET", "POST"],
        ),
    ],
    ids=["html-500-on-create", "non-json-200-on-lookup", "201-without-id"],
)
def test_a_broken_answer_fails_the_step(
    okta_for: Callable[..., Okta],
    method: str,
    path: str,
    answer: Callable[[bytes], Response],
    why: str,
    sent: list[str],
) -> None:
    okta = okta_for(Override(reference(), method, path, answer))
    user = jane()
    result = okta.provisioner.assign_user(user)
    assert not result.ok and result.message is not None
    prefix = "Automatic provisioning of user jane.doe@example.com to app Acme SCIM failed: "
    assert result.message.startswith(prefix) and why in result.message
    assert [m for m, _ in calls(result.exchanges)] == sent  # sent once: no retry of its own
    app_user = okta.app.app_users[user.id]
    assert app_user.sync_state is SyncState.ERROR and app_user.external_id is None
    assert okta.waits == []


@contextlib.contextmanager
def raw_server(behaviour: str) -> Iterator[str]:
    """A socket on 127.0.0.1 that accepts and then hangs (``hang``) or hangs up (``drop``)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            if behaviour == "drop":
                conn.recv(65536)
                conn.close()
            else:
                held.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for conn in held:
            conn.close()


@pytest.mark.parametrize(
    ("behaviour", "why"),
    [("hang", "no answer within 0.3 s (timeout)"), ("drop", "connection failed")],
)
def test_a_timeout_or_a_dropped_connection_fails_the_step(behaviour: str, why: str) -> None:
    with raw_server(behaviour) as url:
        client = okta_client(url, TOKEN, timeout=0.3, sleep=lambda _: None)
        app = AppInstance.new("Acme SCIM")
        try:
            result = Provisioner(app, client).assign_user(jane())
        finally:
            client.close()
    assert not result.ok and result.message is not None
    assert result.message.startswith("Automatic provisioning of user jane.doe@example.com")
    assert why in result.message
    assert len(result.exchanges) == 1 and result.exchanges[0].status is None


# -- 429: Retry-After honoured, bounded --------------------------------------------------


def test_the_storm_wrapper_is_deterministic() -> None:
    storm = RateLimitStorm(reference(), burst=2, every=5, retry_after="7")
    with ScimClient.in_process(storm, TOKEN, max_retries=0) as client:
        statuses = [client.get("/Users").status for _ in range(12)]
    assert statuses == [429, 429, 200, 200, 200] * 2 + [429, 429]
    assert storm.requests == 12 and storm.limited == 6
    with ScimClient.in_process(RateLimitStorm(reference(), 1, 1), TOKEN, max_retries=0) as c:
        refused = c.get("/Users")
    assert refused.status == 429 and refused.headers["retry-after"] == "0"
    assert refused.body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert refused.body["status"] == "429"
    with pytest.raises(ValueError):
        RateLimitStorm(reference(), burst=3, every=2)


def test_okta_recovers_from_a_burst_waiting_retry_after(okta_for: Callable[..., Okta]) -> None:
    okta = okta_for(RateLimitStorm(reference(), burst=4, every=10, retry_after="3"))
    result = okta.provisioner.assign_user(jane())
    assert result.ok, result.message
    assert [e.status for e in result.exchanges] == [429, 429, 429, 429, 200, 201]
    assert okta.waits == [3.0, 3.0, 3.0, 3.0]


def test_without_retry_after_okta_backs_off_exponentially(okta_for: Callable[..., Okta]) -> None:
    okta = okta_for(RateLimitStorm(reference(), burst=3, every=10, retry_after=None))
    result = okta.provisioner.assign_user(jane())
    assert result.ok, result.message
    assert okta.waits == [1.0, 2.0, 4.0]


@pytest.mark.parametrize("retry_after", ["0", None])
def test_an_endless_storm_fails_after_one_try_and_ten_retries(
    okta_for: Callable[..., Okta], retry_after: str | None
) -> None:
    okta = okta_for(RateLimitStorm(reference(), retry_after=retry_after, endless=True))
    result = okta.provisioner.assign_user(jane())
    assert not result.ok and result.message is not None
    assert result.message.startswith(
        "Automatic provisioning of user jane.doe@example.com to app Acme SCIM failed: HTTP 429"
    )
    assert [e.status for e in result.exchanges] == [429] * (1 + MAX_RETRIES)
    assert len(okta.waits) == MAX_RETRIES
    if retry_after is None:
        cap = okta.client.max_retry_after
        assert okta.waits == [min(2.0**n, cap) for n in range(MAX_RETRIES)]
    else:
        assert okta.waits == [0.0] * MAX_RETRIES
