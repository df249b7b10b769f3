"""``scim-harness report FILE.json``: render a saved report; exit 0, or 2 in one line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.cli import main
from harness.reports.model import Report, report_json_text
from tests.reports.test_outputs import SECRET, sample_report


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """A report as ``--report-json`` would have written it — but holding a secret,
    as a file from a careless producer might (only the token was redacted)."""
    path = tmp_path / "report.json"
    path.write_text(report_json_text(sample_report()), encoding="utf-8")
    return path


def report(*argv: str) -> int:
    return main(["report", *argv])


def test_json_to_stdout_round_trips(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report(str(saved), "--format", "json") == 0
    out = capsys.readouterr().out
    again = Report.from_json(json.loads(out))
    assert again.counts() == sample_report().counts()
    assert [entry.id for entry in again.entries] == [e.id for e in sample_report().entries]


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("out.html", lambda text: text.lstrip().lower().startswith("<!doctype html>")),
        ("out.md", lambda text: text.startswith("# ") and "users.put.replace" in text),
        ("out.xml", lambda text: len(ET.fromstring(text).findall(".//testcase")) == 5),
        ("out.json", lambda text: json.loads(text)["format"] == "scim-harness/report"),
    ],
)
def test_the_format_follows_the_output_suffix(
    saved: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    check: Callable[[str], bool],
) -> None:
    out = tmp_path / name
    assert report(str(saved), "-o", str(out)) == 0, capsys.readouterr().err
    assert check(out.read_text(encoding="utf-8"))
    assert capsys.readouterr().out == ""


def test_an_explicit_format_wins_over_the_suffix(
    saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "summary.html"
    assert report(str(saved), "--format", "md", "-o", str(out)) == 0
    assert out.read_text(encoding="utf-8").startswith("# ")


def test_no_format_and_no_telling_suffix_is_a_usage_error(
    saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report(str(saved)) == 2
    assert report(str(saved), "-o", str(tmp_path / "out.txt")) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(
        line.startswith("scim-harness report: give --format") for line in err
    )
    assert not (tmp_path / "out.txt").exists()


def test_secret_env_redacts_on_the_way_out(
    saved: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert report(str(saved), "--format", "md") == 0
    assert SECRET in capsys.readouterr().out  # it was in the file: the test can fail
    monkeypatch.setenv("BUILD_SECRET", SECRET)
    for name in ("json", "md", "junit", "html"):
        assert report(str(saved), "--format", name, "--secret-env", "BUILD_SECRET") == 0
        out = capsys.readouterr().out
        assert SECRET not in out, name
        assert name != "json" or "(build [REDACTED])" in out


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda d: d / "missing.json", "cannot read"),
        (lambda d: write(d, "x.json", "{not json"), "is not JSON"),
        (lambda d: write(d, "x.json", '{"format": "sarif"}'), "not a scim-harness report"),
        (
            lambda d: write(d, "x.json", '{"format": "scim-harness/run-report", "version": 1}'),
            "old scim-harness/run-report v1 document: re-run 'scim-harness run --report-json",
        ),
        (
            lambda d: write(d, "x.json", '{"format": "scim-harness/fuzz-report", "version": 1}'),
            "re-run 'scim-harness fuzz --report-json",
        ),
        (
            lambda d: write(d, "x.json", '{"format": "scim-harness/report", "version": 9}'),
            "version 9 is not supported",
        ),
        (
            lambda d: write(d, "x.json", '{"format": "scim-harness/report", "version": 1}'),
            "malformed report",
        ),
    ],
)
def test_a_file_that_is_not_a_report_is_exit_2_in_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path], Path],
    says: str,
) -> None:
    path = make(tmp_path)
    assert report(str(path), "--format", "md") == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("scim-harness report: ")
    assert says in err


def test_an_output_that_cannot_be_written_is_exit_2_in_one_line(
    saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no-such-dir" / "r.html"
    assert report(str(saved), "-o", str(out)) == 2
    err = capsys.readouterr().err
    assert err == f"scim-harness report: cannot write {out}: No such file or directory\n"
