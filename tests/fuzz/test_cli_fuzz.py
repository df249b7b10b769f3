"""``scim-harness fuzz``: exit codes 0/1/2, the seed first, replay, no token anywhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from harness.cli import main
from harness.fuzz.command import parse_duration
from harness.reports.model import SCHEMA_PATH
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import FAULTS_BY_NAME, FaultyApp
from harness.server.live import LiveServer

TOKEN = "scimh-cli-token-9d8c7b6a5f4e"
SCHEMA = json.loads(SCHEMA_PATH.read_text())


def read_report(path: Path) -> dict[str, Any]:
    """The report a fuzz run wrote, checked against the report schema (docs/report.md)."""
    data: dict[str, Any] = json.loads(path.read_text())
    jsonschema.validate(data, SCHEMA)
    assert data["source"] == "fuzz"
    return data


@pytest.fixture
def serve() -> Iterator[Any]:
    started: list[LiveServer] = []

    def start(fault: str | None = None) -> str:
        config = ServerConfig(token=TOKEN)
        app: Any = create_app(config)
        if fault is not None:
            chosen = FAULTS_BY_NAME[fault]
            config = chosen.server_config(config)
            app = FaultyApp(create_app(config), chosen, config)
        live = LiveServer(app)
        live.start()
        started.append(live)
        return str(live.url)

    yield start
    for live in started:
        live.stop()


def fuzz(*argv: str) -> int:
    return main(["fuzz", *argv])


def test_embedded_reference_server_passes(tmp_path: Path, capsys: Any) -> None:
    report = tmp_path / "report.json"
    code = fuzz("--max-examples", "10", "--property", "paging", "--seed", "11",
                "--database", str(tmp_path / "db"), "--report-json", str(report))  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    assert err.splitlines()[0].startswith("scim-harness fuzz: seed 11")
    assert "verdict: PASS" in err
    data = read_report(report)
    assert data["seed"] == 11 and data["exit_code"] == 0 and data["facts"]["findings"] == 0
    assert [entry["id"] for entry in data["entries"]] == ["fuzz.paging"]
    assert data["entries"][0]["details"]["examples"] >= 10


def test_findings_exit_1_replay_and_no_token(
    tmp_path: Path, capsys: Any, monkeypatch: Any, serve: Any
) -> None:
    monkeypatch.setenv("FUZZ_TOKEN", TOKEN)
    url = serve("start-index-zero-based")
    report = tmp_path / "report.json"
    code = fuzz(url, "--token-env", "FUZZ_TOKEN", "--max-examples", "100", "--property",
                "paging", "--database", "none", "--report-json", str(report))  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 1, err
    replay_file = tmp_path / "report-replay.json"
    assert f"scim-harness fuzz {url} --replay {replay_file}" in err
    assert "[paging] RFC 7644 §3.4.2.4" in err and "$FUZZ_TOKEN" in err
    data = read_report(report)
    assert [e["finding"]["kind"] for e in data["entries"] if e["kind"] == "finding"] == ["paging"]
    for text in (out, err, report.read_text(), replay_file.read_text()):
        assert TOKEN not in text
    # The replay reproduces against the faulty server, not against a clean one.
    assert fuzz(url, "--token-env", "FUZZ_TOKEN", "--replay", str(replay_file)) == 1
    assert "1/1 finding(s) reproduce" in capsys.readouterr().err
    clean = serve()
    assert fuzz(clean, "--token-env", "FUZZ_TOKEN", "--replay", str(replay_file)) == 0
    out, err = capsys.readouterr()
    assert "0/1 finding(s) reproduce" in err and TOKEN not in out + err


def test_could_not_run_exit_2(capsys: Any, monkeypatch: Any, serve: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("FUZZ_TOKEN", "wrong-token-value")
    url = serve()
    assert fuzz(url, "--token-env", "FUZZ_TOKEN", "--max-examples", "1", "--database", "none") == 2
    assert "authentication refused" in capsys.readouterr().err
    monkeypatch.setenv("FUZZ_TOKEN", TOKEN)
    assert fuzz("http://127.0.0.1:9", "--token-env", "FUZZ_TOKEN", "--max-examples", "1",
                "--database", "none", "--timeout", "2") == 2  # fmt: skip
    assert "unreachable" in capsys.readouterr().err
    assert fuzz("--workers", "0") == 2
    assert fuzz("--replay", str(tmp_path / "missing.json")) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert fuzz(url, "--token-env", "FUZZ_TOKEN", "--replay", str(bad)) == 2
    assert TOKEN not in capsys.readouterr().err


def test_duration_parsing() -> None:
    assert parse_duration("90s") == 90 and parse_duration("10m") == 600
    assert parse_duration("1.5h") == 5400 and parse_duration("30") == 30
    with pytest.raises(Exception, match="duration"):
        parse_duration("ten minutes")


def test_workers_split_the_properties(tmp_path: Path, capsys: Any) -> None:
    report = tmp_path / "report.json"
    code = fuzz("--workers", "2", "--max-examples", "5", "--property", "paging", "--property",
                "invalid-filters", "--database", str(tmp_path / "db"), "--report-json",
                str(report))  # fmt: skip
    assert code == 0, capsys.readouterr().err
    data = read_report(report)
    assert sorted(e["area"] for e in data["entries"]) == ["invalid-filters", "paging"]
    assert all(e["details"]["examples"] >= 5 for e in data["entries"])
    assert data["cleanup"]["leftovers"] == []
