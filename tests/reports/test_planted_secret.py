"""A planted secret reaches no output: issue 7's "done when", for every command and format.

The target is the reference server behind a tattletale: every answer carries
the ``Authorization`` header it received and a second secret (named to the
harness with ``--secret-env``) in response headers, and a 404 body quotes
both. The conformance run also meets ``password-echoed`` (a password the
harness sends comes back), the Okta replay pushes a password, and the fuzz
campaign meets a planted filter defect so that it writes findings with their
exchanges. Then every file each command wrote — JSON, HTML, Markdown, JUnit
— plus what it printed, and what ``scim-harness report`` re-renders from the
JSON, is searched for every spelling of each secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import mock_okta
from harness.cli import main
from harness.server.config import ServerConfig
from harness.server.faults import FAULTS_BY_NAME, faulty_app
from harness.server.live import LiveServer

SCENARIOS = Path(mock_okta.__file__).parent / "scenarios"
TOKEN = 'planted-Token/9+"q"-Zx81'
EXTRA = "planted-extra-secret-K7d2"
#: Okta's password-sync scenario pushes these (mock_okta/scenarios/password-sync.yaml).
PASSWORD_PATTERN = re.compile(r"Larch-Quiver|Pw-scimh-[^\s\"']*secret")
FORMATS = {"json": "report.json", "html": "report.html", "md": "summary.md", "junit": "junit.xml"}


def spellings(secret: str) -> list[str]:
    return [secret, json.dumps(secret)[1:-1], quote(secret, safe=""), quote(secret)]


class Tattletale:
    """ASGI middleware: echoes the credentials it receives, and ``EXTRA``, back —
    in two response headers of every answer, and in the ``detail`` of every error."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        auth = dict(scope["headers"]).get(b"authorization", b"")
        held: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def tell(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers") or []
                    if name.lower() != b"content-length"
                ]
                headers += [(b"x-you-sent", auth), (b"x-build-secret", EXTRA.encode())]
                message = {**message, "headers": headers}
                if message["status"] >= 400:
                    held.update(message)
                    return
                await send(message)
                return
            if not held:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            try:
                data = json.loads(body)
                data["detail"] = f"{data.get('detail')} (you sent {auth.decode()}; build {EXTRA})"
                body = json.dumps(data).encode()
            except (ValueError, AttributeError, TypeError):
                body += f" you sent {auth.decode()}; build {EXTRA}".encode()
            await send(held)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, tell)


def tattling(fault: str) -> Iterator[str]:
    """The reference server with ``fault``, behind the tattletale, on 127.0.0.1."""
    config = ServerConfig(token=TOKEN)
    with LiveServer(Tattletale(faulty_app(FAULTS_BY_NAME[fault], config))) as live:
        yield live.url


@pytest.fixture()
def tattletale() -> Iterator[str]:
    yield from tattling("password-echoed")


@pytest.fixture()
def tattletale_with_filter_defect() -> Iterator[str]:
    yield from tattling("filter-co-case-sensitive")


@pytest.fixture(autouse=True)
def secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANTED_TOKEN", TOKEN)
    monkeypatch.setenv("PLANTED_EXTRA", EXTRA)


def output_options(directory: Path) -> list[str]:
    return [
        "--report-json", str(directory / FORMATS["json"]),
        "--report-html", str(directory / FORMATS["html"]),
        "--report-md", str(directory / FORMATS["md"]),
        "--junitxml", str(directory / FORMATS["junit"]),
        "--secret-env", "PLANTED_EXTRA",
    ]  # fmt: skip


def rerendered(directory: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """What ``scim-harness report`` renders from the JSON, in each format."""
    texts = {}
    for name in FORMATS:
        out = directory / f"again.{name}"
        code = main(["report", str(directory / FORMATS["json"]), "--format", name, "-o", str(out)])
        assert code == 0, capsys.readouterr().err
        texts[f"report --format {name}"] = out.read_text(encoding="utf-8")
    return texts


def assert_no_secret(texts: dict[str, str]) -> None:
    for where, text in texts.items():
        for secret in (TOKEN, EXTRA):
            for form in spellings(secret):
                assert form not in text, f"{secret!r} ({form!r}) leaked into {where}"
        leaked = PASSWORD_PATTERN.search(text)
        assert leaked is None, f"a password ({leaked.group(0) if leaked else ''}) in {where}"


def gather(directory: Path, capsys: pytest.CaptureFixture[str], must_show: str) -> dict[str, str]:
    out, err = capsys.readouterr()
    texts = {name: (directory / file).read_text(encoding="utf-8") for name, file in FORMATS.items()}
    # The planted secrets were really there to leak: the echo is in the report, redacted.
    assert "[REDACTED]" in texts["json"] and must_show in texts["json"]
    texts |= {"stdout": out, "stderr": err}
    texts |= rerendered(directory, capsys)
    return texts


def test_scim_harness_run(
    tattletale: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["run", tattletale, "--token-env", "PLANTED_TOKEN", "--select", "users.*",
         *output_options(tmp_path)]
    )  # fmt: skip
    assert code == 1  # password-echoed fails users.password.never
    texts = gather(tmp_path, capsys, "x-you-sent")
    assert "users.password.never" in texts["html"] and "users.password.never" in texts["md"]
    assert_no_secret(texts)


def test_scim_harness_okta_run(
    tattletale: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["okta", "run", str(SCENARIOS / "password-sync.yaml"), "--url", tattletale,
         "--token-env", "PLANTED_TOKEN", *output_options(tmp_path)]
    )  # fmt: skip
    assert code in (0, 1)
    texts = gather(tmp_path, capsys, "x-you-sent")
    assert "password-sync" in texts["html"]
    assert_no_secret(texts)


def test_scim_harness_fuzz(
    tattletale_with_filter_defect: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["fuzz", tattletale_with_filter_defect, "--token-env", "PLANTED_TOKEN",
         "--property", "filters-users", "--max-examples", "200", "--seed", "3",
         "--database", "none", *output_options(tmp_path)]
    )  # fmt: skip
    assert code == 1  # the planted co defect is found
    texts = gather(tmp_path, capsys, "filter-differential")
    assert_no_secret(texts)
